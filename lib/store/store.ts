/**
 * The one interface every storage backend implements. Keys are `/`-separated strings
 * (no leading `/`, no empty or `..` segments); a backend knows nothing of bundles.
 */

/** What `head` knows of a stored object. */
export interface ObjectInfo {
  size: number;
  modified: Date;
}

/** One row of a listing: an object, or (with a delimiter) a common prefix ending in it. */
export type ListEntry =
  | { kind: "object"; key: string; size: number; modified: Date }
  | { kind: "prefix"; prefix: string };

export interface ListOptions {
  /** Group keys that continue past the prefix with this string into one `prefix` entry. */
  delimiter?: string;
}

export interface Store {
  /** The URL this store was opened from, for messages. */
  readonly url: string;
  /** Whole object. Throws DatamonError "not-found" when absent. */
  get(key: string): Promise<Uint8Array>;
  /**
   * Reads the whole object into the start of `into` (which may be shared memory) and returns
   * the object's size. An object larger than `into` is not read: its size is returned so the
   * caller can tell. Lets readers reuse buffers instead of allocating one per object.
   * Throws "not-found".
   */
  getInto(key: string, into: Uint8Array): Promise<number>;
  /** `length` bytes from `offset`; fewer at the end of the object. Throws "not-found". */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array>;
  /** Atomic create-or-replace: readers see the old or the new object, never a torn one. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Atomic create-only: false (and nothing changed) when the key already exists. */
  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean>;
  /** Size and time of the object, or null when absent. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Objects (and prefixes, with a delimiter) whose key starts with `prefix`, in key order. */
  list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry>;
  /** Removes the object; removing an absent key is not an error. */
  delete(key: string): Promise<void>;
}

/** How a store is opened, beyond its URL. */
export interface StoreOptions {
  /**
   * Requests a network store keeps in flight at most (the CLI derives it from
   * --concurrency-factor); local stores ignore it.
   */
  maxRequests?: number;
}
