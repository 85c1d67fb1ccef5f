/** Diamonds in core: splits, the commit's modes and refusals, cancel, and the purge. */
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertRejectsKind,
} from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR } from "../support/context.ts";
import type { Context } from "../../lib/meta/context.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleTree } from "../../lib/meta/bundles.ts";
import { createDiamond, getDiamond, SplitWriter } from "../../lib/meta/diamond.ts";
import { getSplit, listSplits } from "../../lib/core/diamond_split.ts";
import { addTestSplit } from "../support/diamond.ts";
import { cancelDiamond, commitDiamond, type CommitOptions } from "../../lib/core/diamond_commit.ts";
import { purge } from "../../lib/core/purge.ts";
import type { BundleDoc } from "../../lib/model/types.ts";

/** A context with repo "r" and a new diamond of it. */
async function withDiamond(fn: (ctx: Context, diamond: string, dir: string) => Promise<void>) {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    const diamond = await createDiamond(ctx, "r", TEST_CONTRIBUTOR);
    await fn(ctx, diamond.id, dir);
  });
}

/** Adds split `split` holding `tree`. */
async function split(
  ctx: Context,
  dir: string,
  diamond: string,
  split: string,
  tree: Record<string, string | number>,
) {
  const path = `${dir}/${split}-${crypto.randomUUID()}`;
  await writeTree(path, tree);
  return await addTestSplit(ctx, diamond, split, path);
}

function commit(ctx: Context, diamond: string, extra: Partial<CommitOptions> = {}) {
  return commitDiamond(ctx, {
    repo: "r",
    diamond,
    message: "m",
    mode: "with-conflicts",
    contributor: TEST_CONTRIBUTOR,
    ...extra,
  });
}

/** name -> size of each entry of the bundle. */
async function tree(ctx: Context, bundle: BundleDoc): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for await (const e of bundleTree(ctx, bundle)) out[e.name] = "size" in e ? e.size : -1;
  return out;
}

Deno.test("a commit makes one bundle of the union of its splits, and the diamond is done", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "a/1": "1", "shared": "same" });
    await split(ctx, dir, diamond, "b", { "b/1": "22", "shared": "same", "big": 200_000 });
    const result = await commit(ctx, diamond);
    assertEquals(await tree(ctx, result.bundle), { "a/1": 1, "b/1": 2, "big": 200_000, shared: 4 });
    assertEquals(result.conflicts, 0);
    const status = await getDiamond(ctx, "r", diamond);
    assertEquals(status.state, "done");
    assertEquals(status.done?.bundle, result.bundle.id);
  });
});

Deno.test("with conflicts, the latest split wins and the other version is under .conflicts/", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "from a" });
    await split(ctx, dir, diamond, "b", { "f": "b" });
    const reported: string[] = [];
    const result = await commit(ctx, diamond, { onConflict: (p) => reported.push(p) });
    assertEquals(await tree(ctx, result.bundle), { ".conflicts/a/f": 6, "f": 1 });
    assertEquals(reported, ["f"]);
  });
});

Deno.test("--no-conflicts refuses the commit naming the paths, and the diamond stays open", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "from a", "g": "same" });
    await split(ctx, dir, diamond, "b", { "f": "b", "g": "same" });
    const e = await assertRejectsKind(
      "failed-step",
      () => commit(ctx, diamond, { mode: "no-conflicts" }),
    );
    assertMatch(e.message, /1 paths have different bytes in two splits \(f\)/);
    assertEquals((await getDiamond(ctx, "r", diamond)).state, "initialized");
    const result = await commit(ctx, diamond, { mode: "ignore-conflicts" });
    assertEquals(await tree(ctx, result.bundle), { "f": 1, "g": 4 });
    assertEquals(result.conflicts, 1);
  });
});

Deno.test("--with-checkpoints keeps an earlier run's version of a split under .checkpoints/", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    const first = await split(ctx, dir, diamond, "a", { "f": "first" });
    await split(ctx, dir, diamond, "a", { "f": "second!" });
    const result = await commit(ctx, diamond, { mode: "with-checkpoints" });
    assertEquals(await tree(ctx, result.bundle), {
      [`.checkpoints/a/${first.generation}/f`]: 5,
      "f": 7,
    });
    assertEquals((await getSplit(ctx, "r", diamond, "a")).runs.length, 2);
  });
});

