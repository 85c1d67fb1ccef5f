import { assert, assertIntegrity } from "../support/assert.ts";
import { readAll, withHasher } from "../support/cafs.ts";
import { withTempDir } from "../support/fixtures.ts";
import type { Hasher } from "../../lib/cafs/hasher.ts";
import { LeafCache } from "../../lib/cafs/leaf_cache.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";
import { CafsReader, type StoredFile } from "../../lib/cafs/reader.ts";
import { PackWriter } from "../../lib/cafs/pack_writer.ts";
import { KEY_BYTES, readKey } from "../../lib/cafs/root.ts";
import { CafsWriter, type PutResult } from "../../lib/cafs/writer.ts";
import { LocalStore } from "../../lib/store/local.ts";
import type { Store } from "../../lib/store/store.ts";

const LEAF = 64 * 1024;
const CHUNKS = chunkingOf(LEAF);

interface Stored {
  store: LocalStore;
  hasher: Hasher;
  bytes: Uint8Array;
  put: PutResult;
  /** Hex keys of the file's leaves, read from its root object. */
  leaves: string[];
}

/** Stores a file of `size` random bytes with 64 KiB leaves, runs `fn`, cleans up. */
async function withStoredFile(size: number, fn: (stored: Stored) => Promise<void>) {
  await withTempDir((dir) =>
    withHasher(async (hasher) => {
      const bytes = new Uint8Array(size);
      for (let o = 0; o < size; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
      await Deno.writeFile(`${dir}/file`, bytes);
      const store = new LocalStore(`${dir}/blobs`);
      const put = await new CafsWriter({ store, hasher, chunking: CHUNKS, slots: 4 }).putFile(
        `${dir}/file`,
      );
      let leaves = [put.key];
      if (size > LEAF) {
        const root = await store.get(put.key);
        leaves = Array.from(
          { length: root.length / KEY_BYTES - 1 },
          (_, i) => readKey(root, i * KEY_BYTES),
        );
      }
      await fn({ store, hasher, bytes, put, leaves });
    }, 2)
  );
}

async function corrupt(store: Store, key: string, change: (bytes: Uint8Array) => Uint8Array) {
  await store.put(key, change((await store.get(key)).slice()));
}

const flipByte = (bytes: Uint8Array) => (bytes[bytes.length >> 1] ^= 0x40, bytes);

Deno.test("leafKeys of a one-leaf file is its key, without reading the store", async () => {
  await withStoredFile(100, async ({ hasher, put }) => {
    const empty = { url: "mem://", get: () => Promise.reject(new Error("no read expected")) };
    const reader = new CafsReader({ store: empty as unknown as Store, hasher, chunking: CHUNKS });
    assert.deepEqual(await reader.leafKeys({ key: put.key, size: 100 }), [put.key]);
    assert.deepEqual(await reader.leafKeys({ key: put.key, size: 0 }), [put.key]);
  });
});

Deno.test("leafKeys of a bigger file are those of its verified root object", async () => {
  await withStoredFile(3 * LEAF + 7, async ({ store, hasher, put, leaves }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    assert.equal(leaves.length, 4);
    assert.deepEqual(await reader.leafKeys({ key: put.key, size: 3 * LEAF + 7 }), leaves);
  });
});

Deno.test("leafKeys rejects a root object that lists another number of leaves than the size needs", async () => {
  await withStoredFile(3 * LEAF + 7, async ({ store, hasher, put }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await assertIntegrity(
      reader.leafKeys({ key: put.key, size: 5 * LEAF }),
      /lists 4 leaves, not 5/,
    );
  });
});

Deno.test("readFile throws integrity when a leaf's bytes were changed", async () => {
  await withStoredFile(3 * LEAF + 7, async ({ store, hasher, put, leaves }) => {
    await corrupt(store, leaves[2], flipByte);
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, window: 1 });
    await assertIntegrity(
      readAll(reader.readFile(put)),
      new RegExp(
        `^blob ${leaves[2]} in ${store.url} is corrupt \\(its bytes hash to [0-9a-f]{64}\\)`,
      ),
    );
  });
});

Deno.test("readFile hands out no byte of a corrupt leaf", async () => {
  await withStoredFile(LEAF + 1, async ({ store, hasher, put, leaves }) => {
    await corrupt(store, leaves[0], flipByte);
    const got: Uint8Array[] = [];
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await assertIntegrity(
      (async () => {
        for await (const chunk of reader.readFile(put)) got.push(chunk);
      })(),
      /is corrupt/,
    );
    assert.deepEqual(got, []);
  });
});

