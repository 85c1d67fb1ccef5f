/**
 * A store in an S3 bucket (AWS, or any S3-compatible server via an endpoint): one object per
 * key under the URL's prefix. Create-only writes send `If-None-Match: *`, so two writers of one
 * key cannot both win. Every request goes through a RequestGate: bounded, and retried from its bytes.
 * The AWS SDK is imported on the first request, not with this module: evaluating it takes
 * ~75 ms of CPU (client-s3; client-sts, for identity, more), which commands on other stores
 * (and `datamon version`) must not pay.
 */
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { SignatureV4 } from "@smithy/signature-v4";
import { DatamonError } from "../errors.ts";
import { sameBytes } from "../util/bytes.ts";
import { type CloudUrl, parseCloudUrl } from "./cloud_url.ts";
import { checkDelimiter, checkKey, checkPrefix, checkRange, compareKeys } from "./keys.ts";
import { REQUEST_TIMEOUT_MS, RequestGate } from "./request_gate.ts";
import { getObjectInto, HttpStatusError } from "./http_read.ts";
import { IncompleteBody, isNetworkError, isRetryableStatus } from "./retry.ts";
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
import { stsCallerArn, type StsTarget } from "./s3_identity.ts";

/** Query parameters an s3:// URL may carry. */
const S3_PARAMS = ["endpoint", "region"] as const;
const DEFAULT_REGION = "us-east-1";

/** What an S3Store is made of beyond its URL. */
export interface S3StoreOptions extends StoreOptions {
  /** Keys per listing request (S3's maximum is 1000). */
  pageSize?: number;
}

/** Opens `s3://bucket/prefix[?endpoint=URL&region=R]` (the `s3` entry of openStore). */
export function openS3Store(url: string, options: StoreOptions): Store {
  return new S3Store(url, options);
}

/** The SDK's module: its commands are classes, built per request. */
type S3Sdk = typeof import("@aws-sdk/client-s3");

/** The SDK and the two clients of one store, made together on its first request. */
interface S3Clients {
  sdk: S3Sdk;
  /** Writes, listings and deletes. */
  client: S3Client;
  /** Object reads (GET). */
  reads: S3Client;
  /** Signs the plain GETs of getInto with the reads client's region and credentials. */
  signer: SignatureV4;
}

/** The error fields of the AWS SDK that decide how a failure is handled. */
interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

export class S3Store implements Store {
  readonly url: string;
  readonly #location: CloudUrl;
  /** What the clients are made from: settled at opening, so a bad URL fails there. */
  readonly #config: S3ClientConfig;
  #clients: Promise<S3Clients> | null = null;
  readonly #endpoint: string;
  /** Where STS is asked who the credentials are, or null when no STS goes with the endpoint. */
  readonly #sts: StsTarget | null;
  readonly #gate: RequestGate;
  readonly #pageSize: number;

