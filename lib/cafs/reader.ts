/**
 * Download side of the content-addressed store: a file's bytes back from its key (and pack
 * location, when packed), every leaf verified against its key before a byte of it is handed
 * out.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { PackLocation } from "../model/types.ts";
import type { Store } from "../store/store.ts";
import type { Chunking } from "./chunking.ts";
import { packKey } from "./layout.ts";
import { decodeRoot, type HashFn } from "./root.ts";
import { missingObjectRemedy } from "./quarantine.ts";
import { LeafCache } from "./leaf_cache.ts";
import type { PackCache } from "./pack_cache.ts";
import { type LeafSlot, SlotPool } from "./slots.ts";
import { concatBytes } from "../util/bytes.ts";

/** What a CafsReader needs. */
export interface CafsReaderOptions {
  /** The blob store the file's leaves and root object live in. */
  store: Store;
  hasher: HashFn;
  /** How the files read were cut into leaves: their bundle's. */
  chunking: Chunking;
  /** Leaves kept for readRange; default: a 64 MiB cache of its own. */
  cache?: LeafCache;
  /** Leaves readRange loads ahead of the last one it read (default 4). */
  prefetch?: number;
  /** Leaves readFile fetches at once per file (default 4). */
  window?: number;
  /**
   * Leaf buffers readFile shares over all files read at once (default: window); memory is
   * buffers x leaf size however many files are read.
   */
  buffers?: number;
  /** Most bytes one ranged read of packed files covers (default 16 MiB). */
  runBytes?: number;
  /** Pack windows kept for readRange, so neighbours of a packed file cost no request. */
  packs?: PackCache;
}

/** What the reader needs to know of a stored file; a bundle's FileEntry fits. */
export interface StoredFile {
  /** The file's name, for messages. */
  name?: string;
  key: string;
  size: number;
  /** Set when the file's bytes are `size` bytes at `offset` of a pack. */
  pack?: PackLocation;
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREFETCH = 4;
const DEFAULT_WINDOW = 4;
/** Leaf key lists of recently read multi-leaf files, kept so a ranged read skips the root. */
const ROOTS_KEPT = 64;
/** Default most bytes one ranged read of a pack run covers. */
const DEFAULT_RUN_BYTES = 16 * 1024 * 1024;
/** Most files in one pack run, so a run of tiny files keeps few entries waiting. */
const RUN_FILES_MAX = 1024;
/** Bytes a run may skip to take in a file that is not quite next to it. */
const RUN_GAP = 256 * 1024;

/** Reads files of a blob store by key, size and pack location, cut by one chunking. */
export class CafsReader {
  readonly #store: Store;
  readonly #hasher: HashFn;
  readonly #chunking: Chunking;
  readonly #cache: LeafCache;
  readonly #prefetch: number;
  readonly #window: number;
  readonly #bufferCount: number;
  readonly #runBytes: number;
  readonly #packs: PackCache | undefined;
  /** Reused leaf buffers of readFile, made on first use. */
  #buffers: SlotPool | undefined;
  /** Recently used leaf key lists by file key; insertion order is recency. */
  readonly #roots = new Map<string, Promise<string[]>>();

  constructor(options: CafsReaderOptions) {
    this.#store = options.store;
    this.#hasher = options.hasher;
    this.#chunking = options.chunking;
    this.#cache = options.cache ?? new LeafCache({ maxBytes: DEFAULT_CACHE_BYTES });
    this.#prefetch = Math.max(0, options.prefetch ?? DEFAULT_PREFETCH);
    this.#window = Math.max(1, options.window ?? DEFAULT_WINDOW);
    this.#bufferCount = Math.max(1, options.buffers ?? this.#window);
    this.#runBytes = Math.max(1, options.runBytes ?? DEFAULT_RUN_BYTES);
    this.#packs = options.packs;
  }

