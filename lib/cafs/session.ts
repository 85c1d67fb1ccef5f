/**
 * The blob side of one command: a blob store and a hashing Worker pool shared by the readers,
 * writers, checks and collectors it makes, sized so that memory stays bounded by
 * concurrency x leaf size.
 */
import type { Store } from "../store/store.ts";
import { ObjectChecks } from "./check.ts";
import type { Chunking } from "./chunking.ts";
import { BlobCollector } from "./gc.ts";
import { Hasher } from "./hasher.ts";
import type { HashFn } from "./root.ts";
import { CafsReader } from "./reader.ts";
import { LeafCache } from "./leaf_cache.ts";
import { PackCache } from "./pack_cache.ts";
import { CafsWriter } from "./writer.ts";
import { PackWriter } from "./pack_writer.ts";
import { leafBuffers, type PackOptions } from "./tuning.ts";

/** Leaves (and pack runs) fetched ahead, over all files being read at once. */
const READ_AHEAD_BYTES = 64 * 1024 * 1024;
/** Smallest and largest ranged read of a pack run, whatever the concurrency. */
const MIN_RUN_BYTES = 1024 * 1024;
const MAX_RUN_BYTES = 16 * 1024 * 1024;

/** Readers, writers, checks and collectors of one blob store, sharing one Hasher. */
export class CafsSession implements Disposable {
  private constructor(private readonly store: Store, readonly hasher: Hasher) {}

  /** A session on `blobStore`; dispose (or `using`) stops its hashing Workers. */
  static async open(blobStore: Store): Promise<CafsSession> {
    return new CafsSession(blobStore, await Hasher.create());
  }

  /**
   * A packer of small files into the blob store. It hashes only pack indexes, on this thread
   * (see collector): an upload of small files starts no hashing Worker.
   */
  packWriter(options: PackOptions): PackWriter {
    return new PackWriter({
      store: this.store,
      hasher: this.#inline(),
      packSize: options.packSize,
      maxBlob: options.maxPacked,
    });
  }

  /**
   * A writer of files into the blob store, cut into leaves by `chunking`; small files go to
   * `packs`, if given.
   */
  writer(chunking: Chunking, concurrency: number, packs?: PackWriter): CafsWriter {
    return new CafsWriter({
      store: this.store,
      hasher: this.hasher,
      chunking,
      slots: leafBuffers(concurrency, chunking.leafSize),
      packs,
    });
  }

  /**
   * A verifying reader for random access (a mount): `cacheBytes` shared by an LRU cache of
   * leaves and one of pack windows (a quarter), `prefetch` leaves fetched ahead of each read.
   */
  rangeReader(chunking: Chunking, cacheBytes: number, prefetch: number): CafsReader {
    const packBytes = Math.floor(cacheBytes / 4);
    return new CafsReader({
      store: this.store,
      hasher: this.hasher,
      chunking,
      cache: new LeafCache({ maxBytes: cacheBytes - packBytes }),
      packs: new PackCache({ maxBytes: packBytes }),
      prefetch,
    });
  }

  /**
   * A verifying reader whose read-ahead over `concurrency` files stays within budget: leaves
   * fetched ahead, and pack runs (concurrency of them at most) alike.
   */
  reader(chunking: Chunking, concurrency: number): CafsReader {
    const budget = Math.max(2, Math.floor(READ_AHEAD_BYTES / chunking.leafSize));
    // The shared buffer pool bounds memory; the per-file window only spreads it fairly.
    const window = Math.min(8, Math.max(1, Math.floor((2 * budget) / concurrency)));
    const runBytes = Math.min(
      MAX_RUN_BYTES,
      Math.max(MIN_RUN_BYTES, Math.floor(READ_AHEAD_BYTES / concurrency)),
    );
    return new CafsReader({
      store: this.store,
      hasher: this.hasher,
      chunking,
      window,
      buffers: budget,
      runBytes,
    });
  }

  /** The checks of one fsck run (`deep`: pack indexes checked, every file read back). */
  checks(deep: boolean): ObjectChecks {
    return new ObjectChecks(this.store, this.hasher, deep);
  }

  /**
   * One garbage collection of the blob store. It hashes only pack indexes (a few MB each), on
   * this thread: a purge then starts no hashing Worker, ~40 MB less at its peak.
   */
  collector(): BlobCollector {
    return new BlobCollector(this.store, this.#inline());
  }

  /** The session's hasher on this thread only, whatever the input's size. */
  #inline(): HashFn {
    return { hash: (bytes) => Promise.resolve(this.hasher.hashInline(bytes)) };
  }

  [Symbol.dispose](): void {
    this.hasher.close();
  }
}
