/**
 * Read-ahead of a bundle view without the kernel: files opened in name order start their
 * successors, bounded; a handle read front to back asks for more leaves ahead than one read
 * here and there.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { BundleInodes, ROOT_INO } from "../../lib/mount/bundle_inodes.ts";
import { NameOrderReadAhead } from "../../lib/mount/read_ahead.ts";
import { cafsContent } from "../../lib/mount/content.ts";
import type { CafsReader, StoredFile } from "../../lib/cafs/reader.ts";

const KEY = "0123456789abcdef".repeat(4);
const owner = { uid: 1000, gid: 100 };

/** A table of `count` files f000, f001, ... in directory d, with the link "link" after them. */
function table(count: number): { inodes: BundleInodes; ino: (i: number) => number } {
  const inodes = new BundleInodes(1000, owner);
  const name = (i: number) => `f${String(i).padStart(3, "0")}`;
  for (let i = 0; i < count; i++) {
    inodes.add({ name: `d/${name(i)}`, size: 4096, mode: 0o644, mtime: new Date(0), key: KEY });
  }
  const d = inodes.lookup(ROOT_INO, "d")!;
  return { inodes, ino: (i) => inodes.lookup(d, name(i))! };
}

/** A read-ahead over `inodes` that records the names it prefetches. */
function recording(inodes: BundleInodes): { ahead: NameOrderReadAhead; names: string[] } {
  const names: string[] = [];
  const ahead = new NameOrderReadAhead(inodes, (file) => (names.push(file.name), file.size));
  return { ahead, names };
}

Deno.test("opening files in name order prefetches the files after them, a bounded number", () => {
  const { inodes, ino } = table(200);
  const { ahead, names } = recording(inodes);
  ahead.opened(ino(0));
  assertEquals(names, [], "one open is no walk yet");
  ahead.opened(ino(1));
  assertEquals(names.length, 64);
  assertEquals(names[0], "d/f002");
  assertEquals(names[63], "d/f065");
  for (let i = 2; i < 40; i++) ahead.opened(ino(i));
  assertEquals(new Set(names).size, names.length, "no file is prefetched twice");
  const furthest = Number(names.at(-1)!.slice("d/f".length));
  assert(furthest > 39 + 32 && furthest <= 39 + 64, `prefetched up to f${furthest} at f039`);
});

Deno.test("files opened out of name order prefetch nothing", () => {
  const { inodes, ino } = table(200);
  const { ahead, names } = recording(inodes);
  for (const i of [150, 3, 90, 40, 120]) ahead.opened(ino(i));
  assertEquals(names, []);
});

Deno.test("read-ahead stops at the end of the bundle", () => {
  const { inodes, ino } = table(10);
  const { ahead, names } = recording(inodes);
  ahead.opened(ino(7));
  ahead.opened(ino(8));
  assertEquals(names, ["d/f009"]);
});

Deno.test("a handle read front to back loads four times more leaves ahead than scattered reads", async () => {
  const asked: number[] = [];
  const reader = {
    readRange: (_file: StoredFile, _offset: number, _length: number, ahead: number) => (
      asked.push(ahead), Promise.resolve(new Uint8Array(0))
    ),
  } as unknown as CafsReader;
  const content = cafsContent(reader, 3);
  const handle = await content.open({ name: "big", key: KEY, size: 1 << 30 });
  for (let offset = 0; offset < 4 * 131072; offset += 131072) await handle.read(offset, 131072);
  await handle.read(500 << 20, 131072);
  await handle.read(100 << 20, 131072);
  assertEquals(asked, [12, 12, 12, 12, 3, 3]);
});
