/**
 * Pack objects: many small blobs in one stored object, so that a bundle of many small files
 * costs a few requests instead of one per file (restic and kopia do the same).
 *
 * Layout of pack `id`, stored under packKey(id) of layout.ts in the blob store:
 * ```
 * blob 0 | blob 1 | ... | blob n-1          the blobs, concatenated from offset 0
 * n index records of 48 bytes:              key (32) | offset u64 LE | length u64 LE
 * footer of 48 bytes:                       index key (32) | n u32 LE | version u32 LE | "DMNPACK\n"
 * ```
 * The index key is BLAKE3 of the n records, so a damaged index is told from a sound one. The
 * index makes a pack self-describing: fsck and garbage collection learn what it holds from its
 * tail alone, without any bundle.
 */
import { DatamonError } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { type HashFn, KEY_BYTES, readKey, writeKey } from "./root.ts";
import { packKey } from "./layout.ts";

/** Bytes of one index record. */
export const PACK_RECORD_BYTES = KEY_BYTES + 16;
/** Bytes of the footer that ends every pack. */
export const PACK_FOOTER_BYTES = KEY_BYTES + 16;
/** The pack layout version this code writes and reads. */
export const PACK_VERSION = 1;
const MAGIC = new TextEncoder().encode("DMNPACK\n");

/** One blob of a pack, as its index records it. */
export interface PackIndexEntry {
  /** Hex BLAKE3 of the blob's bytes. */
  key: string;
  offset: number;
  length: number;
}

/** Bytes the index and footer add to a pack of `count` blobs. */
export function packOverhead(count: number): number {
  return count * PACK_RECORD_BYTES + PACK_FOOTER_BYTES;
}

/**
 * Writes the index of `entries` and the footer into `into` from `at`, which must be where the
 * blobs end and have room for packOverhead(entries.length) bytes. Returns the pack's size.
 */
export async function writePackIndex(
  entries: readonly PackIndexEntry[],
  into: Uint8Array,
  at: number,
  hasher: HashFn,
): Promise<number> {
  const view = new DataView(into.buffer, into.byteOffset, into.byteLength);
  let offset = at;
  for (const entry of entries) {
    writeKey(entry.key, into, offset);
    view.setBigUint64(offset + KEY_BYTES, BigInt(entry.offset), true);
    view.setBigUint64(offset + KEY_BYTES + 8, BigInt(entry.length), true);
    offset += PACK_RECORD_BYTES;
  }
  writeKey(await hasher.hash(into.subarray(at, offset)), into, offset);
  view.setUint32(offset + KEY_BYTES, entries.length, true);
  view.setUint32(offset + KEY_BYTES + 4, PACK_VERSION, true);
  into.set(MAGIC, offset + KEY_BYTES + 8);
  return offset + PACK_FOOTER_BYTES;
}

/**
 * Number of index records a pack's footer announces (the index is the packOverhead(count)
 * bytes that end the pack). Throws "integrity" when `footer` is not a pack footer.
 */
export function decodePackFooter(footer: Uint8Array, what: string): number {
  if (footer.length !== PACK_FOOTER_BYTES) {
    throw corruptPack(what, `a footer of ${footer.length} bytes, not ${PACK_FOOTER_BYTES}`);
  }
  const view = new DataView(footer.buffer, footer.byteOffset, footer.byteLength);
  const magic = footer.subarray(KEY_BYTES + 8);
  if (!magic.every((byte, i) => byte === MAGIC[i])) throw corruptPack(what, "no pack footer");
  const version = view.getUint32(KEY_BYTES + 4, true);
  if (version !== PACK_VERSION) {
    throw new DatamonError(
      "integrity",
      `${what} has pack version ${version}, this datamon reads ${PACK_VERSION}: upgrade datamon`,
    );
  }
  return view.getUint32(KEY_BYTES, true);
}

/**
 * The checked index records of a pack: 48 bytes each, read in place. Holding a pack's records
 * (48 bytes a blob) rather than its entries (~150 bytes each, key strings included) keeps
 * purge and fsck small when a pack holds ~70,000 tiny files.
 */
export class PackIndex {
  readonly #records: Uint8Array;
  readonly #view: DataView;

