/**
 * A store in process memory, for tests of the layers above the store: it keeps the contract
 * every backend keeps (checked keys, create-only putIfAbsent, listings in UTF-8 key order that
 * page, typed errors) without a disk or a server. Like S3 and GCS, and unlike a directory, a key
 * may also begin other keys ("a" and "a/b").
 */
import { DatamonError } from "../errors.ts";
import { checkDelimiter, checkKey, checkPrefix, checkRange, compareKeys } from "./keys.ts";
import type { ListEntry, ListOptions, ObjectInfo, Store } from "./store.ts";

/** Entries a listing computes at once, as an object store answers one page. */
const PAGE_SIZE = 1000;

/** One stored object: its bytes (never shared with a caller) and when it was stored. */
interface StoredObject {
  bytes: Uint8Array;
  modified: Date;
}

/**
 * A Store whose objects live in a Map for the life of the instance.
 *
 * @example
 * ```ts
 * const store = new MemoryStore("mem://test/blob");
 * await store.putIfAbsent("k", new Uint8Array([1])); // true
 * await store.putIfAbsent("k", new Uint8Array([2])); // false: "k" keeps [1]
 * ```
 */
export class MemoryStore implements Store {
  readonly #objects = new Map<string, StoredObject>();

  /** `url` names the store in messages; no other store can open it. */
  constructor(readonly url: string = `mem://${crypto.randomUUID()}`) {}

  get(key: string): Promise<Uint8Array> {
    return settled(() => this.#object(key).bytes.slice());
  }

  getInto(key: string, into: Uint8Array): Promise<number> {
    return settled(() => {
      const { bytes } = this.#object(key);
      if (bytes.length <= into.length) into.set(bytes);
      return bytes.length;
    });
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return settled(() => {
      checkRange(offset, length);
      const { bytes } = this.#object(key);
      return bytes.slice(offset, Math.min(bytes.length, offset + length));
    });
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return settled(() => {
      this.#objects.set(checkKey(key), { bytes: bytes.slice(), modified: new Date() });
    });
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return settled(() => {
      if (this.#objects.has(checkKey(key))) return false;
      this.#objects.set(key, { bytes: bytes.slice(), modified: new Date() });
      return true;
    });
  }

  head(key: string): Promise<ObjectInfo | null> {
    return settled(() => {
      const object = this.#objects.get(checkKey(key));
      return object ? { size: object.bytes.length, modified: new Date(object.modified) } : null;
    });
  }

  delete(key: string): Promise<void> {
    return settled(() => {
      this.#objects.delete(checkKey(key));
    });
  }

  copy(from: string, to: string): Promise<void> {
    return settled(() => {
      const { bytes } = this.#object(from);
      this.#objects.set(checkKey(to), { bytes: bytes.slice(), modified: new Date() });
    });
  }

  /**
   * Pages through the keys under `prefix` as an object store does: each page is taken from the
   * objects present when it is asked for, after the last key or prefix of the page before.
   */
  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ListEntry> {
    checkPrefix(prefix);
    const grouped = checkDelimiter(options.delimiter, this.url) === "/";
    let after: string | undefined;
    for (;;) {
      const page = this.#page(prefix, grouped, after);
      yield* page;
      if (page.length < PAGE_SIZE) return;
      const last = page[page.length - 1];
      after = last.kind === "object" ? last.key : last.prefix;
    }
  }

  /**
   * Up to PAGE_SIZE rows under `prefix` that come after `after` (a key, or a prefix ending in
   * "/" whose keys were all shown as that prefix), in key order.
   */
  #page(prefix: string, grouped: boolean, after: string | undefined): ListEntry[] {
    const keys = [...this.#objects.keys()].filter((key) =>
      key.startsWith(prefix) &&
      (after === undefined || (compareKeys(key, after) > 0 && !shownAs(key, after)))
    ).sort(compareKeys);
    const rows: ListEntry[] = [];
    for (const key of keys) {
      if (rows.length === PAGE_SIZE) break;
      const cut = grouped ? key.indexOf("/", prefix.length) : -1;
      if (cut < 0) {
        const { bytes, modified } = this.#objects.get(key)!;
        rows.push({ kind: "object", key, size: bytes.length, modified: new Date(modified) });
        continue;
      }
      const common = key.slice(0, cut + 1);
      const previous = rows[rows.length - 1];
      if (previous?.kind !== "prefix" || previous.prefix !== common) {
        rows.push({ kind: "prefix", prefix: common });
      }
    }
    return rows;
  }

  /** The object at a valid key; throws DatamonError "not-found" when there is none. */
  #object(key: string): StoredObject {
    const object = this.#objects.get(checkKey(key));
    if (!object) throw new DatamonError("not-found", `object ${key} not found in ${this.url}`);
    return object;
  }
}

/** Runs `fn` now and gives its result, or its error, as a promise: as an I/O call would. */
function settled<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}

/** True when `key` was already listed as part of the prefix row `shown` (which ends in "/"). */
function shownAs(key: string, shown: string): boolean {
  return shown.endsWith("/") && key.startsWith(shown);
}