  constructor(url: string, options: S3StoreOptions = {}) {
    this.#location = parseCloudUrl(url, "s3", S3_PARAMS);
    this.url = this.#location.display;
    const params = this.#location.params;
    const endpoint = params.get("endpoint") ?? envVar("AWS_ENDPOINT_URL_S3") ??
      envVar("AWS_ENDPOINT_URL");
    const region = params.get("region") ?? envVar("AWS_REGION") ?? envVar("AWS_DEFAULT_REGION") ??
      DEFAULT_REGION;
    this.#endpoint = endpoint ?? `https://s3.${region}.amazonaws.com`;
    // An S3-compatible server at an endpoint of its own has no STS unless one is named.
    const sts = envVar("AWS_ENDPOINT_URL_STS");
    this.#sts = sts !== undefined || endpoint === undefined ? { region, endpoint: sts } : null;
    this.#config = {
      region,
      ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
      // Retries are ours (withRetries), so backoff and "re-send from bytes" are one policy.
      maxAttempts: 1,
      // S3-compatible servers reject the SDK's default streaming checksums; BLAKE3 keys
      // already verify every byte read back.
      requestChecksumCalculation: "WHEN_REQUIRED" as const,
      responseChecksumValidation: "WHEN_REQUIRED" as const,
    };
    this.#gate = new RequestGate(options, isTransient);
    this.#pageSize = options.pageSize ?? 1000;
  }

  identity(): Promise<StoreIdentity> {
    if (this.#sts === null) {
      return Promise.resolve({
        unavailable: `the endpoint ${this.#endpoint} has no STS to ask (set AWS_ENDPOINT_URL_STS)`,
      });
    }
    return stsCallerArn(this.#sts);
  }

  get(key: string): Promise<Uint8Array> {
    return this.#getObject(key);
  }

  /** GetObject with the VersionId ListObjectVersions gave. */
  getVersion(key: string, versionId: string): Promise<Uint8Array> {
    return this.#getObject(key, versionId);
  }

  async #getObject(key: string, versionId?: string): Promise<Uint8Array> {
    const name = this.#name(key);
    const { sdk, reads } = await this.#connect();
    return await this.#request(key, async () => {
      const out = await reads.send(
        new sdk.GetObjectCommand({ Bucket: this.#bucket, Key: name, VersionId: versionId }),
      );
      return completeBody(await out.Body!.transformToByteArray(), out.ContentLength);
    });
  }

  /**
   * ListObjectVersions with the key as prefix: S3 lists in key order, each key's versions
   * newest first, and every other key under that prefix is longer, so the key's own versions
   * come first and the listing stops at the first other key. A bucket without versioning
   * lists its object once (VersionId "null").
   */
  async *listVersions(key: string): AsyncGenerator<ObjectVersion> {
    const name = this.#name(key);
    const { sdk, client } = await this.#connect();
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.#request(key, () =>
        client.send(
          new sdk.ListObjectVersionsCommand({
            Bucket: this.#bucket,
            Prefix: name,
            KeyMarker: keyMarker,
            VersionIdMarker: versionIdMarker,
            MaxKeys: this.#pageSize,
          }),
        ));
      for (const version of page.Versions ?? []) {
        if (version.Key !== name) return;
        yield {
          versionId: version.VersionId ?? "null",
          size: version.Size ?? 0,
          modified: version.LastModified ?? new Date(0),
        };
      }
      const more = page.IsTruncated === true;
      keyMarker = more ? page.NextKeyMarker : undefined;
      versionIdMarker = more ? page.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
  }

  /** A plain signed fetch: the SDK's stack costs CPU per request on the path of every leaf. */
  async getInto(key: string, into: Uint8Array): Promise<number> {
    const name = this.#name(key);
    const { signer } = await this.#connect();
    return await this.#request(key, async () => {
      const { url, headers } = await signedGet(signer, this.#objectUrl(name));
      try {
        return await getObjectInto(url, headers, into, REQUEST_TIMEOUT_MS);
      } catch (e) {
        throw e instanceof HttpStatusError ? awsErrorOf(e) : e;
      }
    });
  }

  /**
   * The URL of object `name`: path-style under an endpoint given (as the clients are made),
   * else AWS's virtual-hosted style, or path-style for a bucket name with dots (TLS
   * wildcards do not cover them).
   */
  #objectUrl(name: string): URL {
    const path = name.split("/").map(encodeS3Segment).join("/");
    const base = new URL(this.#endpoint);
    const root = base.pathname.replace(/\/+$/, "");
    if (this.#config.forcePathStyle === true || this.#bucket.includes(".")) {
      return new URL(`${base.origin}${root}/${this.#bucket}/${path}`);
    }
    return new URL(`${base.protocol}//${this.#bucket}.${base.host}${root}/${path}`);
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    const name = this.#name(key);
    if (length === 0) {
      if (await this.head(key) === null) throw this.#notFound(key);
      return new Uint8Array(0);
    }
    const { sdk, reads } = await this.#connect();
    return await this.#request(key, async () => {
      try {
        const out = await reads.send(
          new sdk.GetObjectCommand({
            Bucket: this.#bucket,
            Key: name,
            Range: `bytes=${offset}-${offset + length - 1}`,
          }),
        );
        return completeBody(await out.Body!.transformToByteArray(), out.ContentLength);
      } catch (e) {
        // A range that starts at or past the end: the object exists, the answer is empty.
        if (statusOf(e) === 416) return new Uint8Array(0);
        throw e;
      }
    });
  }

  put(key: string, bytes: Uint8Array): Promise<void> {
    return this.#gate.withBody(bytes, (body) => this.#put(key, body));
  }

  putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.#gate.withBody(bytes, (body) => this.#putIfAbsent(key, body));
  }

  async #put(key: string, body: Uint8Array): Promise<void> {
    const name = this.#name(key);
    const { sdk, client } = await this.#connect();
    await this.#request(
      key,
      () => client.send(new sdk.PutObjectCommand({ Bucket: this.#bucket, Key: name, Body: body })),
    );
  }

  async #putIfAbsent(key: string, body: Uint8Array): Promise<boolean> {
    const name = this.#name(key);
    const { sdk, client } = await this.#connect();
    let attempts = 0;
    const created = await this.#request(key, async () => {
      attempts++;
      try {
        await client.send(
          new sdk.PutObjectCommand({
            Bucket: this.#bucket,
            Key: name,
            Body: body,
            IfNoneMatch: "*",
          }),
        );
        return true;
      } catch (e) {
        if (statusOf(e) === 412) return false;
        throw e;
      }
    });
    // After a retry, the object that fails the precondition may be ours from an attempt whose
    // answer was lost: the same bytes mean this call created it.
    return created || (attempts > 1 && sameBytes(await this.get(key), body));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const name = this.#name(key);
    const { sdk, client } = await this.#connect();
    try {
      return await this.#request(key, async () => {
        const out = await client.send(
          new sdk.HeadObjectCommand({ Bucket: this.#bucket, Key: name }),
        );
        return { size: out.ContentLength ?? 0, modified: out.LastModified ?? new Date(0) };
      });
    } catch (e) {
      if (e instanceof DatamonError && e.kind === "not-found") return null;
      throw e;
    }
  }

  /** CopyObject: the server copies the bytes. */
  async copy(from: string, to: string): Promise<void> {
    const source = this.#name(from);
    const name = this.#name(to);
    const { sdk, client } = await this.#connect();
    // CopySource is "bucket/key", URL-encoded but for the "/" between segments.
    const copySource = [this.#bucket, ...source.split("/")].map(encodeURIComponent).join("/");
    await this.#request(
      from,
      () =>
        client.send(
          new sdk.CopyObjectCommand({ Bucket: this.#bucket, Key: name, CopySource: copySource }),
        ),
    );
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ListEntry> {
    checkPrefix(prefix);
    const delimiter = checkDelimiter(options.delimiter, this.url) || undefined;
    const base = this.#location.prefix;
    const { sdk, client } = await this.#connect();
    let token: string | undefined;
    do {
      const page = await this.#request(prefix, () =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.#bucket,
            Prefix: base + prefix,
            Delimiter: delimiter,
            ContinuationToken: token,
            MaxKeys: this.#pageSize,
          }),
        ));
      const rows: ListEntry[] = [];
      for (const object of page.Contents ?? []) {
        rows.push({
          kind: "object",
          key: object.Key!.slice(base.length),
          size: object.Size ?? 0,
          modified: object.LastModified ?? new Date(0),
        });
      }
      for (const common of page.CommonPrefixes ?? []) {
        rows.push({ kind: "prefix", prefix: common.Prefix!.slice(base.length) });
      }
      // Objects and common prefixes come back as two sorted lists; one page is one key range.
      rows.sort((a, b) => compareKeys(rowKey(a), rowKey(b)));
      yield* rows;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** One ListObjectsV2 request from StartAfter. */
  async listAfter(after: string): Promise<ListPage> {
    const base = this.#location.prefix;
    const { sdk, client } = await this.#connect();
    const page = await this.#request(after, () =>
      client.send(
        new sdk.ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: base,
          StartAfter: base + after,
          MaxKeys: this.#pageSize,
        }),
      ));
    const objects = (page.Contents ?? []).map((object) => ({
      key: object.Key!.slice(base.length),
      size: object.Size ?? 0,
    }));
    return { objects, complete: page.IsTruncated !== true };
  }

  async delete(key: string): Promise<void> {
    const name = this.#name(key);
    const { sdk, client } = await this.#connect();
    try {
      await this.#request(
        key,
        () => client.send(new sdk.DeleteObjectCommand({ Bucket: this.#bucket, Key: name })),
      );
    } catch (e) {
      if (!(e instanceof DatamonError && e.kind === "not-found")) throw e;
    }
  }

  /** The SDK and this store's clients, imported and made on the first call. */
  #connect(): Promise<S3Clients> {
    this.#clients ??= makeClients(this.#config);
    return this.#clients;
  }

  get #bucket(): string {
    return this.#location.bucket;
  }

  #name(key: string): string {
    return this.#location.prefix + checkKey(key);
  }

  /** One request: limited, retried when the failure may pass, errors made DatamonErrors. */
  async #request<T>(key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await this.#gate.send(send);
    } catch (e) {
      throw this.#translate(key, e);
    }
  }

  #translate(key: string, e: unknown): Error {
    if (e instanceof DatamonError) return e;
    const error = e as AwsError;
    const status = statusOf(e);
    const reason = error.message || error.name || String(e);
    if (error.name === "NoSuchBucket") {
      return new DatamonError(
        "unreachable",
        `store ${this.url}: bucket ${this.#bucket} does not exist; create it or fix the URL`,
        { cause: e },
      );
    }
    if (status === 404 || error.name === "NoSuchKey" || error.name === "NotFound") {
      return this.#notFound(key, e);
    }
    if (error.name === "CredentialsProviderError") {
      return new DatamonError(
        "unreachable",
        `store ${this.url}: no AWS credentials found (${reason}); set AWS_PROFILE or ` +
          "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
        { cause: e },
      );
    }
    if (status === 401 || status === 403) {
      return new DatamonError(
        "unreachable",
        `store ${this.url} refuses the credentials: ${reason}; check AWS_PROFILE or the keys`,
        { cause: e },
      );
    }
    if (status === undefined || isRetryableStatus(status)) {
      return new DatamonError(
        "unreachable",
        `store ${this.url} cannot be reached at ${this.#endpoint}: ${reason}`,
        { cause: e },
      );
    }
    return new DatamonError(
      "invalid-argument",
      `store ${this.url} rejected the request for ${JSON.stringify(key)}: ${reason}`,
      { cause: e },
    );
  }

  #notFound(key: string, cause?: unknown): DatamonError {
    return new DatamonError("not-found", `${JSON.stringify(key)} not found in ${this.url}`, {
      cause,
    });
  }
}

