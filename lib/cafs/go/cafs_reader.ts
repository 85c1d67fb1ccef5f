/**
 * The cafs reader for a Go datamon blob store: the same reads the download, update and mount
 * make of ours (whole files, ranges), with every leaf verified by Go's BLAKE2b tree hash.
 */
import { DatamonError, isKind } from "../../errors.ts";
import type { Store } from "../../store/store.ts";
import { chunkingOf } from "../chunking.ts";
import { LeafCache } from "../leaf_cache.ts";
import { CafsReader, type StoredFile } from "../reader.ts";
import type { HashFn } from "../root.ts";
import { goLeafKey, goRootLeafKeys, hexOf } from "./hash.ts";
import { readGoFile } from "./reader.ts";

/** Leaf key lists of recently read files kept for ranged reads (a mount reads in pieces). */
const ROOTS_KEPT = 64;

/**
 * A CafsReader over Go datamon's blobs, cut in `leafSize` leaves. A file's key is its root
 * key (Go stores every file under a root object); Go has no packs, so packRuns hands out one
 * file at a time and readPackRun is never reached.
 */
export class GoCafsReader extends CafsReader {
  readonly #store: Store;
  readonly #leafSize: number;
  readonly #cache: LeafCache;
  readonly #prefetch: number;
  readonly #roots = new Map<string, Promise<string[]>>();

  /**
   * `hasher` is unused by Go reads (the base class's pack reads would need it); ranged reads
   * keep `cacheBytes` of leaves and load `prefetch` leaves ahead.
   */
  constructor(
    store: Store,
    hasher: HashFn,
    leafSize: number,
    cache: { cacheBytes: number; prefetch: number } = { cacheBytes: 4 * leafSize, prefetch: 2 },
  ) {
    super({ store, hasher, chunking: chunkingOf(leafSize) });
    this.#store = store;
    this.#leafSize = leafSize;
    this.#cache = new LeafCache({ maxBytes: cache.cacheBytes });
    this.#prefetch = Math.max(0, cache.prefetch);
  }

  /** The file's bytes in order, each leaf verified before it is handed out. */
  override readFile(file: StoredFile): AsyncGenerator<Uint8Array> {
    return readGoFile(
      this.#store,
      { name: file.name ?? file.key, hash: file.key, size: file.size },
      this.#leafSize,
    );
  }

  /** The keys of the file's leaves, from its verified root object. */
  override leafKeys(file: StoredFile): Promise<string[]> {
    const kept = this.#roots.get(file.key);
    if (kept) return kept;
    const loading = this.#get(file, file.key, "root object").then((bytes) => {
      const keys = goRootLeafKeys(bytes, file.key, this.#leafSize, this.#what(file));
      const expected = Math.ceil(file.size / this.#leafSize);
      if (keys.length !== expected) {
        throw new DatamonError(
          "integrity",
          `root object of ${this.#what(file)} lists ${keys.length} leaves, not ${expected}: ` +
            "the blob store is damaged",
        );
      }
      return keys;
    });
    loading.catch(() => this.#roots.delete(file.key));
    this.#roots.set(file.key, loading);
    if (this.#roots.size > ROOTS_KEPT) this.#roots.delete(this.#roots.keys().next().value!);
    return loading;
  }

  /** `length` bytes of the file from `offset` (fewer past its end), verified leaf by leaf. */
  override async readRange(file: StoredFile, offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0) throw new RangeError(`bad range ${offset}+${length}`);
    const end = Math.min(file.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    const keys = await this.leafKeys(file);
    const first = Math.floor(offset / this.#leafSize);
    const last = Math.floor((end - 1) / this.#leafSize);
    const out = new Uint8Array(end - offset);
    const loading = [];
    for (let i = first; i <= last; i++) loading.push(this.#leaf(file, keys, i));
    for (const [n, bytes] of (await Promise.all(loading)).entries()) {
      const leafStart = (first + n) * this.#leafSize;
      const from = Math.max(offset, leafStart) - leafStart;
      const to = Math.min(end, leafStart + bytes.length) - leafStart;
      out.set(bytes.subarray(from, to), leafStart + from - offset);
    }
    for (let i = last + 1; i <= last + this.#prefetch && i < keys.length; i++) {
      // A failed prefetch is not kept; the read that needs the leaf reports it.
      this.#leaf(file, keys, i).catch(() => {});
    }
    return out;
  }

  /** Starts loading the file's first leaf (verified) into the cache; returns its bytes. */
  override prefetch(file: StoredFile): number {
    if (file.size === 0) return 0;
    // A failed prefetch is not kept; the read that needs the leaf reports it.
    this.leafKeys(file).then((keys) => this.#leaf(file, keys, 0)).catch(() => {});
    return Math.min(file.size, this.#leafSize);
  }

  /** Leaf `index` of the file, verified against its key (and its place in the file). */
  #leaf(file: StoredFile, keys: string[], index: number): Promise<Uint8Array> {
    return this.#cache.getOrLoad(keys[index], async () => {
      const bytes = await this.#get(file, keys[index], `leaf ${index}`);
      const length = Math.min(this.#leafSize, file.size - index * this.#leafSize);
      if (
        bytes.length !== length || hexOf(goLeafKey(bytes, this.#leafSize, index)) !== keys[index]
      ) {
        throw new DatamonError(
          "integrity",
          `leaf ${index} of ${this.#what(file)} does not match its key ${
            keys[index].slice(0, 16)
          }...: the blob store is damaged`,
        );
      }
      return bytes;
    });
  }

  async #get(file: StoredFile, key: string, part: string): Promise<Uint8Array> {
    try {
      return await this.#store.get(key);
    } catch (e) {
      if (!isKind(e, "not-found")) throw e;
      throw new DatamonError(
        "integrity",
        `${part} ${key.slice(0, 16)}... of ${
          this.#what(file)
        } is missing from ${this.#store.url}: ` +
          "the blob store is damaged",
      );
    }
  }

  #what(file: StoredFile): string {
    return `file ${JSON.stringify(file.name ?? file.key)}`;
  }
}
