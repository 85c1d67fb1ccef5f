/**
 * Fills pack objects with small blobs and stores each pack once it is full. A blob's location
 * is known the moment it is added (the pack's id is chosen when it opens), so file entries can
 * name it before the pack is stored; flush() is what makes them safe to commit.
 *
 * Memory: one pack filling plus at most `flushing` packs being stored, each `packSize` bytes;
 * add() waits while that many are being stored.
 */
import { DatamonError } from "../errors.ts";
import { newKsuid } from "../model/ksuid.ts";
import type { PackLocation } from "../model/types.ts";
import type { Store } from "../store/store.ts";
import { BoundedMap } from "../util/bounded_map.ts";
import { PACK_FOOTER_BYTES, type PackIndexEntry, packOverhead, writePackIndex } from "./pack.ts";
import { packKey } from "./layout.ts";
import type { HashFn } from "./root.ts";

/** What a PackWriter needs. */
export interface PackWriterOptions {
  /** The blob store: packs live there under packKey(id). */
  store: Store;
  hasher: HashFn;
  /** Most bytes of one pack, index and footer included. */
  packSize: number;
  /** Largest blob this writer takes; at most packSize minus the overhead of one blob. */
  maxBlob: number;
  /** Packs stored at once (default 2); add() waits while this many are being stored. */
  flushing?: number;
}

/** Where add() put a blob, and whether this call put it there. */
export interface PackedBlob {
  location: PackLocation;
  /** False when the blob already had a location (added before, or remembered). */
  added: boolean;
}

/** A pack being filled. */
interface OpenPack {
  id: string;
  bytes: Uint8Array;
  used: number;
  entries: PackIndexEntry[];
}

/** Blob locations remembered for dedup; ~150 bytes each. */
const LOCATIONS_MAX = 65_536;
/** Pack ids whose stored size is remembered. */
const PRESENCE_MAX = 65_536;
const DEFAULT_FLUSHING = 2;

/** Packs small blobs, deduplicated by key within this writer's life. */
export class PackWriter {
  readonly maxBlob: number;
  readonly #store: Store;
  readonly #hasher: HashFn;
  readonly #packSize: number;
  readonly #flushingMax: number;
  readonly #locations = new BoundedMap<string, PackLocation>(LOCATIONS_MAX);
  /** Stored size of packs this writer headed or stored (null: not stored). */
  readonly #presence = new BoundedMap<string, Promise<number | null>>(PRESENCE_MAX);
  readonly #flushing = new Set<Promise<void>>();
  /** Buffers of stored packs, lent again to the next packs. */
  readonly #spare: Uint8Array[] = [];
  #filling: OpenPack | undefined;
  #failure: { error: unknown } | undefined;
  #packsStored = 0;
  #bytesStored = 0;

  constructor(options: PackWriterOptions) {
    if (options.maxBlob < 1 || options.maxBlob + packOverhead(1) > options.packSize) {
      throw new RangeError(
        `packs of ${options.packSize} bytes cannot hold blobs of ${options.maxBlob} bytes`,
      );
    }
    this.maxBlob = options.maxBlob;
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#packSize = options.packSize;
    this.#flushingMax = Math.max(1, options.flushing ?? DEFAULT_FLUSHING);
  }

  /** Packs this writer has stored. */
  get packsStored(): number {
    return this.#packsStored;
  }

  /** Bytes of the packs this writer has stored. */
  get bytesStored(): number {
    return this.#bytesStored;
  }

