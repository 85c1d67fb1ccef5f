/**
 * Retries for network backends: exponential backoff with full jitter, so that many clients
 * throttled at once do not come back in lockstep. Only failures that may pass on their own
 * (throttling, 5xx, timeouts, dropped connections) are retried; a 4xx other than 408/429 is the
 * caller's mistake and fails at once.
 */

/** How often and how patiently to retry one request. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Upper bound of the first wait; doubles with each retry. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/** About 10 tries spread over ~20 s: rides out a throttling burst or a server restart. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  attempts: 10,
  baseDelayMs: 50,
  maxDelayMs: 5_000,
};

/**
 * A diagnosis's tries (`datamon doctor`): three within about a second. A store that does not
 * answer is what doctor reports, and the default's ~20 s a request made it take a minute.
 */
export const PROBE_RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 50,
  maxDelayMs: 500,
};

/** Whether an HTTP status may succeed when sent again: 408, 429 and every 5xx. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Network-level failure codes (Node and Deno spellings) that a new attempt may cure. */
const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** A response body that ended before the length its headers announced: a dropped connection. */
export class IncompleteBody extends Error {
  constructor(received: number, announced: number) {
    super(`response body ended after ${received} of ${announced} bytes`);
    this.name = "IncompleteBody";
  }
}

/** Whether `e` is a dropped or refused connection, a timeout or an aborted socket. */
export function isNetworkError(e: unknown): boolean {
  for (let cause = e; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof IncompleteBody) return true;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && TRANSIENT_CODES.has(code)) return true;
    if (cause.name === "TimeoutError" || cause.name === "ConnectionReset") return true;
    // node-fetch (under Google's SDK) marks a request over its timeout this way.
    if ((cause as { type?: unknown }).type === "request-timeout") return true;
    if (cause instanceof TypeError && /fetch|network|connection/i.test(cause.message)) {
      return true;
    }
    if (/socket hang up|ECONNRESET|connection (was )?(reset|closed)/i.test(cause.message)) {
      return true;
    }
  }
  return false;
}

/** Told of each retry: the error, the try that failed (1-based) and the wait before the next. */
export type RetryObserver = (error: unknown, tried: number, waitMs: number) => void;

let retryObserver: RetryObserver | undefined;

/** Sets the one process-wide observer of retries (the CLI's -v), or removes it. */
export function observeRetries(observer: RetryObserver | undefined): void {
  retryObserver = observer;
}

/**
 * Runs `attempt` until it resolves, `isRetryable` rejects its error, the policy runs out of
 * tries, or `signal` aborts; the last error is thrown. `attempt` must start from scratch each
 * time (re-send from the bytes, never from a consumed stream).
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  isRetryable: (e: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  signal?: AbortSignal,
): Promise<T> {
  for (let tried = 1;; tried++) {
    try {
      return await attempt();
    } catch (e) {
      if (tried >= policy.attempts || !isRetryable(e) || signal?.aborted) throw e;
      const wait = backoffDelay(tried, policy);
      retryObserver?.(e, tried, wait);
      await sleep(wait, signal);
    }
  }
}

/** The wait before retry number `retry` (1-based): uniform in [0, min(max, base * 2^retry)). */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.random() * ceiling;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}
