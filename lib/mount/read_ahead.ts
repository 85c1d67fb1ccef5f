/**
 * Read-ahead across files: when files are opened one after another in name order (as `find`,
 * `cp -r` or `tar` walk a tree), the start of the files that come next is loaded before they
 * are opened, so a walk over many small files waits for few round trips. Bounded by files and
 * bytes ahead of the last file opened.
 */
import type { BundleFile, BundleInodes } from "./bundle_inodes.ts";

/** Files looked at ahead of the last one opened. */
const FILES_AHEAD = 64;
/** Bytes asked for ahead of the last file opened, at most, per step. */
const BYTES_AHEAD = 16 * 1024 * 1024;
/** Inodes an open may skip past the previous one (directories in between) and still be "next". */
const NEXT_GAP = 8;

/** Starts loading a file's first bytes; returns the bytes it asked for. */
export type Prefetch = (file: BundleFile) => number;

/** Watches the order files are opened in and prefetches the ones after them. */
export class NameOrderReadAhead {
  /** The inode opened last (none yet: the first open is no walk). */
  #last = Number.NEGATIVE_INFINITY;
  /** Inodes below this were prefetched already. */
  #cursor = 0;

  constructor(private readonly inodes: BundleInodes, private readonly prefetch: Prefetch) {}

  /** Notes that inode `ino` was opened; prefetches its successors when the walk is in order. */
  opened(ino: number): void {
    const inOrder = ino > this.#last && ino - this.#last <= NEXT_GAP;
    this.#last = ino;
    if (!inOrder) {
      // A jump: a walk in order, if one starts here, is read ahead from here.
      this.#cursor = ino + 1;
      return;
    }
    // Refill once half the files ahead were read, so prefetches go out in batches.
    if (this.#cursor - ino > FILES_AHEAD / 2) return;
    let bytes = 0;
    const end = ino + FILES_AHEAD;
    let next = Math.max(this.#cursor, ino + 1);
    for (; next <= end && bytes < BYTES_AHEAD && this.inodes.has(next); next++) {
      if (this.inodes.isFile(next)) bytes += this.prefetch(this.inodes.file(next));
    }
    this.#cursor = next;
  }
}
