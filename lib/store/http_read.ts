/**
 * Reading an object's body over plain fetch into a caller's buffer: the path of every leaf a
 * download fetches. The cloud SDKs' download streams add layers (middleware, Node stream
 * adapters, per-chunk copies) that cost CPU per request and hold chunks in memory; a GET needs
 * none of them once its request is signed.
 */
import { IncompleteBody } from "./retry.ts";

/** Bytes of the buffer a body is read through on its way into the caller's. */
const SCRATCH_BYTES = 256 * 1024;

/** A non-2xx answer to a GET: its status and body text, for the backend to translate. */
export class HttpStatusError extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = "HttpStatusError";
  }
}

/**
 * GETs `url` into the start of `into` (as readBodyInto) and returns the object's size; a non-2xx
 * answer throws HttpStatusError. A request that receives nothing for `stallMs` (no answer, or a
 * body that stops) fails with a TimeoutError, which the retry policy retries; a slow body that
 * keeps arriving is never cut, however large the object.
 */
export async function getObjectInto(
  url: string,
  headers: HeadersInit,
  into: Uint8Array,
  stallMs: number,
): Promise<number> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      controller.abort(new DOMException(`nothing received for ${stallMs} ms`, "TimeoutError"));
    }, stallMs);
  };
  watch();
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    if (!response.ok) throw new HttpStatusError(response.status, await response.text());
    return await readBodyInto(response, into, watch);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads the body of `response` into the start of `into` and returns the object's size. A body
 * that declares more bytes than `into` holds is not read (its length is returned so the caller
 * can tell); one that ends short of its declared length throws IncompleteBody. `onChunk` is
 * told of each chunk as it arrives.
 */
export async function readBodyInto(
  response: Response,
  into: Uint8Array,
  onChunk: () => void = () => {},
): Promise<number> {
  const declared = declaredLength(response);
  if (declared !== undefined && declared > into.length) {
    await response.body?.cancel();
    return declared;
  }
  if (response.body === null) return 0;
  let size = 0;
  const scratchBytes = Math.min(SCRATCH_BYTES, Math.max(1, declared ?? SCRATCH_BYTES));
  for await (const chunk of chunksOf(response.body, scratchBytes)) {
    onChunk();
    // No declared length (a compressed transfer): what does not fit is only counted.
    if (size + chunk.length <= into.length) into.set(chunk, size);
    size += chunk.length;
  }
  if (declared !== undefined && size !== declared) throw new IncompleteBody(size, declared);
  return size;
}

/**
 * The chunks of `body`, each valid until the next is asked for. A byte stream (fetch's bodies)
 * is read with a BYOB reader that fills one scratch buffer over and over, where the default
 * reader allocates a buffer per chunk: measured 0.9 against 1.2-1.6 s of CPU per GiB. The
 * scratch cannot be the caller's buffer: shared memory cannot be handed to a stream.
 */
async function* chunksOf(
  body: ReadableStream<Uint8Array>,
  scratchBytes: number,
): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    // Not a byte stream: the default reader (the iterator cancels the body on an early exit).
    yield* body;
    return;
  }
  let scratch = new ArrayBuffer(scratchBytes);
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read(new Uint8Array(scratch));
      if (done || value === undefined) break;
      scratch = value.buffer as ArrayBuffer;
      yield value;
    }
    finished = true;
  } finally {
    // Let go of the connection of a body left half-read.
    if (!finished) await reader.cancel().catch(() => {});
  }
}

/** The body length the response declares, unless it is compressed in transit. */
function declaredLength(response: Response): number | undefined {
  const encoding = response.headers.get("content-encoding");
  if (encoding !== null && encoding !== "identity") return undefined;
  const length = Number(response.headers.get("content-length") ?? NaN);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
