/**
 * A store in a Google Cloud Storage bucket, `gs://bucket/prefix`, through Google's SDK. Keys map
 * to object names `prefix + key`. Every request goes through a RequestGate: bounded, and retried
 * by our policy (the SDK's own retries are off, so backoff and its limits live in one place).
 *
 * The endpoint is the URL's `?endpoint=http://host:port`, else env STORAGE_EMULATOR_HOST (as
 * Google's tools use it), else the public service with Application Default Credentials. An
 * emulator endpoint is spoken to without credentials.
 *
 * Google's SDK is imported on the first request, not with this module: evaluating it takes
 * ~100 ms of CPU, which commands on other stores (and `datamon version`) must not pay.
 */
import { EventEmitter } from "node:events";
import type { Bucket, File, StorageOptions } from "@google-cloud/storage";
import { DatamonError } from "../errors.ts";
import { parseCloudUrl } from "./cloud_url.ts";
import { DOWNLOAD_STALL_MS, readObject, readRange } from "./gcs_download.ts";
import { getObjectInto, HttpStatusError } from "./http_read.ts";
import { sameBytes } from "../util/bytes.ts";
import { checkDelimiter, checkKey, checkPrefix, checkRange, compareKeys } from "./keys.ts";
import { REQUEST_TIMEOUT_MS, RequestGate } from "./request_gate.ts";
import { isNetworkError, isRetryableStatus } from "./retry.ts";
import type {
  ListEntry,
  ListOptions,
  ListPage,
  ObjectInfo,
  ObjectVersion,
  Store,
  StoreIdentity,
  StoreOptions,
} from "./store.ts";
import { googleAccount, type GoogleCredentials } from "./gcs_identity.ts";

const PUBLIC_ENDPOINT = "https://storage.googleapis.com";
/** The most entries GCS returns per listing request. */
const DEFAULT_PAGE_SIZE = 1000;
/** Only what a listing row needs: full object metadata is ~20 times larger. */
const LIST_FIELDS = "items(name,size,updated),prefixes,nextPageToken";
/** What a listing of one object's versions needs. */
const VERSION_FIELDS = "items(name,size,updated,generation),nextPageToken";
const CREDENTIALS_HINT =
  "run gcloud auth application-default login or set GOOGLE_APPLICATION_CREDENTIALS";

/**
 * Listeners one stream may hold before Node's leak warning. Under Deno's node:stream each
 * pipeline adds more listeners than under Node, and the SDK's download chain puts 12 "error"
 * listeners on one response stream: no leak, but a warning on stderr for every read.
 */
const SDK_MAX_LISTENERS = 32;

/** How a GcsStore is opened, beyond its URL. */
export interface GcsStoreOptions extends StoreOptions {
  /** Entries per listing request (at most 1000); tests shrink it to reach the paging. */
  pageSize?: number;
}

/** Opens `gs://bucket/prefix[?endpoint=http://host:port]` (used by openStore). */
export function openGcsStore(url: string, options: StoreOptions): Store {
  return new GcsStore(url, options);
}

/** One listing row as requested with LIST_FIELDS. */
interface ListedItem {
  name: string;
  size: string | number;
  updated: string;
  /** Only in a listing of versions (VERSION_FIELDS). */
  generation?: string | number;
}

/** One page of a listing as the JSON API returns it. */
interface ListedPage {
  items?: ListedItem[];
  prefixes?: string[];
  nextPageToken?: string;
}

/** A Store over one bucket and prefix of Google Cloud Storage or an emulator of its JSON API. */
export class GcsStore implements Store {
  /** `gs://bucket/prefix`, without the query. */
  readonly url: string;
  readonly #bucketName: string;
  readonly #prefix: string;
  readonly #endpoint: string;
  /** Whether the endpoint is an emulator, which is spoken to without credentials. */
  readonly #emulated: boolean;
  /** What the SDK client is made from: settled at opening, so a bad URL fails there. */
  readonly #options: StorageOptions;
  /** The SDK's handle on the bucket, made on the first request. */
  #handle: Promise<Bucket> | null = null;
  readonly #gate: RequestGate;
  readonly #pageSize: number;

