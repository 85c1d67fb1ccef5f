/** Quarantine: purge's first phase, its records, restore, and how a later purge settles it. */
import { assert, assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { patternBytes } from "../support/fixtures.ts";
import { listed } from "../support/store.ts";
import { quarantinedKey, quarantineRecordKey } from "../../lib/cafs/layout.ts";
import {
  missingObjectRemedy,
  QuarantineBatch,
  quarantineBatches,
  QuarantineLookup,
  restoreBatches,
  type SettleOptions,
  settleQuarantine,
} from "../../lib/cafs/quarantine.ts";
import { MemoryStore } from "../../lib/store/memory.ts";
import { openStore } from "../../lib/store/open.ts";
import type { Store } from "../../lib/store/store.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";

/** A store holding objects "a" (3 bytes), "packs/b" (5) and "c" (7). */
async function storeWithObjects(): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.put("a", patternBytes(3, 1));
  await store.put("packs/b", patternBytes(5, 2));
  await store.put("c", patternBytes(7, 3));
  return store;
}

/** Settling that needs nothing, expires nothing and changes what it finds. */
function settling(extra: Partial<SettleOptions> = {}): SettleOptions {
  return {
    needed: () => false,
    expireBefore: new Date(0),
    context: "test",
    dryRun: false,
    concurrency: 4,
    ...extra,
  };
}

Deno.test("a batch moves objects under quarantine/{id}/, its record written on close; restoreBatches moves them back", async () => {
  const store = await storeWithObjects();
  const batch = new QuarantineBatch(store, "ctx");
  await batch.move("a", 3);
  await batch.move("packs/b", 5);
  assertEquals(await listed(store, ""), [
    "c",
    quarantinedKey(batch.id, "a"),
    quarantinedKey(batch.id, "packs/b"),
  ]);
  const record = await batch.close();
  assertEquals(record?.objects, 2);
  assertEquals(record?.bytes, 8);
  const [found] = await Array.fromAsync(quarantineBatches(store));
  assertEquals(found.id, batch.id);
  assertEquals(found.record?.context, "ctx");
  assertEquals(found.record?.objects, 2);
  const dry = await restoreBatches(store, { dryRun: true, concurrency: 2 });
  assertEquals(dry, { batches: 1, objects: 2, bytes: 8 });
  assertEquals((await listed(store, "")).length, 4, "a dry run moves nothing");
  const restored = await restoreBatches(store, { id: batch.id, dryRun: false, concurrency: 2 });
  assertEquals(restored, { batches: 1, objects: 2, bytes: 8 });
  assertEquals(await listed(store, ""), ["a", "c", "packs/b"]);
  assertEquals(await store.get("packs/b"), patternBytes(5, 2));
  await assertRejectsKind(
    "not-found",
    () => restoreBatches(store, { id: batch.id, dryRun: false, concurrency: 2 }),
  );
});

Deno.test("a batch that moved nothing writes no record", async () => {
  const store = await storeWithObjects();
  assertEquals(await new QuarantineBatch(store, "ctx").close(), undefined);
  assertEquals(await listed(store, ""), ["a", "c", "packs/b"]);
});

Deno.test("settleQuarantine finishes a batch a killed purge left: a copy whose original is stored is dropped, the rest recorded", async () => {
  const store = await storeWithObjects();
  const batch = new QuarantineBatch(store, "ctx");
  await batch.move("a", 3);
  // Killed between the copy of "c" and its delete, before the record.
  await store.copy("c", quarantinedKey(batch.id, "c"));
  const settled = await settleQuarantine(store, settling());
  assertEquals(settled.finished, 1);
  assertEquals(await listed(store, ""), [
    "c",
    "packs/b",
    quarantineRecordKey(batch.id),
    quarantinedKey(batch.id, "a"),
  ]);
  const [found] = await Array.fromAsync(quarantineBatches(store));
  assertEquals(found.record?.objects, 1);
  assertEquals(found.record?.bytes, 3);
  assertEquals(found.record?.context, "test");
});

