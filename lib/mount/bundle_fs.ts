/**
 * The read-only view of one bundle: directories synthesized from paths, sizes, modes, times
 * and symlink targets from its file list (served while the list streams in: a lookup or a
 * listing waits for the part of the list it needs), and file bytes from a content source,
 * fetched as they are read.
 */
import type { Attr, FsStats, OpenReply } from "./fuse_ffi.ts";
import type { BundleFile, BundleInodes } from "./bundle_inodes.ts";
import { ERRNO, FuseError } from "./errno.ts";
import { NameOrderReadAhead } from "./read_ahead.ts";
import type { DirListing, FuseFilesystem } from "./session.ts";

/** Reads one open file. */
export interface ContentReader {
  /** Up to `length` bytes from `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): void;
}

/** Where a bundle's file bytes come from. */
export interface ContentSource {
  open(file: BundleFile): Promise<ContentReader> | ContentReader;
  /** Starts loading the first bytes of a file likely read soon; returns the bytes asked for. */
  prefetch?(file: BundleFile): number;
}

/** The open-flags access mode bits and the read-only mode. */
const O_ACCMODE = 3;
const O_RDONLY = 0;
/** A bundle never changes: the kernel may cache names and attributes for an hour. */
const IMMUTABLE_TIMEOUT_S = 3600;
const BLOCK = 4096;

/** A FUSE filesystem serving a bundle read-only. */
export class BundleFs implements FuseFilesystem {
  readonly cacheTimeout = IMMUTABLE_TIMEOUT_S;
  readonly #handles = new Map<number, ContentReader>();
  #nextHandle = 1;
  readonly #readAhead: NameOrderReadAhead | undefined;

  constructor(readonly inodes: BundleInodes, private readonly content: ContentSource) {
    const prefetch = content.prefetch?.bind(content);
    this.#readAhead = prefetch && new NameOrderReadAhead(inodes, prefetch);
  }

  async lookup(parent: number, name: string): Promise<Attr> {
    const ino = await this.inodes.lookupWhenKnown(parent, name);
    if (ino === undefined) throw new FuseError(ERRNO.ENOENT);
    return this.inodes.attr(ino);
  }

  getattr(ino: number): Attr {
    if (!this.inodes.has(ino)) throw new FuseError(ERRNO.ENOENT);
    return this.inodes.attr(ino);
  }

  readlink(ino: number): string {
    const target = this.inodes.target(ino);
    if (target === undefined) throw new FuseError(ERRNO.EINVAL);
    return target;
  }

  readdir(ino: number): Promise<DirListing> {
    if (!this.inodes.isDirectory(ino)) throw new FuseError(ERRNO.ENOTDIR);
    return this.inodes.listingWhenComplete(ino);
  }

  async open(ino: number, flags: number): Promise<OpenReply> {
    if (this.inodes.isDirectory(ino)) throw new FuseError(ERRNO.EISDIR);
    if ((flags & O_ACCMODE) !== O_RDONLY) throw new FuseError(ERRNO.EROFS);
    const reader = await this.content.open(this.inodes.file(ino));
    this.#readAhead?.opened(ino);
    const fh = this.#nextHandle++;
    this.#handles.set(fh, reader);
    // Content never changes, so pages cached by an earlier open stay valid.
    return { fh, keepCache: true };
  }

  read(_ino: number, fh: number, offset: number, size: number): Promise<Uint8Array> {
    const reader = this.#handles.get(fh);
    if (!reader) throw new FuseError(ERRNO.EBADF);
    return reader.read(offset, size);
  }

  release(_ino: number, fh: number): void {
    this.#handles.get(fh)?.close();
    this.#handles.delete(fh);
  }

  statfs(): FsStats {
    return {
      blocks: Math.ceil(this.inodes.bytes / BLOCK),
      freeBlocks: 0,
      files: this.inodes.inodes,
      blockSize: BLOCK,
    };
  }
}
