/**
 * Upload side of the content-addressed store: a file becomes leaves (plus a root object when
 * it has more than one), each stored once under the hex BLAKE3 of its bytes; or, given a
 * PackWriter, a small file becomes one blob in a pack object.
 *
 * Pipeline of one file: read leaf i into a slot -> hash it in a Worker -> store it unless
 * present, while leaf i+1 is already being read. The slot pool bounds how many leaves of all
 * concurrent files are in flight, so memory is slots x leaf size. Slots are plain buffers that
 * move to the hashing Worker and back (Hasher.hashMoving), not shared memory: the Worker then
 * copies them into wasm memory with memmove rather than V8's 8-byte loop for shared memory,
 * and a network store sends them as they are (shared memory must be copied into a request
 * body). Measured on S3 (bench/README.md): -16% CPU and -95 MB peak RSS for an upload of
 * 1 GiB; its 1%-changed re-upload -6%, within the noise. The chunking is
 * fixed: a leaf ends every leafSize bytes. A file with a version in the last bundle has that
 * version's leaves looked up in the store (by listing where it pays) while it is read, so its
 * unchanged leaves cost no request each.
 */
import type { PackLocation } from "../model/types.ts";
import type { Store } from "../store/store.ts";
import { readFull } from "../util/file_io.ts";
import * as byteFs from "../util/byte_fs.ts";
import { sameBytes } from "../util/bytes.ts";
import { DatamonError, isKind } from "../errors.ts";
import { type ByteSource, fileByteSource } from "./byte_source.ts";
import type { Chunking } from "./chunking.ts";
import type { PackWriter } from "./pack_writer.ts";
import type { StoredFile } from "./reader.ts";
import { decodeRoot, encodeRoot, type HashFn, KEY_BYTES, writeKey } from "./root.ts";
import type { MovedHash } from "./hasher.ts";
import { storedSizes } from "./presence.ts";
import { type LeafSlot, SlotPool } from "./slots.ts";
import { BoundedMap } from "../util/bounded_map.ts";

/** What a CafsWriter needs. */
export interface CafsWriterOptions {
  /** The blob store: leaves and root objects live there under flat hex keys. */
  store: Store;
  /** Hashes leaves; one that can move a buffer to its Worker and back (a Hasher) copies none. */
  hasher: HashFn & { hashMoving?(bytes: Uint8Array): Promise<MovedHash> };
  /** How files are cut into leaves, as the bundle records it. */
  chunking: Chunking;
  /** Leaf buffers shared by all concurrent putFile calls. */
  slots: number;
  /**
   * Packs small files: a file of 1 to `packs.maxBlob` bytes (at most a leaf) goes into a
   * pack instead of a leaf object of its own. Absent: every file is stored as leaves.
   */
  packs?: PackWriter;
}

/** What storing one file did. */
export interface PutResult {
  /** The file's key: its leaf key when it fits one leaf, else its root object's key. */
  key: string;
  /** Bytes of the file. */
  size: number;
  /** Leaves written to the store. */
  leavesStored: number;
  /** Leaves found already stored (or stored by this process), so not written. */
  leavesDeduplicated: number;
  /**
   * Bytes written to the store: new leaves and the root object when it was new, or the file's
   * bytes when this call added them to a pack.
   */
  bytesStored: number;
  /** Where the file's bytes are when it was packed (the pack is stored by PackWriter.flush). */
  pack?: PackLocation;
}

/** Fills `into` from the source; returns the bytes filled, fewer only at its end. */
type LeafSource = (into: Uint8Array) => Promise<number>;

/**
 * The stored size of each present leaf of a file's last version, found while the file is read;
 * undefined when they could not be learnt.
 */
type LookAhead = Promise<ReadonlyMap<string, number> | undefined>;

/**
 * A head() before a write pays only when the blob is likely stored already: it costs a round
 * trip (~20 µs on the local store, a network round trip on S3 or GCS, where a fresh upload of
 * 512 leaves paid 512 useless ones), while writing a blob that exists costs its bytes again
 * (locally ~100 µs at 64 KiB, ~1.9 ms at 2 MiB). So blobs are looked up first while enough of
 * the recent ones were found present: large ones from a low share, small ones from a higher.
 */
