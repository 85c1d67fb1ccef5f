/**
 * Reading GCS objects through the SDK's download stream: whole, a byte range, or into a
 * caller's buffer. Each call is one HTTP request started from scratch, so a retry re-reads.
 * SDK hashing is off: a range cannot be checked, and every blob is checked against its BLAKE3
 * key by the layer above.
 */
import type { File } from "@google-cloud/storage";

/** The status line and headers of a download, as the SDK's "response" event gives them. */
interface ResponseHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/** The whole object. */
export async function readObject(file: File): Promise<Uint8Array> {
  return await withBody(file, undefined, async (body) => concat(await Array.fromAsync(body)));
}

/**
 * Bytes `start` to `end` (inclusive) of the object; fewer at its end, none at or after it.
 */
export async function readRange(file: File, start: number, end: number): Promise<Uint8Array> {
  try {
    return await withBody(file, { start, end }, async (body, head) => {
      const bytes = concat(await Array.fromAsync(body));
      // 200 instead of 206: the server sent the whole object (an emulator does so for a range
      // past the end), so cut the range out here.
      return head()?.statusCode === 200 ? bytes.slice(start, end + 1) : bytes;
    });
  } catch (e) {
    // 416: the range starts at or after the end of the object.
    if ((e as { code?: unknown } | null)?.code === 416) return new Uint8Array(0);
    throw e;
  }
}

/**
 * Reads the object into the start of `into` and returns its size. An object larger than `into`
 * is not read when the response declares its length; otherwise it is only counted.
 */
export async function readInto(file: File, into: Uint8Array): Promise<number> {
  return await withBody(file, undefined, async (body, head) => {
    let size = 0;
    for await (const chunk of body) {
      const declared = declaredLength(head());
      if (declared !== undefined && declared > into.length) return declared;
      if (size + chunk.length <= into.length) into.set(chunk, size);
      size += chunk.length;
    }
    return size;
  });
}

/**
 * A download that receives nothing for this long is dropped and retried: a connection cut in
 * the middle of a body can leave the SDK's stream waiting forever.
 */
export const DOWNLOAD_STALL_MS = 30_000;

/**
 * Opens the download stream, hands its body to `consume`, and always closes it. A stream that
 * stalls for DOWNLOAD_STALL_MS fails with a TimeoutError, which the retry policy retries.
 */
async function withBody<T>(
  file: File,
  range: { start: number; end: number } | undefined,
  consume: (body: AsyncIterable<Uint8Array>, head: () => ResponseHead | undefined) => Promise<T>,
): Promise<T> {
  const stream = file.createReadStream({ ...range, validation: false });
  let head: ResponseHead | undefined;
  // Emitted before the first chunk of the body.
  stream.once("response", (response: ResponseHead) => head = response);
  let stall: ReturnType<typeof setTimeout> | undefined;
  const watch = () => {
    clearTimeout(stall);
    stall = setTimeout(() => {
      const error = new Error(`download stalled for ${DOWNLOAD_STALL_MS} ms`);
      error.name = "TimeoutError";
      stream.destroy(error);
    }, DOWNLOAD_STALL_MS);
  };
  async function* watched(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream) {
      watch();
      yield chunk;
    }
  }
  watch();
  try {
    return await consume(watched(), () => head);
  } finally {
    clearTimeout(stall);
    stream.destroy();
  }
}

/** The body length a 200 response declares, unless it is compressed in transit. */
function declaredLength(head: ResponseHead | undefined): number | undefined {
  if (head?.statusCode !== 200 || head.headers["content-encoding"] === "gzip") return undefined;
  const length = Number(head.headers["content-length"]);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/** Joins the chunks of a body into one plain Uint8Array (chunks may share a Buffer pool). */
function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
