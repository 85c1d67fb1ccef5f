/** Request bodies of network backends, and the bytes a retried create-only write finds. */

/**
 * Bytes of request bodies a network store holds at once. Bodies are copies (shared memory
 * cannot be sent), so without a bound 32 leaves of 2 MiB in flight cost their size twice over;
 * 32 MiB keeps a 100 ms round trip at over 300 MB/s.
 */
export const BODY_BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/** The bytes as a request body: fetch and the SDKs refuse SharedArrayBuffer views, so copied. */
export function sendableBytes(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