const LARGE_BLOB = 64 * 1024;
const HEAD_FIRST_SHARE_LARGE = 0.05;
const HEAD_FIRST_SHARE_SMALL = 0.25;
/** Weight of the latest blob in the running share of blobs found present. */
const PRESENT_SHARE_WEIGHT = 1 / 32;
/**
 * Most leaves of a file's last version looked up ahead (32 GiB of 2 MiB leaves): their keys are
 * held while the file is stored, ~100 bytes each. A bigger file checks its leaves one by one.
 */
const LOOK_AHEAD_MAX_LEAVES = 16_384;
/**
 * Keys this writer wrote or found stored (at the right size) itself, so that repeats skip the
 * store: nothing enters from a cache or an earlier bundle unchecked.
 */
const KNOWN_KEYS_MAX = 65_536;

/** Splits files into leaves and stores them, deduplicated, in a blob store. */
export class CafsWriter {
  readonly #chunking: Chunking;
  readonly #store: Store;
  readonly #hasher: CafsWriterOptions["hasher"];
  readonly #slots: SlotPool;
  readonly #packs: PackWriter | undefined;
  readonly #known = new BoundedMap<string, true>(KNOWN_KEYS_MAX);
  /** Blobs being stored right now: a second leaf with the same key waits for the first. */
  readonly #storing = new Map<string, Promise<boolean>>();
  /** Files being checked whole right now, by key and size. */
  readonly #checking = new Map<string, Promise<boolean>>();
  /** Running share of blobs that turned out to be stored already. */
  #presentShare = 0.5;

  constructor(options: CafsWriterOptions) {
    this.#chunking = options.chunking;
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#packs = options.packs;
    const { leafSize } = options.chunking;
    if (this.#packs && this.#packs.maxBlob > leafSize) {
      throw new RangeError(`packed blobs of ${this.#packs.maxBlob} bytes exceed a leaf`);
    }
    // One byte over a leaf lets a pack candidate's read tell "ends here" from "goes on".
    this.#slots = new SlotPool(options.slots, leafSize + 1, "plain");
  }

  /**
   * Stores the file at `path` and returns its key. `onBytes` hears of every leaf read. The
   * root object is written last, after every leaf it names. A file small enough to be packed
   * whose bytes turn out to be those of `previous` (its entry in the last bundle) reuses
   * previous's pack location when that pack is still stored.
   */
  async putFile(
    path: string,
    onBytes?: (n: number) => void,
    previous?: StoredFile,
  ): Promise<PutResult> {
    const file = byteFs.openSync(path);
    try {
      // A file to be packed is read by sync calls (byte_source.ts); a leaf's read stays async.
      const small = this.#packs !== undefined && file.statSync().size <= this.#packs.maxBlob;
      return await this.putSource(fileByteSource(file, small), onBytes, previous);
    } finally {
      file.close();
    }
  }

  /** Stores the bytes of `source` exactly as putFile stores a file holding them. */
  async putSource(
    source: ByteSource,
    onBytes?: (n: number) => void,
    previous?: StoredFile,
  ): Promise<PutResult> {
    if (this.#packs) {
      const packed = await this.#putPacked(this.#packs, source, onBytes, previous);
      if (packed) return packed;
    }
    return await this.#put((into) => source.read(into), onBytes, true, this.#lookAhead(previous));
  }

