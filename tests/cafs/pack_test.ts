/** Pack objects: the index trailer, and the writer that fills and stores packs. */
import { assert, assertIntegrity } from "../support/assert.ts";
import { withHasher } from "../support/cafs.ts";
import type { Hasher } from "../../lib/cafs/hasher.ts";
import {
  checkPackIndex,
  decodePackFooter,
  decodePackIndex,
  PACK_FOOTER_BYTES,
  type PackIndexEntry,
  packOverhead,
  writePackIndex,
} from "../../lib/cafs/pack.ts";
import { PackWriter } from "../../lib/cafs/pack_writer.ts";
import { packKey } from "../../lib/cafs/layout.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";
import { CafsReader } from "../../lib/cafs/reader.ts";
import { KEY_BYTES, readKey } from "../../lib/cafs/root.ts";
import { LocalStore } from "../../lib/store/local.ts";
import { patternBytes, withTempDir } from "../support/fixtures.ts";

/** A pack of blobs of the given sizes, built as the writer builds one. */
async function buildPack(hasher: Hasher, sizes: number[]) {
  const blobs = sizes.map((size, i) => patternBytes(size, i + 1));
  const dataBytes = sizes.reduce((a, b) => a + b, 0);
  const bytes = new Uint8Array(dataBytes + packOverhead(sizes.length));
  const entries: PackIndexEntry[] = [];
  let offset = 0;
  for (const blob of blobs) {
    bytes.set(blob, offset);
    entries.push({ key: await hasher.hash(blob), offset, length: blob.length });
    offset += blob.length;
  }
  const size = await writePackIndex(entries, bytes, offset, hasher);
  assert.equal(size, bytes.length);
  return { bytes, entries, blobs };
}

Deno.test("a pack index round-trips from the whole pack and from its tail alone", async () => {
  await withHasher(async (hasher) => {
    const { bytes, entries } = await buildPack(hasher, [10, 0, 4096, 1]);
    assert.deepEqual(await decodePackIndex(bytes, bytes.length, hasher, "p"), entries);
    const tail = bytes.subarray(bytes.length - packOverhead(entries.length));
    assert.deepEqual(await decodePackIndex(tail, bytes.length, hasher, "p"), entries);
    const footer = bytes.subarray(bytes.length - PACK_FOOTER_BYTES);
    assert.equal(decodePackFooter(footer, "p"), 4);
  });
});

Deno.test("a checked PackIndex reads each blob's key, offset and length in place", async () => {
  await withHasher(async (hasher) => {
    const { bytes, entries } = await buildPack(hasher, [10, 0, 4096, 1]);
    const tail = bytes.subarray(bytes.length - packOverhead(entries.length));
    const index = await checkPackIndex(tail, bytes.length, hasher, "p");
    assert.equal(index.count, entries.length);
    entries.forEach((entry, i) => {
      assert.equal(readKey(index.keyBytes(i), 0), entry.key);
      assert.equal(index.keyBytes(i).length, KEY_BYTES);
      assert.equal(index.offset(i), entry.offset);
      assert.equal(index.length(i), entry.length);
    });
  });
});

Deno.test("a pack of no blobs is its footer alone", async () => {
  await withHasher(async (hasher) => {
    const { bytes } = await buildPack(hasher, []);
    assert.equal(bytes.length, PACK_FOOTER_BYTES);
    assert.deepEqual(await decodePackIndex(bytes, bytes.length, hasher, "p"), []);
  });
});

Deno.test("decodePackIndex rejects a damaged footer, index or size as integrity", async () => {
  await withHasher(async (hasher) => {
    const { bytes } = await buildPack(hasher, [100, 200]);
    const damaged = (at: number) => {
      const copy = bytes.slice();
      copy[at] ^= 0x01;
      return copy;
    };
    const end = bytes.length;
    await assertIntegrity(
      decodePackIndex(damaged(end - 1), end, hasher, "pack p"),
      /no pack footer/,
    );
    await assertIntegrity(
      decodePackIndex(damaged(end - PACK_FOOTER_BYTES - 10), end, hasher, "pack p"),
      /pack p is corrupt \(an index that hashes to/,
    );
    await assertIntegrity(
      decodePackIndex(bytes.subarray(1), end - 1, hasher, "pack p"),
      /blobs that end at 300, not at its index \(299\)/,
    );
    await assertIntegrity(
      decodePackIndex(damaged(end - 12), end, hasher, "pack p"),
      /pack version/,
    );
  });
});

/** A store whose writes and pack creations can be watched and made to fail. */
class WatchedStore extends LocalStore {
  packWrites = 0;
  inFlight = 0;
  mostInFlight = 0;
  failPacks = false;
  override async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    if (!key.startsWith("packs/")) return await super.putIfAbsent(key, bytes);
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (this.failPacks) throw new Error("the store refused the pack");
      this.packWrites++;
      return await super.putIfAbsent(key, bytes);
    } finally {
      this.inFlight--;
    }
  }
}