/**
 * Two transports, each where it measured best: Deno's fetch reads ~25% faster than the SDK's
 * default handler (on Deno's node:http layer), which in turn holds ~30% less memory for request
 * bodies in flight (16 PUTs of 2 MiB: 197 against 291 MB peak).
 */
async function makeClients(config: S3ClientConfig): Promise<S3Clients> {
  const [sdk, { FetchHttpHandler }, { SignatureV4 }] = await Promise.all([
    import("@aws-sdk/client-s3"),
    import("@smithy/fetch-http-handler"),
    import("@smithy/signature-v4"),
  ]);
  const reads = new sdk.S3Client({
    ...config,
    requestHandler: new FetchHttpHandler({ requestTimeout: REQUEST_TIMEOUT_MS }),
  });
  return {
    sdk,
    client: new sdk.S3Client({
      ...config,
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS },
    }),
    reads,
    signer: new SignatureV4({
      service: "s3",
      region: reads.config.region,
      credentials: reads.config.credentials,
      sha256: reads.config.sha256,
      // Keys are encoded once, by encodeS3Segment, as S3 expects them.
      uriEscapePath: false,
    }),
  };
}

/** The URL and signed headers of a GET of `url` (SigV4; the payload, empty, is not hashed). */
async function signedGet(
  signer: SignatureV4,
  url: URL,
): Promise<{ url: string; headers: Record<string, string> }> {
  const signed = await signer.sign({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname,
    query: {},
    headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });
  // fetch sets Host itself and refuses to be given one.
  const { host: _, ...headers } = signed.headers;
  return { url: url.href, headers };
}