  /**
   * True when the file `key` of `size` bytes is whole in the store now, as checked by this
   * writer: its leaf (or its root object, read back and verified, and every leaf it names)
   * present at the right size. Keys seen stored are remembered, so each distinct object costs
   * one request at most. A missing, truncated or corrupt object gives false: the caller then
   * stores the file again, which repairs it.
   */
  async isStoredWhole(key: string, size: number): Promise<boolean> {
    if (this.#known.has(key)) return true;
    // Files with the same bytes checked at once (copies) share one check.
    const id = `${key} ${size}`;
    const pending = this.#checking.get(id);
    if (pending) return await pending;
    const check = this.#checkWhole(key, size);
    this.#checking.set(id, check);
    try {
      return await check;
    } finally {
      this.#checking.delete(id);
    }
  }

  /** isStoredWhole, asking the store. */
  async #checkWhole(key: string, size: number): Promise<boolean> {
    if (!this.#chunking.hasRoot(size)) return await this.#isStoredAt(key, size);
    const leaves = await this.#storedRootLeaves(key);
    if (leaves?.length !== this.#chunking.leafCount(size)) return false;
    const stored = await storedSizes(this.#store, leaves.filter((k) => !this.#known.has(k)));
    const whole = leaves.every((k, i) =>
      this.#known.has(k) || stored.get(k) === this.#chunking.leafRange(i, size).length
    );
    if (!whole) return false;
    for (const leaf of leaves) this.#known.set(leaf, true);
    this.#known.set(key, true);
    return true;
  }

  /**
   * Starts finding which leaves of `previous` (the file's version in the last bundle) are
   * stored now, beside the reading and hashing of the file. Undefined when previous is packed,
   * a single leaf, or too big to hold its leaf keys.
   */
  #lookAhead(previous?: StoredFile): LookAhead | undefined {
    if (!previous || previous.pack || !this.#chunking.hasRoot(previous.size)) return undefined;
    if (this.#chunking.leafCount(previous.size) > LOOK_AHEAD_MAX_LEAVES) return undefined;
    const found = this.#previousLeaves(previous).then((leaves) =>
      leaves ? storedSizes(this.#store, leaves) : undefined
    );
    // A look-ahead that fails only costs what it would have saved: each leaf is then checked
    // on its own, and meets the failure itself if it lasts.
    return found.catch(() => undefined);
  }

  /**
   * The leaf keys of the root object of `previous`, read back and verified; undefined for the
   * root of another leaf size (its length tells, so no big leaf is ever read for it). Throws
   * when it is missing or corrupt.
   */
  async #previousLeaves(previous: StoredFile): Promise<string[] | undefined> {
    const rootBytes = (this.#chunking.leafCount(previous.size) + 1) * KEY_BYTES;
    const root = await this.#store.getRange(previous.key, 0, rootBytes + 1);
    if (root.length !== rootBytes) return undefined;
    return await decodeRoot(previous.key, root, this.#hasher, this.#store.url);
  }

  /** The leaf keys of the root object `key` as stored now; undefined when missing or corrupt. */
  async #storedRootLeaves(key: string): Promise<string[] | undefined> {
    try {
      const root = await this.#store.get(key);
      return await decodeRoot(key, root, this.#hasher, this.#store.url);
    } catch (e) {
      if (isKind(e, "not-found") || isKind(e, "integrity")) return undefined;
      throw e;
    }
  }

  /** True when blob `key` is stored with `size` bytes (one head, unless already seen). */
  async #isStoredAt(key: string, size: number): Promise<boolean> {
    if (this.#known.has(key)) return true;
    const info = await this.#store.head(key);
    if (info?.size !== size) return false;
    this.#known.set(key, true);
    return true;
  }

  /**
   * Packs the source when it holds 1 to maxBlob bytes; otherwise (also when it grew past that
   * since it was listed) rewinds it and returns undefined for the leaf path to store it.
   */
  async #putPacked(
    packs: PackWriter,
    source: ByteSource,
    onBytes?: (n: number) => void,
    previous?: StoredFile,
  ): Promise<PutResult | undefined> {
    const size = await source.size();
    if (size === 0 || size > packs.maxBlob) return undefined;
    const slot = await this.#slots.acquire();
    try {
      const n = await source.read(slot.bytes.subarray(0, packs.maxBlob + 1));
      if (n === 0 || n > packs.maxBlob) {
        await source.rewind();
        return undefined;
      }
      onBytes?.(n);
      const { key, bytes } = await this.#hashSlot(slot, n);
      if (
        previous?.pack && previous.key === key && previous.size === n &&
        await packs.holds(previous.pack, n)
      ) {
        packs.remember(key, previous.pack);
      }
      const { location, added } = await packs.add(key, bytes);
      return {
        key,
        size: n,
        leavesStored: added ? 1 : 0,
        leavesDeduplicated: added ? 0 : 1,
        bytesStored: added ? n : 0,
        pack: location,
      };
    } finally {
      slot.release();
    }
  }

  /**
   * The key putFile would give the file at `path`, computed without storing anything (to
   * compare a local file with a bundle entry).
   */
  async keyOfFile(path: string): Promise<string> {
    const file = await byteFs.open(path);
    try {
      return (await this.#put((into) => readFull(file, into), undefined, false)).key;
    } finally {
      file.close();
    }
  }

  /** Stores in-memory bytes as leaves, as putFile stores a file holding them without packs. */
  async putBytes(bytes: Uint8Array): Promise<PutResult> {
    let offset = 0;
    return await this.#put((into) => {
      const n = Math.min(into.length, bytes.length - offset);
      into.set(bytes.subarray(offset, offset + n));
      offset += n;
      return Promise.resolve(n);
    });
  }

  async #put(
    source: LeafSource,
    onBytes?: (n: number) => void,
    store = true,
    lookAhead?: LookAhead,
  ): Promise<PutResult> {
    const keys = new KeyList();
    const result: PutResult = {
      key: "",
      size: 0,
      leavesStored: 0,
      leavesDeduplicated: 0,
      bytesStored: 0,
    };
    const { leafSize } = this.#chunking;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    try {
      for (let index = 0; !failure; index++) {
        const slot = await this.#slots.acquire();
        let n: number;
        try {
          n = await source(slot.bytes.subarray(0, leafSize));
        } catch (e) {
          slot.release();
          throw e;
        }
        // A file that ends on a leaf boundary shows it by a last read of 0 bytes; only an
        // empty file keeps its 0-byte leaf.
        if (n === 0 && index > 0) {
          slot.release();
          break;
        }
        result.size += n;
        onBytes?.(n);
        const task = this.#storeLeaf(slot, n, store, lookAhead).then(
          ({ key, stored }) => {
            keys.set(index, key);
            if (stored) {
              result.leavesStored++;
              result.bytesStored += n;
            } else {
              result.leavesDeduplicated++;
            }
          },
          (error) => {
            failure ??= { error };
          },
        ).finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (n < leafSize) break;
      }
    } finally {
      // Every started leaf settles (and gives its slot back) before this file is done, and so
      // does the look-ahead (it never rejects), so that no request outlives the call.
      await Promise.all(inFlight);
      await lookAhead;
    }
    if (failure) throw failure.error;
    if (keys.count === 1) {
      result.key = keys.first;
      return result;
    }
    const root = await encodeRoot(keys.bytes(), this.#hasher);
    if (store && await this.#storeRoot(root.key, root.bytes)) {
      result.bytesStored += root.bytes.length;
    }
    result.key = root.key;
    return result;
  }

  /**
   * Stores a root object unless this writer saw it stored; true when it wrote it. A file is only
   * as sound as its root, which names every leaf, so a stored root is read rather than headed:
   * one that differs is replaced from `bytes` and read back; one that still differs is an
   * integrity error.
   */
  async #storeRoot(key: string, bytes: Uint8Array): Promise<boolean> {
    if (this.#known.has(key)) return false;
    const stored = await this.#storedBytes(key);
    if (stored && sameBytes(stored, bytes)) {
      this.#known.set(key, true);
      return false;
    }
    if (stored || !await this.#store.putIfAbsent(key, bytes)) {
      await this.#store.put(key, bytes);
      if (!sameBytes(await this.#storedBytes(key) ?? new Uint8Array(), bytes)) {
        throw new DatamonError(
          "integrity",
          `root object ${key} in ${this.#store.url} does not read back as written: check the store`,
        );
      }
    }
    this.#known.set(key, true);
    return true;
  }

  async #storeLeaf(
    slot: LeafSlot,
    length: number,
    store: boolean,
    lookAhead?: LookAhead,
  ): Promise<{ key: string; stored: boolean }> {
    try {
      const { key, bytes } = await this.#hashSlot(slot, length);
      return { key, stored: store && await this.#storeBlob(key, bytes, lookAhead) };
    } finally {
      slot.release();
    }
  }

  /**
   * Hashes the first `length` bytes of a slot, moving its buffer to a Worker and back where the
   * hasher can (the slot then holds the buffer come back); returns the key and those bytes.
   */
  async #hashSlot(slot: LeafSlot, length: number): Promise<MovedHash> {
    const bytes = slot.bytes.subarray(0, length);
    if (!this.#hasher.hashMoving) return { key: await this.#hasher.hash(bytes), bytes };
    const moved = await this.#hasher.hashMoving(bytes);
    slot.bytes = new Uint8Array(moved.bytes.buffer);
    return moved;
  }

  /**
   * Stores a blob unless it is known or found present; true when this call wrote it. A leaf
   * the look-ahead found stored at its size needs no request; any other leaf of a file looked
   * ahead is new content of a changed file (or was lost), so it is written without a head first.
   */
  async #storeBlob(key: string, bytes: Uint8Array, lookAhead?: LookAhead): Promise<boolean> {
    if (this.#known.has(key)) return false;
    const lookedUp = await lookAhead;
    if (lookedUp?.get(key) === bytes.length) {
      this.#known.set(key, true);
      return false;
    }
    const storing = this.#storing.get(key);
    if (storing) {
      await storing;
      return false;
    }
    const headFirst = !lookedUp && this.#headFirst(bytes.length);
    const attempt = this.#write(key, bytes, headFirst);
    this.#storing.set(key, attempt);
    try {
      const stored = await attempt;
      this.#known.set(key, true);
      return stored;
    } finally {
      this.#storing.delete(key);
    }
  }

  /** True when enough recent blobs were found present that a head before a write pays. */
  #headFirst(size: number): boolean {
    return this.#presentShare >=
      (size >= LARGE_BLOB ? HEAD_FIRST_SHARE_LARGE : HEAD_FIRST_SHARE_SMALL);
  }

  /** Writes a blob unless present (looked up first when `headFirst`); true when it wrote it. */
  async #write(key: string, bytes: Uint8Array, headFirst: boolean): Promise<boolean> {
    if (headFirst) {
      const info = await this.#store.head(key);
      if (info && info.size === bytes.length) {
        this.#observe(true);
        return false;
      }
      if (info) {
        // A blob of the wrong size under a content key is corrupt: its content restores it.
        await this.#store.put(key, bytes);
        return true;
      }
    }
    const stored = await this.#store.putIfAbsent(key, bytes);
    this.#observe(!stored);
    if (stored || (await this.#store.head(key))?.size === bytes.length) return stored;
    // Present at the wrong size (truncated): its content restores it.
    await this.#store.put(key, bytes);
    return true;
  }

  /** The object stored under `key`, or undefined when there is none. */
  async #storedBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.#store.get(key);
    } catch (e) {
      if (isKind(e, "not-found")) return undefined;
      throw e;
    }
  }

  #observe(present: boolean): void {
    this.#presentShare += ((present ? 1 : 0) - this.#presentShare) * PRESENT_SHARE_WEIGHT;
  }
}

/** The binary leaf keys of one file, in leaf order, growing as leaves are hashed. */
class KeyList {
  #bytes = new Uint8Array(16 * KEY_BYTES);
  #count = 0;
  #first = "";

  get count(): number {
    return this.#count;
  }

  set(index: number, key: string): void {
    const end = (index + 1) * KEY_BYTES;
    if (end > this.#bytes.length) {
      const grown = new Uint8Array(Math.max(end, this.#bytes.length * 2));
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    writeKey(key, this.#bytes, index * KEY_BYTES);
    if (index === 0) this.#first = key;
    this.#count = Math.max(this.#count, index + 1);
  }

  /** The hex key of leaf 0, which is the file's key when it has one leaf. */
  get first(): string {
    return this.#first;
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#count * KEY_BYTES);
  }
}
