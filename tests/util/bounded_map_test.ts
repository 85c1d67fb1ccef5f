/** BoundedMap: at most `max` entries, the oldest forgotten first, or the least recently used. */
import { assertEquals } from "../support/assert.ts";
import { BoundedMap } from "../../lib/util/bounded_map.ts";

Deno.test("a bounded map forgets the oldest entry added first", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1);
  map.set("b", 2);
  map.get("a");
  map.set("c", 3);
  assertEquals([map.has("a"), map.has("b"), map.has("c")], [false, true, true]);
});

Deno.test("an entry read with use() counts as the newest, so the least recently used goes first", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1);
  map.set("b", 2);
  assertEquals(map.use("a"), 1);
  map.set("c", 3);
  assertEquals([map.has("a"), map.has("b"), map.has("c")], [true, false, true]);
  assertEquals(map.use("missing"), undefined);
});
