/**
 * A Store that forwards every call to an inner store: the base of the decorators (metering,
 * crash points, the read-only guard), so each overrides only what it changes. An optional
 * method is present exactly when the inner store has it, so callers' `store.copy ? ...`
 * choices see through any stack of decorators.
 */
import type {
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectVersion,
  RemovedTemporaries,
  Store,
  StoreIdentity,
} from "./store.ts";

/** Forwards every Store method to `inner`; subclasses override what they change. */
export class DelegatingStore implements Store {
  constructor(protected readonly inner: Store) {}

  get url(): string {
    return this.inner.url;
  }

  get(key: string): Promise<Uint8Array> {
    return this.inner.get(key);
  }

  getInto(key: string, into: Uint8Array): Promise<number> {
    return this.inner.getInto(key, into);
  }

  getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    return this.inner.getRange(key, offset, length);
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.inner.put(key, bytes);
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.inner.putIfAbsent(key, bytes);
  }

  head(key: string): Promise<ObjectInfo | null> {
    return this.inner.head(key);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    return this.inner.list(prefix, options);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }

  /** The inner store's server-side copy, if it has one. */
  get copy(): ((from: string, to: string) => Promise<void>) | undefined {
    const inner = this.inner;
    return inner.copy ? (from, to) => inner.copy!(from, to) : undefined;
  }

  /** The inner store's identity look-up, if it has one. */
  get identity(): (() => Promise<StoreIdentity>) | undefined {
    const inner = this.inner;
    return inner.identity ? () => inner.identity!() : undefined;
  }

  /** The inner store's clean-up of its temporary files, if it has one. */
  get removeStaleTemporaries(): ((olderThan: Date) => Promise<RemovedTemporaries>) | undefined {
    const inner = this.inner;
    return inner.removeStaleTemporaries
      ? (olderThan) => inner.removeStaleTemporaries!(olderThan)
      : undefined;
  }

  /** The inner store's one-request listing after a key, if it has one. */
  get listAfter(): ((after: string) => Promise<ListPage>) | undefined {
    const inner = this.inner;
    return inner.listAfter ? (after) => inner.listAfter!(after) : undefined;
  }

  /** The inner store's listing of an object's versions, if it keeps them. */
  get listVersions(): ((key: string) => AsyncIterable<ObjectVersion>) | undefined {
    const inner = this.inner;
    return inner.listVersions ? (key) => inner.listVersions!(key) : undefined;
  }

  /** The inner store's read of one version of an object, if it keeps them. */
  get getVersion(): ((key: string, versionId: string) => Promise<Uint8Array>) | undefined {
    const inner = this.inner;
    return inner.getVersion ? (key, versionId) => inner.getVersion!(key, versionId) : undefined;
  }
}
