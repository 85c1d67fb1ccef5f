/** Helpers for tests of the content-addressed store: a hasher that always closes, read bytes. */
import { Hasher } from "../../lib/cafs/hasher.ts";

/** Runs `fn` with a BLAKE3 hasher of `workers` Workers, closed afterwards. */
export async function withHasher<T>(fn: (hasher: Hasher) => Promise<T>, workers = 1): Promise<T> {
  const hasher = await Hasher.create(workers);
  try {
    return await fn(hasher);
  } finally {
    hasher.close();
  }
}

/** The chunks of a read, joined; each chunk is copied, as it is valid only until the next. */
export async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk.slice());
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
