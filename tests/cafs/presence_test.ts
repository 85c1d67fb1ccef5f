/**
 * storedSizes: which of many keys are stored, by listing their key range where a page settles
 * many of them, by a head each where it does not.
 */
import { assertEquals } from "../support/assert.ts";
import { storedSizes } from "../../lib/cafs/presence.ts";
import { MemoryStore } from "../../lib/store/memory.ts";
import { MeteredStore } from "../../lib/store/metered.ts";
import { compareKeys } from "../../lib/store/keys.ts";
import type { ListPage, Store } from "../../lib/store/store.ts";

/** A memory store that also lists by pages of `pageSize` keys, as S3 and GCS do. */
class PagedStore extends MemoryStore {
  constructor(readonly pageSize: number) {
    super("mem://paged");
  }

  async listAfter(after: string): Promise<ListPage> {
    const objects: { key: string; size: number }[] = [];
    for await (const row of this.list("")) {
      if (row.kind !== "object" || compareKeys(row.key, after) <= 0) continue;
      if (objects.length === this.pageSize) return { objects, complete: false };
      objects.push({ key: row.key, size: row.size });
    }
    return { objects, complete: true };
  }
}

/** The hex key numbered `n`, as a blob key looks. */
function key(n: number): string {
  return n.toString(16).padStart(64, "0");
}

/** Stores keys 0..count-1 with key(i) of i % 7 + 1 bytes, and counts requests from then on. */
async function storeWith(store: Store, count: number): Promise<MeteredStore> {
  for (let i = 0; i < count; i++) await store.put(key(i), new Uint8Array(i % 7 + 1));
  return new MeteredStore(store);
}

Deno.test("storedSizes lists a dense run of keys in one request per page and finds the absent", async () => {
  const store = await storeWith(new PagedStore(100), 300);
  const wanted = Array.from({ length: 150 }, (_, i) => key(i * 2));
  const found = await storedSizes(store, [...wanted, key(1000)]);
  assertEquals(found.size, 150);
  for (let i = 0; i < 150; i++) assertEquals(found.get(key(i * 2)), (i * 2) % 7 + 1);
  assertEquals(found.has(key(1000)), false);
  const { list, head } = store.meter.counts().operations;
  assertEquals({ list, head }, { list: 3, head: 0 });
});

Deno.test("storedSizes heads each key when a listing page settles too few of them", async () => {
  const store = await storeWith(new PagedStore(100), 2000);
  const wanted = Array.from({ length: 20 }, (_, i) => key(i * 100));
  const found = await storedSizes(store, wanted);
  assertEquals(found.size, 20);
  const { list, head } = store.meter.counts().operations;
  assertEquals({ list, head }, { list: 1, head: 19 });
});

Deno.test("storedSizes heads each key of a store that does not list by pages", async () => {
  const store = await storeWith(new MemoryStore("mem://plain"), 40);
  const found = await storedSizes(store, [key(1), key(2), key(2), key(99)]);
  assertEquals([...found.entries()].sort(), [[key(1), 2], [key(2), 3]]);
  const { list, head } = store.meter.counts().operations;
  assertEquals({ list, head }, { list: 0, head: 3 });
});
