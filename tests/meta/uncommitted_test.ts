/** Purge's clean-up of the bundle directories of uploads killed before their commit. */
import { assertEquals } from "../support/assert.ts";
import { memoryContext } from "../support/context.ts";
import { listed } from "../support/store.ts";
import { removeUncommittedBundles } from "../../lib/meta/uncommitted.ts";
import { bundleKey, fileListKey, repoIntentKey } from "../../lib/model/keys.ts";
import { ksuidGenerator } from "../../lib/model/ksuid.ts";
import type { Context } from "../../lib/meta/context.ts";

const DAY_MS = 86_400_000;

/** A bundle directory of repo "r" started `daysAgo`, with two file lists, committed or not. */
async function bundleDirectory(ctx: Context, daysAgo: number, committed: boolean) {
  // A generator of its own: the process's newKsuid never goes back in time.
  const id = ksuidGenerator()(new Date(Date.now() - daysAgo * DAY_MS));
  for (const i of [0, 1]) await ctx.metadata.put(fileListKey("r", id, i), new Uint8Array(1));
  if (committed) await ctx.metadata.put(bundleKey("r", id), new Uint8Array(1));
  return id;
}

Deno.test("removeUncommittedBundles removes old directories without bundle.yaml; keeps committed and young ones", async () => {
  const ctx = memoryContext();
  const dead = await bundleDirectory(ctx, 3, false);
  const committed = await bundleDirectory(ctx, 3, true);
  const running = await bundleDirectory(ctx, 0, false);
  const before = new Date(Date.now() - DAY_MS);
  const dry = await removeUncommittedBundles(ctx, { before, dryRun: true });
  assertEquals(dry, { directories: 1, objects: 2 });
  assertEquals((await listed(ctx.metadata, `bundles/r/${dead}/`)).length, 2, "dry: kept");
  const removed = await removeUncommittedBundles(ctx, { before, dryRun: false });
  assertEquals(removed, { directories: 1, objects: 2 });
  assertEquals(await listed(ctx.metadata, `bundles/r/${dead}/`), []);
  assertEquals((await listed(ctx.metadata, `bundles/r/${committed}/`)).length, 3);
  assertEquals((await listed(ctx.metadata, `bundles/r/${running}/`)).length, 2);
});

Deno.test("removeUncommittedBundles removes nothing while a repo rename or delete is unfinished", async () => {
  const ctx = memoryContext();
  const dead = await bundleDirectory(ctx, 3, false);
  await ctx.metadata.put(repoIntentKey("r"), new TextEncoder().encode("{}"));
  const result = await removeUncommittedBundles(ctx, { before: new Date(), dryRun: false });
  assertEquals(result.directories, 0);
  assertEquals(result.skipped, "a repo rename or delete is unfinished (intents/repos/r.yaml)");
  assertEquals((await listed(ctx.metadata, `bundles/r/${dead}/`)).length, 2);
});
