import { assert } from "../support/assert.ts";
import { withHasher } from "../support/cafs.ts";
import { Hasher, INLINE_LIMIT } from "../../lib/cafs/hasher.ts";

const EMPTY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
const ABC = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
/** BLAKE3 of the official test vector input of 102400 bytes (byte i is i % 251). */
const PATTERN_102400 = "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085";

function pattern(length: number, shared: boolean): Uint8Array {
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
  for (let i = 0; i < length; i++) bytes[i] = i % 251;
  return bytes;
}

Deno.test("hash gives the BLAKE3 test vectors for small inputs hashed inline", async () => {
  await withHasher(async (hasher) => {
    assert.equal(await hasher.hash(new Uint8Array(0)), EMPTY);
    assert.equal(await hasher.hash(new TextEncoder().encode("abc")), ABC);
    const shared = new Uint8Array(new SharedArrayBuffer(3));
    shared.set(new TextEncoder().encode("abc"));
    assert.equal(await hasher.hash(shared), ABC);
  });
});

Deno.test("hash gives the BLAKE3 test vector in a Worker for shared and unshared inputs", async () => {
  assert.ok(102400 >= INLINE_LIMIT, "the vector must take the Worker path");
  await withHasher(async (hasher) => {
    assert.equal(await hasher.hash(pattern(102400, true)), PATTERN_102400);
    assert.equal(await hasher.hash(pattern(102400, false)), PATTERN_102400);
  }, 2);
});

Deno.test("hash of a view hashes only the view's bytes", async () => {
  await withHasher(async (hasher) => {
    for (const shared of [true, false]) {
      const big = pattern(102400 + 1000, shared);
      const view = big.subarray(1000);
      const expected = hasher.hashInline(view.slice());
      assert.equal(await hasher.hash(view), expected);
    }
    const padded = new Uint8Array(10);
    padded.set(new TextEncoder().encode("abc"), 5);
    assert.equal(await hasher.hash(padded.subarray(5, 8)), ABC);
  });
});

Deno.test("concurrent hashes of different inputs each resolve to their own key", async () => {
  await withHasher(async (hasher) => {
    const inputs = Array.from({ length: 24 }, (_, i) => {
      const bytes = new Uint8Array(
        i % 2 ? new SharedArrayBuffer(200_000) : new ArrayBuffer(200_000),
      );
      bytes.fill(i);
      return bytes;
    });
    const keys = await Promise.all(inputs.map((bytes) => hasher.hash(bytes)));
    assert.deepEqual(keys, inputs.map((bytes) => hasher.hashInline(bytes)));
    assert.equal(new Set(keys).size, 24);
  }, 2);
});

Deno.test("warm hashes in every Worker and leaves the hasher usable", async () => {
  await withHasher(async (hasher) => {
    await hasher.warm();
    assert.equal(await hasher.hash(pattern(102400, true)), PATTERN_102400);
  }, 2);
});

Deno.test("hash after close rejects, and close fails pending hashes", async () => {
  const hasher = await Hasher.create(1);
  const pending = hasher.hash(pattern(4 * 1024 * 1024, true));
  hasher.close();
  await assert.rejects(pending, /closed/);
  await assert.rejects(hasher.hash(pattern(102400, true)), /closed/);
  hasher.close();
});

Deno.test("a Hasher starts its Workers only for the first input too long to hash inline", async () => {
  await withHasher(async (hasher) => {
    await hasher.hash(pattern(INLINE_LIMIT - 1, false));
    assert.equal(hasher.started, 0, "small inputs start no Worker");
    assert.equal(await hasher.hash(pattern(102400, false)), PATTERN_102400);
    assert.equal(hasher.started, 2);
  }, 2);
});

Deno.test("hashMoving hashes a plain buffer in a Worker and gives the same bytes back", async () => {
  await withHasher(async (hasher) => {
    const whole = pattern(102400 + 1000, false);
    const expected = hasher.hashInline(whole.subarray(1000));
    const view = whole.subarray(1000);
    const moving = hasher.hashMoving(view);
    assert.equal(whole.length, 0, "the buffer moved to the Worker: the caller's view is empty");
    const { key, bytes } = await moving;
    assert.equal(key, expected);
    assert.equal(bytes.byteOffset, 1000);
    assert.equal(bytes.length, 102400);
    assert.equal(bytes.buffer.byteLength, 102400 + 1000, "the whole buffer came back");
    assert.equal(await hasher.hash(bytes), expected, "the bytes came back unchanged");
  }, 2);
});

Deno.test("hashMoving of a shared or short input hashes it where it is and returns it", async () => {
  await withHasher(async (hasher) => {
    const shared = pattern(102400, true);
    assert.deepEqual(await hasher.hashMoving(shared), { key: PATTERN_102400, bytes: shared });
    const short = new TextEncoder().encode("abc");
    const moved = await hasher.hashMoving(short);
    assert.equal(moved.key, ABC);
    assert.equal(moved.bytes, short);
    assert.equal(short.length, 3, "a short input stays with the caller");
  }, 2);
});

Deno.test("many concurrent hashMoving calls each get their own key and buffer back", async () => {
  await withHasher(async (hasher) => {
    const inputs = Array.from({ length: 12 }, (_, i) => new Uint8Array(200_000).fill(i));
    const expected = inputs.map((bytes) => hasher.hashInline(bytes));
    const moved = await Promise.all(inputs.map((bytes) => hasher.hashMoving(bytes)));
    assert.deepEqual(moved.map((m) => m.key), expected);
    moved.forEach((m, i) => assert.ok(m.bytes.every((b) => b === i), `input ${i} came back`));
  }, 2);
});
