/** Sizes that bound memory: leaf size and how many leaf buffers are in flight. */
import { DatamonError } from "../errors.ts";

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
 * Leaf buffers for a given concurrency: enough to keep reads, hashing and writes overlapped,
 * capped so that memory stays near 64 MiB of leaves whatever the dataset's size.
 */
export function leafBuffers(concurrency: number, leafSize: number): number {
  const cap = Math.max(4, Math.floor((64 * 1024 * 1024) / leafSize));
  return Math.max(4, Math.min(concurrency, cap));
}
