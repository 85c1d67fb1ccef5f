/**
 * Lookups that seek: the inode table asks a ListProbe, which binary-searches the file lists the
 * stream has not reached, reading a few of them, checked for name order.
 */
import { assert, assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { EntryStream, fileEntry, settledWithin } from "../support/entry_stream.ts";
import { BundleInodes, ROOT_INO } from "../../lib/mount/bundle_inodes.ts";
import { ListProbe } from "../../lib/mount/list_probe.ts";
import type { TreeEntry } from "../../lib/model/types.ts";
import { S_IFDIR } from "../../lib/mount/fuse_ffi.ts";

const owner = { uid: 1000, gid: 100 };

/** `count` lists of `size` files each, named d0000/f00 on, in name order (one directory a list). */
function orderedLists(count: number, size: number): string[][] {
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return Array.from(
    { length: count },
    (_, i) => Array.from({ length: size }, (_, j) => `d${pad(i, 4)}/f${pad(j, 2)}`),
  );
}

/** A probe over `lists` that counts its reads, and a table using it fed by `stream`. */
function probedTable(lists: readonly (readonly string[])[], stream: EntryStream) {
  const read = (index: number) => Promise.resolve(lists[index].map(fileEntry) as TreeEntry[]);
  const probe = new ListProbe(lists.length, read, 'bundle B in repo "r"');
  const files = lists.reduce((sum, list) => sum + list.length, 0);
  const inodes = new BundleInodes(1000, owner, files, probe);
  const filled = inodes.fill(stream);
  return { probe, inodes, filled };
}

/** Looks a path up a component at a time, as the kernel walks it. */
async function walk(inodes: BundleInodes, path: string): Promise<number | undefined> {
  let ino: number | undefined = ROOT_INO;
  for (const part of path.split("/")) {
    ino = await inodes.lookupWhenKnown(ino, part);
    if (ino === undefined) return undefined;
  }
  return ino;
}

/** The names a directory lists, in order. */
function names(inodes: BundleInodes, ino: number): string[] {
  const listing = inodes.listing(ino);
  return Array.from({ length: listing.length }, (_, i) => listing.at(i).name);
}

Deno.test("the last file of a 1,000-list bundle is found reading about log2 of its lists", async () => {
  const stream = new EntryStream();
  const lists = orderedLists(1000, 10);
  stream.push(...lists[0]);
  const { probe, inodes } = probedTable(lists, stream);
  const found = walk(inodes, "d0999/f09");
  const ino = await settledWithin(found, 2000);
  assert(ino !== "pending" && ino !== undefined, "the lookup answers while the stream stalls");
  assertEquals(inodes.file(ino).name, "d0999/f09");
  assertEquals(inodes.attr(ino).size, "d0999/f09".length);
  assertEquals(inodes.attr(await walk(inodes, "d0999") as number).mode & S_IFDIR, S_IFDIR);
  assert(probe.reads <= 24, `${probe.reads} lists read to find one name among 1,000`);
  stream.end();
});

Deno.test("a name absent between two lists is unknown without reading every list", async () => {
  const stream = new EntryStream();
  const lists = orderedLists(1000, 10);
  const { probe, inodes } = probedTable(lists, stream);
  // d0500/g sorts after d0500's last file (list 500) and before list 501's first.
  const absent = await settledWithin(walk(inodes, "d0500/g"), 2000);
  assertEquals(absent, undefined, "the order proves the name absent");
  assertEquals(await settledWithin(walk(inodes, "d0500x"), 2000), undefined);
  assert(probe.reads <= 30, `${probe.reads} lists read for two absent names`);
  stream.end();
});

Deno.test("a name probed first, then reached by the stream, has one inode and is listed once", async () => {
  const stream = new EntryStream();
  const lists = [["a/1", "a/2"], ["a/3", "b/1"], ["b/2", "b/3"], ["b/4", "c"]];
  const { inodes, filled } = probedTable(lists, stream);
  stream.push(...lists[0]);
  const b3 = await walk(inodes, "b/3");
  const c = await walk(inodes, "c");
  const a3 = await walk(inodes, "a/3");
  assert(b3 !== undefined && c !== undefined && a3 !== undefined);
  for (const list of lists.slice(1)) stream.push(...list);
  stream.end();
  await filled;
  assertEquals(inodes.failure, undefined);
  assertEquals([await walk(inodes, "b/3"), await walk(inodes, "c"), await walk(inodes, "a/3")], [
    b3,
    c,
    a3,
  ]);
  const b = (await walk(inodes, "b"))!;
  assertEquals(names(inodes, ROOT_INO), ["a", "b", "c"]);
  assertEquals(names(inodes, b), ["1", "2", "3", "4"], "bundle order, each once");
  assertEquals((await inodes.listingWhenComplete((await walk(inodes, "a"))!)).length, 3);
  assertEquals(inodes.attr(ROOT_INO).nlink, 4, "each subdirectory counted once");
  assertEquals(inodes.files, 8);
});

Deno.test("a directory listing waits for the stream even after its entries were probed", async () => {
  const stream = new EntryStream();
  const lists = [["a/1"], ["d/1", "d/2"], ["d/3", "e"]];
  const { inodes } = probedTable(lists, stream);
  const d = (await walk(inodes, "d"))!;
  await walk(inodes, "d/3");
  const listing = inodes.listingWhenComplete(d);
  assertEquals(await settledWithin(listing, 100), "pending");
  for (const list of lists) stream.push(...list);
  const out = await listing;
  assertEquals(Array.from({ length: out.length }, (_, i) => out.at(i).name), ["1", "2", "3"]);
  stream.end();
});

Deno.test("a name that sorts between a file and its namesake directory's entries is found", async () => {
  // "x" < "x-y" < "x/z": the directory x is found past the file x-y.
  const stream = new EntryStream();
  const lists = [["a"], ["x-y"], ["x/z"], ["zz"]];
  const { inodes } = probedTable(lists, stream);
  const z = await walk(inodes, "x/z");
  assert(z !== undefined && inodes.isFile(z));
  assert(inodes.isFile((await walk(inodes, "x-y"))!));
  assertEquals(await walk(inodes, "x-"), undefined);
  stream.end();
});

Deno.test("a probed list out of name order fails the lookup as damage, not as absent", async () => {
  const stream = new EntryStream();
  const inside = [["a"], ["b"], ["m", "k"], ["x"]];
  const damaged = await assertRejectsKind(
    "integrity",
    () => walk(probedTable(inside, stream).inodes, "l"),
  );
  assertMatch(damaged.message, /out of name order \(file list 2 names "k" after "m"\)/);
  const across = [["a"], ["b"], ["k", "n"], ["m", "z"]];
  const overlapping = await assertRejectsKind(
    "integrity",
    () => walk(probedTable(across, stream).inodes, "l"),
  );
  assertMatch(overlapping.message, /file list 3 starts at "m", not after list 2/);
  stream.end();
});

Deno.test("the stream refuses a name that does not come after the one before it", async () => {
  const stream = new EntryStream();
  const inodes = new BundleInodes(1000, owner);
  const filled = inodes.fill(stream);
  stream.push("a/1", "b/1");
  stream.push("a/2");
  stream.end();
  await filled;
  assertMatch(String(inodes.failure), /"a\/2" after "b\/1", out of name order/);
});

Deno.test("concurrent lookups share the reads of the lists they both need", async () => {
  const lists = orderedLists(1000, 10);
  const read = (index: number) => Promise.resolve(lists[index].map(fileEntry) as TreeEntry[]);
  const alone = new ListProbe(lists.length, read, "bundle B");
  await alone.firstFrom("d0999/f09", 0);
  const shared = new ListProbe(lists.length, read, "bundle B");
  const found = await Promise.all([
    shared.firstFrom("d0999/f09", 0),
    shared.firstFrom("d0999/f09", 0),
    shared.firstFrom("d0999/f08", 0),
  ]);
  assertEquals(found.map((entry) => entry?.name), ["d0999/f09", "d0999/f09", "d0999/f08"]);
  assertEquals(shared.reads, alone.reads, "three searches read what one does");
});
