/**
 * Finding a name in a bundle's file lists without reading them all: the lists are in name order
 * (JavaScript string order, the order the writer writes and `checkNoTwice` and the inode table's
 * directory-completion rule rely on), so the list where a name sits is found by a binary search
 * over the lists' first names: about log2(lists) reads, 11 for the 1,000 lists of a million files,
 * where the stream would read up to all 1,000.
 *
 * Every list read is verified as the stream verifies it (its checksum, by the reader given) and
 * checked for order: names strictly ascending inside it, and after the last name of the nearest
 * list read below it and before the first name of the nearest list read above it. Any disorder is
 * an integrity error, so a damaged list the search relies on gives an error, never a wrong answer;
 * a list the search did not read is checked by the stream when it gets there.
 *
 * Memory is bounded by the bundle's list count, not its file count: the first and last name of
 * each list read (two strings a list), and the entries of a few lists, kept by recent use. Reads
 * of the same list by concurrent searches are shared.
 */
import { DatamonError } from "../errors.ts";
import type { TreeEntry } from "../model/types.ts";
import { BoundedMap } from "../util/bounded_map.ts";

/** Reads list `index` of the bundle, verified against its checksum. */
export type ListReader = (index: number) => Promise<readonly TreeEntry[]>;

/** Lists whose entries are kept after a search: the last steps of a few searches. */
const CACHED_LISTS = 4;

/** A binary search over one bundle's file lists. */
export class ListProbe {
  readonly #first: (string | undefined)[];
  readonly #last: (string | undefined)[];
  /** Entries of recently read lists, least recently used first. */
  readonly #cached = new BoundedMap<number, readonly TreeEntry[]>(CACHED_LISTS);
  readonly #reading = new Map<number, Promise<readonly TreeEntry[]>>();
  #reads = 0;

  /**
   * @param count the bundle's file lists
   * @param read reads one list, verified against its checksum
   * @param what names the bundle in errors, e.g. `bundle X in repo "r"`
   */
  constructor(
    readonly count: number,
    private readonly read: ListReader,
    private readonly what: string,
  ) {
    this.#first = new Array(count);
    this.#last = new Array(count);
  }

  /** Lists read so far (a list read twice, after it left the cache, counts twice). */
  get reads(): number {
    return this.#reads;
  }

  /**
   * The first entry, in name order, whose name is `target` or after it, among lists `from` to
   * the last; undefined when every name of those lists is before `target`.
   */
  async firstFrom(target: string, from: number): Promise<TreeEntry | undefined> {
    // The last list whose first name is not after the target: the target is in it or nowhere.
    let at = -1;
    for (let low = from, high = this.count - 1; low <= high;) {
      const middle = (low + high) >>> 1;
      if (await this.#firstName(middle) <= target) {
        at = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    if (at < 0) return from < this.count ? (await this.#list(from))[0] : undefined;
    const list = await this.#list(at);
    const index = firstAtLeast(list, target);
    if (index < list.length) return list[index];
    return at + 1 < this.count ? (await this.#list(at + 1))[0] : undefined;
  }

  async #firstName(index: number): Promise<string> {
    return this.#first[index] ?? (await this.#list(index))[0].name;
  }

  /** List `index`, from the cache, from a read under way, or read now and checked. */
  #list(index: number): Promise<readonly TreeEntry[]> {
    const cached = this.#cached.use(index);
    if (cached) return Promise.resolve(cached);
    const reading = this.#reading.get(index);
    if (reading) return reading;
    this.#reads++;
    const read = this.read(index).then((list) => {
      this.#check(index, list);
      this.#cached.set(index, list);
      return list;
    }).finally(() => this.#reading.delete(index));
    this.#reading.set(index, read);
    return read;
  }

  /** Refuses a list out of name order, inside it or against the lists read around it. */
  #check(index: number, list: readonly TreeEntry[]): void {
    if (list.length === 0) throw this.#disorder(`file list ${index} is empty`);
    for (let i = 1; i < list.length; i++) {
      if (!(list[i - 1].name < list[i].name)) {
        throw this.#disorder(
          `file list ${index} names "${list[i].name}" after "${list[i - 1].name}"`,
        );
      }
    }
    const first = list[0].name;
    const last = list[list.length - 1].name;
    let below = index - 1;
    while (below >= 0 && this.#last[below] === undefined) below--;
    if (below >= 0 && !(this.#last[below]! < first)) {
      throw this.#disorder(`file list ${index} starts at "${first}", not after list ${below}`);
    }
    let above = index + 1;
    while (above < this.count && this.#first[above] === undefined) above++;
    if (above < this.count && !(last < this.#first[above]!)) {
      throw this.#disorder(`file list ${index} ends at "${last}", not before list ${above}`);
    }
    this.#first[index] = first;
    this.#last[index] = last;
  }

  #disorder(why: string): DatamonError {
    return new DatamonError(
      "integrity",
      `${this.what} is out of name order (${why}): its file lists are damaged`,
    );
  }
}

/** The index of the first entry of name-ordered `list` whose name is `target` or after it. */
function firstAtLeast(list: readonly TreeEntry[], target: string): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle].name < target) low = middle + 1;
    else high = middle;
  }
  return low;
}