Deno.test("readFile throws integrity when a leaf has the wrong length", async () => {
  await withStoredFile(2 * LEAF + 5, async ({ store, hasher, put, leaves }) => {
    await corrupt(store, leaves[1], (bytes) => bytes.subarray(1));
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await assertIntegrity(
      readAll(reader.readFile(put)),
      new RegExp(`blob ${leaves[1]} .* is corrupt \\(65535 bytes where the file needs 65536\\)`),
    );
  });
});

Deno.test("readFile throws integrity when a one-leaf file's blob was changed", async () => {
  await withStoredFile(1000, async ({ store, hasher, put }) => {
    await corrupt(store, put.key, flipByte);
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await assertIntegrity(readAll(reader.readFile(put)), /is corrupt/);
  });
});

Deno.test("readFile throws integrity naming the store when a leaf or root is missing", async () => {
  await withStoredFile(2 * LEAF + 5, async ({ store, hasher, put, leaves }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await store.delete(leaves[2]);
    await assertIntegrity(
      readAll(reader.readFile(put)),
      new RegExp(`^blob ${leaves[2]} missing from ${store.url}`),
    );
    await store.delete(put.key);
    await assertIntegrity(
      readAll(reader.readFile(put)),
      new RegExp(`^blob ${put.key} missing from ${store.url}`),
    );
  });
});

Deno.test("readFile throws integrity when the root object is corrupt", async () => {
  await withStoredFile(2 * LEAF + 5, async ({ store, hasher, put }) => {
    await corrupt(store, put.key, (bytes) => (bytes[0] ^= 1, bytes));
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    await assertIntegrity(readAll(reader.readFile(put)), /root object/);
  });
});

Deno.test("readFile stopped early leaves nothing failing behind", async () => {
  await withStoredFile(6 * LEAF, async ({ store, hasher, put, leaves }) => {
    await corrupt(store, leaves[3], flipByte);
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, window: 4 });
    for await (const chunk of reader.readFile(put)) {
      assert.equal(chunk.length, LEAF);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});

Deno.test("readRange across leaf boundaries equals the file's bytes at random offsets", async () => {
  const size = 5 * LEAF + 123;
  await withStoredFile(size, async ({ store, hasher, put, bytes }) => {
    const cache = new LeafCache({ maxBytes: 2 * LEAF });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 0 });
    const ranges: Array<[number, number]> = [[0, size], [LEAF - 1, 2], [LEAF, LEAF], [
      size - 1,
      10,
    ]];
    for (let i = 0; i < 200; i++) {
      const offset = Math.floor(Math.random() * (size + 10));
      ranges.push([offset, Math.floor(Math.random() * 3 * LEAF)]);
    }
    for (const [offset, length] of ranges) {
      const got = await reader.readRange({ key: put.key, size }, offset, length);
      assert.deepEqual(
        got,
        bytes.subarray(offset, Math.min(size, offset + length)),
        `${offset}+${length}`,
      );
    }
  });
});

Deno.test("readRange of a one-leaf or empty file reads within its only leaf", async () => {
  await withStoredFile(1000, async ({ store, hasher, put, bytes }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS });
    assert.deepEqual(
      await reader.readRange({ key: put.key, size: 1000 }, 10, 20),
      bytes.subarray(10, 30),
    );
    assert.deepEqual(
      await reader.readRange({ key: put.key, size: 1000 }, 1000, 20),
      new Uint8Array(0),
    );
    await assert.rejects(reader.readRange({ key: put.key, size: 1000 }, -1, 20), RangeError);
  });
});

Deno.test("readRange inside one leaf serves a view of the cached leaf, not a copy", async () => {
  await withStoredFile(3 * LEAF, async ({ store, hasher, put, bytes }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, prefetch: 0 });
    const first = await reader.readRange(put, LEAF, 100);
    const second = await reader.readRange(put, LEAF + 100, 200);
    assert.equal(second.buffer, first.buffer);
    assert.deepEqual(second, bytes.subarray(LEAF + 100, LEAF + 300));
    const across = await reader.readRange(put, LEAF - 10, 20);
    assert.notEqual(across.buffer, first.buffer);
    assert.deepEqual(across, bytes.subarray(LEAF - 10, LEAF + 10));
  });
});

