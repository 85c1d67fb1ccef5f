/**
 * Throughput of the content-addressed store's hot paths: BLAKE3 of 64 MiB inline and in the
 * Worker pool (as 2 MiB leaves, as uploads hash them), and putFile/readFile of a 256 MiB file
 * through a LocalStore in a temp directory. MB/s = 64 MiB (or 256 MiB) / the time per run.
 */
import { Hasher } from "../lib/cafs/hasher.ts";
import { chunkingOf } from "../lib/cafs/chunking.ts";
import { CafsReader } from "../lib/cafs/reader.ts";
import { CafsWriter } from "../lib/cafs/writer.ts";
import { LocalStore } from "../lib/store/local.ts";

const MiB = 1024 * 1024;
const LEAF = 2 * MiB;
const CHUNKS = chunkingOf(LEAF);
const HASHED = 64 * MiB;
const FILE = 256 * MiB;

function randomBytes(size: number, shared: boolean): Uint8Array {
  const bytes = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  for (let o = 0; o < size; o += 65536) crypto.getRandomValues(bytes.subarray(o, o + 65536));
  return bytes;
}

const shared = randomBytes(HASHED, true);
const unshared = shared.slice();
const leaves = (bytes: Uint8Array) =>
  Array.from({ length: bytes.length / LEAF }, (_, i) => bytes.subarray(i * LEAF, (i + 1) * LEAF));

const pools = new Map<number, Hasher>();
for (const workers of [1, 2]) {
  const hasher = await Hasher.create(workers);
  await hasher.warm();
  pools.set(workers, hasher);
}
const inline = pools.get(1)!;
inline.hashInline(shared);

const benchDir = await Deno.makeTempDir({ prefix: "datamon-bench-" });
const source = `${benchDir}/source`;
await Deno.writeFile(source, randomBytes(FILE, false));
let runs = 0;

Deno.bench({
  name: "BLAKE3 64 MiB inline, 1 thread",
  group: "hash",
  baseline: true,
  fn: () => {
    inline.hashInline(shared);
  },
});

for (const workers of [1, 2]) {
  Deno.bench({
    name: `BLAKE3 64 MiB as 2 MiB leaves, ${workers} Worker(s), shared memory`,
    group: "hash",
    fn: async () => {
      await Promise.all(leaves(shared).map((leaf) => pools.get(workers)!.hash(leaf)));
    },
  });
}

Deno.bench({
  name: "BLAKE3 64 MiB as 2 MiB leaves, 2 Workers, unshared (copied in)",
  group: "hash",
  fn: async () => {
    await Promise.all(leaves(unshared).map((leaf) => pools.get(2)!.hash(leaf)));
  },
});

/** A fresh store per run, so every run stores all leaves (none deduplicated). */
async function freshStore(): Promise<LocalStore> {
  return new LocalStore(await Deno.makeTempDir({ dir: benchDir, prefix: `store-${runs++}-` }));
}

Deno.bench({
  name: "putFile 256 MiB into a new LocalStore (2 MiB leaves, 8 slots)",
  group: "cafs",
  n: 3,
  warmup: 1,
  fn: async (b) => {
    const store = await freshStore();
    const writer = new CafsWriter({ store, hasher: pools.get(2)!, chunking: CHUNKS, slots: 8 });
    b.start();
    await writer.putFile(source);
    b.end();
    await Deno.remove(store.root, { recursive: true });
  },
});

const readStore = await freshStore();
const stored = await new CafsWriter({
  store: readStore,
  hasher: pools.get(2)!,
  chunking: CHUNKS,
  slots: 8,
})
  .putFile(source);

Deno.bench({
  name: "readFile 256 MiB from a LocalStore, every leaf verified",
  group: "cafs",
  n: 3,
  warmup: 1,
  fn: async () => {
    const reader = new CafsReader({ store: readStore, hasher: pools.get(2)!, chunking: CHUNKS });
    for await (const _ of reader.readFile(stored));
  },
});

// Deno.bench has no teardown hook and live Workers keep the process running: the last
// "bench" closes them (and may run more than once).
let cleaned = false;
Deno.bench({
  name: "(cleanup: closes the Workers, removes the temp directory)",
  group: "zz-cleanup",
  n: 1,
  warmup: 0,
  fn: async () => {
    if (cleaned) return;
    cleaned = true;
    for (const hasher of pools.values()) hasher.close();
    await Deno.remove(benchDir, { recursive: true });
  },
});
