/**
 * Checksums of metadata documents as stored: hex BLAKE3 of their bytes. bundle.yaml records
 * each file list's checksum, and ends with a line sealing itself: `checksum: {hex}`, the BLAKE3
 * of every byte before that line. YAML tools read the seal as one more field, which datamon's
 * decoder (and Go datamon's) ignores.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const SEAL_PREFIX = "checksum: ";
/** Bytes of the seal line: the prefix, 64 hex digits and "\n". */
const SEAL_BYTES = SEAL_PREFIX.length + 64 + 1;
const SEAL_LINE = /^checksum: ([0-9a-f]{64})\n$/;

/**
 * Hex BLAKE3 (64 lowercase digits) of a document's bytes.
 *
 * @example
 * const sum = await checksumOf(new TextEncoder().encode("BundleEntries: []\n"));
 */
export async function checksumOf(bytes: Uint8Array): Promise<string> {
  // Loaded here: hash-wasm reads the global `Buffer` as it loads, which starts part of Deno's
  // Node layer, and `repo list` or `label list` check no document.
  const { blake3 } = await import("hash-wasm");
  return await blake3(bytes);
}

/** `text` (ending in a newline) followed by the line sealing it. */
export async function sealed(text: string): Promise<string> {
  return `${text}${SEAL_PREFIX}${await checksumOf(encoder.encode(text))}\n`;
}

/** What unseal found: the document's text, and whether it was sealed (older ones are not). */
export interface Unsealed {
  text: string;
  sealed: boolean;
}

/**
 * The text of a stored document and whether it carried a seal; null when it carries one that
 * does not match the bytes before it (the document was changed after it was written).
 */
export async function unseal(bytes: Uint8Array): Promise<Unsealed | null> {
  const at = bytes.length - SEAL_BYTES;
  const line = at > 0 && bytes[at - 1] === 0x0a ? decoder.decode(bytes.subarray(at)) : "";
  const seal = SEAL_LINE.exec(line);
  if (!seal) return { text: decoder.decode(bytes), sealed: false };
  const body = bytes.subarray(0, at);
  if (await checksumOf(body) !== seal[1]) return null;
  return { text: decoder.decode(body), sealed: true };
}
