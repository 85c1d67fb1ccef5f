/**
 * Checks of stored files for fsck. Quick: each file's pack is stored and long enough, each root
 * object is stored and sound, and every leaf is stored (headed once per run, however many
 * files and bundles share it). Deep: also each pack's index is sound, and each file is read
 * back with every leaf and packed blob re-hashed against its key. A check never changes
 * anything, and goes on past a damaged file to the next.
 */
import { isKind } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { BoundedMap } from "../util/bounded_map.ts";
import type { PackLocation } from "../model/types.ts";
import { KeySet } from "./key_set.ts";
import { packKey } from "./layout.ts";
import { PACK_FOOTER_BYTES, readPackIndex } from "./pack.ts";
import type { CafsReader, StoredFile } from "./reader.ts";
import type { HashFn } from "./root.ts";

/** Objects whose presence (or pack index) is remembered, so shared blobs are checked once. */
const CHECKED_KEPT = 65_536;

/** Leaves of one file headed at once by the quick check. */
const HEADS_AT_ONCE = 16;

/** What is wrong with one file. */
export interface FileProblem<T extends StoredFile> {
  file: T;
  problem: string;
  /** The keys of the objects found missing, when that is the problem. */
  missing?: readonly string[];
}

/** What a head of a pack found: its size, or why it is damaged. */
type PackState =
  | { size: number; problem?: undefined }
  | { problem: string; missing?: readonly string[] };

/** Why an object is damaged, and the keys of those missing. */
type ObjectProblem = { problem: string; missing?: readonly string[] } | undefined;

/** The checks of one fsck run; answers about objects are remembered over its bundles. */
export class ObjectChecks {
  /** Answers about blobs and packs lately asked, damaged ones included. */
  readonly #blobs = new BoundedMap<string, Promise<ObjectProblem>>(CHECKED_KEPT);
  readonly #packs = new BoundedMap<string, Promise<PackState>>(CHECKED_KEPT);
  /**
   * Every leaf and root object found stored by the quick check, over all bundles: a blob that
   * many files or bundles share is headed once, in ~23 bytes a key.
   */
  readonly #stored = new KeySet();
  readonly #store: Store;
  readonly #hasher: HashFn;
  readonly #deep: boolean;

  /** `deep`: check pack indexes, and read back and re-hash every file. */
  constructor(store: Store, hasher: HashFn, deep: boolean) {
    this.#store = store;
    this.#hasher = hasher;
    this.#deep = deep;
  }

  /**
   * The groups the files are checked in: one file each, or when deep, runs of files of one
   * pack that `reader` fetches with one request.
   */
  groups<T extends StoredFile>(files: AsyncIterable<T>, reader: CafsReader): AsyncIterable<T[]> {
    return this.#deep ? reader.packRuns(files, (file) => file) : oneByOne(files);
  }

