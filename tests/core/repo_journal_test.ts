/**
 * Journaled repo rename and delete: a command stopped at any metadata write (as a kill there
 * would stop it) is finished by running it again, to the same end state as an unbroken run.
 */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { renameRepo } from "../../lib/core/repo_rename.ts";
import { createRepo, deleteRepo, getRepo, listRepos } from "../../lib/meta/repo.ts";
import { bundleEntries, listBundles } from "../../lib/meta/bundles.ts";
import { listLabels, setLabel } from "../../lib/meta/labels.ts";
import { type Context, STORE_ROLES } from "../../lib/meta/context.ts";
import { isKind } from "../../lib/errors.ts";

/** What a repo shows: its incarnation, bundles (with file counts) and labels. */
interface RepoView {
  incarnation?: string;
  bundles: string[];
  labels: string[];
}

async function view(ctx: Context, repo: string): Promise<RepoView> {
  const bundles: string[] = [];
  for await (const b of listBundles(ctx, repo)) {
    bundles.push(`${b.id}:${(await Array.fromAsync(bundleEntries(ctx, b))).length}`);
  }
  const labels = (await Array.fromAsync(listLabels(ctx, repo))).map((l) =>
    `${l.name}->${l.bundleId}`
  );
  return { incarnation: (await getRepo(ctx, repo)).incarnation, bundles, labels };
}

/** A repo "r" with two bundles and a label, built once and copied for each run. */
async function original(dir: string): Promise<Context> {
  const ctx = memoryContext();
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  await writeTree(`${dir}/src`, { "a.txt": "a", "b.bin": 70000 });
  const first = await uploadBundle(ctx, uploadOptions(dir));
  await Deno.writeTextFile(`${dir}/src/c.txt`, "c");
  await uploadBundle(ctx, uploadOptions(dir));
  await setLabel(ctx, "r", "v1", first.bundle.id, TEST_CONTRIBUTOR);
  return ctx;
}

async function copyOf(ctx: Context): Promise<Context> {
  const copy = memoryContext();
  for (const role of STORE_ROLES) {
    for await (const e of ctx[role].list("")) {
      if (e.kind === "object") await copy[role].put(e.key, await ctx[role].get(e.key));
    }
  }
  return copy;
}

/** Makes the `n`th write to a metadata store throw before it lands, until disarmed. */
function killAtWrite(ctx: Context, n: number): { disarm(): void; writes: number } {
  const state = { armed: true, writes: 0, disarm: () => (state.armed = false) };
  for (const role of ["metadata", "vmetadata", "wal"] as const) {
    const store = ctx[role] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const op of ["put", "putIfAbsent", "delete"]) {
      const inner = store[op].bind(store);
      store[op] = (...args: unknown[]) => {
        if (state.armed && ++state.writes === n) return Promise.reject(new Error("killed"));
        return inner(...args);
      };
    }
  }
  return state;
}

/** Keys left in the metadata stores under the old name, or of an unfinished operation. */
async function leftovers(ctx: Context, name: string): Promise<string[]> {
  const left: string[] = [];
  for (const prefix of [`repos/${name}/`, `bundles/${name}/`, "intents/"]) {
    for await (const e of ctx.metadata.list(prefix)) if (e.kind === "object") left.push(e.key);
  }
  for await (const e of ctx.vmetadata.list(`labels/${name}/`)) left.push(String(e.kind));
  return left;
}

/**
 * Runs `command` stopped at every write in turn, then again unbroken, and checks the end
 * state after each with `check`; returns how many stop points there were.
 */
async function atEveryStop(
  dir: string,
  command: (ctx: Context) => Promise<void>,
  check: (ctx: Context, before: RepoView) => Promise<void>,
): Promise<number> {
  const base = await original(dir);
  const before = await view(base, "r");
  for (let n = 1;; n++) {
    const ctx = await copyOf(base);
    const kill = killAtWrite(ctx, n);
    const stopped = await command(ctx).then(() => false, () => true);
    kill.disarm();
    if (stopped) await command(ctx);
    await check(ctx, before);
    if (!stopped) return n - 1;
  }
}

Deno.test("a repo rename stopped at any write is finished by running it again", async () => {
  await withTempDir(async (dir) => {
    const stops = await atEveryStop(
      dir,
      (ctx) => renameRepo(ctx, "r", "s", TEST_CONTRIBUTOR),
      async (ctx, before) => {
        assertEquals(await view(ctx, "s"), before);
        assertEquals((await Array.fromAsync(listRepos(ctx))).map((r) => r.name), ["s"]);
        assertEquals(await leftovers(ctx, "r"), []);
      },
    );
    assert(stops > 10, `${stops} stop points`);
  });
});

Deno.test("a repo delete stopped at any write is finished by running it again", async () => {
  await withTempDir(async (dir) => {
    const stops = await atEveryStop(
      dir,
      (ctx) => deleteRepo(ctx, "r", TEST_CONTRIBUTOR),
      async (ctx) => {
        const gone = await assertRejects(() => getRepo(ctx, "r"));
        assert(isKind(gone, "not-found"), String(gone));
        assertEquals(await leftovers(ctx, "r"), []);
      },
    );
    assert(stops > 5, `${stops} stop points`);
  });
});

Deno.test("an unfinished rename refuses a delete and names the command that finishes it", async () => {
  await withTempDir(async (dir) => {
    const ctx = await original(dir);
    const kill = killAtWrite(ctx, 3);
    await assertRejects(() => renameRepo(ctx, "r", "s", TEST_CONTRIBUTOR));
    kill.disarm();
    const refused = await assertRejects(() => deleteRepo(ctx, "r", TEST_CONTRIBUTOR));
    assert(isKind(refused, "locked"), String(refused));
    assertEquals(
      refused.message,
      'repo "r" has an unfinished rename to "s": finish it with "datamon repo rename s --repo r"',
    );
  });
});

Deno.test("an upload to a repo being renamed commits nothing", async () => {
  await withTempDir(async (dir) => {
    const ctx = await original(dir);
    const kill = killAtWrite(ctx, 3);
    await assertRejects(() => renameRepo(ctx, "r", "s", TEST_CONTRIBUTOR));
    kill.disarm();
    const refused = await assertRejects(() => uploadBundle(ctx, uploadOptions(dir)));
    assert(isKind(refused, "locked"), String(refused));
    await renameRepo(ctx, "r", "s", TEST_CONTRIBUTOR);
    assertEquals((await view(ctx, "s")).bundles.length, 2);
  });
});
