/**
 * Garbage collection primitives of the blob store, mark and sweep. Mark: each file that a
 * committed bundle names adds what it needs to a compact KeySet: its leaf, or its root object
 * and the leaves the root names, or its packed blob and its pack. Sweep: the blob store is
 * listed, and each blob or pack no marked file needs is moved into quarantine (quarantine.ts:
 * deleted only by a later purge) once its stored time is older than a cutoff, so the objects of an upload still running (stored before its bundle.yaml)
 * are never taken. A pack is one object: it is kept whole while any marked file names it,
 * and the bytes of its entries no file needs are counted.
 */
import { isKind } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { mapOrdered } from "../util/map_ordered.ts";
import { Turns } from "../util/turns.ts";
import type { Chunking } from "./chunking.ts";
import { KeySet } from "./key_set.ts";
import { objectAt, quarantinedKey } from "./layout.ts";
import { readPackIndex } from "./pack.ts";
import { type QuarantineBatch, QuarantineLookup } from "./quarantine.ts";
import type { StoredFile } from "./reader.ts";
import { decodeRoot, type HashFn } from "./root.ts";

/** How a sweep goes. */
export interface SweepOptions {
  /** Unneeded objects stored at or after this time are kept. */
  cutoff: Date;
  /** The batch unneeded objects are moved into; absent for a dry run, which moves nothing. */
  into?: QuarantineBatch;
  /** Moves and pack index reads in flight at once. */
  concurrency: number;
  /** Called for each object moved (or, dry, that would be). */
  onMove?: (object: { key: string; size: number }) => void;
  /** Called for each object listed, so that a long listing shows it is moving. */
  onListed?: () => void;
}

/** What a sweep did. */
export interface SweepResult {
  /** Objects moved into quarantine (or that would be). */
  quarantined: number;
  /** Their bytes. */
  bytesQuarantined: number;
  /** Unneeded objects kept because they were stored after the cutoff. */
  keptYoung: number;
  /** Needed packs that hold entries no marked file names, and those entries' bytes. */
  partlyDeadPacks: number;
  deadPackBytes: number;
  /** The store's own stale temporary files removed (local store). */
  temporariesRemoved: number;
  temporaryBytesFreed: number;
}

/**
 * Pack indexes read at once by a sweep: ~3.4 MB each for a pack of 70-byte files, while the
 * sweep's own concurrency (its moves) may be 16 and a million-file bundle has ~14 packs.
 */
const INDEX_READS = 2;

/** A listed object the sweep acts on: an object to quarantine, or a needed pack to account. */
interface Candidate {
  key: string;
  size: number;
  /** The id of a needed pack; absent for an object to quarantine. */
  livePack?: string;
}

/** One garbage collection of a blob store: mark what files need, then sweep the rest. */
export class BlobCollector {
  readonly #store: Store;
  readonly #hasher: HashFn;
  readonly #live = new KeySet();
  readonly #packs = new Set<string>();
  readonly #quarantine: QuarantineLookup;
  readonly #indexReads = new Turns(INDEX_READS);

  constructor(store: Store, hasher: HashFn) {
    this.#store = store;
    this.#hasher = hasher;
    this.#quarantine = new QuarantineLookup(store);
  }

  /** Distinct leaves, root objects and packed blobs marked. */
  get liveKeys(): number {
    return this.#live.size;
  }

  /** Packs marked. */
  get livePacks(): number {
    return this.#packs.size;
  }

  /** True when `key` is a blob or pack that a marked file needs. */
  needs(key: string): boolean {
    const object = objectAt(key);
    if (object?.kind === "pack") return this.#packs.has(object.id);
    return object?.kind === "blob" && this.#live.has(key);
  }

