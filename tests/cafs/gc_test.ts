/** Garbage collection primitives: mark what files need, sweep the rest of the blob store. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { storeFiles, TEST_CHUNKING, withCafs } from "../support/cafs.ts";
import { isKind } from "../../lib/errors.ts";
import { packKey, purgeLockKey, quarantinedKey } from "../../lib/cafs/layout.ts";
import type { SweepOptions } from "../../lib/cafs/gc.ts";
import { QuarantineBatch } from "../../lib/cafs/quarantine.ts";
import { INLINE_LIMIT } from "../../lib/cafs/hasher.ts";
import { packOverhead } from "../../lib/cafs/pack.ts";
import { KEY_BYTES, readKey } from "../../lib/cafs/root.ts";
import type { LocalStore } from "../../lib/store/local.ts";

/** Every object of the store, by key. */
async function objectKeys(store: LocalStore): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const entry of store.list("")) if (entry.kind === "object") keys.add(entry.key);
  return keys;
}

/** A sweep into a new batch for which everything stored so far is old enough to move. */
function sweepAll(store: LocalStore, extra: Partial<SweepOptions> = {}): SweepOptions {
  return {
    cutoff: new Date(Date.now() + 60_000),
    into: new QuarantineBatch(store, "test"),
    concurrency: 4,
    ...extra,
  };
}

Deno.test("mark keeps what marked files need; sweep moves unneeded blobs and packs into quarantine, nothing else", async () => {
  await withCafs(async (bench) => {
    const { store, cafs } = bench;
    const live = await storeFiles(bench, { small: 100, one: 3000, big: 3 * 4096 + 5 });
    const dead = await storeFiles(bench, { gone: 200, lone: 2000, huge: 2 * 4096 + 1 });
    await store.put(purgeLockKey, new TextEncoder().encode("held"));
    await store.put("notes/readme.txt", new Uint8Array(3));
    const before = await objectKeys(store);
    const expected = [
      packKey(dead.gone.pack!.id),
      dead.lone.key,
      dead.huge.key,
      ...await leavesOf(store, dead.huge.key),
    ];
    const collector = cafs.collector();
    for (const file of Object.values(live)) assert(await collector.mark(file, TEST_CHUNKING));
    assertEquals(collector.livePacks, 1);
    assertEquals(collector.liveKeys, 3 + 4, "the files' keys and the big file's 4 leaves");
    const moved: string[] = [];
    const options = sweepAll(store, { onMove: ({ key }) => moved.push(key) });
    const result = await collector.sweep(options);
    const after = await objectKeys(store);
    assertEquals(moved.sort(), expected.sort());
    assertEquals(result.quarantined, expected.length);
    assertEquals([...before].filter((key) => !after.has(key)).sort(), expected.sort());
    const id = options.into!.id;
    assertEquals(
      [...after].filter((key) => !before.has(key)).sort(),
      expected.map((key) => quarantinedKey(id, key)).sort(),
      "each moved object is under quarantine/{id}/ (no record before close)",
    );
    assert(after.has(purgeLockKey) && after.has("notes/readme.txt"), "no blob, never swept");
    assert(after.has(packKey(live.small.pack!.id)) && after.has(live.big.key));
    assertEquals(result.keptYoung, 0);
    assertEquals(result.partlyDeadPacks, 0);
  });
});

Deno.test("sweep keeps unneeded objects stored after the cutoff, and a dry run moves nothing", async () => {
  await withCafs(async (bench) => {
    const { store, cafs } = bench;
    await storeFiles(bench, { a: 2000, b: 3000 });
    const before = await objectKeys(store);
    const young = await cafs.collector().sweep(sweepAll(store, { cutoff: new Date(0) }));
    assertEquals(young.keptYoung, 2);
    assertEquals(young.quarantined, 0);
    const dry = await cafs.collector().sweep(sweepAll(store, { into: undefined }));
    assertEquals(dry.quarantined, 2);
    assertEquals(dry.bytesQuarantined, 5000);
    assertEquals(await objectKeys(store), before);
  });
});

Deno.test("a pack any marked file names is kept whole, its unneeded entries counted as dead bytes", async () => {
  await withCafs(async (bench) => {
    const { store, cafs } = bench;
    const files = await storeFiles(bench, { kept: 100, dropped: 700 });
    const collector = cafs.collector();
    await collector.mark(files.kept, TEST_CHUNKING);
    const result = await collector.sweep(sweepAll(store));
    assertEquals(result.quarantined, 0);
    assertEquals(result.partlyDeadPacks, 1);
    assertEquals(result.deadPackBytes, 700);
    assert(await store.head(packKey(files.kept.pack!.id)));
  });
});

Deno.test("mark is false for a missing root object and fails on a corrupt one", async () => {
  await withCafs(async (bench) => {
    const { store, cafs } = bench;
    const { big } = await storeFiles(bench, { big: 2 * 4096 + 1 });
    await store.put(big.key, new Uint8Array(64));
    const corrupt = await assertRejects(() => cafs.collector().mark(big, TEST_CHUNKING));
    assert(isKind(corrupt, "integrity"), String(corrupt));
    await store.delete(big.key);
    assertEquals(await cafs.collector().mark(big, TEST_CHUNKING), false);
  });
});

/** The leaf keys a stored root object names. */
async function leavesOf(store: LocalStore, rootKey: string): Promise<string[]> {
  const root = await store.get(rootKey);
  return Array.from(
    { length: root.length / KEY_BYTES - 1 },
    (_, i) => readKey(root, i * KEY_BYTES),
  );
}

Deno.test("packing small files and sweeping their pack start no hashing Worker, whatever the index's size", async () => {
  await withCafs(async ({ store, cafs }) => {
    // 1,400 blobs of 8 bytes: an index of 67,200 bytes, past what the Hasher hashes inline.
    const packs = cafs.packWriter({ packSize: 1024 * 1024, maxPacked: 64 });
    const blobs = Array.from(
      { length: 1400 },
      (_, i) => new Uint8Array(8).map((_, j) => (i >> j) & 0xff),
    );
    const locations = [];
    for (const bytes of blobs) {
      const key = cafs.hasher.hashInline(bytes);
      locations.push({ key, pack: (await packs.add(key, bytes)).location });
    }
    await packs.flush();
    assert(packOverhead(blobs.length) >= INLINE_LIMIT);
    assertEquals(cafs.hasher.started, 0, "the pack writer hashed its index on this thread");
    const collector = cafs.collector();
    const { key, pack } = locations[0];
    await collector.mark({ name: "kept", key, size: 8, pack }, TEST_CHUNKING);
    const result = await collector.sweep(sweepAll(store, { into: undefined }));
    assertEquals(result.deadPackBytes, 1399 * 8, "the pack index was read");
    assertEquals(cafs.hasher.started, 0, "the sweep hashed the index on this thread");
  });
});