Deno.test("a pack writer fills packs up to their size, stores a few at once, and every blob reads back", async () => {
  await withTempDir(async (dir) => {
    await withHasher(async (hasher) => {
      const store = new WatchedStore(`${dir}/blobs`);
      const packSize = 64 * 1024;
      const packs = new PackWriter({ store, hasher, packSize, maxBlob: 8192, flushing: 2 });
      const blobs = Array.from({ length: 200 }, (_, i) => patternBytes(1000 + i, i + 1));
      const located = [];
      for (const blob of blobs) {
        const key = await hasher.hash(blob);
        located.push({ key, size: blob.length, pack: (await packs.add(key, blob)).location });
      }
      await packs.flush();
      const ids = new Set(located.map((f) => f.pack.id));
      assert.equal(packs.packsStored, ids.size);
      assert.equal(store.packWrites, ids.size);
      // 220 KB of blobs (with 48-byte index records) in 64 KiB packs: 3 full, 1 partial.
      assert.equal(ids.size, 4);
      assert.ok(
        store.mostInFlight <= 2,
        `at most 2 packs stored at once, saw ${store.mostInFlight}`,
      );
      for (const id of ids) {
        const pack = await store.get(packKey(id));
        assert.ok(pack.length <= packSize, `pack ${id} is ${pack.length} bytes`);
        const index = await decodePackIndex(pack, pack.length, hasher, id);
        assert.deepEqual(
          index.map((e) => e.key),
          located.filter((f) => f.pack.id === id).map((f) => f.key),
        );
      }
      const reader = new CafsReader({ store, hasher, chunking: chunkingOf(64 * 1024) });
      for (const [i, file] of located.entries()) {
        const [bytes] = await Array.fromAsync(reader.readFile(file));
        assert.ok(bytes.length === blobs[i].length && bytes.every((b, j) => b === blobs[i][j]));
      }
    });
  });
});

Deno.test("a pack writer gives an identical blob the location it already has", async () => {
  await withTempDir(async (dir) => {
    await withHasher(async (hasher) => {
      const store = new LocalStore(`${dir}/blobs`);
      const packs = new PackWriter({ store, hasher, packSize: 64 * 1024, maxBlob: 8192 });
      const blob = patternBytes(500);
      const key = await hasher.hash(blob);
      const first = await packs.add(key, blob);
      const second = await packs.add(key, blob.slice());
      assert.equal(first.added, true);
      assert.equal(second.added, false);
      assert.deepEqual(second.location, first.location);
      const elsewhere = { id: "2WzcHhWHCWS9LMFqBPoxt8e1dPL", offset: 7 };
      const other = patternBytes(600, 9);
      const otherKey = await hasher.hash(other);
      packs.remember(otherKey, elsewhere);
      assert.deepEqual(await packs.add(otherKey, other), { location: elsewhere, added: false });
      await packs.flush();
      const pack = await store.get(packKey(first.location.id));
      assert.equal(pack.length, 500 + packOverhead(1));
    });
  });
});

Deno.test("a pack writer whose pack cannot be stored fails flush and the adds after it", async () => {
  await withTempDir(async (dir) => {
    await withHasher(async (hasher) => {
      const store = new WatchedStore(`${dir}/blobs`);
      store.failPacks = true;
      const packs = new PackWriter({ store, hasher, packSize: 16 * 1024, maxBlob: 4096 });
      const add = async (seed: number) => {
        const blob = patternBytes(4000, seed);
        return await packs.add(await hasher.hash(blob), blob);
      };
      await add(1);
      await assert.rejects(packs.flush(), /refused the pack/);
      await assert.rejects(async () => {
        for (let seed = 2; seed < 50; seed++) await add(seed);
      }, /refused the pack/);
      await packs.close();
    });
  });
});

/** A store whose pack creates report "already there": its own bytes (a retry) or others'. */
class LandedStore extends LocalStore {
  constructor(root: string, private readonly own: boolean) {
    super(root);
  }
  override async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    await this.put(key, this.own ? bytes : patternBytes(bytes.length, 99));
    return false;
  }
}

Deno.test("a pack create retried after it landed is accepted; another pack under its id is not", async () => {
  await withTempDir(async (dir) => {
    await withHasher(async (hasher) => {
      for (const own of [true, false]) {
        const store = new LandedStore(`${dir}/blobs-${own}`, own);
        const packs = new PackWriter({ store, hasher, packSize: 16 * 1024, maxBlob: 4096 });
        const blob = patternBytes(100);
        await packs.add(await hasher.hash(blob), blob);
        if (own) await packs.flush();
        else await assert.rejects(packs.flush(), /already exists .* with other contents/);
      }
    });
  });
});

/** A store that counts its heads. */
class HeadCountingStore extends LocalStore {
  heads = 0;
  override head(key: string) {
    this.heads++;
    return super.head(key);
  }
}

Deno.test("holds asks the store once per pack and refuses a pack too short for the blob", async () => {
  await withTempDir(async (dir) => {
    await withHasher(async (hasher) => {
      const store = new HeadCountingStore(`${dir}/blobs`);
      const stored = "2WzcHhWHCWS9LMFqBPoxt8e1dPL";
      await store.put(packKey(stored), new Uint8Array(100 + PACK_FOOTER_BYTES));
      const packs = new PackWriter({ store, hasher, packSize: 16 * 1024, maxBlob: 4096 });
      for (let i = 0; i < 5; i++) {
        assert.equal(await packs.holds({ id: stored, offset: 90 }, 10), true);
        assert.equal(await packs.holds({ id: stored, offset: 91 }, 10), false);
        assert.equal(await packs.holds({ id: "2WzcHhWHCWS9LMFqBPoxt8e1dPM", offset: 0 }, 1), false);
      }
      assert.equal(store.heads, 2);
    });
  });
});