  /**
   * Marks what `file` needs, cut by `chunking`; a file with a root object has its root read
   * (once per key) for its leaves, from quarantine when a purge moved it there (the purge then
   * moves it back). False when that root object is missing, so its leaves are unknown and
   * nothing may be swept; a corrupt one throws "integrity".
   */
  async mark(file: StoredFile, chunking: Chunking): Promise<boolean> {
    if (file.pack) {
      this.#packs.add(file.pack.id);
      this.#live.add(file.key);
      return true;
    }
    if (!this.#live.add(file.key) || !chunking.hasRoot(file.size)) return true;
    const root = await this.#readRoot(file.key);
    if (!root) return false;
    const leaves = await decodeRoot(file.key, root, this.#hasher, this.#store.url);
    for (const key of leaves) this.#live.add(key);
    return true;
  }

  /** The root object under `key`, or in quarantine; undefined when it is in neither. */
  async #readRoot(key: string): Promise<Uint8Array | undefined> {
    try {
      return await this.#store.get(key);
    } catch (e) {
      if (!isKind(e, "not-found")) throw e;
    }
    const id = await this.#quarantine.find(key);
    return id === undefined ? undefined : await this.#store.get(quarantinedKey(id, key));
  }

  /**
   * Lists the blob store and moves into quarantine (or, dry, counts) each blob and pack
   * nothing marked needs and stored before the cutoff; then, unless dry, has the store remove
   * its stale temporary files.
   */
  async sweep(options: SweepOptions): Promise<SweepResult> {
    const result: SweepResult = {
      quarantined: 0,
      bytesQuarantined: 0,
      keptYoung: 0,
      partlyDeadPacks: 0,
      deadPackBytes: 0,
      temporariesRemoved: 0,
      temporaryBytesFreed: 0,
    };
    const candidates = this.#candidates(options, result);
    const done = mapOrdered(candidates, options.concurrency, (c) => this.#settle(c, options));
    for await (const { candidate, dead } of done) {
      if (candidate.livePack !== undefined) {
        if (dead > 0) {
          result.partlyDeadPacks++;
          result.deadPackBytes += dead;
        }
      } else {
        result.quarantined++;
        result.bytesQuarantined += candidate.size;
      }
    }
    if (options.into && this.#store.removeStaleTemporaries) {
      const removed = await this.#store.removeStaleTemporaries(options.cutoff);
      result.temporariesRemoved = removed.files;
      result.temporaryBytesFreed = removed.bytes;
    }
    return result;
  }

  /** The listed objects to act on: needed packs, and unneeded objects older than the cutoff. */
  async *#candidates(options: SweepOptions, result: SweepResult): AsyncGenerator<Candidate> {
    for await (const entry of this.#store.list("")) {
      if (entry.kind !== "object") continue;
      options.onListed?.();
      const { key, size, modified } = entry;
      const object = objectAt(key);
      if (object?.kind === "pack" && this.#packs.has(object.id)) {
        yield { key, size, livePack: object.id };
        continue;
      }
      if (!object || (object.kind === "blob" && this.#live.has(key))) continue;
      // Its stored time, as the store lists it: an upload's objects are younger than its run.
      if (modified >= options.cutoff) {
        result.keptYoung++;
        continue;
      }
      yield { key, size };
    }
  }

  /** Quarantines an unneeded object, or counts the dead bytes of a needed pack. */
  async #settle(
    candidate: Candidate,
    options: SweepOptions,
  ): Promise<{ candidate: Candidate; dead: number }> {
    const { key, size, livePack } = candidate;
    if (livePack !== undefined) {
      return { candidate, dead: await this.#deadPackBytes(livePack, size) };
    }
    await options.into?.move(key, size);
    options.onMove?.({ key, size });
    return { candidate, dead: 0 };
  }

  /**
   * Bytes of a needed pack's entries that nothing marked names, from the pack's own index,
   * read in its binary records (no key strings: a pack may hold ~70,000 tiny files).
   */
  #deadPackBytes(id: string, size: number): Promise<number> {
    return this.#indexReads.run(async () => {
      const index = await readPackIndex(this.#store, id, size, this.#hasher);
      let dead = 0;
      for (let i = 0; i < index.count; i++) {
        if (!this.#live.hasBinary(index.keyBytes(i))) dead += index.length(i);
      }
      return dead;
    });
  }
}
