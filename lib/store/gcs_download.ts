/**
 * Reading GCS objects through the SDK's download stream: whole or a byte range (leaves go into
 * a caller's buffer by plain fetch, http_read.ts). Each call is one HTTP request started from
 * scratch, so a retry re-reads. SDK hashing is off: a range cannot be checked, and every blob is checked against its BLAKE3
 * key by the layer above.
 */
import type { File } from "@google-cloud/storage";
import { concatBytes } from "../util/bytes.ts";

/** The status line and headers of a download, as the SDK's "response" event gives them. */
interface ResponseHead {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
}

/** The whole object. */
export async function readObject(file: File): Promise<Uint8Array> {
  return await withBody(file, undefined, async (body) => concatBytes(await Array.fromAsync(body)));
}

/**
 * Bytes `start` to `end` (inclusive) of the object; fewer at its end, none at or after it.
 */
export async function readRange(file: File, start: number, end: number): Promise<Uint8Array> {
  try {
    return await withBody(file, { start, end }, async (body, head) => {
      const bytes = concatBytes(await Array.fromAsync(body));
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
