/** Chunking: leaf counts, root objects and leaf ranges of fixed leaves. */
import { assert, assertEquals } from "../support/assert.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";

Deno.test("fixed chunking counts leaves and tells which files have a root object", () => {
  const chunking = chunkingOf(4096);
  for (const [size, leaves] of [[0, 1], [1, 1], [4096, 1], [4097, 2], [3 * 4096, 3]]) {
    assertEquals(chunking.leafCount(size), leaves, `size ${size}`);
    assertEquals(chunking.hasRoot(size), leaves > 1, `size ${size}`);
  }
});

Deno.test("fixed chunking places each leaf and finds the leaf of a byte", () => {
  const chunking = chunkingOf(4096);
  assertEquals(chunking.leafRange(0, 0), { offset: 0, length: 0 });
  assertEquals(chunking.leafRange(0, 10_000), { offset: 0, length: 4096 });
  assertEquals(chunking.leafRange(2, 10_000), { offset: 8192, length: 10_000 - 8192 });
  assertEquals([0, 4095, 4096, 9999].map((offset) => chunking.leafAt(offset)), [0, 0, 1, 2]);
});

Deno.test("chunkingOf refuses a leaf size that is not a positive integer", () => {
  for (const leafSize of [0, -1, 1.5, NaN]) {
    let refused = false;
    try {
      chunkingOf(leafSize);
    } catch (e) {
      refused = e instanceof RangeError;
    }
    assert(refused, `leaf size ${leafSize}`);
  }
});