  constructor(url: string, options: GcsStoreOptions = {}) {
    const parsed = parseCloudUrl(url, "gs", ["endpoint"]);
    EventEmitter.defaultMaxListeners = Math.max(
      EventEmitter.defaultMaxListeners,
      SDK_MAX_LISTENERS,
    );
    this.url = parsed.display;
    this.#prefix = parsed.prefix;
    const fromUrl = parsed.params.get("endpoint");
    const fromEnv = Deno.env.get("STORAGE_EMULATOR_HOST") || undefined;
    const emulator = fromUrl !== undefined
      ? emulatorEndpoint(url, fromUrl, "endpoint")
      : fromEnv !== undefined
      ? emulatorEndpoint(url, fromEnv, "STORAGE_EMULATOR_HOST")
      : null;
    this.#endpoint = emulator ?? PUBLIC_ENDPOINT;
    this.#emulated = emulator !== null;
    this.#bucketName = parsed.bucket;
    // autoRetry off: the SDK would otherwise retry on its own schedule under ours. A request
    // not answered in time is dropped and retried by ours: a connection cut mid-answer can
    // otherwise leave it waiting forever.
    const common = { retryOptions: { autoRetry: false }, timeout: REQUEST_TIMEOUT_MS };
    this.#options = emulator === null ? common : {
      ...common,
      apiEndpoint: emulator,
      projectId: Deno.env.get("GOOGLE_CLOUD_PROJECT") ?? "datamon",
    };
    this.#gate = new RequestGate(options, isRetryable);
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  }

  async identity(): Promise<StoreIdentity> {
    if (this.#emulated) {
      return {
        unavailable: `the endpoint ${this.#endpoint} is an emulator, spoken to without credentials`,
      };
    }
    const credentials: GoogleCredentials = (await this.#bucket()).storage.authClient;
    return await googleAccount(credentials);
  }

  async get(key: string): Promise<Uint8Array> {
    const file = await this.#file(key);
    try {
      return await this.#request(() => readObject(file));
    } catch (e) {
      throw this.#readFailure(e, key);
    }
  }

  /**
   * A plain fetch of the object's media: the SDK's download stream costs CPU per request and
   * held ~170 MB more at peak in a download of 4 x 256 MiB.
   */
  async getInto(key: string, into: Uint8Array): Promise<number> {
    const name = this.#prefix + checkKey(key);
    const bucket = await this.#bucket();
    try {
      return await this.#request(async () => {
        const headers = this.#emulated ? {} : await bucket.storage.authClient.getRequestHeaders();
        return await getObjectInto(this.#mediaUrl(name), headers, into, DOWNLOAD_STALL_MS)
          .catch((e) => {
            throw e instanceof HttpStatusError ? sdkErrorOf(e) : e;
          });
      });
    } catch (e) {
      throw this.#readFailure(e, key);
    }
  }

  /** The JSON API's URL of the bytes of object `name`, as the SDK's reads use it. */
  #mediaUrl(name: string): string {
    return `${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.#bucketName)}/o/` +
      `${encodeURIComponent(name)}?alt=media`;
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    const file = await this.#file(key);
    if (length === 0) {
      // A zero-length range cannot be asked for over HTTP; the key must still exist.
      if (await this.head(key) === null) throw this.#notFound(key);
      return new Uint8Array(0);
    }
    try {
      return await this.#request(() => readRange(file, offset, offset + length - 1));
    } catch (e) {
      throw this.#readFailure(e, key);
    }
  }

  /**
   * The object's generations, newest first, from a listing with versions=true (only the live
   * one where the bucket keeps no versions). GCS lists names in order and every other name
   * under the key is longer, so the key's own generations come first and the listing stops at
   * the first other name; they are gathered to be sorted, one key's versions being few.
   */
  async *listVersions(key: string): AsyncGenerator<ObjectVersion> {
    yield* await this.#versions(key);
  }

  async #versions(key: string): Promise<ObjectVersion[]> {
    const name = this.#prefix + checkKey(key);
    const versions: (ObjectVersion & { generation: bigint })[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.#listPage({
        prefix: name,
        versions: true,
        autoPaginate: false,
        maxResults: this.#pageSize,
        fields: VERSION_FIELDS,
        pageToken,
      });
      for (const item of page.items ?? []) {
        if (item.name !== name) return newestFirst(versions);
        const generation = String(item.generation);
        versions.push({
          versionId: generation,
          generation: BigInt(generation),
          size: Number(item.size),
          modified: new Date(item.updated),
        });
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
    return newestFirst(versions);
  }

  /** The bytes of one generation of the object. */
  async getVersion(key: string, versionId: string): Promise<Uint8Array> {
    if (!/^[0-9]+$/.test(versionId)) {
      throw new DatamonError(
        "invalid-argument",
        `${JSON.stringify(versionId)} is not a GCS generation (a whole number)`,
      );
    }
    const name = this.#prefix + checkKey(key);
    const file = (await this.#bucket()).file(name, { generation: Number(versionId) });
    try {
      return await this.#request(() => readObject(file));
    } catch (e) {
      throw this.#readFailure(e, key);
    }
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.#gate.withBody(bytes, (body) => this.#put(key, body));
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.#gate.withBody(bytes, (body) => this.#putIfAbsent(key, body));
  }

  async #put(key: string, body: Uint8Array): Promise<void> {
    const file = await this.#file(key);
    try {
      await this.#request(() => file.save(body, saveOptions()));
    } catch (e) {
      throw this.#writeFailure(e, key);
    }
  }

  async #putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const file = await this.#file(key);
    let attempts = 0;
    try {
      await this.#request(() => {
        attempts++;
        return file.save(body, { ...saveOptions(), preconditionOpts: { ifGenerationMatch: 0 } });
      });
      return true;
    } catch (e) {
      if (statusOf(e) !== 412) throw this.#writeFailure(e, key);
    }
    // After a retry, the object that fails the precondition may be ours from an attempt whose
    // answer was lost: the same bytes mean this call created it.
    return attempts > 1 && sameBytes(await this.get(key), body);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const file = await this.#file(key);
    try {
      const [metadata] = await this.#request(() => file.getMetadata());
      return { size: Number(metadata.size), modified: new Date(metadata.updated ?? 0) };
    } catch (e) {
      if (statusOf(e) === 404 && !isBucketMissing(e)) return null;
      throw this.#failure(e);
    }
  }

  /** A rewrite on the server: the bytes do not pass through this process. */
  async copy(from: string, to: string): Promise<void> {
    const source = await this.#file(from);
    const target = await this.#file(to);
    try {
      await this.#request(() => source.copy(target));
    } catch (e) {
      throw this.#readFailure(e, from);
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ListEntry> {
    checkPrefix(prefix);
    const delimiter = checkDelimiter(options.delimiter, this.url);
    const query = {
      prefix: this.#prefix + prefix,
      ...(delimiter === "" ? {} : { delimiter }),
      autoPaginate: false,
      maxResults: this.#pageSize,
      fields: LIST_FIELDS,
    };
    // Entries are yielded in key order. Prefixes that sort after a page's last object wait for
    // the next page (an emulator returns every prefix on every page); a prefix not above the
    // last one yielded, or equal to the one before it, is a repeat.
    let waiting: ListEntry[] = [];
    let lastPrefix: string | null = null;
    let pageToken: string | undefined;
    do {
      const page = await this.#listPage({ ...query, pageToken });
      pageToken = page.nextPageToken;
      const prefixes = (page.prefixes ?? []).map((name): ListEntry => ({
        kind: "prefix",
        prefix: name.slice(this.#prefix.length),
      }));
      const rows = [...waiting, ...this.#objects(page), ...prefixes];
      rows.sort((a, b) => compareKeys(rowKey(a), rowKey(b)));
      const items = page.items ?? [];
      const cut = pageToken && items.length > 0
        ? items[items.length - 1].name.slice(this.#prefix.length)
        : null;
      waiting = [];
      let previous: string | null = null;
      for (const row of rows) {
        const key = rowKey(row);
        const repeat = key === previous ||
          (lastPrefix !== null && compareKeys(key, lastPrefix) <= 0);
        previous = key;
        if (row.kind === "prefix" && repeat) continue;
        if (cut !== null && compareKeys(key, cut) > 0) {
          waiting.push(row);
          continue;
        }
        if (row.kind === "prefix") lastPrefix = key;
        yield row;
      }
    } while (pageToken);
  }

  /**
   * One listing request from startOffset, which GCS takes as "at or after": the object named
   * `after` itself is left out.
   */
  async listAfter(after: string): Promise<ListPage> {
    const page = await this.#listPage({
      prefix: this.#prefix,
      startOffset: this.#prefix + after,
      autoPaginate: false,
      maxResults: this.#pageSize,
      fields: LIST_FIELDS,
    });
    const objects = this.#objects(page).flatMap((row) =>
      row.kind === "object" && compareKeys(row.key, after) > 0
        ? [{ key: row.key, size: row.size }]
        : []
    );
    return { objects, complete: !page.nextPageToken };
  }

  async delete(key: string): Promise<void> {
    const file = await this.#file(key);
    try {
      await this.#request(() => file.delete());
    } catch (e) {
      if (statusOf(e) !== 404) throw this.#failure(e);
    }
  }

  /** One page of a listing; a missing bucket or refused credentials become store errors. */
  async #listPage(query: Record<string, unknown>): Promise<ListedPage> {
    try {
      const bucket = await this.#bucket();
      const [, , page] = await this.#request(() => bucket.getFiles(query));
      return (page ?? {}) as ListedPage;
    } catch (e) {
      // A listing names no object: its 404 can only mean the bucket.
      if (statusOf(e) === 404) throw this.#bucketMissing(e);
      throw this.#failure(e);
    }
  }

  /** The object rows of a page. Names ending in "/" are folder markers other tools make. */
  #objects(page: ListedPage): ListEntry[] {
    return (page.items ?? []).filter((item) => !item.name.endsWith("/")).map((item) => ({
      kind: "object",
      key: item.name.slice(this.#prefix.length),
      size: Number(item.size),
      modified: new Date(item.updated),
    }));
  }

  /** Runs one request in a limiter slot, retrying what may pass on its own. */
  #request<T>(send: () => Promise<T>): Promise<T> {
    return this.#gate.send(send);
  }

  /** The bucket through the SDK, imported and made on the first call. */
  #bucket(): Promise<Bucket> {
    this.#handle ??= openBucket(this.#options, this.#endpoint, this.#bucketName);
    return this.#handle;
  }

  /** The SDK's handle on the object of `key` (checked before anything is loaded). */
  async #file(key: string): Promise<File> {
    const name = this.#prefix + checkKey(key);
    return (await this.#bucket()).file(name);
  }

  /** The error a failed read throws: an absent object is "not-found". */
  #readFailure(e: unknown, key: string): Error {
    return statusOf(e) === 404 && !isBucketMissing(e) ? this.#notFound(key) : this.#failure(e);
  }

  /** The error a failed write throws: a 404 on upload can only mean the bucket. */
  #writeFailure(e: unknown, key: string): Error {
    const status = statusOf(e);
    if (status === 404) return this.#bucketMissing(e);
    if (status === 400) {
      return new DatamonError(
        "invalid-argument",
        `${this.url} refused to store ${key}: ${reasonOf(e)}`,
        { cause: e },
      );
    }
    return this.#failure(e);
  }

  /** Maps an SDK or network failure to one DatamonError line, keeping it as the cause. */
  #failure(e: unknown): Error {
    if (e instanceof DatamonError) return e;
    const status = statusOf(e);
    const reason = reasonOf(e);
    if (status === 404 && isBucketMissing(e)) return this.#bucketMissing(e);
    if (status === 401 || status === 403 || isCredentialsFailure(e)) {
      return new DatamonError(
        "unreachable",
        `store ${this.url} refuses the credentials: ${reason}; ${CREDENTIALS_HINT}`,
        { cause: e },
      );
    }
    if (status === undefined && isNetworkError(e)) {
      return new DatamonError(
        "unreachable",
        `store ${this.url} cannot be reached at ${this.#endpoint}: ${reason}`,
        { cause: e },
      );
    }
    const what = status === undefined ? reason : `HTTP ${status}: ${reason}`;
    return new DatamonError("unreachable", `store ${this.url} failed: ${what}`, { cause: e });
  }

  #bucketMissing(e: unknown): DatamonError {
    return new DatamonError(
      "unreachable",
      `store ${this.url} cannot be used: bucket ${this.#bucketName} does not exist at ` +
        this.#endpoint,
      { cause: e },
    );
  }

  #notFound(key: string): DatamonError {
    return new DatamonError("not-found", `object ${key} not found in ${this.url}`);
  }
}