  /**
   * The keys of the file's leaves in order: `[key]` for a file that fits one leaf (a packed file
   * always does), else those
   * of its root object, which is fetched and verified (DatamonError "integrity" when it is
   * missing, corrupt, or names a different number of leaves than `size` needs).
   */
  async leafKeys(file: StoredFile): Promise<string[]> {
    const { key, size } = file;
    if (!this.#chunking.hasRoot(size) || file.pack) return [key];
    const count = this.#chunking.leafCount(size);
    const bytes = await this.#get(key);
    const keys = await decodeRoot(key, bytes, this.#hasher, this.#store.url);
    if (keys.length !== count) {
      throw this.#corrupt(key, `its root object lists ${keys.length} leaves, not ${count}`);
    }
    return keys;
  }

  /**
   * The file's bytes in order, one verified leaf at a time, with up to `window` leaves being
   * fetched ahead. Leaves are read into reused buffers (a fresh buffer per leaf would let
   * hundreds of MiB pile up before the garbage collector notices), so each chunk is valid only
   * until the next one is asked for. Stopping early is safe: leaves still loading finish and
   * their buffers go back to the pool. A packed file comes in one chunk, read from its pack.
   */
  async *readFile(file: StoredFile): AsyncGenerator<Uint8Array> {
    if (file.pack) {
      yield await this.#loadPacked(file, file.pack);
      return;
    }
    const { size } = file;
    const keys = await this.leafKeys(file);
    const pool = this.#leafBuffers();
    const leafLength = (index: number) => this.#chunking.leafRange(index, size).length;
    const ahead: Promise<LeafSlot>[] = [];
    let next = 0;
    const fill = () => {
      while (ahead.length < this.#window && next < keys.length) {
        const loading = this.#loadLeafInto(pool, keys[next], leafLength(next));
        // Observed now, awaited later: a leaf failing while an earlier one is awaited must
        // not count as an unhandled rejection.
        loading.catch(() => {});
        ahead.push(loading);
        next++;
      }
    };
    try {
      fill();
      for (let index = 0; ahead.length > 0; index++) {
        const slot = await ahead.shift()!;
        try {
          fill();
          yield slot.bytes.subarray(0, leafLength(index));
        } finally {
          slot.release();
        }
      }
    } finally {
      for (const loading of ahead) loading.then((slot) => slot.release(), () => {});
    }
  }

  #leafBuffers(): SlotPool {
    this.#buffers ??= new SlotPool(this.#bufferCount, this.#chunking.leafSize);
    return this.#buffers;
  }

  /** Reads one leaf into a pooled buffer and verifies it; the caller releases the slot. */
  async #loadLeafInto(pool: SlotPool, key: string, length: number): Promise<LeafSlot> {
    const slot = await pool.acquire();
    try {
      const stored = await this.#getInto(key, slot.bytes);
      if (stored !== length) {
        throw this.#corrupt(key, `${stored} bytes where the file needs ${length}`);
      }
      await this.#verify(key, slot.bytes.subarray(0, length));
      return slot;
    } catch (e) {
      slot.release();
      throw e;
    }
  }

