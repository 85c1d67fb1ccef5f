/**
 * The mutable mount: every operation (create, write, truncate, rename, mkdir, unlink, rmdir)
 * is applied to a staging directory on local disk, which becomes a bundle once unmounted.
 * Inodes map to paths inside the staging directory; a rename moves a whole subtree's paths.
 * Names are bytes (those that are not UTF-8 reach the staging directory through libc).
 */
import type { Attr, FsStats, OpenReply } from "./fuse_ffi.ts";
import { S_IFDIR, S_IFMT, S_IFREG } from "./fuse_ffi.ts";
import { ERRNO, FuseError } from "./errno.ts";
import type { AttrChanges, DirEntry, DirListing, FuseFilesystem } from "./session.ts";
import { ROOT_INO } from "./bundle_inodes.ts";
import { readFull, writeAll } from "../util/file_io.ts";
import * as byteFs from "../util/byte_fs.ts";

const O_ACCMODE = 3;
const O_RDONLY = 0;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
/** Short: other processes may change the staging directory too (they should not, but may). */
const STAGING_TIMEOUT_S = 1;
/** statfs reports this much room; the staging disk's real free space is not reachable here. */
const REPORTED_BLOCKS = 1 << 30;
const BLOCK = 4096;

/** An open file of the staging directory; its operations take turns (one file position). */
class StagedFile {
  #turn: Promise<unknown> = Promise.resolve();
  constructor(readonly file: byteFs.OpenFile) {}

  exclusive<T>(work: (file: byteFs.OpenFile) => Promise<T>): Promise<T> {
    const result = this.#turn.then(() => work(this.file));
    this.#turn = result.catch(() => {});
    return result;
  }
}

/** A FUSE filesystem over a staging directory. */
export class StagingFs implements FuseFilesystem {
  readonly cacheTimeout = STAGING_TIMEOUT_S;
  readonly #paths = new Map<number, string>([[ROOT_INO, ""]]);
  readonly #inodes = new Map<string, number>([["", ROOT_INO]]);
  readonly #handles = new Map<number, StagedFile>();
  #nextIno = ROOT_INO + 1;
  #nextHandle = 1;

  constructor(readonly staging: string) {}

