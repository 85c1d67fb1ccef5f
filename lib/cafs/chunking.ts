/**
 * Chunking: how a file's bytes are cut into leaves. This is the seam between a file and its
 * stored leaves: code outside cafs gets a Chunking from a bundle's recorded leafSize
 * (chunkingOf) and hands it to a reader or writer, and never works out a leaf count, a leaf
 * boundary or whether a file has a root object itself.
 */

/**
 * The chunking of a bundle. Fixed leaves are the only kind datamon writes (`deduplication:
 * blake3`); another kind would join this type, and only cafs would change.
 */
export type Chunking = FixedChunking;

/** Where one leaf lies in its file. */
export interface LeafRange {
  offset: number;
  length: number;
}

/**
 * Leaves of `leafSize` bytes, the last one shorter; an empty file has one empty leaf. A file
 * of more than one leaf is stored as its leaves plus a root object naming them.
 */
export class FixedChunking {
  constructor(readonly leafSize: number) {
    if (!Number.isInteger(leafSize) || leafSize < 1) {
      throw new RangeError(`leaf size ${leafSize} is not a positive integer`);
    }
  }

  /** Leaves of a file of `size` bytes. */
  leafCount(size: number): number {
    return Math.max(1, Math.ceil(size / this.leafSize));
  }

  /** True when a file of `size` bytes is stored as leaves plus a root object. */
  hasRoot(size: number): boolean {
    return size > this.leafSize;
  }

  /** Where leaf `index` of a file of `size` bytes lies. */
  leafRange(index: number, size: number): LeafRange {
    const offset = index * this.leafSize;
    return { offset, length: Math.min(this.leafSize, size - offset) };
  }

  /** The index of the leaf that holds byte `offset` of a file. */
  leafAt(offset: number): number {
    return Math.floor(offset / this.leafSize);
  }
}

/** The chunking of a bundle that records `leafSize`. */
export function chunkingOf(leafSize: number): Chunking {
  return new FixedChunking(leafSize);
}
