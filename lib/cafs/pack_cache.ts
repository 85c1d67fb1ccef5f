/**
 * Windows of pack objects kept in memory for random access (a mount): reading a packed file
 * fetches the aligned window of its pack that holds it and starts the windows after it, so the
 * files packed next to it are served without another request. The bytes kept are the pack's
 * as stored, unverified: the reader checks each file against its key before serving it.
 */
import { LeafCache } from "./leaf_cache.ts";

/** Default bytes of one window: a few round trips' worth of transfer on a cloud link. */
export const DEFAULT_PACK_WINDOW_BYTES = 1024 * 1024;
/** Default windows started ahead of the last one read, while the pack goes on. */
export const DEFAULT_PACK_WINDOWS_AHEAD = 2;

/** Reads `length` bytes at `offset` of one pack (fewer at its end). */
export type PackFetch = (offset: number, length: number) => Promise<Uint8Array>;

/** Options of a PackCache. */
export interface PackCacheOptions {
  /** Most bytes of windows kept (least recently used go first). */
  maxBytes: number;
  /** Bytes of one window (default DEFAULT_PACK_WINDOW_BYTES). */
  windowBytes?: number;
  /** Windows loaded ahead of the last one read (default DEFAULT_PACK_WINDOWS_AHEAD). */
  ahead?: number;
}

/** A bytes-bounded LRU of pack windows, sharing one load among concurrent readers. */
export class PackCache {
  readonly #windows: LeafCache;
  readonly #windowBytes: number;
  readonly #ahead: number;

  constructor(options: PackCacheOptions) {
    this.#windows = new LeafCache({ maxBytes: options.maxBytes });
    this.#windowBytes = Math.max(1, options.windowBytes ?? DEFAULT_PACK_WINDOW_BYTES);
    this.#ahead = Math.max(0, options.ahead ?? DEFAULT_PACK_WINDOWS_AHEAD);
  }

  /** Bytes of windows kept now. */
  get bytes(): number {
    return this.#windows.bytes;
  }

  /**
   * `length` bytes at `offset` of pack `id` (fewer where the pack ends), from the windows that
   * hold them, as a copy; `fetch` reads a window not kept. Then starts the windows after the
   * last one.
   */
  async read(id: string, offset: number, length: number, fetch: PackFetch): Promise<Uint8Array> {
    if (length === 0) return new Uint8Array(0);
    const size = this.#windowBytes;
    const first = Math.floor(offset / size);
    const last = Math.floor((offset + length - 1) / size);
    const loading = [];
    for (let k = first; k <= last; k++) loading.push(this.#window(id, k, fetch));
    const windows = await Promise.all(loading);
    this.#readAhead(id, last, windows[windows.length - 1], fetch);
    const from = offset - first * size;
    // A copy: a file kept elsewhere must not hold its whole window in memory.
    if (windows.length === 1) return windows[0].slice(from, from + length);
    // A file across a window boundary: its stretches of each window, joined.
    const out = new Uint8Array(length);
    let filled = 0;
    for (const [n, bytes] of windows.entries()) {
      const part = bytes.subarray(n === 0 ? from : 0, n === 0 ? from + length : length - filled);
      out.set(part, filled);
      filled += part.length;
      if (bytes.length < size) break;
    }
    return out.subarray(0, filled);
  }

  /** Window `k` of pack `id`: bytes k x windowBytes on, fewer (or none) at the pack's end. */
  #window(id: string, k: number, fetch: PackFetch): Promise<Uint8Array> {
    const size = this.#windowBytes;
    return this.#windows.getOrLoad(`${id}/${k}`, () => fetch(k * size, size));
  }

  /** Loads the windows after `k` unless window `k` (`bytes`) already ends the pack. */
  #readAhead(id: string, k: number, bytes: Uint8Array, fetch: PackFetch): void {
    if (bytes.length < this.#windowBytes) return;
    for (let next = k + 1; next <= k + this.#ahead; next++) {
      // A failed read-ahead is not kept; the read that needs the window reports it.
      this.#window(id, next, fetch).catch(() => {});
    }
  }
}