  /**
   * The location of blob `key`: the one it already has in this writer, or a new one in the
   * pack being filled (the bytes are copied, so the caller may reuse them at once). Waits
   * while too many packs are being stored; throws when storing an earlier pack failed.
   */
  async add(key: string, bytes: Uint8Array): Promise<PackedBlob> {
    if (bytes.length > this.maxBlob) {
      throw new RangeError(`a blob of ${bytes.length} bytes is over ${this.maxBlob}`);
    }
    for (;;) {
      const known = this.#locations.get(key);
      if (known) return { location: known, added: false };
      if (this.#failure) throw this.#failure.error;
      if (this.#filling && fits(this.#filling, bytes.length)) break;
      if (this.#filling) this.#seal(this.#filling);
      if (this.#flushing.size >= this.#flushingMax) {
        await Promise.race(this.#flushing);
        continue;
      }
      this.#filling = {
        id: newKsuid(),
        bytes: this.#spare.pop() ?? new Uint8Array(this.#packSize),
        used: 0,
        entries: [],
      };
    }
    const pack = this.#filling;
    const location = { id: pack.id, offset: pack.used };
    pack.bytes.set(bytes, pack.used);
    pack.entries.push({ key, offset: pack.used, length: bytes.length });
    pack.used += bytes.length;
    this.#locations.set(key, location);
    return { location, added: true };
  }

  /**
   * Makes `location` the one later add() calls of blob `key` get (a blob found in a pack of an
   * earlier bundle, whose pack holds() confirmed).
   */
  remember(key: string, location: PackLocation): void {
    if (!this.#locations.has(key)) this.#locations.set(key, location);
  }

  /**
   * True when the pack of `location` is stored now and long enough to hold `length` bytes at
   * its offset (plus its footer): a missing or truncated pack gives false, so the blob is packed
   * again. One `head` per pack, remembered for this writer's life.
   */
  async holds(location: PackLocation, length: number): Promise<boolean> {
    let size = this.#presence.get(location.id);
    if (!size) {
      size = this.#store.head(packKey(location.id)).then((info) => info?.size ?? null);
      // A failed look-up is not remembered: the next caller asks again.
      size.catch(() => this.#presence.delete(location.id));
      this.#presence.set(location.id, size);
    }
    const stored = await size;
    return stored !== null && stored >= location.offset + length + PACK_FOOTER_BYTES;
  }

  /**
   * Stores the pack being filled and waits until every pack is stored; throws the first
   * failure. Every location handed out is then safe to commit.
   */
  async flush(): Promise<void> {
    if (this.#filling && this.#filling.entries.length > 0) this.#seal(this.#filling);
    this.#filling = undefined;
    await Promise.all(this.#flushing);
    if (this.#failure) throw this.#failure.error;
  }

  /** Waits for packs being stored to settle, ignoring failures (after a failed upload). */
  async close(): Promise<void> {
    this.#filling = undefined;
    await Promise.all(this.#flushing);
  }

  #seal(pack: OpenPack): void {
    this.#filling = undefined;
    const storing: Promise<void> = this.#storePack(pack).then(
      () => {
        this.#spare.push(pack.bytes);
      },
      (error) => {
        this.#failure ??= { error };
      },
    ).finally(() => this.#flushing.delete(storing));
    this.#flushing.add(storing);
  }

  async #storePack(pack: OpenPack): Promise<void> {
    const size = await writePackIndex(pack.entries, pack.bytes, pack.used, this.#hasher);
    const bytes = pack.bytes.subarray(0, size);
    const key = packKey(pack.id);
    if (!await this.#store.putIfAbsent(key, bytes)) {
      // A create retried after its first attempt landed finds the pack present: it is ours
      // when its footer (which holds the index key) is ours.
      const footer = bytes.subarray(size - PACK_FOOTER_BYTES);
      const stored = await this.#store.getRange(key, size - PACK_FOOTER_BYTES, PACK_FOOTER_BYTES);
      if (!stored.every((byte, i) => byte === footer[i]) || stored.length !== footer.length) {
        throw new DatamonError(
          "already-exists",
          `pack ${pack.id} already exists in ${this.#store.url} with other contents: retry the upload`,
        );
      }
    }
    this.#presence.set(pack.id, Promise.resolve(size));
    this.#packsStored++;
    this.#bytesStored += size;
  }
}

/** True when `length` more bytes (and their index record) fit in the pack. */
function fits(pack: OpenPack, length: number): boolean {
  return pack.used + length + packOverhead(pack.entries.length + 1) <= pack.bytes.length;
}