/**
 * The bucket `name` through a client of Google's SDK made with `options`. The SDK takes a set
 * STORAGE_EMULATOR_HOST verbatim as its JSON API base, even over apiEndpoint and without
 * "/storage/v1"; the base is pinned to `endpoint`.
 */
async function openBucket(
  options: StorageOptions,
  endpoint: string,
  name: string,
): Promise<Bucket> {
  const { Storage } = await import("@google-cloud/storage");
  const storage = new Storage(options);
  storage.baseUrl = `${endpoint}/storage/v1`;
  return storage.bucket(name);
}

/**
 * The endpoint URL of an emulator given as `http://host:port` or, as Google's tools allow for
 * STORAGE_EMULATOR_HOST, `host:port` (plain HTTP) or a URL ending in `/storage/v1`.
 */
function emulatorEndpoint(url: string, given: string, source: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(given) ? given : `http://${given}`;
  let parsed: URL | null = null;
  try {
    parsed = new URL(withScheme);
  } catch {
    // Reported below with the URL.
  }
  if (parsed === null || !/^https?:$/.test(parsed.protocol) || parsed.search !== "") {
    throw new DatamonError(
      "config",
      `store URL ${JSON.stringify(url)}: ${source} ${JSON.stringify(given)} is not ` +
        "http://host:port",
    );
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, "").replace(/\/storage\/v1$/, "");
}