Deno.test("readRange throws integrity on a corrupt leaf and does not cache it", async () => {
  await withStoredFile(3 * LEAF, async ({ store, hasher, put, leaves }) => {
    await corrupt(store, leaves[1], flipByte);
    const cache = new LeafCache({ maxBytes: 16 * LEAF });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 0 });
    await assertIntegrity(reader.readRange(put, LEAF - 10, 20), /is corrupt/);
    assert.ok(!cache.has(leaves[1]));
  });
});

Deno.test("readRange loads the next leaves into the cache after a read", async () => {
  await withStoredFile(6 * LEAF, async ({ store, hasher, put, leaves }) => {
    const cache = new LeafCache({ maxBytes: 16 * LEAF });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 2 });
    await reader.readRange(put, 10, 100);
    const deadline = Date.now() + 5000;
    while (!(cache.has(leaves[1]) && cache.has(leaves[2])) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.deepEqual(leaves.map((key) => cache.has(key)), [true, true, true, false, false, false]);
  });
});

Deno.test("readRange loads ahead at most the leaves half its cache holds, whatever it is asked", async () => {
  await withStoredFile(12 * LEAF, async ({ store, hasher, put, leaves }) => {
    let gets = 0;
    let leafReads = 0;
    const counting = Object.assign(Object.create(null), {
      url: store.url,
      get: (key: string) => (gets++, store.get(key)),
      getInto: (key: string, into: Uint8Array) => (leafReads++, store.getInto(key, into)),
    }) as Store;
    const cache = new LeafCache({ maxBytes: 8 * LEAF });
    const reader = new CafsReader({ store: counting, hasher, chunking: CHUNKS, cache });
    await reader.readRange(put, 0, 100, 10);
    const deadline = Date.now() + 5000;
    while (!cache.has(leaves[4]) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The root object whole; the leaf read and the 4 leaves half of an 8-leaf cache holds by
    // the store's plain read into a buffer of their size.
    assert.equal(gets, 1);
    assert.equal(leafReads, 1 + 4);
    assert.deepEqual(leaves.slice(0, 6).map((key) => cache.has(key)), [
      true,
      true,
      true,
      true,
      true,
      false,
    ]);
  });
});

Deno.test("readFile reads every leaf into the same few reused buffers", async () => {
  await withStoredFile(20 * LEAF + 3, async ({ store, hasher, put, bytes }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, window: 2, buffers: 3 });
    const buffers = new Set<ArrayBufferLike>();
    let offset = 0;
    for await (const chunk of reader.readFile(put)) {
      buffers.add(chunk.buffer);
      assert.deepEqual(chunk, bytes.subarray(offset, offset + chunk.length));
      offset += chunk.length;
    }
    assert.equal(offset, bytes.length);
    assert.ok(buffers.size <= 3, `${buffers.size} buffers used`);
  });
});

/** `store`'s reads, each leaf read held back a few ms, counting the most leaf reads at once. */
function slowLeafReads(store: Store): { store: Store; most: () => number } {
  let now = 0;
  let most = 0;
  const slow = Object.assign(Object.create(null), {
    url: store.url,
    get: (key: string) => store.get(key),
    getInto: async (key: string, into: Uint8Array) => {
      most = Math.max(most, ++now);
      try {
        await new Promise((resolve) => setTimeout(resolve, 3));
        return await store.getInto(key, into);
      } finally {
        now--;
      }
    },
  }) as Store;
  return { store: slow, most: () => most };
}

Deno.test("readFile never has more leaves in flight than its window", async () => {
  await withStoredFile(24 * LEAF, async ({ store, hasher, put, bytes }) => {
    const slow = slowLeafReads(store);
    const reader = new CafsReader({ store: slow.store, hasher, chunking: CHUNKS, window: 3 });
    assert.deepEqual(await readAll(reader.readFile(put)), bytes);
    assert.equal(slow.most(), 3);
  });
});

Deno.test("readRange read front to back never has more leaves in flight than it loads ahead, plus one", async () => {
  await withStoredFile(24 * LEAF, async ({ store, hasher, put, bytes }) => {
    const slow = slowLeafReads(store);
    const cache = new LeafCache({ maxBytes: 64 * LEAF });
    const reader = new CafsReader({ store: slow.store, hasher, chunking: CHUNKS, cache });
    const step = 16 * 1024;
    for (let offset = 0; offset < bytes.length; offset += step) {
      const got = await reader.readRange(put, offset, step, 6);
      assert.deepEqual(got, bytes.subarray(offset, offset + step));
    }
    assert.ok(slow.most() <= 6 + 1, `${slow.most()} leaves in flight`);
    assert.ok(slow.most() >= 6, `${slow.most()} leaves in flight: the reads were not ahead`);
  });
});

