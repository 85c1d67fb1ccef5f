/**
 * Pack windows kept for a mount: neighbours of a packed file cost no request, a file across a
 * window boundary reads whole, read-ahead stops where the pack ends, memory stays bounded.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { PackCache, type PackFetch } from "../../lib/cafs/pack_cache.ts";

/** A pack of `size` numbered bytes and a fetch that reads it, logging each request. */
function pack(size: number): { bytes: Uint8Array; fetch: PackFetch; asked: number[] } {
  const bytes = Uint8Array.from({ length: size }, (_, i) => i % 251);
  const asked: number[] = [];
  const fetchRange = (offset: number, length: number) => (
    asked.push(offset), Promise.resolve(bytes.slice(offset, offset + length))
  );
  return { bytes, fetch: fetchRange, asked };
}

/** Lets read-ahead started in the background settle. */
const settle = () => new Promise((r) => setTimeout(r, 0));

Deno.test("files packed next to each other are served from one window request", async () => {
  const { bytes, fetch, asked } = pack(1000);
  const cache = new PackCache({ maxBytes: 10_000, windowBytes: 400, ahead: 0 });
  for (let offset = 0; offset < 400; offset += 40) {
    assertEquals(await cache.read("p", offset, 40, fetch), bytes.slice(offset, offset + 40));
  }
  assertEquals(asked, [0]);
});

Deno.test("a file across window boundaries reads whole, and short where the pack ends", async () => {
  const { bytes, fetch } = pack(1000);
  const cache = new PackCache({ maxBytes: 10_000, windowBytes: 300, ahead: 0 });
  assertEquals(await cache.read("p", 250, 500, fetch), bytes.slice(250, 750));
  assertEquals(await cache.read("p", 950, 100, fetch), bytes.slice(950, 1000));
  assertEquals(await cache.read("p", 0, 0, fetch), new Uint8Array(0));
});

Deno.test("the windows after one read are loaded ahead, and none after the pack's end", async () => {
  const { fetch, asked } = pack(1000);
  const cache = new PackCache({ maxBytes: 10_000, windowBytes: 300, ahead: 2 });
  await cache.read("p", 0, 10, fetch);
  await settle();
  assertEquals(asked, [0, 300, 600]);
  await cache.read("p", 610, 10, fetch);
  await settle();
  // Window 2 (600-899) is full, so the two after it are asked for at once: 900- is short
  // and 1200- empty, which tells the pack's end.
  assertEquals(asked, [0, 300, 600, 900, 1200]);
  await cache.read("p", 950, 10, fetch);
  await settle();
  assertEquals(asked.length, 5, "nothing is asked for after a short window");
});

Deno.test("windows of different packs are kept apart", async () => {
  const a = pack(100);
  const b = { ...pack(100) };
  b.bytes.reverse();
  const cache = new PackCache({ maxBytes: 10_000, windowBytes: 50, ahead: 0 });
  assertEquals(await cache.read("a", 10, 5, a.fetch), a.bytes.slice(10, 15));
  assertEquals(await cache.read("b", 10, 5, b.fetch), b.bytes.slice(10, 15));
});

Deno.test("windows kept stay within maxBytes and served bytes do not hold a window", async () => {
  const { fetch } = pack(10_000);
  const cache = new PackCache({ maxBytes: 1000, windowBytes: 400, ahead: 1 });
  for (let offset = 0; offset < 10_000; offset += 100) {
    const got = await cache.read("p", offset, 10, fetch);
    assertEquals(got.buffer.byteLength, 10, "a copy, not a view of the window");
    assert(cache.bytes <= 1000, `${cache.bytes} bytes kept`);
  }
});
