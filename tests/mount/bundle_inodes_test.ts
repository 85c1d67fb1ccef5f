/** The inode table of a bundle view: directories synthesized from paths, compact per file. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { EntryStream, settledWithin } from "../support/entry_stream.ts";
import { BundleInodes, ROOT_INO } from "../../lib/mount/bundle_inodes.ts";
import { S_IFDIR, S_IFLNK, S_IFREG } from "../../lib/mount/fuse_ffi.ts";

const KEY = "0123456789abcdef".repeat(4);
const owner = { uid: 1000, gid: 100 };

function entry(name: string, size = 1) {
  return { name, size, mode: 0o640, mtime: new Date(5000), key: KEY };
}

Deno.test("directories are synthesized from file paths, with their files in bundle order", () => {
  const inodes = new BundleInodes(1000, owner);
  for (const name of ["a.txt", "d/b.txt", "d/e/c.txt", "d/f.txt", "z"]) inodes.add(entry(name));
  const d = inodes.lookup(ROOT_INO, "d")!;
  assert(inodes.isDirectory(d));
  const names = (ino: number) => {
    const listing = inodes.listing(ino);
    return Array.from({ length: listing.length }, (_, i) => listing.at(i).name);
  };
  assertEquals(names(ROOT_INO), ["a.txt", "d", "z"]);
  assertEquals(names(d), ["b.txt", "e", "f.txt"]);
  assertEquals(inodes.listing(d).parent, ROOT_INO);
  assertEquals(inodes.attr(d).mode, S_IFDIR | 0o755);
  assertEquals(inodes.attr(d).nlink, 3, "a directory's links count its subdirectories");
  assertEquals(inodes.files, 5);
});

Deno.test("a file inode keeps the entry's size, mode, time, key and name", () => {
  const inodes = new BundleInodes(1000, owner);
  inodes.add(entry("x/y/big.bin", 5_000_000_000));
  const x = inodes.lookup(ROOT_INO, "x")!;
  const ino = inodes.lookup(inodes.lookup(x, "y")!, "big.bin")!;
  const attr = inodes.attr(ino);
  assertEquals(attr.mode, S_IFREG | 0o640);
  assertEquals(attr.size, 5_000_000_000);
  assertEquals(attr.mtimeMs, 5000);
  assertEquals(attr.uid, 1000);
  assertEquals(inodes.file(ino), { name: "x/y/big.bin", key: KEY, size: 5_000_000_000 });
  assertEquals(inodes.lookup(x, "missing"), undefined);
});

Deno.test("a bundle naming one path as both a file and a directory is refused", () => {
  const inodes = new BundleInodes(1000, owner);
  inodes.add(entry("a"));
  let error: unknown;
  try {
    inodes.add(entry("a/b"));
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error && /both a file and a directory/.test(error.message));
});

Deno.test("an inode table holds 100,000 files in 100 synthesized directories", () => {
  const inodes = new BundleInodes(1000, owner);
  for (let i = 0; i < 100_000; i++) inodes.add(entry(`d${Math.floor(i / 1000)}/f${i}`));
  assertEquals(inodes.files, 100_000);
  assertEquals(inodes.inodes, 100_000 + 100 + 1, "files, directories and the root");
});

Deno.test("a symlink entry is a link inode with its target; an empty directory keeps its mode", () => {
  const inodes = new BundleInodes(1000, owner);
  inodes.add({ kind: "dir", name: "d/empty/", mode: 0o700, mtime: new Date(7000) });
  inodes.add(entry("d/f"));
  inodes.add({ kind: "symlink", name: "d/l", target: "f", mode: 0o777, mtime: new Date(6000) });
  const d = inodes.lookup(ROOT_INO, "d")!;
  const link = inodes.lookup(d, "l")!;
  assertEquals(inodes.attr(link).mode, S_IFLNK | 0o777);
  assertEquals(inodes.attr(link).size, 1);
  assertEquals(inodes.attr(link).mtimeMs, 6000);
  assertEquals(inodes.target(link), "f");
  assertEquals(inodes.listing(d).at(2).mode, S_IFLNK);
  const empty = inodes.lookup(d, "empty")!;
  assert(inodes.isDirectory(empty));
  assertEquals(inodes.attr(empty).mode, S_IFDIR | 0o700);
  assertEquals(inodes.attr(empty).mtimeMs, 7000);
  assertEquals(inodes.target(inodes.lookup(d, "f")!), undefined);
});

Deno.test("keys are kept as bytes: upper-case hex reads back lower-case, non-hex is refused", () => {
  const inodes = new BundleInodes(1000, owner);
  inodes.add({ ...entry("a"), key: KEY.toUpperCase() });
  assertEquals(inodes.file(inodes.lookup(ROOT_INO, "a")!).key, KEY);
  for (const [name, digits] of [["b", "zz"], ["c", "@0"], ["d", "0:"]]) {
    let refused = false;
    try {
      inodes.add({ ...entry(name), key: `${KEY.slice(0, -2)}${digits}` });
    } catch (e) {
      refused = e instanceof RangeError;
    }
    assert(refused, `a key ending in ${digits} throws RangeError`);
  }
});

Deno.test("a lookup of a name not yet in waits until the list brings it", async () => {
  const inodes = new BundleInodes(1000, owner);
  const stream = new EntryStream();
  const filled = inodes.fill(stream);
  stream.push("a/1", "b/1");
  const late = inodes.lookupWhenKnown(ROOT_INO, "z");
  assertEquals(await settledWithin(late, 20), "pending");
  stream.push("c/1", "z/late");
  const z = (await late)!;
  assert(inodes.isDirectory(z));
  assertEquals(inodes.file((await inodes.lookupWhenKnown(z, "late"))!).name, "z/late");
  stream.end();
  await filled;
});

Deno.test("an absent name is reported absent only once the list has passed its directory", async () => {
  const inodes = new BundleInodes(1000, owner);
  const stream = new EntryStream();
  const filled = inodes.fill(stream);
  stream.push("a/1");
  const a = (await inodes.lookupWhenKnown(ROOT_INO, "a"))!;
  const missing = inodes.lookupWhenKnown(a, "missing");
  const atRoot = inodes.lookupWhenKnown(ROOT_INO, "missing");
  assertEquals(await settledWithin(missing, 20), "pending");
  stream.push("b/1");
  assertEquals(await missing, undefined, "a is complete once b/1 arrives");
  assertEquals(await settledWithin(atRoot, 20), "pending", "the root is complete at the end");
  stream.end();
  assertEquals(await atRoot, undefined);
  await filled;
});

Deno.test("a listing waits for its directory to be complete and holds every entry once", async () => {
  const inodes = new BundleInodes(1000, owner);
  const stream = new EntryStream();
  const filled = inodes.fill(stream);
  stream.push("d/a", "d/b", "d/e/x");
  const d = (await inodes.lookupWhenKnown(ROOT_INO, "d"))!;
  const listing = inodes.listingWhenComplete(d);
  assertEquals(await settledWithin(listing, 20), "pending");
  stream.push("d/e/y", "d/f", "d/g");
  assertEquals(await settledWithin(listing, 20), "pending");
  stream.push("d2/a");
  const names = await listing;
  assertEquals(Array.from({ length: names.length }, (_, i) => names.at(i).name), [
    "a",
    "b",
    "e",
    "f",
    "g",
  ]);
  stream.end();
  await filled;
});

Deno.test("a list failing midway fails what still needed it; what came before stays served", async () => {
  const inodes = new BundleInodes(1000, owner);
  const stream = new EntryStream();
  const filled = inodes.fill(stream);
  stream.push("a/1", "b/1");
  const waiting = inodes.lookupWhenKnown(ROOT_INO, "c");
  stream.fail(new Error("list 2 is damaged"));
  await filled;
  assertEquals((await assertRejects(() => waiting)).message, "list 2 is damaged");
  const listing = await assertRejects(() => inodes.listingWhenComplete(ROOT_INO));
  assertEquals(listing.message, "list 2 is damaged");
  const a = (await inodes.lookupWhenKnown(ROOT_INO, "a"))!;
  assertEquals((await inodes.listingWhenComplete(a)).length, 1, "a was complete before");
  assert(inodes.failure instanceof Error);
});

Deno.test("names stay found after the name index grows, and an absent one is not", () => {
  const inodes = new BundleInodes(1000, owner);
  for (let i = 0; i < 20_000; i++) inodes.add(entry(`d${i % 7}/f${String(i).padStart(6, "0")}`));
  for (let i = 0; i < 20_000; i += 997) {
    const dir = inodes.lookup(ROOT_INO, `d${i % 7}`)!;
    const ino = inodes.lookup(dir, `f${String(i).padStart(6, "0")}`)!;
    assertEquals(inodes.file(ino).name, `d${i % 7}/f${String(i).padStart(6, "0")}`);
  }
  assertEquals(inodes.lookup(ROOT_INO, "d7"), undefined);
});

Deno.test("thousands of directories beyond the room planned keep their children, links and completion", async () => {
  const inodes = new BundleInodes(1000, owner, 10);
  const stream = new EntryStream();
  const filled = inodes.fill(stream);
  const dirs = 5_000;
  const name = (d: number, f: string) => `d${String(d).padStart(5, "0")}/${f}`;
  for (let d = 0; d < dirs; d++) stream.push(name(d, "a"), name(d, "s/b"), name(d, "z"));
  stream.push("zz");
  const first = (await inodes.lookupWhenKnown(ROOT_INO, "d00000"))!;
  assertEquals((await inodes.listingWhenComplete(first)).length, 3, "d00000 is complete");
  for (let d = 0; d < dirs - 1; d += 499) {
    const dir = (await inodes.lookupWhenKnown(ROOT_INO, `d${String(d).padStart(5, "0")}`))!;
    const listing = await inodes.listingWhenComplete(dir);
    const names = Array.from({ length: listing.length }, (_, i) => listing.at(i).name);
    assertEquals(names, ["a", "s", "z"]);
    assertEquals(inodes.attr(dir).nlink, 3, "one subdirectory");
    assertEquals(inodes.file(inodes.lookup(dir, "z")!).name, name(d, "z"));
  }
  stream.end();
  await filled;
  assertEquals(inodes.listing(ROOT_INO).length, dirs + 1);
  assertEquals(inodes.attr(ROOT_INO).nlink, 2 + dirs);
  assertEquals(inodes.inodes, dirs * 5 + 1 + 1);
});

Deno.test("sizes and pack offsets of 4 GiB and more read back exactly, beside small ones", () => {
  const inodes = new BundleInodes(1000, owner, 4);
  const id = "2BwqZmN3Yd8sTgq4gTPdAbJcXYZ";
  const values = [0, 70, 2 ** 32 - 2, 2 ** 32 - 1, 2 ** 32, 5_000_000_000, Number.MAX_SAFE_INTEGER];
  values.forEach((value, i) => {
    inodes.add({ ...entry(`f${i}`, value), pack: { id, offset: values.at(-1 - i)! } });
  });
  values.forEach((value, i) => {
    const file = inodes.file(inodes.lookup(ROOT_INO, `f${i}`)!);
    assertEquals([file.size, file.pack?.offset], [value, values.at(-1 - i)]);
    assertEquals(inodes.attr(inodes.lookup(ROOT_INO, `f${i}`)!).size, value);
  });
});
