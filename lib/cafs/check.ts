/**
 * Checks of stored files for fsck. Quick: each file's object (its single leaf or its root
 * object) or pack is stored. Deep: also each pack's index is sound, and each file is read
 * back with every leaf and packed blob re-hashed against its key. A check never changes
 * anything, and goes on past a damaged file to the next.
 */
import { isKind } from "../errors.ts";
import type { Store } from "../store/store.ts";
import { BoundedMap } from "../util/bounded_map.ts";
import { packKey } from "./layout.ts";
import { readPackIndex } from "./pack.ts";
import type { CafsReader, StoredFile } from "./reader.ts";
import type { HashFn } from "./root.ts";

/** Objects whose presence (or pack index) is remembered, so shared blobs are checked once. */
const CHECKED_KEPT = 65_536;

/** What is wrong with one file. */
export interface FileProblem<T extends StoredFile> {
  file: T;
  problem: string;
}

/** The checks of one fsck run; answers about objects are remembered over its bundles. */
export class ObjectChecks {
  readonly #known = new BoundedMap<string, Promise<string | undefined>>(CHECKED_KEPT);
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
   * The problems of a group that `groups` made: a file whose object or pack is missing (or,
   * deep, a damaged pack index) is not read back; when deep and every object is there, the
   * files are read back through `reader`, verified as they are read.
   */
  async problems<T extends StoredFile>(
    group: readonly T[],
    reader: CafsReader,
  ): Promise<FileProblem<T>[]> {
    const problems: FileProblem<T>[] = [];
    for (const file of group) {
      const problem = await this.#objectProblem(file);
      if (problem !== undefined) problems.push({ file, problem });
    }
    if (!this.#deep || problems.length > 0) return problems;
    return await readBack(group, reader);
  }

  /** Why the file's object or pack is damaged, or undefined when it is sound. */
  #objectProblem(file: StoredFile): Promise<string | undefined> {
    const key = file.pack ? packKey(file.pack.id) : file.key;
    let answer = this.#known.get(key);
    if (!answer) {
      answer = file.pack ? this.#packProblem(file.pack.id) : this.#blobProblem(file.key);
      this.#known.set(key, answer);
    }
    return answer;
  }

  async #blobProblem(key: string): Promise<string | undefined> {
    if (await this.#store.head(key)) return undefined;
    return `blob ${key} is missing from ${this.#store.url}`;
  }

  async #packProblem(id: string): Promise<string | undefined> {
    const info = await this.#store.head(packKey(id));
    if (!info) return `pack ${id} is missing from ${this.#store.url}`;
    if (!this.#deep) return undefined;
    try {
      await readPackIndex(this.#store, id, info.size, this.#hasher);
      return undefined;
    } catch (e) {
      if (!isKind(e, "integrity") && !isKind(e, "not-found")) throw e;
      return (e as Error).message;
    }
  }
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
