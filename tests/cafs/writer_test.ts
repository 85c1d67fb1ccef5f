import { assert } from "../support/assert.ts";
import { readAll, withHasher } from "../support/cafs.ts";
import { withTempDir } from "../support/fixtures.ts";
import { listed } from "../support/store.ts";
import type { Hasher } from "../../lib/cafs/hasher.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";
import { CafsReader } from "../../lib/cafs/reader.ts";
import { KEY_BYTES, readKey } from "../../lib/cafs/root.ts";
import { CafsWriter } from "../../lib/cafs/writer.ts";
import { LocalStore } from "../../lib/store/local.ts";
import type { Store } from "../../lib/store/store.ts";

const KiB = 1024;
const MiB = 1024 * KiB;

interface Bench {
  dir: string;
  store: LocalStore;
  hasher: Hasher;
  /** Writes a file of random bytes (or of `fill`) and returns its path and bytes. */
  file(size: number, fill?: number): Promise<{ path: string; bytes: Uint8Array }>;
}

async function withBench(fn: (bench: Bench) => Promise<void>) {
  await withTempDir((dir) =>
    withHasher((hasher) => {
      let files = 0;
      return fn({
        dir,
        store: new LocalStore(`${dir}/blobs`),
        hasher,
        async file(size, fill) {
          const bytes = new Uint8Array(size);
          if (fill === undefined) {
            for (let o = 0; o < size; o += 65536) {
              crypto.getRandomValues(bytes.subarray(o, o + 65536));
            }
          } else {
            bytes.fill(fill);
          }
          const path = `${dir}/file-${files++}`;
          await Deno.writeFile(path, bytes);
          return { path, bytes };
        },
      });
    }, 2)
  );
}

for (const leafSize of [64 * KiB, 2 * MiB]) {
  const sizes = [0, 1, leafSize - 1, leafSize, leafSize + 1, 3 * leafSize + 7];
  Deno.test(`putFile then readFile gives back files around ${leafSize}-byte leaf boundaries`, async () => {
    await withBench(async ({ store, hasher, file }) => {
      const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 4 });
      const reader = new CafsReader({ store, hasher, chunking: chunkingOf(leafSize) });
      for (const size of sizes) {
        const { path, bytes } = await file(size);
        const put = await writer.putFile(path);
        assert.equal(put.size, size);
        const leaves = Math.max(1, Math.ceil(size / leafSize));
        assert.equal(put.leavesStored, leaves, `size ${size}`);
        assert.equal(put.leavesDeduplicated, 0);
        assert.equal(put.bytesStored, size + (leaves > 1 ? (leaves + 1) * KEY_BYTES : 0));
        assert.deepEqual(await readAll(reader.readFile({ key: put.key, size })), bytes);
      }
    });
  });
}

Deno.test("a file that fits one leaf is stored as exactly one object under its leaf key", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(64 * KiB), slots: 2 });
    for (const size of [0, 1, 64 * KiB]) {
      const { path, bytes } = await file(size, size % 251);
      const before = (await listed(store, "")).length;
      const put = await writer.putFile(path);
      assert.equal(put.key, hasher.hashInline(bytes));
      assert.equal((await listed(store, "")).length, before + 1, `size ${size}`);
      assert.deepEqual(await store.get(put.key), bytes);
    }
  });
});

Deno.test("a bigger file is stored as its leaves and a root object under the file's key", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const leafSize = 64 * KiB;
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 2 });
    const { path, bytes } = await file(2 * leafSize + 5);
    const put = await writer.putFile(path);
    const root = await store.get(put.key);
    assert.equal(root.length, 4 * KEY_BYTES);
    const leafKeys = [0, 1, 2].map((i) => readKey(root, i * KEY_BYTES));
    assert.equal(readKey(root, 3 * KEY_BYTES), put.key);
    assert.equal(put.key, hasher.hashInline(root.subarray(0, 3 * KEY_BYTES)));
    assert.deepEqual(
      leafKeys,
      [0, 1, 2].map((i) => hasher.hashInline(bytes.subarray(i * leafSize, (i + 1) * leafSize))),
    );
    assert.deepEqual((await listed(store, "")).sort(), [...leafKeys, put.key].sort());
  });
});

Deno.test("a second putFile of the same file stores no leaf, with this writer or a new one", async () => {
  await withBench(async ({ store, hasher, file }) => {
    for (const leafSize of [4 * KiB, 64 * KiB]) {
      const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 4 });
      const { path } = await file(5 * leafSize + 3);
      const first = await writer.putFile(path);
      assert.equal(first.leavesStored, 6);
      const objects = (await listed(store, "")).length;
      for (
        const again of [
          writer,
          new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 4 }),
        ]
      ) {
        const put = await again.putFile(path);
        assert.equal(put.key, first.key);
        assert.equal(put.leavesStored, 0);
        assert.equal(put.leavesDeduplicated, 6);
        assert.equal(put.bytesStored, 0);
      }
      assert.equal((await listed(store, "")).length, objects);
    }
  });
});

