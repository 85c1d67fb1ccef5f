/** KeySet: the compact set of live keys that garbage collection marks. */
import { assert, assertEquals } from "../support/assert.ts";
import { KeySet } from "../../lib/cafs/key_set.ts";
import { KEY_BYTES, writeKey } from "../../lib/cafs/root.ts";

function key(i: number): string {
  return Array.from(
    { length: 8 },
    (_, w) => ((i * 2654435761 + w * 40503) >>> 0).toString(16).padStart(8, "0"),
  ).join("");
}

Deno.test("a KeySet holds every key added through its growth and no other", () => {
  const set = new KeySet();
  for (let i = 0; i < 20_000; i++) assert(set.add(key(i)));
  assertEquals(set.size, 20_000);
  assertEquals(set.add(key(7)), false, "a key is held once");
  let missing = 0;
  for (let i = 0; i < 20_000; i++) if (!set.has(key(i))) missing++;
  assertEquals(missing, 0);
  let found = 0;
  for (let i = 20_000; i < 40_000; i++) if (set.has(key(i))) found++;
  assertEquals(found, 0);
  const zero = "0".repeat(64);
  assert(set.add(zero));
  assert(set.has(zero), "the all-zero key is held too");
});

/** The binary form of a hex key. */
function binary(hex: string): Uint8Array {
  const bytes = new Uint8Array(KEY_BYTES);
  writeKey(hex, bytes, 0);
  return bytes;
}

Deno.test("hasBinary finds exactly the keys added, from their binary form", () => {
  const set = new KeySet();
  for (let i = 0; i < 5_000; i++) set.add(key(i));
  const zero = "0".repeat(64);
  set.add(zero);
  let missing = 0;
  for (let i = 0; i < 5_000; i++) if (!set.hasBinary(binary(key(i)))) missing++;
  assertEquals(missing, 0, "no live key may look unused: purge would delete its blob");
  let found = 0;
  for (let i = 5_000; i < 10_000; i++) if (set.hasBinary(binary(key(i)))) found++;
  assertEquals(found, 0);
  assert(set.hasBinary(binary(zero)), "the all-zero key is found by its binary form too");
  const inRecord = new Uint8Array(48);
  inRecord.set(binary(key(3)));
  assert(set.hasBinary(inRecord.subarray(0, KEY_BYTES)), "a key read in place in a record");
});
