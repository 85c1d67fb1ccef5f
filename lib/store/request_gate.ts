/**
 * How a network store sends requests: at most so many in flight, at most so many bytes of
 * request bodies held at once, and each retried by the policy while its failure may pass. The
 * S3 and GCS backends differ only in the SDK calls they pass through it.
 */
import { RequestLimiter } from "./limiter.ts";
import { DEFAULT_RETRY_POLICY, type RetryPolicy, withRetries } from "./retry.ts";

/** Requests in flight per store when the caller does not say. */
export const DEFAULT_MAX_REQUESTS = 32;

/**
 * Longest wait for one request's answer before it is dropped and retried: a connection cut in
 * the middle of an answer can otherwise leave it waiting forever. Leaves and packs (2-8 MiB)
 * take far less.
 */
export const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Bytes of request bodies a store holds at once. A body in shared memory is sent as a copy
 * (shared memory cannot be sent), so without a bound 32 such leaves of 2 MiB in flight cost
 * their size twice over; 32 MiB keeps a 100 ms round trip at over 300 MB/s.
 */
const BODY_BYTES_IN_FLIGHT = 32 * 1024 * 1024;

export interface RequestGateOptions {
  /** Requests in flight at most (default DEFAULT_MAX_REQUESTS). */
  maxRequests?: number;
  retry?: RetryPolicy;
}

export class RequestGate {
  readonly #requests: RequestLimiter;
  readonly #bodies = new RequestLimiter(BODY_BYTES_IN_FLIGHT);
  readonly #retry: RetryPolicy;

  /** `isTransient` says which failures a new attempt may cure. */
  constructor(options: RequestGateOptions, private readonly isTransient: (e: unknown) => boolean) {
    this.#requests = new RequestLimiter(options.maxRequests ?? DEFAULT_MAX_REQUESTS);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** One request in a slot, sent again from scratch while its failure is transient. */
  send<T>(attempt: () => Promise<T>): Promise<T> {
    return this.#requests.run(() => withRetries(attempt, this.isTransient, this.#retry));
  }

  /**
   * Runs `write` with `bytes` as a request body (a plain copy of shared memory, which fetch and
   * the SDKs refuse) once the body budget has room for it.
   */
  withBody<T>(bytes: Uint8Array, write: (body: Uint8Array) => Promise<T>): Promise<T> {
    return this.#bodies.run(
      () => write(bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice()),
      bytes.length,
    );
  }
}