Deno.test("repeated leaves within one file are stored once", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(64 * KiB), slots: 4 });
    const { path } = await file(4 * 64 * KiB, 0);
    const put = await writer.putFile(path);
    assert.equal(put.leavesStored, 1);
    assert.equal(put.leavesDeduplicated, 3);
    assert.equal((await listed(store, "")).length, 2, "one leaf and the root object");
  });
});

Deno.test("putBytes stores bytes under the key putFile gives a file holding them", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const leafSize = 64 * KiB;
    const { path, bytes } = await file(3 * leafSize + 7);
    const fromBytes = await new CafsWriter({
      store,
      hasher,
      chunking: chunkingOf(leafSize),
      slots: 2,
    }).putBytes(bytes);
    const fromFile = await new CafsWriter({
      store,
      hasher,
      chunking: chunkingOf(leafSize),
      slots: 2,
    }).putFile(path);
    assert.equal(fromBytes.key, fromFile.key);
    assert.equal(fromBytes.size, bytes.length);
    const empty = await new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 2 })
      .putBytes(
        new Uint8Array(0),
      );
    assert.equal(empty.key, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262");
  });
});

Deno.test("concurrent putFile calls share a small slot pool and all round-trip", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const leafSize = 64 * KiB;
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(leafSize), slots: 2 });
    const reader = new CafsReader({ store, hasher, chunking: chunkingOf(leafSize) });
    const files = await Promise.all(Array.from({ length: 8 }, (_, i) => file(i * 50 * KiB + 1)));
    const puts = await Promise.all(files.map(({ path }) => writer.putFile(path)));
    for (const [i, put] of puts.entries()) {
      assert.deepEqual(await readAll(reader.readFile(put)), files[i].bytes);
    }
  });
});

Deno.test("putFile reports every byte it reads to onBytes", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(64 * KiB), slots: 2 });
    const { path } = await file(200 * KiB);
    const reports: number[] = [];
    await writer.putFile(path, (n) => reports.push(n));
    assert.deepEqual(reports, [64 * KiB, 64 * KiB, 64 * KiB, 8 * KiB]);
  });
});

Deno.test("the root object is stored after every leaf it names", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const writes: string[] = [];
    const recording: Store = Object.assign(Object.create(store), {
      putIfAbsent: async (key: string, bytes: Uint8Array) => {
        await new Promise((resolve) => setTimeout(resolve, writes.length === 0 ? 20 : 0));
        writes.push(key);
        return await store.putIfAbsent(key, bytes);
      },
      head: (key: string) => store.head(key),
      get: (key: string) => store.get(key),
    });
    const writer = new CafsWriter({
      store: recording,
      hasher,
      chunking: chunkingOf(4 * KiB),
      slots: 4,
    });
    const { path } = await file(16 * KiB + 1);
    const put = await writer.putFile(path);
    assert.equal(writes.length, 6);
    assert.equal(writes.at(-1), put.key);
  });
});

Deno.test("a failing store write fails putFile and gives every slot back", async () => {
  await withBench(async ({ store, hasher, file }) => {
    let fail = true;
    const flaky: Store = Object.assign(Object.create(store), {
      head: (key: string) => store.head(key),
      get: (key: string) => store.get(key),
      putIfAbsent: (key: string, bytes: Uint8Array) =>
        fail ? Promise.reject(new Error("disk on fire")) : store.putIfAbsent(key, bytes),
    });
    const writer = new CafsWriter({
      store: flaky,
      hasher,
      chunking: chunkingOf(4 * KiB),
      slots: 2,
    });
    const { path, bytes } = await file(40 * KiB);
    await assert.rejects(writer.putFile(path), /disk on fire/);
    fail = false;
    const put = await writer.putFile(path);
    const reader = new CafsReader({ store, hasher, chunking: chunkingOf(4 * KiB) });
    assert.deepEqual(await readAll(reader.readFile(put)), bytes);
  });
});

Deno.test("putFile of a missing file fails with NotFound", async () => {
  await withBench(async ({ store, hasher, dir }) => {
    const writer = new CafsWriter({ store, hasher, chunking: chunkingOf(4 * KiB), slots: 2 });
    await assert.rejects(writer.putFile(`${dir}/absent`), Deno.errors.NotFound);
  });
});

Deno.test("leaves reach the store in plain buffers, not shared memory a store must copy", async () => {
  await withBench(async ({ store, hasher, file }) => {
    const shared: string[] = [];
    const checking: Store = Object.assign(Object.create(store), {
      putIfAbsent: (key: string, bytes: Uint8Array) => {
        if (!(bytes.buffer instanceof ArrayBuffer)) shared.push(key);
        return store.putIfAbsent(key, bytes);
      },
      head: (key: string) => store.head(key),
      get: (key: string) => store.get(key),
    });
    const leafSize = 256 * KiB;
    const writer = new CafsWriter({
      store: checking,
      hasher,
      chunking: chunkingOf(leafSize),
      slots: 2,
    });
    const { path, bytes } = await file(5 * leafSize + 3);
    const put = await writer.putFile(path);
    assert.equal(put.leavesStored, 6);
    assert.deepEqual(shared, []);
    const reader = new CafsReader({ store, hasher, chunking: chunkingOf(leafSize) });
    assert.deepEqual(await readAll(reader.readFile(put)), bytes);
  });
});
