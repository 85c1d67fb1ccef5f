/** The commit's merge of split file lists: grouping by name, conflicts, checkpoints, order. */
import { assertEquals, assertRejectsKind } from "../support/assert.ts";
import type { TreeEntry } from "../../lib/model/types.ts";
import {
  mergeByName,
  mergedTree,
  type MergeSource,
  resolve,
  scanConflicts,
} from "../../lib/core/diamond_merge.ts";

const mtime = new Date("2026-01-01T00:00:00Z");

/** A file entry whose key stands for its bytes. */
function file(name: string, bytes: string): TreeEntry {
  return { name, size: bytes.length, mode: 0o644, mtime, key: bytes.padEnd(64, "0") };
}

function source(split: string, generation: string, files: Record<string, string>): MergeSource {
  const entries = Object.entries(files).sort(([a], [b]) => a < b ? -1 : 1)
    .map(([name, bytes]) => file(name, bytes));
  return {
    split,
    generation,
    entries: async function* () {
      yield* entries;
    },
  };
}

async function names(sources: MergeSource[], kept: Set<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of mergedTree(sources, kept)) {
    out.push(`${entry.name}=${"key" in entry ? entry.key[0] : ""}`);
  }
  return out;
}

Deno.test("mergeByName groups every source's entries by name, in name order, sources in order", async () => {
  const sources = [
    source("a", "1", { "b": "x", "d": "x" }),
    source("b", "2", { "a": "y", "b": "y", "c": "y" }),
    source("c", "3", { "b": "z" }),
  ];
  const grouped = [];
  for await (const path of mergeByName(sources.map((s) => s.entries()))) {
    grouped.push(`${path.name}:${path.versions.map((v) => v.source).join("")}`);
  }
  assertEquals(grouped, ["a:1", "b:012", "c:1", "d:0"]);
});

Deno.test("mergeByName refuses a source out of name order as damaged", async () => {
  const bad = source("a", "1", {});
  bad.entries = async function* () {
    yield file("b", "x");
    yield file("a", "x");
  };
  await assertRejectsKind("integrity", () => Array.fromAsync(mergeByName([bad.entries()])));
});

Deno.test("the same bytes from two splits are no conflict; different bytes are, the last split winning", async () => {
  const sources = [
    source("a", "1", { "same": "s", "diff": "a" }),
    source("b", "2", { "same": "s", "diff": "b" }),
  ];
  const conflicts: string[] = [];
  const scan = await scanConflicts(sources, "with-conflicts", (path, losers) => {
    conflicts.push(`${path} lost by ${losers.join(",")}`);
  });
  assertEquals(conflicts, ["diff lost by a"]);
  assertEquals(scan.conflicts, 1);
  assertEquals(await names(sources, scan.kept), [".conflicts/a/diff=a", "diff=b", "same=s"]);
});

Deno.test("--ignore-conflicts and --no-conflicts keep the winner only", async () => {
  const sources = [source("a", "1", { "f": "a" }), source("b", "2", { "f": "b" })];
  for (const mode of ["ignore-conflicts", "no-conflicts"] as const) {
    const scan = await scanConflicts(sources, mode);
    assertEquals(scan.conflicts, 1);
    assertEquals(await names(sources, scan.kept), ["f=b"]);
  }
});

Deno.test("--with-checkpoints keeps earlier runs of a split under .checkpoints/{split}/{generation}/", async () => {
  const sources = [
    source("a", "g1", { "f": "1", "only-early": "e" }),
    source("b", "g2", { "f": "b" }),
    source("a", "g3", { "f": "3" }),
  ];
  const scan = await scanConflicts(sources, "with-checkpoints");
  assertEquals(scan.checkpoints, 1);
  assertEquals(await names(sources, scan.kept), [
    ".checkpoints/a/g1/f=1",
    ".conflicts/b/f=b",
    "f=3",
    "only-early=e",
  ]);
});

Deno.test("resolve keeps one conflict per losing split, and none for a split that agrees", () => {
  const sources = [{ split: "a", generation: "1" }, { split: "b", generation: "2" }, {
    split: "c",
    generation: "3",
  }];
  const r = resolve({
    name: "f",
    versions: [
      { source: 0, entry: file("f", "x") },
      { source: 1, entry: file("f", "z") },
      { source: 2, entry: file("f", "z") },
    ],
  }, sources);
  assertEquals(r.winner.source, 2);
  assertEquals(r.conflicts.map((v) => v.source), [0]);
});
