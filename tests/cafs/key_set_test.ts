/** KeySet: the compact set of live keys that garbage collection marks. */
import { assert, assertEquals } from "../support/assert.ts";
import { KeySet } from "../../lib/cafs/key_set.ts";

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
