/**
 * Reading bundles back: file lists verified against the checksums bundle.yaml records, a name
 * given twice or out of name order refused at upload; at read, a name twice refused and lists
 * out of name order told; and a damaged bundle.yaml or label record passed over with a warning
 * instead of freezing the repo.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import { memoryContext } from "../support/context.ts";
import { BundleWriter } from "../../lib/meta/bundle_writer.ts";
import {
  bundleEntries,
  bundleTree,
  bundleTreeLists,
  type Disorder,
  getBundle,
  latestBundle,
  listBundles,
  resolveBundle,
} from "../../lib/meta/bundles.ts";
import { getLabel, listLabels, setLabel } from "../../lib/meta/labels.ts";
import { createRepo, getRepo } from "../../lib/meta/repo.ts";
import { redactFiles } from "../../lib/meta/redactions.ts";
import { encodeBundle } from "../../lib/model/codec.ts";
import { bundleKey, FILE_LIST_SIZE, fileListKey, labelRecordKey } from "../../lib/model/keys.ts";
import type { BundleDoc, FileEntry } from "../../lib/model/types.ts";
import type { Context } from "../../lib/meta/context.ts";
import { rewriteLists } from "../support/file_lists.ts";
import { isKind } from "../../lib/errors.ts";

const who = { name: "t", email: "t@example.com" };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function entry(name: string, key = "ab".repeat(32)): FileEntry {
  return { name, size: 1, mode: 0o644, mtime: new Date(0), key };
}

/** Commits a bundle of repo "r" (created if need be) holding `entries`. */
async function commit(ctx: Context, entries: FileEntry[]): Promise<BundleDoc> {
  await createRepo(ctx, "r", "", who).catch((e) => {
    if (!isKind(e, "already-exists")) throw e;
  });
  const writer = await BundleWriter.start(ctx, "r", who);
  for (const e of entries) await writer.add(e);
  return await writer.commit({ message: "m", leafSize: 65536, inputs: [] });
}

/** Rewrites a stored document's text. */
async function edit(ctx: Context, key: string, change: (text: string) => string): Promise<void> {
  const text = decoder.decode(await ctx.metadata.get(key));
  await ctx.metadata.put(key, encoder.encode(change(text)));
}

Deno.test("bundle.yaml records a checksum of each file list, and the lists read back verified", async () => {
  const ctx = memoryContext();
  const names = Array.from({ length: FILE_LIST_SIZE + 1 }, (_, i) => `f${i}`.padStart(6, "0"));
  const bundle = await commit(ctx, names.sort().map((n) => entry(n)));
  assertEquals(bundle.fileListChecksums?.length, 2);
  assertEquals(await getBundle(ctx, "r", bundle.id), bundle);
  assertEquals((await Array.fromAsync(bundleEntries(ctx, bundle))).length, names.length);
});

Deno.test("bundleTreeLists() gives the entries a file list at a time, redacted names left out", async () => {
  const ctx = memoryContext();
  const names = Array.from({ length: FILE_LIST_SIZE + 2 }, (_, i) => `f${i}`.padStart(6, "0"));
  const bundle = await commit(ctx, names.sort().map((n) => entry(n)));
  const whole = await Array.fromAsync(bundleTreeLists(ctx, bundle));
  assertEquals(whole.map((list) => list.length), [FILE_LIST_SIZE, 2]);
  assertEquals(whole.flat().map((e) => e.name), names);
  await redactFiles(ctx, await getRepo(ctx, "r"), [names[1], names.at(-1)!], who);
  const redacted: string[] = [];
  const shown = await Array.fromAsync(bundleTreeLists(ctx, bundle, (n) => redacted.push(n)));
  assertEquals(shown.map((list) => list.length), [FILE_LIST_SIZE - 1, 1]);
  assertEquals(redacted, [names[1], names.at(-1)]);
});

Deno.test("bundleEntries() refuses a file list edited to name another key, before any entry", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a"), entry("b")]);
  await edit(
    ctx,
    fileListKey("r", bundle.id, 0),
    (t) => t.replace("ab".repeat(32), "cd".repeat(32)),
  );
  const seen: FileEntry[] = [];
  const e = await assertRejects(async () => {
    for await (const found of bundleEntries(ctx, bundle)) seen.push(found);
  });
  assert(isKind(e, "integrity"), e.message);
  assertMatch(
    e.message,
    /^file list 0 of bundle \w{27} in repo "r" .* does not match the checksum/,
  );
  assertEquals(seen, []);
});

Deno.test("bundle.yaml ends with a checksum of itself: an edit, or the seal removed, is damage", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a")]);
  const key = bundleKey("r", bundle.id);
  const text = decoder.decode(await ctx.metadata.get(key));
  assertMatch(text, /\nchecksum: [0-9a-f]{64}\n$/);
  const edits: [(t: string) => string, RegExp][] = [
    [(t) => t.replace("message: m", "message: n"), /does not match the checksum it ends with/],
    [(t) => t.replace(/checksum: .*\n$/, ""), /records file-list checksums but lost the checksum/],
  ];
  for (const [change, problem] of edits) {
    await ctx.metadata.put(key, encoder.encode(change(text)));
    const e = await assertRejects(() => getBundle(ctx, "r", bundle.id));
    assert(isKind(e, "integrity"), e.message);
    assertMatch(e.message, problem);
  }
});

Deno.test("a bundle written without file-list checksums stays readable, unverified", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a")]);
  const { fileListChecksums: _, ...old } = bundle;
  await ctx.metadata.put(bundleKey("r", bundle.id), encoder.encode(encodeBundle(old)));
  const read = await getBundle(ctx, "r", bundle.id);
  assertEquals(read.fileListChecksums, undefined);
  assertEquals((await Array.fromAsync(bundleEntries(ctx, read))).map((e) => e.name), ["a"]);
});