  /**
   * The problems of a group that `groups` made. Quick: a file's pack must be stored and long
   * enough to hold it; a file's root object must be stored and sound, and every leaf it names
   * stored. Deep: a file whose object or pack is missing (or whose pack index is damaged) is
   * not read back; when every object is there, the files are read back through `reader`,
   * verified as they are read.
   */
  async problems<T extends StoredFile>(
    group: readonly T[],
    reader: CafsReader,
  ): Promise<FileProblem<T>[]> {
    const problems: FileProblem<T>[] = [];
    for (const file of group) {
      const problem = await this.#objectProblem(file, reader);
      if (problem !== undefined) problems.push({ file, ...problem });
    }
    if (!this.#deep || problems.length > 0) return problems;
    const unreadable = await readBack(group, reader);
    return await Promise.all(unreadable.map((p) => this.#missingLeaves(p, reader)));
  }

  /**
   * Checks `file` again, asking the store afresh (objects it needs were just restored): a
   * restored root object names leaves that could not be checked before.
   */
  async recheck<T extends StoredFile>(
    file: T,
    reader: CafsReader,
  ): Promise<FileProblem<T> | undefined> {
    if (file.pack) this.#packs.delete(file.pack.id);
    else this.#blobs.delete(file.key);
    return (await this.problems([file], reader))[0];
  }

  /**
   * A file that could not be read back, with the leaves it lacks when that is why: deep checks
   * head only the root object before reading, so a missing leaf shows as a failed read.
   */
  async #missingLeaves<T extends StoredFile>(
    unreadable: FileProblem<T>,
    reader: CafsReader,
  ): Promise<FileProblem<T>> {
    if (unreadable.file.pack) return unreadable;
    const leaves = await this.#leavesProblem(unreadable.file, reader);
    return leaves?.missing ? { file: unreadable.file, ...leaves } : unreadable;
  }

  /** Why the file's objects or pack are damaged, or undefined when they are sound. */
  #objectProblem(file: StoredFile, reader: CafsReader): Promise<ObjectProblem> {
    if (file.pack) return this.#packedProblem(file, file.pack);
    if (this.#stored.has(file.key)) return Promise.resolve(undefined);
    return remembered(
      this.#blobs,
      file.key,
      () => this.#deep ? this.#blobProblem(file.key) : this.#leavesProblem(file, reader),
    );
  }

  async #blobProblem(key: string): Promise<ObjectProblem> {
    if (await this.#store.head(key)) return undefined;
    return { problem: `blob ${key} is missing from ${this.#store.url}`, missing: [key] };
  }

  /**
   * Quick check of a file's blobs: its root object read and verified (small), then a head of
   * each leaf not yet found stored. A one-leaf file's only blob is its leaf.
   */
  async #leavesProblem(file: StoredFile, reader: CafsReader): Promise<ObjectProblem> {
    let leaves: string[];
    try {
      leaves = await reader.leafKeys(file);
    } catch (e) {
      if (!isKind(e, "integrity")) throw e;
      // A root object that is not stored at all is missing; one that is stored is damaged.
      const missing = await this.#store.head(file.key) ? undefined : file.key;
      return { problem: (e as Error).message, ...(missing ? { missing: [missing] } : {}) };
    }
    // Every missing leaf is named, so that a repair brings them all back in one pass.
    const unknown = leaves.filter((leaf) => !this.#stored.has(leaf));
    const missing: string[] = [];
    for (let at = 0; at < unknown.length; at += HEADS_AT_ONCE) {
      const batch = unknown.slice(at, at + HEADS_AT_ONCE);
      const found = await Promise.all(batch.map((leaf) => this.#store.head(leaf)));
      batch.forEach((leaf, i) => found[i] ? this.#stored.add(leaf) : missing.push(leaf));
    }
    if (missing.length === 0) {
      this.#stored.add(file.key);
      return undefined;
    }
    const [first] = missing;
    const more = missing.length > 1 ? ` (and ${missing.length - 1} more of its leaves)` : "";
    const problem = first === file.key
      ? `blob ${first} is missing from ${this.#store.url}`
      : `leaf ${first} of root object ${file.key} is missing from ${this.#store.url}${more}`;
    return { problem, missing };
  }

  /** Why a packed file's pack is damaged or too short to hold it, or undefined. */
  async #packedProblem(file: StoredFile, pack: PackLocation): Promise<ObjectProblem> {
    const state = await remembered(this.#packs, pack.id, () => this.#packState(pack.id));
    if (state.problem !== undefined) return state;
    if (pack.offset + file.size + PACK_FOOTER_BYTES > state.size) {
      return {
        problem: `pack ${pack.id} in ${this.#store.url} is ${state.size} bytes, too short for ` +
          `the ${file.size} bytes at offset ${pack.offset} (the pack is truncated)`,
      };
    }
    return undefined;
  }

  async #packState(id: string): Promise<PackState> {
    const info = await this.#store.head(packKey(id));
    if (!info) {
      return { problem: `pack ${id} is missing from ${this.#store.url}`, missing: [packKey(id)] };
    }
    if (!this.#deep) return { size: info.size };
    try {
      await readPackIndex(this.#store, id, info.size, this.#hasher);
      return { size: info.size };
    } catch (e) {
      if (!isKind(e, "integrity") && !isKind(e, "not-found")) throw e;
      return { problem: (e as Error).message };
    }
  }
}

/** The answer `map` keeps for `key`, asked of `ask` (and kept) when it has none. */
function remembered<T>(map: BoundedMap<string, Promise<T>>, key: string, ask: () => Promise<T>) {
  let answer = map.get(key);
  if (!answer) {
    answer = ask();
    map.set(key, answer);
  }
  return answer;
}

/** Each file on its own, for the quick check. */
async function* oneByOne<T>(files: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const file of files) yield [file];
}

/**
 * Reads a group back, every byte verified; the problems of the files that fail. A run of one
 * pack is read with one request; from a file that fails, the rest of the run is read one by
 * one, so one bad file hides no other.
 */
async function readBack<T extends StoredFile>(
  group: readonly T[],
  reader: CafsReader,
): Promise<FileProblem<T>[]> {
  if (group.length === 1) return await readEach(group, reader);
  const seen = new Set<T>();
  try {
    for await (const { file } of reader.readPackRun(group)) seen.add(file);
    return [];
  } catch (e) {
    const failed = group.findIndex((file) => !seen.has(file));
    return [problemOf(group[failed], e), ...await readEach(group.slice(failed + 1), reader)];
  }
}

/** Reads each file back on its own; the problems of those that fail. */
async function readEach<T extends StoredFile>(
  files: readonly T[],
  reader: CafsReader,
): Promise<FileProblem<T>[]> {
  const problems: FileProblem<T>[] = [];
  for (const file of files) {
    try {
      for await (const _ of reader.readFile(file)) { /* verified as read */ }
    } catch (e) {
      problems.push(problemOf(file, e));
    }
  }
  return problems;
}

/** A file's integrity failure as a problem; any other error goes on up. */
function problemOf<T extends StoredFile>(file: T, e: unknown): FileProblem<T> {
  if (!isKind(e, "integrity")) throw e;
  return { file, problem: e.message };
}