Deno.test("settleQuarantine restores what a bundle needs, and deletes an expired batch's other objects, its record last", async () => {
  const store = await storeWithObjects();
  const old = new QuarantineBatch(store, "ctx", new Date(Date.now() - 10 * 86_400_000));
  await old.move("a", 3);
  await old.move("packs/b", 5);
  await old.close();
  const young = new QuarantineBatch(store, "ctx");
  await young.move("c", 7);
  await young.close();
  const deleted: string[] = [];
  const options = settling({
    needed: (key) => key === "packs/b",
    expireBefore: new Date(Date.now() - 7 * 86_400_000),
    onDelete: ({ key }) => deleted.push(key),
  });
  const dry = await settleQuarantine(store, { ...options, dryRun: true });
  assertEquals(dry.restored, 1);
  assertEquals(dry.expired.objects, 1);
  assertEquals((await listed(store, "")).length, 5, "a dry run changes nothing");
  deleted.length = 0;
  const settled = await settleQuarantine(store, options);
  assertEquals(settled.restored, 1);
  assertEquals(settled.expired, { batches: 1, objects: 1, bytes: 3 });
  assertEquals(deleted, [quarantinedKey(old.id, "a")]);
  assertEquals(await listed(store, ""), [
    "packs/b",
    quarantineRecordKey(young.id),
    quarantinedKey(young.id, "c"),
  ]);
});

Deno.test("QuarantineLookup names the purge holding a key, and missingObjectRemedy says to run purge restore", async () => {
  const store = await storeWithObjects();
  const batch = new QuarantineBatch(store, "ctx");
  await batch.move("a", 3);
  await batch.close();
  const lookup = new QuarantineLookup(store);
  assertEquals(await lookup.find("a"), batch.id);
  assertEquals(await lookup.find("c"), undefined);
  assertMatch(
    await missingObjectRemedy(store, "a", "upload again"),
    new RegExp(
      `^purge ${batch.id} moved it into quarantine: run "datamon purge restore --purge ${batch.id}"$`,
    ),
  );
  assertEquals(await missingObjectRemedy(store, "zz", "upload again"), "upload again");
  assert(await store.head(quarantinedKey(batch.id, "a")), "a look-up changes nothing");
});

for (const backend of BACKENDS) {
  Deno.test(`${backend}: quarantine moves, a killed move is finished, and restore brings back every byte`, async () => {
    const { url, cleanup } = await freshStoreUrl(backend);
    try {
      const store: Store = openStore(url);
      const objects = {
        "a": patternBytes(3, 1),
        "packs/b": patternBytes(70_000, 2),
        "c": patternBytes(7, 3),
      };
      for (const [key, bytes] of Object.entries(objects)) await store.put(key, bytes);
      const batch = new QuarantineBatch(store, "ctx");
      await batch.move("a", 3);
      await batch.move("packs/b", 70_000);
      // Killed between the copy of "c" and its delete, before the record.
      await store.copy!("c", quarantinedKey(batch.id, "c"));
      const settled = await settleQuarantine(store, settling());
      assertEquals(settled.finished, 1);
      assertEquals(await listed(store, ""), [
        "c",
        quarantineRecordKey(batch.id),
        quarantinedKey(batch.id, "a"),
        quarantinedKey(batch.id, "packs/b"),
      ]);
      assertEquals(await new QuarantineLookup(store).find("packs/b"), batch.id);
      const restored = await restoreBatches(store, { dryRun: false, concurrency: 4 });
      assertEquals(restored, { batches: 1, objects: 2, bytes: 70_003 });
      assertEquals(await listed(store, ""), ["a", "c", "packs/b"]);
      for (const [key, bytes] of Object.entries(objects)) {
        assertEquals(await store.get(key), bytes);
      }
    } finally {
      await cleanup();
    }
  });
}