  /** Closes every file still open (the mount is gone, the kernel will not release them). */
  closeAll(): void {
    for (const handle of this.#handles.values()) handle.file.close();
    this.#handles.clear();
  }

  async lookup(parent: number, name: string): Promise<Attr> {
    return await this.#attr(this.#ino(this.#child(parent, name)));
  }

  getattr(ino: number): Promise<Attr> {
    return this.#attr(ino);
  }

  async setattr(ino: number, changes: AttrChanges, fh: number | undefined): Promise<Attr> {
    const path = this.#real(ino);
    if (changes.mode !== undefined) await byteFs.chmod(path, changes.mode);
    if (changes.size !== undefined) {
      const handle = fh === undefined ? undefined : this.#handles.get(fh);
      const size = changes.size;
      if (handle) await handle.exclusive((file) => file.truncate(size));
      else await byteFs.truncate(path, size);
    }
    if (changes.atimeMs !== undefined || changes.mtimeMs !== undefined) {
      const info = await byteFs.lstat(path);
      const time = (value: number | "now" | undefined, current: Date | null) =>
        value === "now"
          ? new Date()
          : value === undefined
          ? current ?? new Date()
          : new Date(value);
      await byteFs.utime(
        path,
        time(changes.atimeMs, info.atime),
        time(changes.mtimeMs, info.mtime),
      );
    }
    return this.#attr(ino);
  }

  async mkdir(parent: number, name: string, mode: number): Promise<Attr> {
    const path = this.#child(parent, name);
    await byteFs.mkdir(this.#join(path), mode & 0o7777);
    return this.#attr(this.#ino(path));
  }

  async unlink(parent: number, name: string): Promise<void> {
    const path = this.#child(parent, name);
    if ((await byteFs.lstat(this.#join(path))).isDirectory) throw new FuseError(ERRNO.EISDIR);
    await byteFs.remove(this.#join(path));
    this.#forgetPath(path);
  }

  async rmdir(parent: number, name: string): Promise<void> {
    const path = this.#child(parent, name);
    if (!(await byteFs.lstat(this.#join(path))).isDirectory) throw new FuseError(ERRNO.ENOTDIR);
    await byteFs.remove(this.#join(path));
    this.#forgetPath(path);
  }

  async rename(parent: number, name: string, newParent: number, newName: string): Promise<void> {
    const from = this.#child(parent, name);
    const to = this.#child(newParent, newName);
    const isDirectory = (await byteFs.lstat(this.#join(from))).isDirectory;
    await byteFs.rename(this.#join(from), this.#join(to));
    this.#forgetPath(to);
    const moves = isDirectory
      ? [...this.#inodes].filter(([path]) => path === from || path.startsWith(`${from}/`))
      : [[from, this.#inodes.get(from)] as const];
    for (const [path, ino] of moves) {
      if (ino === undefined) continue;
      const moved = to + path.slice(from.length);
      this.#inodes.delete(path);
      this.#inodes.set(moved, ino);
      this.#paths.set(ino, moved);
    }
  }

  async create(
    parent: number,
    name: string,
    mode: number,
    flags: number,
  ): Promise<{ attr: Attr; open: OpenReply }> {
    const path = this.#child(parent, name);
    const file = await byteFs.open(this.#join(path), {
      read: true,
      write: true,
      create: true,
      createNew: (flags & O_EXCL) !== 0,
      truncate: (flags & O_TRUNC) !== 0,
      mode: mode & 0o7777,
    });
    const ino = this.#ino(path);
    return { attr: await this.#attr(ino), open: { fh: this.#keep(file) } };
  }

  async open(ino: number, flags: number): Promise<OpenReply> {
    const writing = (flags & O_ACCMODE) !== O_RDONLY;
    const file = await byteFs.open(this.#real(ino), {
      read: true,
      write: writing,
      truncate: writing && (flags & O_TRUNC) !== 0,
    });
    return { fh: this.#keep(file) };
  }

  read(_ino: number, fh: number, offset: number, size: number): Promise<Uint8Array> {
    return this.#handle(fh).exclusive(async (file) => {
      await file.seek(offset, Deno.SeekMode.Start);
      const out = new Uint8Array(size);
      return out.subarray(0, await readFull(file, out));
    });
  }

  write(_ino: number, fh: number, offset: number, data: Uint8Array): Promise<number> {
    return this.#handle(fh).exclusive(async (file) => {
      await file.seek(offset, Deno.SeekMode.Start);
      await writeAll(file, data);
      return data.length;
    });
  }

  async fsync(_ino: number, fh: number): Promise<void> {
    await this.#handle(fh).exclusive((file) => file.sync());
  }

  async release(_ino: number, fh: number): Promise<void> {
    const handle = this.#handles.get(fh);
    if (!handle) return;
    this.#handles.delete(fh);
    // Writes still queued on the handle finish before it closes.
    await handle.exclusive(() => Promise.resolve());
    handle.file.close();
  }

  async readdir(ino: number): Promise<DirListing> {
    const dir = this.#path(ino);
    const entries: DirEntry[] = [];
    for (const entry of await byteFs.readDir(this.#join(dir))) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      entries.push({
        name: entry.name,
        ino: this.#ino(path),
        mode: entry.isDirectory ? S_IFDIR : S_IFREG,
      });
    }
    const slash = dir.lastIndexOf("/");
    const parent = dir === "" ? ROOT_INO : this.#ino(slash < 0 ? "" : dir.slice(0, slash));
    return { parent, length: entries.length, at: (i) => entries[i] };
  }

  statfs(): FsStats {
    return {
      blocks: REPORTED_BLOCKS,
      freeBlocks: REPORTED_BLOCKS,
      files: this.#paths.size,
      blockSize: BLOCK,
    };
  }

  async #attr(ino: number): Promise<Attr> {
    const info = await byteFs.lstat(this.#real(ino));
    const type = info.isDirectory ? S_IFDIR : S_IFREG;
    return {
      ino,
      mode: ((info.mode ?? 0) & ~S_IFMT) | type,
      nlink: info.nlink ?? 1,
      size: info.size,
      mtimeMs: info.mtime?.getTime() ?? 0,
      uid: info.uid ?? 0,
      gid: info.gid ?? 0,
    };
  }

  #keep(file: byteFs.OpenFile): number {
    const fh = this.#nextHandle++;
    this.#handles.set(fh, new StagedFile(file));
    return fh;
  }

  #handle(fh: number): StagedFile {
    const handle = this.#handles.get(fh);
    if (!handle) throw new FuseError(ERRNO.EBADF);
    return handle;
  }

  #path(ino: number): string {
    const path = this.#paths.get(ino);
    if (path === undefined) throw new FuseError(ERRNO.ENOENT);
    return path;
  }

  #real(ino: number): string {
    return this.#join(this.#path(ino));
  }

  #join(path: string): string {
    return path ? `${this.staging}/${path}` : this.staging;
  }

  #child(parent: number, name: string): string {
    const dir = this.#path(parent);
    return dir ? `${dir}/${name}` : name;
  }

  /** The inode of `path`, numbered on first sight. */
  #ino(path: string): number {
    let ino = this.#inodes.get(path);
    if (ino === undefined) {
      ino = this.#nextIno++;
      this.#inodes.set(path, ino);
      this.#paths.set(ino, path);
    }
    return ino;
  }

  /** Drops `path` (a file or an empty directory, so nothing under it) from the inode maps. */
  #forgetPath(path: string): void {
    const ino = this.#inodes.get(path);
    if (ino === undefined) return;
    this.#inodes.delete(path);
    this.#paths.delete(ino);
  }
}