Deno.test("readRange read front to back keeps only the leaf just behind the read, not those before", async () => {
  await withStoredFile(8 * LEAF, async ({ store, hasher, put, leaves }) => {
    const cache = new LeafCache({ maxBytes: 64 * LEAF });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 0 });
    for (let offset = 0; offset < 5 * LEAF; offset += LEAF / 2) {
      await reader.readRange(put, offset, LEAF / 2, 0, true);
    }
    assert.deepEqual(leaves.slice(0, 5).map((key) => cache.has(key)), [
      false,
      false,
      false,
      true,
      true,
    ]);
  });
});

Deno.test("readRange read at random keeps every leaf it read", async () => {
  await withStoredFile(4 * LEAF, async ({ store, hasher, put, leaves }) => {
    const cache = new LeafCache({ maxBytes: 64 * LEAF });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 0 });
    for (const leaf of [3, 0, 2, 1]) await reader.readRange(put, leaf * LEAF, 10);
    assert.deepEqual(leaves.map((key) => cache.has(key)), [true, true, true, true]);
  });
});

/** Files of the given sizes packed into one pack (64 KiB leaves), ready to read. */
async function withPackedFiles(
  sizes: number[],
  fn: (
    s: { store: LocalStore; hasher: Hasher; files: (StoredFile & { bytes: Uint8Array })[] },
  ) => Promise<void>,
) {
  await withTempDir((dir) =>
    withHasher(async (hasher) => {
      const store = new LocalStore(`${dir}/blobs`);
      const packs = new PackWriter({ store, hasher, packSize: 1024 * 1024, maxBlob: LEAF });
      const files = [];
      for (const [i, size] of sizes.entries()) {
        const bytes = crypto.getRandomValues(new Uint8Array(size));
        const key = await hasher.hash(bytes);
        const pack = (await packs.add(key, bytes)).location;
        files.push({ name: `f${i}`, key, size, bytes, pack });
      }
      await packs.flush();
      await fn({ store, hasher, files });
    })
  );
}

Deno.test("readRange of a packed file reads within it, through the leaf cache", async () => {
  await withPackedFiles([5000, 60_000, 7], async ({ store, hasher, files }) => {
    const cache = new LeafCache({ maxBytes: 1 << 20 });
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, cache, prefetch: 0 });
    const file = files[1];
    for (const [offset, length] of [[0, 10], [59_990, 100], [12_345, 30_000], [60_000, 5]]) {
      const got = await reader.readRange(file, offset, length);
      assert.deepEqual(got, file.bytes.subarray(offset, Math.min(file.size, offset + length)));
    }
    assert.equal(cache.size, 1);
    assert.ok(cache.has(file.key));
    assert.deepEqual(await reader.leafKeys(file), [file.key]);
  });
});

Deno.test("packRuns groups neighbours in one pack and readPackRun reads them with one request", async () => {
  await withPackedFiles([100, 200, 300, 400], async ({ store, hasher, files }) => {
    let ranges = 0;
    const counting = Object.assign(Object.create(null), {
      url: store.url,
      getRange: (k: string, o: number, n: number) => (ranges++, store.getRange(k, o, n)),
    }) as Store;
    const reader = new CafsReader({ store: counting, hasher, chunking: CHUNKS });
    const alone = { name: "alone", key: files[0].key, size: 1 };
    async function* items() {
      yield* [files[2], files[0], files[1], alone, files[3]];
    }
    const groups = await Array.fromAsync(reader.packRuns(items(), (f) => f));
    assert.deepEqual(groups.map((g) => g.map((f) => f.name)), [["f2", "f0", "f1"], ["alone"], [
      "f3",
    ]]);
    const read = await Array.fromAsync(reader.readPackRun(groups[0]));
    assert.equal(ranges, 1);
    for (const { file, bytes } of read) {
      assert.deepEqual(bytes, (file as typeof files[0]).bytes);
    }
  });
});

Deno.test("packRuns keeps runs within their byte budget", async () => {
  await withPackedFiles([30_000, 30_000, 30_000, 30_000], async ({ store, hasher, files }) => {
    const reader = new CafsReader({ store, hasher, chunking: CHUNKS, runBytes: 64 * 1024 });
    async function* items() {
      yield* files;
    }
    const groups = await Array.fromAsync(reader.packRuns(items(), (f) => f));
    assert.deepEqual(groups.map((g) => g.length), [2, 2]);
  });
});
