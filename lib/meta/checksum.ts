/**
 * Checksums of metadata documents as stored: hex BLAKE3 of their bytes, so that a file list
 * read back is the file list written (bundle.yaml records each list's checksum).
 */
import { blake3 } from "hash-wasm";

/**
 * Hex BLAKE3 (64 lowercase digits) of a document's bytes.
 *
 * @example
 * const sum = await checksumOf(new TextEncoder().encode("BundleEntries: []\n"));
 */
export function checksumOf(bytes: Uint8Array): Promise<string> {
  return blake3(bytes);
}