Deno.test("a split that died midway is shown dead; commit refuses it, or leaves it out when asked", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "a" });
    // A run whose writer lock is gone: its process died before done.yaml.
    await SplitWriter.start(ctx, {
      repo: "r",
      diamond,
      split: "dead",
      actor: TEST_CONTRIBUTOR,
      lock: "locks/writers/gone.yaml",
      path: "/x",
    });
    const states = (await Array.fromAsync(listSplits(ctx, "r", diamond))).map((s) => s.state);
    assertEquals(states, ["done", "dead"]);
    const e = await assertRejectsKind("failed-step", () => commit(ctx, diamond));
    assertMatch(e.message, /^split dead of diamond \S+ died midway .*--exclude-unfinished$/);
    const result = await commit(ctx, diamond, { excludeUnfinished: true });
    assertEquals(result.excluded, ["dead"]);
    assertEquals(await tree(ctx, result.bundle), { "f": 1 });
  });
});

Deno.test("a failed split is recorded failed with its error", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await Deno.mkdir(`${dir}/empty`);
    await assertRejectsKind("bad-path", () => addTestSplit(ctx, diamond, "e", `${dir}/empty`));
    const status = await getSplit(ctx, "r", diamond, "e");
    assertEquals(status.state, "failed");
    assertMatch(status.runs[0].failed!.error, /holds no files/);
  });
});

Deno.test("commit twice, a split after the commit and an unknown diamond are refused with distinct kinds", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "a" });
    const { bundle } = await commit(ctx, diamond);
    const twice = await assertRejectsKind("already-exists", () => commit(ctx, diamond));
    assertMatch(twice.message, new RegExp(`already committed as bundle ${bundle.id}`));
    await assertRejectsKind(
      "invalid-argument",
      () => split(ctx, dir, diamond, "late", { "g": "g" }),
    );
    await assertRejectsKind("not-found", () => commit(ctx, "2kTgN7nEvKsTBAnQA2E0QzmHfYz"));
    await assertRejectsKind("not-found", () => commit(ctx, "../../etc"));
  });
});

Deno.test("a cancelled diamond takes no split and no commit, and cannot be cancelled again", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "a" });
    await cancelDiamond(ctx, "r", diamond, TEST_CONTRIBUTOR);
    assertEquals((await getDiamond(ctx, "r", diamond)).state, "cancelled");
    await assertRejectsKind("invalid-argument", () => commit(ctx, diamond));
    await assertRejectsKind("invalid-argument", () => split(ctx, dir, diamond, "b", { "g": "g" }));
    await assertRejectsKind(
      "invalid-argument",
      () => cancelDiamond(ctx, "r", diamond, TEST_CONTRIBUTOR),
    );
  });
});

Deno.test("a commit that stopped after closed.yaml is finished by a re-run as the same bundle", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "f": "a" });
    await split(ctx, dir, diamond, "b", { "g": "b" });
    // The first run stops at its first write of the bundle, after closed.yaml.
    const put = ctx.metadata.putIfAbsent.bind(ctx.metadata);
    let crash = true;
    ctx.metadata.putIfAbsent = (key, bytes) =>
      crash && key.startsWith("bundles/") ? Promise.reject(new Error("crash")) : put(key, bytes);
    await assertRejects(() => commit(ctx, diamond));
    crash = false;
    const committing = await getDiamond(ctx, "r", diamond);
    assertEquals(committing.state, "committing");
    const result = await commit(ctx, diamond, { message: "ignored: the record's message wins" });
    assertEquals(
      result.bundle.id,
      committing.closed?.state === "committing" && committing.closed.bundle,
    );
    assertEquals(result.bundle.message, "m");
  });
});

Deno.test("purge keeps the blobs of finished splits of a diamond not yet committed", async () => {
  await withDiamond(async (ctx, diamond, dir) => {
    await split(ctx, dir, diamond, "a", { "big": 200_000, "small": "s" });
    const swept = await purge(ctx, {
      graceMs: 0,
      quarantineMs: 0,
      concurrency: 4,
      now: new Date(Date.now() + 60_000),
    });
    assertEquals(swept.quarantined, 0);
    const result = await commit(ctx, diamond);
    assertEquals(await tree(ctx, result.bundle), { "big": 200_000, "small": 1 });
    assert(swept.liveKeys > 0);
  });
});
