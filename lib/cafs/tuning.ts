/** Sizes that bound memory: leaf size and how many leaf buffers are in flight. */
import { DatamonError } from "../errors.ts";
import { packOverhead } from "./pack.ts";

/** Default bytes per leaf (2 MiB), recorded per bundle. */
export const DEFAULT_LEAF_SIZE = 2 * 1024 * 1024;
const MIN_LEAF_SIZE = 4 * 1024;
const MAX_LEAF_SIZE = 64 * 1024 * 1024;

/** Validates a leaf size chosen by the user. */
export function checkLeafSize(leafSize: number): number {
  if (!Number.isInteger(leafSize) || leafSize < MIN_LEAF_SIZE || leafSize > MAX_LEAF_SIZE) {
    throw new DatamonError(
      "invalid-argument",
      `leaf size ${leafSize} is out of range: use ${MIN_LEAF_SIZE} to ${MAX_LEAF_SIZE} bytes`,
    );
  }
  return leafSize;
}

/**
 * Most bytes of leaves an upload holds in flight: what the default concurrency (16) holds at
 * the default leaf size. Larger leaves get fewer buffers, the same bytes in flight: with 16
 * buffers of 4 or 8 MiB an upload of 4 x 256 MiB peaked at 349 MB (target 300).
 */
const LEAF_BYTES_IN_FLIGHT = 32 * 1024 * 1024;

/**
 * Leaf buffers for a given concurrency: enough to keep reads, hashing and writes overlapped,
 * capped so that memory stays near 32 MiB of leaves whatever the dataset's size or leaf size.
 */
export function leafBuffers(concurrency: number, leafSize: number): number {
  const cap = Math.max(4, Math.floor(LEAF_BYTES_IN_FLIGHT / leafSize));
  return Math.max(4, Math.min(concurrency, cap));
}

/** How small files are packed. */
export interface PackOptions {
  /** Most bytes of one pack object. */
  packSize: number;
  /** Largest file packed; bigger files are stored as leaves. */
  maxPacked: number;
}

/**
 * Default most bytes of one pack object (8 MiB): a few requests per hundred MB of small files,
 * and under the 11 MiB request body limit of S3 emulators such as fauxqs.
 */
export const DEFAULT_PACK_SIZE = 8 * 1024 * 1024;
/** Default largest file packed (1 MiB); never more than a leaf. */
export const DEFAULT_MAX_PACKED = 1024 * 1024;

/**
 * How an upload with `leafSize` packs small files: files of up to `maxPacked` bytes (capped at
 * a leaf) into packs of `packSize`; a pack must hold at least two of the largest.
 */
export function packOptions(
  leafSize: number,
  packSize = DEFAULT_PACK_SIZE,
  maxPacked = DEFAULT_MAX_PACKED,
): PackOptions {
  const largest = Math.min(maxPacked, leafSize);
  if (!Number.isInteger(largest) || largest < 1) {
    throw new DatamonError("invalid-argument", `largest packed file ${maxPacked} must be >= 1`);
  }
  if (!Number.isInteger(packSize) || packSize < 2 * largest + packOverhead(2)) {
    throw new DatamonError(
      "invalid-argument",
      `pack size ${packSize} is too small for files of ${largest} bytes: use at least ` +
        `${2 * largest + packOverhead(2)}`,
    );
  }
  return { packSize, maxPacked: largest };
}
