/** The blob store's layout: which keys are blobs, packs, or neither. */
import { assertEquals } from "../support/assert.ts";
import { objectAt, packKey, purgeLockKey } from "../../lib/cafs/layout.ts";

const KEY = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";
const PACK = "2WzcHhWHCWS9LMFqBPoxt8e1dPL";

Deno.test("objectAt tells blobs and packs from every other key", () => {
  assertEquals(objectAt(KEY), { kind: "blob", key: KEY });
  assertEquals(objectAt(packKey(PACK)), { kind: "pack", id: PACK });
  for (const other of [purgeLockKey, packKey("not-a-ksuid"), KEY.toUpperCase(), "notes.txt"]) {
    assertEquals(objectAt(other), undefined, other);
  }
});