/**
 * Options of a simple (single-request) upload. A fixed content type spares the SDK a MIME
 * lookup by name; no hashing, as the bytes travel over TLS and every blob is checked against
 * its BLAKE3 key when read.
 */
function saveOptions() {
  return {
    resumable: false,
    validation: false as const,
    metadata: { contentType: "application/octet-stream" },
  };
}

/** Versions by generation, newest first, without the sort key. */
function newestFirst(versions: (ObjectVersion & { generation: bigint })[]): ObjectVersion[] {
  versions.sort((a, b) => (a.generation < b.generation ? 1 : a.generation > b.generation ? -1 : 0));
  return versions.map(({ versionId, size, modified }) => ({ versionId, size, modified }));
}

function rowKey(entry: ListEntry): string {
  return entry.kind === "object" ? entry.key : entry.prefix;
}

/**
 * The error the SDK would have thrown for an error answer: the status as `code` and the JSON
 * error body as the message, where statusOf and reasonOf look.
 */
function sdkErrorOf(e: HttpStatusError): Error {
  const error = new Error(e.body || `HTTP ${e.status}`, { cause: e });
  (error as Error & { code: number }).code = e.status;
  return error;
}

/** Whether a new attempt may succeed: 408, 429, 5xx, or a dropped or refused connection. */
function isRetryable(e: unknown): boolean {
  const status = statusOf(e);
  return status === undefined ? isNetworkError(e) : isRetryableStatus(status);
}

/** The HTTP status of an SDK error, or undefined for a failure without a response. */
function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" && code >= 100 && code < 600 ? code : undefined;
}

/**
 * Why an SDK call failed, in a few words: the message of a JSON error body, or the socket's
 * reason without the request URL that the HTTP client puts before it.
 */
function reasonOf(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  try {
    const body = JSON.parse(message) as { error?: { message?: unknown } };
    if (typeof body.error?.message === "string") return body.error.message;
  } catch {
    // Not a JSON body: the message is the reason.
  }
  const line = message.split("\n")[0];
  return /, reason: (.+)$/.exec(line)?.[1] ?? (line || String(e));
}

/** GCS answers 404 for an object and for its bucket alike; only the message tells them apart. */
function isBucketMissing(e: unknown): boolean {
  return /bucket does not exist/i.test(reasonOf(e));
}

/**
 * The auth library found no Application Default Credentials, or the token service refused them
 * (OAuth error codes, e.g. an expired refresh token's invalid_grant).
 */
function isCredentialsFailure(e: unknown): boolean {
  return /could not load the default credentials|invalid_grant|invalid_client|unauthorized_client|invalid_rapt/i
    .test(reasonOf(e));
}
