/**
 * The one interface every storage backend implements. Keys are `/`-separated strings
 * (no leading `/`, no empty or `..` segments); a backend knows nothing of bundles.
 */
import type { RetryPolicy } from "./retry.ts";

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

/** What one listing request answers (listAfter). */
export interface ListPage {
  /** Objects whose keys sort after the one asked for, in key order. */
  objects: { key: string; size: number }[];
  /** True when no object sorts after the last of `objects` (or after the key asked for). */
  complete: boolean;
}

/** One stored version of an object, in a bucket that keeps versions (listVersions). */
export interface ObjectVersion {
  /** The backend's name for this version (an S3 VersionId, a GCS generation). */
  versionId: string;
  size: number;
  modified: Date;
}

/** Who a store's credentials belong to, or why that cannot be told. */
export type StoreIdentity = { identity: string } | { unavailable: string };

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
  /**
   * The objects whose keys sort after `after` (any string), in key order, as many as one
   * listing request answers (up to 1000): tells which of many nearby keys exist for the price
   * of one request. Only backends that list by requests of a page have it (S3, GCS); on the
   * local filesystem a listing reads a whole directory, so a head per key is the cheaper way.
   */
  listAfter?(after: string): Promise<ListPage>;
  /** Removes the object; removing an absent key is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Server-side copy of the object at `from` to `to` (create-or-replace, atomic like put),
   * without its bytes passing through this process. The copy's stored time may be the
   * original's or the copy's. Throws "not-found" when `from` is absent. Backends without a
   * cheap copy leave it out; callers then get and put (see copyObject).
   */
  copy?(from: string, to: string): Promise<void>;
  /**
   * The account behind the store's credentials as the cloud authenticates it (an AWS ARN, a
   * Google account's email), or why it could not be learnt. Backends without authentication of
   * their own (the local filesystem) leave it out. Never throws.
   */
  identity?(): Promise<StoreIdentity>;
  /**
   * Removes the backend's own temporary files last written before `olderThan` (left by
   * writers that died), for garbage collection. Only backends that keep such files have it.
   */
  removeStaleTemporaries?(olderThan: Date): Promise<RemovedTemporaries>;
  /**
   * Every stored version of the object at `key`, newest first: only the current one where the
   * bucket keeps no versions, none when the key was never written (an S3 delete marker is not
   * a version).
   * Backends that never keep versions (local, memory) leave it out, with getVersion.
   */
  listVersions?(key: string): AsyncIterable<ObjectVersion>;
  /** The bytes of one version listVersions named. Throws "not-found" when it is gone. */
  getVersion?(key: string, versionId: string): Promise<Uint8Array>;
}

/** What removeStaleTemporaries removed. */
export interface RemovedTemporaries {
  files: number;
  bytes: number;
}

/** How a store is opened, beyond its URL. */
export interface StoreOptions {
  /**
   * Requests a network store keeps in flight at most (the CLI derives it from
   * --concurrency-factor); local stores ignore it.
   */
  maxRequests?: number;
  /** How a network store retries a request that may pass on its own; local stores ignore it. */
  retry?: RetryPolicy;
}

/** Copies `from` to `to` in `store`: server-side when the store can, else by get and put. */
export async function copyObject(store: Store, from: string, to: string): Promise<void> {
  if (store.copy) return await store.copy(from, to);
  await store.put(to, await store.get(from));
}