  constructor(records: Uint8Array) {
    this.#records = records;
    this.#view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  }

  /** Blobs the pack holds. */
  get count(): number {
    return this.#records.length / PACK_RECORD_BYTES;
  }

  /** The binary key of blob `i` (a view of the records, not a copy). */
  keyBytes(i: number): Uint8Array {
    const at = i * PACK_RECORD_BYTES;
    return this.#records.subarray(at, at + KEY_BYTES);
  }

  offset(i: number): number {
    return Number(this.#view.getBigUint64(i * PACK_RECORD_BYTES + KEY_BYTES, true));
  }

  length(i: number): number {
    return Number(this.#view.getBigUint64(i * PACK_RECORD_BYTES + KEY_BYTES + 8, true));
  }

  /** Every blob as an entry, hex keys included. */
  entries(): PackIndexEntry[] {
    return Array.from({ length: this.count }, (_, i) => ({
      key: readKey(this.#records, i * PACK_RECORD_BYTES),
      offset: this.offset(i),
      length: this.length(i),
    }));
  }
}

/**
 * The index of a pack of `packSize` bytes, from `tail`, its last bytes (the whole pack will do;
 * at least packOverhead(count) bytes are needed). Checks the footer, the index key, and that
 * the blobs lie one after another from offset 0 up to the index. `what` names the pack in
 * errors; any mismatch is a DatamonError "integrity".
 */
export async function checkPackIndex(
  tail: Uint8Array,
  packSize: number,
  hasher: HashFn,
  what: string,
): Promise<PackIndex> {
  if (tail.length < PACK_FOOTER_BYTES || tail.length > packSize) {
    throw corruptPack(what, `a tail of ${tail.length} bytes in a pack of ${packSize}`);
  }
  const count = decodePackFooter(tail.subarray(tail.length - PACK_FOOTER_BYTES), what);
  const overhead = packOverhead(count);
  if (overhead > packSize) throw corruptPack(what, `${count} index records in ${packSize} bytes`);
  if (overhead > tail.length) {
    throw new RangeError(`the tail holds ${tail.length} bytes, the index needs ${overhead}`);
  }
  const records = tail.subarray(tail.length - overhead, tail.length - PACK_FOOTER_BYTES);
  const stated = readKey(tail, tail.length - PACK_FOOTER_BYTES);
  const actual = await hasher.hash(records);
  if (actual !== stated) throw corruptPack(what, `an index that hashes to ${actual}`);
  const index = new PackIndex(records);
  let end = 0;
  for (let i = 0; i < count; i++) {
    const offset = index.offset(i);
    if (offset !== end) throw corruptPack(what, `blob ${i} at ${offset}, not ${end}`);
    end = offset + index.length(i);
  }
  if (end !== packSize - overhead) {
    throw corruptPack(what, `blobs that end at ${end}, not at its index (${packSize - overhead})`);
  }
  return index;
}

/** The entries of a pack's index, checked as checkPackIndex does. */
export async function decodePackIndex(
  tail: Uint8Array,
  packSize: number,
  hasher: HashFn,
  what: string,
): Promise<PackIndexEntry[]> {
  return (await checkPackIndex(tail, packSize, hasher, what)).entries();
}

/**
 * Reads and checks the index of the stored pack `id` of `size` bytes with two ranged reads
 * (its footer, then its index), without reading its blobs. Throws "integrity" when it is
 * corrupt, "not-found" when it is gone.
 */
export async function readPackIndex(
  store: Store,
  id: string,
  size: number,
  hasher: HashFn,
): Promise<PackIndex> {
  const key = packKey(id);
  const what = `pack ${id} in ${store.url}`;
  if (size < PACK_FOOTER_BYTES) throw corruptPack(what, `only ${size} bytes`);
  const footer = await store.getRange(key, size - PACK_FOOTER_BYTES, PACK_FOOTER_BYTES);
  const overhead = Math.min(size, packOverhead(decodePackFooter(footer, what)));
  const tail = await store.getRange(key, size - overhead, overhead);
  return await checkPackIndex(tail, size, hasher, what);
}

function corruptPack(what: string, why: string): DatamonError {
  return new DatamonError("integrity", `${what} is corrupt (${why})`);
}
