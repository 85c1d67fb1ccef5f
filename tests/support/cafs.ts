/** Helpers for tests of the content-addressed store: a hasher that always closes, read bytes, a blob store
 * in a temp directory with a cafs session on it. */
import { Hasher } from "../../lib/cafs/hasher.ts";
import { type Chunking, chunkingOf } from "../../lib/cafs/chunking.ts";
import type { StoredFile } from "../../lib/cafs/reader.ts";
import { CafsSession } from "../../lib/cafs/session.ts";
import { LocalStore } from "../../lib/store/local.ts";
import { patternBytes, withTempDir } from "./fixtures.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

/** Runs `fn` with a BLAKE3 hasher of `workers` Workers, closed afterwards. */
export async function withHasher<T>(fn: (hasher: Hasher) => Promise<T>, workers = 1): Promise<T> {
  const hasher = await Hasher.create(workers);
  try {
    return await fn(hasher);
  } finally {
    hasher.close();
  }
}

/** The chunks of a read, joined; each chunk is copied, as it is valid only until the next. */
export async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk.slice());
  return concatBytes(parts);
}

/** Leaves of 4 KiB: a file of more than 4096 bytes has a root object. */
export const TEST_CHUNKING: Chunking = chunkingOf(4096);
/** Files of up to this many bytes are packed by storeFiles. */
export const TEST_MAX_PACKED = 1024;

/** What a test of cafs works on. */
export interface CafsBench {
  dir: string;
  store: LocalStore;
  cafs: CafsSession;
}

/** Runs `fn` with a LocalStore in a fresh temp directory and a session on it. */
export async function withCafs<T>(fn: (bench: CafsBench) => Promise<T>): Promise<T> {
  return await withTempDir(async (dir) => {
    const store = new LocalStore(`${dir}/blobs`);
    using cafs = await CafsSession.open(store);
    return await fn({ dir, store, cafs });
  });
}

/**
 * Stores files of the given sizes (pattern bytes seeded by name, so files of different names
 * share no leaf) with TEST_CHUNKING, packing
 * those of 1 to TEST_MAX_PACKED bytes, and returns them by name once their packs are stored.
 */
export async function storeFiles(
  { dir, cafs }: CafsBench,
  sizes: Record<string, number>,
): Promise<Record<string, StoredFile>> {
  const packs = cafs.packWriter({ packSize: 64 * 1024, maxPacked: TEST_MAX_PACKED });
  const writer = cafs.writer(TEST_CHUNKING, 4, packs);
  const stored: Record<string, StoredFile> = {};
  for (const [name, size] of Object.entries(sizes)) {
    const path = `${dir}/${name}`;
    await Deno.writeFile(path, patternBytes(size, seedOf(name)));
    const { key, pack } = await writer.putFile(path);
    stored[name] = pack ? { name, key, size, pack } : { name, key, size };
  }
  await packs.flush();
  return stored;
}

/** A pattern seed from a name. */
function seedOf(name: string): number {
  let seed = 7;
  for (const char of name) seed = (seed * 31 + char.charCodeAt(0)) >>> 0;
  return seed;
}