  /**
   * `length` bytes of the file from `offset` (fewer past its end), through the leaf cache;
   * then loads the next `ahead` leaves (default: the reader's prefetch) in the background.
   * `frontToBack`: the caller reads the file front to back, so a leaf two behind the read is
   * dropped from the cache (one behind is kept for reads that arrive a little out of order):
   * the cache then holds the leaves ahead rather than filling with leaves read already (a mount
   * streaming a big file peaked ~50 MB higher). A range inside one leaf (most of a mount's
   * reads) is a view of the cached leaf, not a copy: do not modify it.
   */
  async readRange(
    file: StoredFile,
    offset: number,
    length: number,
    ahead: number = this.#prefetch,
    frontToBack = false,
  ): Promise<Uint8Array> {
    if (offset < 0 || length < 0) throw new RangeError(`bad range ${offset}+${length}`);
    const end = Math.min(file.size, offset + length);
    if (end <= offset) return new Uint8Array(0);
    const keys = await this.#rootKeys(file);
    const first = this.#chunking.leafAt(offset);
    const last = this.#chunking.leafAt(end - 1);
    const loading = [];
    for (let i = first; i <= last; i++) loading.push(this.#cachedLeaf(file, keys, i));
    const leaves = await Promise.all(loading);
    if (frontToBack && first >= 2) this.#cache.delete(keys[first - 2]);
    const pieces = leaves.map((bytes, n) => {
      const leafStart = this.#chunking.leafRange(first + n, file.size).offset;
      return bytes.subarray(
        Math.max(offset, leafStart) - leafStart,
        Math.min(end, leafStart + bytes.length) - leafStart,
      );
    });
    // Leaves loaded ahead fill at most half the cache: more would evict them before their read.
    const reach = Math.min(ahead, Math.floor(this.#cache.maxBytes / 2 / this.#chunking.leafSize));
    for (let i = last + 1; i <= last + reach && i < keys.length; i++) {
      // A failed prefetch is not kept; the read that needs the leaf will report it.
      this.#cachedLeaf(file, keys, i).catch(() => {});
    }
    return pieces.length === 1 ? pieces[0] : concatBytes(pieces);
  }

  /**
   * Starts loading the first leaf of a file likely read soon into the cache (verified, as a
   * read would); returns the bytes it asked for.
   */
  prefetch(file: StoredFile): number {
    if (file.size === 0) return 0;
    // A failed prefetch is not kept; the read that needs the leaf will report it.
    this.#rootKeys(file).then((keys) => this.#cachedLeaf(file, keys, 0)).catch(() => {});
    return Math.min(file.size, this.#chunking.leafSize);
  }

  /**
   * Groups consecutive items whose files lie close together in one pack (in reach of one
   * ranged read of at most `runBytes`) so that readPackRun fetches each group with one
   * request; any other item comes alone. `fileOf` gives an item's file, if it has one.
   */
  async *packRuns<T>(
    items: AsyncIterable<T>,
    fileOf: (item: T) => StoredFile | undefined,
  ): AsyncGenerator<T[]> {
    let run: T[] = [];
    let id = "";
    let start = 0;
    let end = 0;
    for await (const item of items) {
      const file = fileOf(item);
      const pack = file?.pack;
      const size = file?.size ?? 0;
      if (pack && run.length > 0 && pack.id === id && run.length < RUN_FILES_MAX) {
        const from = Math.min(start, pack.offset);
        const to = Math.max(end, pack.offset + size);
        // Entries are packed in about the order they are listed, not exactly: a neighbour
        // may sit a little before the run or after a small gap.
        const near = pack.offset <= end + RUN_GAP && pack.offset + size + RUN_GAP >= start;
        if (near && to - from <= this.#runBytes) {
          run.push(item);
          start = from;
          end = to;
          continue;
        }
      }
      if (run.length > 0) yield run;
      run = [item];
      if (pack) {
        id = pack.id;
        start = pack.offset;
        end = pack.offset + size;
      } else {
        id = "";
      }
    }
    if (run.length > 0) yield run;
  }

  /**
   * The verified bytes of each file of a run that packRuns made (files of one pack), in order,
   * fetched with one ranged read. A file whose bytes do not match its key throws "integrity"
   * when its turn comes; the files before it were handed out whole.
   */
  async *readPackRun<T extends StoredFile>(
    files: readonly T[],
  ): AsyncGenerator<{ file: T; bytes: Uint8Array }> {
    const id = files[0].pack!.id;
    const start = Math.min(...files.map((f) => f.pack!.offset));
    const end = Math.max(...files.map((f) => f.pack!.offset + f.size));
    const run = await this.#packRange(files[0], id, start, end - start);
    for (const file of files) {
      const location = file.pack!;
      if (location.id !== id) throw new RangeError(`a run of pack ${id} holds a file of another`);
      const from = location.offset - start;
      yield {
        file,
        bytes: await this.#checkPacked(file, location, run.subarray(from, from + file.size)),
      };
    }
  }

  #cachedLeaf(file: StoredFile, keys: string[], i: number): Promise<Uint8Array> {
    const { pack } = file;
    return this.#cache.getOrLoad(
      keys[i],
      () =>
        pack
          ? this.#loadPacked(file, pack)
          : this.#loadLeaf(keys[i], this.#chunking.leafRange(i, file.size).length),
    );
  }

  /** leafKeys, remembered for the last few multi-leaf files. */
  #rootKeys(file: StoredFile): Promise<string[]> {
    const { key, size } = file;
    if (!this.#chunking.hasRoot(size) || file.pack) return Promise.resolve([key]);
    const kept = this.#roots.get(key);
    if (kept) {
      this.#roots.delete(key);
      this.#roots.set(key, kept);
      return kept;
    }
    const loading = this.leafKeys(file);
    this.#roots.set(key, loading);
    loading.catch(() => this.#roots.delete(key));
    if (this.#roots.size > ROOTS_KEPT) this.#roots.delete(this.#roots.keys().next().value!);
    return loading;
  }

  /**
   * Fetches one leaf and checks its length and hash against what the file says. It is read into
   * a buffer of its exact length by the store's plain read (on S3 and GCS a fetch without the
   * SDK's per-chunk buffers: measured ~15% less CPU in a mount's front-to-back read). Not shared
   * memory: the garbage collector saw leaves there late (peak RSS 460 against 335 MB); the
   * hasher copies the leaf to its Worker's buffer, 0.1 s per GiB.
   */
  async #loadLeaf(key: string, length: number): Promise<Uint8Array> {
    const bytes = new Uint8Array(length);
    const stored = await this.#getInto(key, bytes);
    if (stored !== length) {
      throw this.#corrupt(key, `${stored} bytes where the file needs ${length}`);
    }
    await this.#verify(key, bytes);
    return bytes;
  }

  /** A packed file's bytes, read from its pack and verified. */
  async #loadPacked(file: StoredFile, location: PackLocation): Promise<Uint8Array> {
    const { id, offset } = location;
    const bytes = this.#packs
      ? await this.#packs.read(id, offset, file.size, (at, n) => this.#packRange(file, id, at, n))
      : await this.#packRange(file, id, offset, file.size);
    return await this.#checkPacked(file, location, bytes);
  }

  /** `length` bytes at `offset` of a pack; its absence is an integrity error naming `file`. */
  async #packRange(
    file: StoredFile,
    id: string,
    offset: number,
    length: number,
  ): Promise<Uint8Array> {
    try {
      return await this.#store.getRange(packKey(id), offset, length);
    } catch (e) {
      if (!isKind(e, "not-found")) throw e;
      const remedy = await missingObjectRemedy(
        this.#store,
        packKey(id),
        "upload the files again to store them anew",
      );
      throw new DatamonError(
        "integrity",
        `pack ${id} holding ${describe(file)} is missing from ${this.#store.url}: ${remedy}`,
        { cause: e },
      );
    }
  }

  /** Returns a packed file's bytes once their length and hash match the file's. */
  async #checkPacked(
    file: StoredFile,
    location: PackLocation,
    bytes: Uint8Array,
  ): Promise<Uint8Array> {
    const where = `${describe(file)} (${file.size} bytes at ${location.offset} of pack ` +
      `${location.id} in ${this.#store.url})`;
    const advice =
      `restore pack ${location.id} from a backup, or delete it and upload the files again`;
    if (bytes.length !== file.size) {
      throw new DatamonError(
        "integrity",
        `${where} is corrupt (the pack ends after ${bytes.length} of them): ${advice}`,
      );
    }
    const actual = await this.#hasher.hash(bytes);
    if (actual !== file.key) {
      throw new DatamonError(
        "integrity",
        `${where} is corrupt (its bytes hash to ${actual}): ${advice}`,
      );
    }
    return bytes;
  }

