/**
 * Reading an object's body over plain fetch into a caller's buffer: the path of every leaf a
 * download fetches. The cloud SDKs' download streams add layers (middleware, Node stream
 * adapters, per-chunk copies) that cost CPU per request and hold chunks in memory; a GET needs
 * none of them once its request is signed.
 */
import { IncompleteBody } from "./retry.ts";

/** A non-2xx answer to a GET: its status and body text, for the backend to translate. */
export class HttpStatusError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = "HttpStatusError";
  }
}

/**
 * Sends a GET and returns its answer once the status is 2xx; a request not answered (head and
 * body) within `timeoutMs` fails with a TimeoutError, which the retry policy retries.
 */
export async function fetchObject(
  url: string,
  headers: HeadersInit,
  timeoutMs: number,
): Promise<Response> {
  const response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new HttpStatusError(response.status, await response.text());
  return response;
}

/**
 * Reads the body of `response` into the start of `into` and returns the object's size. A body
 * that declares more bytes than `into` holds is not read (its length is returned so the caller
 * can tell); one that ends short of its declared length throws IncompleteBody.
 */
export async function readBodyInto(response: Response, into: Uint8Array): Promise<number> {
  const declared = declaredLength(response);
  if (declared !== undefined && declared > into.length) {
    await response.body?.cancel();
    return declared;
  }
  if (response.body === null) return 0;
  const reader = response.body.getReader();
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.length > into.length) {
        // No declared length (a compressed transfer): only count what does not fit.
        size += value.length;
        continue;
      }
      into.set(value, size);
      size += value.length;
    }
  } catch (e) {
    // Let go of the connection of a body that failed half-way.
    await reader.cancel(e).catch(() => {});
    throw e;
  }
  if (declared !== undefined && size !== declared) throw new IncompleteBody(size, declared);
  return size;
}

/** The body length the response declares, unless it is compressed in transit. */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding !== "identity") return undefined;
  const length = Number(response.headers.get("content-length") ?? NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
