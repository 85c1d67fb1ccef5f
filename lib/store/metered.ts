/**
 * A Store decorator that counts the requests made through it, per operation, and the bytes
 * sent and received: object stores bill and throttle per request, so this is the number that
 * tells a workload's cost. Several MeteredStores may share one RequestMeter; a part of the work
 * reads its own share as the difference since a snapshot, so no request is counted twice.
 */
import { DelegatingStore } from "./delegating.ts";
import type {
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectVersion,
  Store,
} from "./store.ts";

/** The Store operations, as counted. */
export const STORE_OPERATIONS = [
  "get",
  "getInto",
  "getRange",
  "put",
  "putIfAbsent",
  "head",
  "list",
  "delete",
  "copy",
] as const;
/** One of the Store operations. */
export type StoreOperation = typeof STORE_OPERATIONS[number];

/** What a RequestMeter counted. */
export interface RequestCounts {
  /** All requests. */
  total: number;
  /** Requests per operation; a `list` counts once per call, however many pages it reads. */
  operations: Record<StoreOperation, number>;
  /** Object bytes sent by put and putIfAbsent. */
  bytesSent: number;
  /** Object bytes received by get, getInto and getRange. */
  bytesReceived: number;
}

/** Counts requests and bytes; read them with counts(). */
export class RequestMeter {
  #operations = Object.fromEntries(STORE_OPERATIONS.map((op) => [op, 0])) as Record<
    StoreOperation,
    number
  >;
  #bytesSent = 0;
  #bytesReceived = 0;

  /** Told of each request as it is made, with the store's URL and the key (e.g. for -vv). */
  onRequest?: (operation: StoreOperation, store: string, key: string) => void;

  /** Records one request that sends `sent` object bytes. */
  count(operation: StoreOperation, sent = 0): void {
    this.#operations[operation]++;
    this.#bytesSent += sent;
  }

  /** Records object bytes a request received. */
  received(bytes: number): void {
    this.#bytesReceived += bytes;
  }

  /** A snapshot of what was counted so far. */
  counts(): RequestCounts {
    const operations = { ...this.#operations };
    const total = Object.values(operations).reduce((sum, n) => sum + n, 0);
    return { total, operations, bytesSent: this.#bytesSent, bytesReceived: this.#bytesReceived };
  }

  /**
   * What was counted since `start` (an earlier `counts()`): the share of one use case of a
   * command whose stores all count into this meter.
   *
   * @example
   * const start = meter.counts();
   * await work();
   * const used = meter.since(start);
   */
  since(start: RequestCounts): RequestCounts {
    return combineCounts(this.counts(), start, -1);
  }
}

/** The requests and bytes of `a` and `b` together. */
export function addCounts(a: RequestCounts, b: RequestCounts): RequestCounts {
  return combineCounts(a, b, 1);
}

function combineCounts(a: RequestCounts, b: RequestCounts, sign: 1 | -1): RequestCounts {
  const operations = Object.fromEntries(
    STORE_OPERATIONS.map((op) => [op, a.operations[op] + sign * b.operations[op]]),
  ) as Record<StoreOperation, number>;
  return {
    total: a.total + sign * b.total,
    operations,
    bytesSent: a.bytesSent + sign * b.bytesSent,
    bytesReceived: a.bytesReceived + sign * b.bytesReceived,
  };
}

/** A Store that counts every request it passes on, whether or not it succeeds, into a meter. */
export class MeteredStore extends DelegatingStore {
  constructor(inner: Store, readonly meter: RequestMeter = new RequestMeter()) {
    super(inner);
  }

  /** Counts one request on `key` and tells the meter's observer, if any. */
  #count(operation: StoreOperation, key: string, sent = 0): void {
    this.meter.count(operation, sent);
    this.meter.onRequest?.(operation, this.inner.url, key);
  }

  override async get(key: string): Promise<Uint8Array> {
    this.#count("get", key);
    const bytes = await super.get(key);
    this.meter.received(bytes.length);
    return bytes;
  }

  override async getInto(key: string, into: Uint8Array): Promise<number> {
    this.#count("getInto", key);
    const size = await super.getInto(key, into);
    // An object larger than `into` is not read, only its size is learnt.
    if (size <= into.length) this.meter.received(size);
    return size;
  }

  override async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    this.#count("getRange", key);
    const bytes = await super.getRange(key, offset, length);
    this.meter.received(bytes.length);
    return bytes;
  }

  override put(key: string, bytes: Uint8Array): Promise<void> {
    this.#count("put", key, bytes.length);
    return super.put(key, bytes);
  }

  override putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    this.#count("putIfAbsent", key, bytes.length);
    return super.putIfAbsent(key, bytes);
  }

  override head(key: string): Promise<ObjectInfo | null> {
    this.#count("head", key);
    return super.head(key);
  }

  override list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    this.#count("list", prefix);
    return super.list(prefix, options);
  }

  override delete(key: string): Promise<void> {
    this.#count("delete", key);
    return super.delete(key);
  }

  /** The inner store's server-side copy, if it has one. */
  override get copy(): ((from: string, to: string) => Promise<void>) | undefined {
    const copy = super.copy;
    return copy
      ? (from, to) => {
        this.meter.count("copy");
        return copy(from, to);
      }
      : undefined;
  }

  /** The inner store's one-request listing after a key, if it has one: counted as a list. */
  override get listAfter(): ((after: string) => Promise<ListPage>) | undefined {
    const listAfter = super.listAfter;
    return listAfter
      ? (after) => {
        this.#count("list", after);
        return listAfter(after);
      }
      : undefined;
  }

  /** The inner store's listing of an object's versions, if it has one: counted as a list. */
  override get listVersions(): ((key: string) => AsyncIterable<ObjectVersion>) | undefined {
    const listVersions = super.listVersions;
    return listVersions
      ? (key) => {
        this.#count("list", key);
        return listVersions(key);
      }
      : undefined;
  }

  /** The inner store's read of one version, if it has one: counted as a get. */
  override get getVersion(): ((key: string, versionId: string) => Promise<Uint8Array>) | undefined {
    const getVersion = super.getVersion;
    return getVersion
      ? async (key, versionId) => {
        this.#count("get", key);
        const bytes = await getVersion(key, versionId);
        this.meter.received(bytes.length);
        return bytes;
      }
      : undefined;
  }
}