  async #verify(key: string, bytes: Uint8Array): Promise<void> {
    const actual = await this.#hasher.hash(bytes);
    if (actual !== key) throw this.#corrupt(key, `its bytes hash to ${actual}`);
  }

  #get(key: string): Promise<Uint8Array> {
    return this.#blob(key, () => this.#store.get(key));
  }

  #getInto(key: string, into: Uint8Array): Promise<number> {
    return this.#blob(key, () => this.#store.getInto(key, into));
  }

  /** Runs a read of a blob, turning its absence into an integrity error. */
  async #blob<T>(key: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (e) {
      if (!isKind(e, "not-found")) throw e;
      const remedy = await missingObjectRemedy(
        this.#store,
        key,
        "upload the files again to restore it",
      );
      throw new DatamonError(
        "integrity",
        `blob ${key} missing from ${this.#store.url}: ${remedy}`,
        { cause: e },
      );
    }
  }

  #corrupt(key: string, why: string): DatamonError {
    return new DatamonError(
      "integrity",
      `blob ${key} in ${this.#store.url} is corrupt (${why}): delete it and upload the files again`,
    );
  }
}

/** How a file is named in messages: its name, else its key. */
function describe(file: StoredFile): string {
  return file.name === undefined ? `file ${file.key}` : `file ${file.name}`;
}
