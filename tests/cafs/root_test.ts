import { assert, assertIntegrity } from "../support/assert.ts";
import { withHasher } from "../support/cafs.ts";
import {
  decodeRoot,
  encodeRoot,
  isKey,
  KEY_BYTES,
  readKey,
  writeKey,
} from "../../lib/cafs/root.ts";

const ABC = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
const EMPTY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
const STORE = "file:///tmp/blobs";

function binaryKeys(keys: string[]): Uint8Array {
  const bytes = new Uint8Array(keys.length * KEY_BYTES);
  keys.forEach((key, i) => writeKey(key, bytes, i * KEY_BYTES));
  return bytes;
}

Deno.test("writeKey and readKey convert between hex and binary keys", () => {
  const bytes = new Uint8Array(KEY_BYTES + 3);
  writeKey(ABC, bytes, 3);
  assert.equal(readKey(bytes, 3), ABC);
  assert.equal(bytes[3], 0x64);
  assert.throws(() => writeKey("abc", bytes, 0), RangeError);
  assert.ok(isKey(ABC));
  assert.ok(!isKey(ABC.toUpperCase()));
  assert.ok(!isKey(ABC + "0"));
});

Deno.test("a root object is its leaf keys followed by BLAKE3 of them", async () => {
  await withHasher(async (hasher) => {
    const leaves = binaryKeys([ABC, EMPTY, ABC]);
    const root = await encodeRoot(leaves, hasher);
    assert.equal(root.bytes.length, 4 * KEY_BYTES);
    assert.deepEqual(root.bytes.subarray(0, 3 * KEY_BYTES), leaves);
    assert.equal(root.key, hasher.hashInline(leaves));
    assert.equal(readKey(root.bytes, 3 * KEY_BYTES), root.key);
  });
});

Deno.test("decodeRoot gives back the leaf keys of an encoded root object", async () => {
  await withHasher(async (hasher) => {
    const root = await encodeRoot(binaryKeys([ABC, EMPTY]), hasher);
    assert.deepEqual(await decodeRoot(root.key, root.bytes, hasher, STORE), [ABC, EMPTY]);
  });
});

Deno.test("decodeRoot rejects a root object whose size is not 32 x (leaves + 1)", async () => {
  await withHasher(async (hasher) => {
    const root = await encodeRoot(binaryKeys([ABC, EMPTY]), hasher);
    for (
      const bytes of [root.bytes.subarray(1), root.bytes.subarray(0, KEY_BYTES), new Uint8Array(0)]
    ) {
      await assertIntegrity(
        decodeRoot(root.key, bytes, hasher, STORE),
        new RegExp(`blob ${root.key} in ${STORE} is corrupt .*not a multiple of 32`),
      );
    }
  });
});

Deno.test("decodeRoot rejects a root object whose leaf keys do not hash to its root key", async () => {
  await withHasher(async (hasher) => {
    const root = await encodeRoot(binaryKeys([ABC, EMPTY]), hasher);
    const bytes = root.bytes.slice();
    bytes[5] ^= 1;
    await assertIntegrity(decodeRoot(root.key, bytes, hasher, STORE), /leaf keys hash to/);
  });
});

Deno.test("decodeRoot rejects a valid root object stored under another key", async () => {
  await withHasher(async (hasher) => {
    const root = await encodeRoot(binaryKeys([ABC, EMPTY]), hasher);
    await assertIntegrity(decodeRoot(ABC, root.bytes, hasher, STORE), /names root key/);
  });
});

Deno.test("encodeRoot refuses leaf keys that are not whole 32-byte keys", async () => {
  await withHasher(async (hasher) => {
    await assert.rejects(encodeRoot(new Uint8Array(0), hasher), RangeError);
    await assert.rejects(encodeRoot(new Uint8Array(33), hasher), RangeError);
  });
});

Deno.test("readKey gives every byte value as two lowercase hex digits", () => {
  const bytes = new Uint8Array(256 + KEY_BYTES).map((_, i) => i % 256);
  const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0")).join("");
  for (let at = 0; at < 256; at += KEY_BYTES) {
    assert.equal(readKey(bytes, at), hex.slice(2 * at, 2 * at + 2 * KEY_BYTES));
  }
});

Deno.test("keys read by readKey are flat strings: 100,000 of them held take under 40 MB of heap", () => {
  // A key built by `+=` is a rope of 63 pieces, ~2 KB held where a flat key takes ~80 bytes.
  const bytes = new Uint8Array(KEY_BYTES).fill(0xab);
  const before = Deno.memoryUsage().heapUsed;
  const held: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    bytes[0] = i & 0xff;
    held.push(readKey(bytes, 0));
  }
  const grown = Deno.memoryUsage().heapUsed - before;
  assert.equal(held.length, 100_000);
  assert.ok(grown < 40e6, `100,000 keys grew the heap by ${(grown / 1e6).toFixed(0)} MB`);
});
