/**
 * A least-recently-used cache of verified leaves, bounded by bytes, that lets concurrent
 * readers of one leaf share a single load.
 */

/** Options of a LeafCache. */
export interface LeafCacheOptions {
  /** Most bytes of leaves kept; a leaf bigger than this is returned but not kept. */
  maxBytes: number;
}

/** LRU of leaf bytes by key. Callers must not modify the bytes they get. */
export class LeafCache {
  readonly maxBytes: number;
  /** Insertion order is recency order: a hit moves its entry to the end. */
  readonly #entries = new Map<string, Uint8Array>();
  readonly #loading = new Map<string, Promise<Uint8Array>>();
  #bytes = 0;

  constructor(options: LeafCacheOptions) {
    this.maxBytes = options.maxBytes;
  }

  /** Bytes of the leaves kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of leaves kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** True when the leaf is kept (does not count as a use). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * The leaf under `key`: from the cache, from a load already under way, or from `load()`.
   * A failed load is not kept: the next call loads again.
   */
  getOrLoad(key: string, load: () => Promise<Uint8Array>): Promise<Uint8Array> {
    const hit = this.#entries.get(key);
    if (hit) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return Promise.resolve(hit);
    }
    const pending = this.#loading.get(key);
    if (pending) return pending;
    // Starting load() in a later microtask keeps even a synchronous throw out of #loading.
    const loading = Promise.resolve().then(load).then((bytes) => {
      this.#keep(key, bytes);
      return bytes;
    }).finally(() => this.#loading.delete(key));
    this.#loading.set(key, loading);
    return loading;
  }

  /** Drops the leaf under `key`, if kept (a load under way still completes and is kept). */
  delete(key: string): void {
    const kept = this.#entries.get(key);
    if (!kept) return;
    this.#entries.delete(key);
    this.#bytes -= kept.length;
  }

  #keep(key: string, bytes: Uint8Array): void {
    if (bytes.length > this.maxBytes) return;
    this.#bytes += bytes.length;
    this.#entries.set(key, bytes);
    for (const [oldKey, old] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldKey);
      this.#bytes -= old.length;
    }
  }
}