/** One segment of a key as S3 expects it in a path: RFC 3986, only unreserved bytes bare. */
function encodeS3Segment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The error the SDK would have thrown for an S3 error answer: the name is S3's error code
 * (NoSuchKey, NoSuchBucket, ...) and the status is where #translate and isTransient look.
 */
function awsErrorOf(e: HttpStatusError): Error {
  const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(e.body)?.[1];
  const error = new Error(field("Message") ?? `HTTP ${e.status}`, { cause: e });
  error.name = field("Code") ?? (e.status === 404 ? "NotFound" : `HTTP ${e.status}`);
  (error as AwsError).$metadata = { httpStatusCode: e.status };
  return error;
}

/** The body, unless the connection dropped before the announced length arrived. */
function completeBody(body: Uint8Array, announced: number | undefined): Uint8Array {
  if (announced !== undefined && body.length !== announced) {
    throw new IncompleteBody(body.length, announced);
  }
  return body;
}

function rowKey(row: ListEntry): string {
  return row.kind === "object" ? row.key : row.prefix;
}

function statusOf(e: unknown): number | undefined {
  return (e as AwsError | undefined)?.$metadata?.httpStatusCode;
}

/** Throttling, 5xx, 408/429 and dropped connections pass; other answers do not change. */
function isTransient(e: unknown): boolean {
  const status = statusOf(e);
  if (status !== undefined) return isRetryableStatus(status);
  return isNetworkError(e) || (e as AwsError).name === "TimeoutError";
}

function envVar(name: string): string | undefined {
  const value = Deno.env.get(name);
  return value === undefined || value === "" ? undefined : value;
}