Deno.test("BundleWriter.add() refuses a name given twice", async () => {
  const ctx = memoryContext();
  await createRepo(ctx, "r", "", who);
  const writer = await BundleWriter.start(ctx, "r", who);
  await writer.add(entry("a"));
  const e = await assertRejects(() => writer.add(entry("a", "cd".repeat(32))));
  assert(isKind(e, "invalid-argument"), e.message);
  assertMatch(e.message, /^"a" is named twice in the files to upload/);
});

Deno.test("BundleWriter.add() refuses a name before the previous one in JavaScript string order", async () => {
  const ctx = memoryContext();
  await createRepo(ctx, "r", "", who);
  const writer = await BundleWriter.start(ctx, "r", who);
  // Code-point order (a bucket's listing) puts U+FF21 before the emoji; JS order after it.
  await writer.add(entry("d/\uff21.txt"));
  const e = await assertRejects(() => writer.add(entry("d/\u{1f600}.txt")));
  assert(isKind(e, "integrity"), e.message);
  assertMatch(e.message, /^"d\/\u{1f600}\.txt" came after "d\/\uff21\.txt", out of name order/u);
});

/** Stores lists of entries named `lists` as the bundle's file lists. */
function rewriteNames(ctx: Context, bundle: BundleDoc, lists: string[][]) {
  return rewriteLists(ctx, bundle, lists.map((names) => names.map((n) => entry(n))));
}

Deno.test("bundleEntries() refuses a bundle naming a file twice, in one list or across two", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a")]);
  for (const lists of [[["a", "a", "b"]], [["a", "b"], ["b", "c"]]]) {
    const doc = await rewriteNames(ctx, bundle, lists);
    const e = await assertRejects(() => Array.fromAsync(bundleEntries(ctx, doc)));
    assert(isKind(e, "integrity"), e.message);
    assertMatch(e.message, /^bundle \w{27} in repo "r" names "(a|b)" twice/);
  }
  const sound = await rewriteNames(ctx, bundle, [["a", "b"], ["c"]]);
  assertEquals((await Array.fromAsync(bundleEntries(ctx, sound))).length, 3);
});

Deno.test("bundleTree() tells onDisorder where the lists are first out of name order, in a list or across two, and gives every entry", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a")]);
  // Code-point order (a bucket's listing, as uploads from buckets once wrote it): U+FF21
  // before the emoji, which JavaScript string order puts first.
  const [fullwidth, emoji] = ["d/\uff21.txt", "d/\u{1f600}.txt"];
  const cases: [string[][], Disorder][] = [
    [[["a", fullwidth, emoji, "e"]], { index: 0, previous: fullwidth, name: emoji }],
    [[["a", fullwidth], [emoji, "b"]], { index: 1, previous: fullwidth, name: emoji }],
  ];
  for (const [lists, first] of cases) {
    const doc = await rewriteNames(ctx, bundle, lists);
    const told: Disorder[] = [];
    const names = await Array.fromAsync(
      bundleTree(ctx, doc, undefined, (d) => told.push(d)),
      (e) => e.name,
    );
    assertEquals(names, lists.flat());
    assertEquals(told, [first], "told once, of the first");
  }
  const sound = await rewriteNames(ctx, bundle, [["a", emoji], [fullwidth]]);
  const told: Disorder[] = [];
  await Array.fromAsync(bundleTree(ctx, sound, undefined, (d) => told.push(d)));
  assertEquals(told, []);
});

Deno.test("a malformed bundle.yaml is passed over by latest resolution and listing, with a warning", async () => {
  const ctx = memoryContext();
  const older = await commit(ctx, [entry("a")]);
  const newer = await commit(ctx, [entry("b")]);
  await ctx.metadata.put(bundleKey("r", newer.id), encoder.encode("filecount: many\n"));
  const warnings: string[] = [];
  const warn = (line: string) => warnings.push(line);
  assertEquals((await latestBundle(ctx, "r", warn)).id, older.id);
  assertEquals((await resolveBundle(ctx, "r", { onSkipped: warn })).id, older.id);
  assertEquals((await Array.fromAsync(listBundles(ctx, "r", 4, warn))).map((b) => b.id), [
    older.id,
  ]);
  assertEquals(warnings.length, 3);
  for (const w of warnings) {
    assertMatch(w, new RegExp(`^skipped bundle ${newer.id} of repo "r": malformed `));
  }
  const e = await assertRejects(() => getBundle(ctx, "r", newer.id));
  assert(isKind(e, "integrity"), e.message);
});

Deno.test("listLabels() passes over a label whose record is malformed and lists the others", async () => {
  const ctx = memoryContext();
  const bundle = await commit(ctx, [entry("a")]);
  await setLabel(ctx, "r", "good", bundle.id, who);
  const bad = await setLabel(ctx, "r", "bad", bundle.id, who);
  await setLabel(ctx, "r", "zgood", bundle.id, who);
  await ctx.vmetadata.put(labelRecordKey("r", "bad", bad.id), encoder.encode("name: [\n"));
  const warnings: string[] = [];
  const labels = await Array.fromAsync(listLabels(ctx, "r", 4, (w) => warnings.push(w)));
  assertEquals(labels.map((l) => l.name), ["good", "zgood"]);
  assertEquals(warnings.length, 1);
  assertMatch(warnings[0], /^skipped label "bad" of repo "r": malformed .*not valid YAML/);
  const e = await assertRejects(() => getLabel(ctx, "r", "bad"));
  assert(isKind(e, "integrity"), e.message);
});
