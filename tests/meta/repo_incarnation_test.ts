/**
 * Repo incarnations: an upload commits only to the repo it began with, and a repo deleted and
 * created again under the same name never shows a bundle of the earlier one.
 */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { createRepo, deleteRepo, getRepo } from "../../lib/meta/repo.ts";
import { latestBundle, listBundles } from "../../lib/meta/bundles.ts";
import { bundlePrefix, repoKey } from "../../lib/model/keys.ts";
import { isKind } from "../../lib/errors.ts";
import type { Context } from "../../lib/meta/context.ts";

/** Runs `hook` once, when the upload writes its first file list (after its blobs). */
function beforeCommit(ctx: Context, hook: () => Promise<void>): void {
  const store = ctx.metadata;
  const putIfAbsent = store.putIfAbsent.bind(store);
  let done = false;
  store.putIfAbsent = async (key: string, bytes: Uint8Array) => {
    const created = await putIfAbsent(key, bytes);
    if (!done && key.includes("/bundle-files-")) {
      done = true;
      await hook();
    }
    return created;
  };
}

async function assertNoBundles(ctx: Context): Promise<void> {
  assertEquals(await Array.fromAsync(listBundles(ctx, "r")), []);
  const latest = await assertRejects(() => latestBundle(ctx, "r"));
  assert(isKind(latest, "not-found"), String(latest));
}

Deno.test("an upload whose repo is deleted before its commit fails and commits nothing", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "a.txt": "a", "b.bin": 70000 });
    beforeCommit(ctx, () => deleteRepo(ctx, "r", TEST_CONTRIBUTOR));
    const error = await assertRejects(() => uploadBundle(ctx, uploadOptions(dir)));
    assert(isKind(error, "not-found"), String(error));
    assertEquals(error.message, 'repo "r" was deleted during the upload: nothing was committed');
  });
});

Deno.test("an upload whose repo is deleted and created again does not show in the new repo", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    beforeCommit(ctx, async () => {
      await deleteRepo(ctx, "r", TEST_CONTRIBUTOR);
      await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    });
    const error = await assertRejects(() => uploadBundle(ctx, uploadOptions(dir)));
    assert(/deleted and created again/.test(error.message), error.message);
    await assertNoBundles(ctx);
  });
});

Deno.test("a bundle committed to an earlier repo of the same name is neither listed nor latest", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    // Keep the bundle's metadata, as an upload that slipped past its check would leave it.
    const prefix = bundlePrefix("r", bundle.id);
    const kept = new Map<string, Uint8Array>();
    for await (const e of ctx.metadata.list(prefix)) {
      if (e.kind === "object") kept.set(e.key, await ctx.metadata.get(e.key));
    }
    await deleteRepo(ctx, "r", TEST_CONTRIBUTOR);
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    for (const [key, bytes] of kept) await ctx.metadata.put(key, bytes);
    await assertNoBundles(ctx);
  });
});

Deno.test("a repo.yaml without an incarnation stays readable and takes uploads", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    const yaml = "name: r\ndescription: old\ntimestamp: 2020-01-01T00:00:00Z\n" +
      "contributor:\n  name: t\n  email: t@example.com\n";
    await ctx.metadata.put(repoKey("r"), new TextEncoder().encode(yaml));
    assertEquals((await getRepo(ctx, "r")).incarnation, undefined);
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals((await latestBundle(ctx, "r")).id, bundle.id);
  });
});
