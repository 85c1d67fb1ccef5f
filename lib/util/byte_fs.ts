/**
 * Byte-exact file system calls on Linux. Deno's fs API takes and returns strings, reads a name
 * that is not UTF-8 as U+FFFD and cannot open it; these calls take paths whose non-UTF-8 bytes
 * are escaped (lib/util/byte_names.ts) and pass such paths to libc through FFI, as bytes. A
 * path without escaped bytes goes to Deno's own call, so the usual path costs nothing more.
 * A file opened by FFI is read and written by FFI too (Deno asks for --allow-all to open
 * `/proc/self/fd/N`).
 */
import { displayName, hasRawBytes, nameBytes, nameFromBytes } from "./byte_names.ts";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  rename: { parameters: ["buffer", "buffer"], result: "i32" },
  mkdir: { parameters: ["buffer", "u32"], result: "i32" },
  unlink: { parameters: ["buffer"], result: "i32" },
  rmdir: { parameters: ["buffer"], result: "i32" },
  symlink: { parameters: ["buffer", "buffer"], result: "i32" },
  chmod: { parameters: ["buffer", "u32"], result: "i32" },
  utimensat: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  futimens: { parameters: ["i32", "buffer"], result: "i32" },
  linkat: { parameters: ["i32", "buffer", "i32", "buffer", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

let library: Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] | undefined;

/** libc, opened on first use and kept for the process's life. */
function libc(): Deno.DynamicLibrary<typeof SYMBOLS>["symbols"] {
  library ??= Deno.dlopen("libc.so.6", SYMBOLS).symbols;
  return library;
}

const O_WRONLY = 1;
const O_RDWR = 2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;
const O_APPEND = 0o2000;
const O_CLOEXEC = 0o2000000;
/** An unnamed regular file in the directory opened (O_TMPFILE, which includes O_DIRECTORY). */
const O_TMPFILE = 0o20200000;
const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const EWOULDBLOCK = 11;
const ENOENT = 2;
const EEXIST = 17;
/** What open(2) with O_TMPFILE answers where a file system or kernel makes no unnamed files. */
const NO_TMPFILE = new Set([21, /* EISDIR */ 22, /* EINVAL */ 95 /* EOPNOTSUPP */]);
const AT_SYMLINK_FOLLOW = 0x400;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_EMPTY_PATH = 0x1000;
const STATX_BASIC_STATS = 0x7ff;
const S_IFMT = 0o170000;

/** A NUL-terminated C string of a path's bytes. */
function cPath(path: string): Uint8Array<ArrayBuffer> {
  const bytes = nameBytes(path);
  const c = new Uint8Array(bytes.length + 1);
  c.set(bytes);
  return c;
}

/**
 * The error Deno would throw for the errno of the last failed call: its class where Deno has
 * one, and the errno's name as `code`, as Deno's errors carry it.
 */
function failure(call: string, path: string): Error {
  const errno = lastErrno();
  const [code, text, kind] = ERRNOS[errno] ?? [`errno ${errno}`, `errno ${errno}`, Error];
  const error = new kind(`${text}: ${call} '${displayName(path)}'`);
  return Object.assign(error, { code });
}

/** The errors a call on a local file may end with: name, message, Deno's class. */
const ERRNOS: Record<number, [string, string, new (message: string) => Error]> = {
  1: ["EPERM", "Operation not permitted", Deno.errors.PermissionDenied],
  2: ["ENOENT", "No such file or directory", Deno.errors.NotFound],
  5: ["EIO", "Input/output error", Error],
  13: ["EACCES", "Permission denied", Deno.errors.PermissionDenied],
  17: ["EEXIST", "File exists", Deno.errors.AlreadyExists],
  18: ["EXDEV", "Invalid cross-device link", Error],
  20: ["ENOTDIR", "Not a directory", Deno.errors.NotADirectory],
  21: ["EISDIR", "Is a directory", Deno.errors.IsADirectory],
  22: ["EINVAL", "Invalid argument", Error],
  28: ["ENOSPC", "No space left on device", Error],
  30: ["EROFS", "Read-only file system", Error],
  36: ["ENAMETOOLONG", "File name too long", Error],
  39: ["ENOTEMPTY", "Directory not empty", Error],
  40: ["ELOOP", "Too many levels of symbolic links", Error],
  122: ["EDQUOT", "Disk quota exceeded", Error],
};

/** The errno of the last failed libc call on this thread. */
function lastErrno(): number {
  return new Deno.UnsafePointerView(libc().__errno_location()!).getInt32();
}

/** Throws the errno's error when a call returned a negative result. */
function check(result: number | bigint, call: string, path: string): number {
  if (result < 0) throw failure(call, path);
  return Number(result);
}

/** `struct statx` offsets (the same on every Linux architecture). */
const STATX = {
  size: 256,
  blksize: 4,
  nlink: 16,
  uid: 20,
  gid: 24,
  mode: 28,
  ino: 32,
  bytes: 40,
  blocks: 48,
  atime: 64,
  birthtime: 80,
  ctime: 96,
  mtime: 112,
  rdevMajor: 128,
  rdevMinor: 132,
  devMajor: 136,
  devMinor: 140,
} as const;

/** The FileInfo Deno would give, from statx of a byte path. */
function statxInfo(path: string, follow: boolean): Deno.FileInfo {
  return statxAt(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, path);
}

/** statx of `path` relative to `dirfd` ("" with AT_EMPTY_PATH: the open file itself). */
function statxAt(dirfd: number, path: string, flags: number, what: string): Deno.FileInfo {
  const buffer = new Uint8Array(STATX.size);
  check(libc().statx(dirfd, cPath(path), flags, STATX_BASIC_STATS, buffer), "stat", what);
  const view = new DataView(buffer.buffer);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  const time = (at: number) =>
    new Date(Number(view.getBigInt64(at, true)) * 1000 + Math.floor(u32(at + 8) / 1e6));
  const mode = view.getUint16(STATX.mode, true);
  const type = mode & S_IFMT;
  return {
    isFile: type === 0o100000,
    isDirectory: type === 0o040000,
    isSymlink: type === 0o120000,
    isFifo: type === 0o010000,
    isSocket: type === 0o140000,
    isCharDevice: type === 0o020000,
    isBlockDevice: type === 0o060000,
    size: u64(STATX.bytes),
    mtime: time(STATX.mtime),
    atime: time(STATX.atime),
    birthtime: time(STATX.birthtime),
    ctime: time(STATX.ctime),
    dev: u32(STATX.devMajor) * 256 + u32(STATX.devMinor),
    ino: u64(STATX.ino),
    mode,
    nlink: u32(STATX.nlink),
    uid: u32(STATX.uid),
    gid: u32(STATX.gid),
    rdev: u32(STATX.rdevMajor) * 256 + u32(STATX.rdevMinor),
    blksize: u32(STATX.blksize),
    blocks: u64(STATX.blocks),
  };
}

/** Deno.lstatSync for any path. */
export function lstatSync(path: string): Deno.FileInfo {
  return hasRawBytes(path) ? statxInfo(path, false) : Deno.lstatSync(path);
}

/** Deno.statSync for any path. */
export function statSync(path: string): Deno.FileInfo {
  return hasRawBytes(path) ? statxInfo(path, true) : Deno.statSync(path);
}

/** Deno.lstat for any path. */
export function lstat(path: string): Promise<Deno.FileInfo> {
  return hasRawBytes(path) ? Promise.try(() => statxInfo(path, false)) : Deno.lstat(path);
}

/** Deno.stat for any path. */
export function stat(path: string): Promise<Deno.FileInfo> {
  return hasRawBytes(path) ? Promise.try(() => statxInfo(path, true)) : Deno.stat(path);
}

/** A symlink's target as its bytes (escaped where not UTF-8). */
export function readLinkSync(path: string): string {
  const buffer = new Uint8Array(4096);
  const n = check(libc().readlink(cPath(path), buffer, BigInt(buffer.length)), "readlink", path);
  return nameFromBytes(buffer.subarray(0, n));
}

/** `struct dirent` (64-bit glibc): d_reclen at 16, d_type at 18, d_name from 19. */
const DIRENT = { reclen: 16, type: 18, name: 19 } as const;
const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;
const DT_UNKNOWN = 0;

/**
 * The entries of directory `path` with their names as bytes (escaped where not UTF-8), read by
 * libc's readdir; "." and ".." left out. Entry kinds a file system does not give are stat'ed.
 */
export function readDirBytesSync(path: string): Deno.DirEntry[] {
  const dir = libc().opendir(cPath(path));
  if (dir === null) throw failure("readdir", path);
  const entries: Deno.DirEntry[] = [];
  try {
    for (let entry = libc().readdir(dir); entry !== null; entry = libc().readdir(dir)) {
      const view = new Deno.UnsafePointerView(entry);
      const length = view.getUint16(DIRENT.reclen) - DIRENT.name;
      const raw = new Uint8Array(view.getArrayBuffer(length, DIRENT.name));
      const name = nameFromBytes(raw.subarray(0, raw.indexOf(0)));
      if (name === "." || name === "..") continue;
      let type = view.getUint8(DIRENT.type);
      if (type === DT_UNKNOWN) {
        const info = lstatSync(`${path}/${name}`);
        type = info.isDirectory ? DT_DIR : info.isSymlink ? DT_LNK : info.isFile ? DT_REG : -1;
      }
      entries.push({
        name,
        isFile: type === DT_REG,
        isDirectory: type === DT_DIR,
        isSymlink: type === DT_LNK,
      });
    }
  } finally {
    libc().closedir(dir);
  }
  return entries;
}

/** The calls of an open file that datamon uses; Deno.FsFile has them. */
export type OpenFile =
  & Pick<
    Deno.FsFile,
    | "read"
    | "readSync"
    | "write"
    | "writeSync"
    | "seek"
    | "stat"
    | "statSync"
    | "truncate"
    | "sync"
    | "tryLock"
    | "tryLockSync"
    | "close"
  >
  & Disposable;

/** A file opened by FFI, read and written by FFI (synchronously: such files are rare). */
class FdFile implements OpenFile {
  #fd: number;

  constructor(fd: number, protected readonly path: string) {
    this.#fd = fd;
  }

  /** The open descriptor, for the calls a subclass adds. */
  protected get fd(): number {
    return this.#fd;
  }

  read(into: Uint8Array): Promise<number | null> {
    return Promise.try(() => this.readSync(into));
  }

  readSync(into: Uint8Array): number | null {
    const buffer = new Uint8Array(into.length);
    const n = check(libc().read(this.#fd, buffer, BigInt(buffer.length)), "read", this.path);
    into.set(buffer.subarray(0, n));
    return into.length > 0 && n === 0 ? null : n;
  }

  write(bytes: Uint8Array): Promise<number> {
    return Promise.try(() => this.writeSync(bytes));
  }

  writeSync(bytes: Uint8Array): number {
    const buffer = Uint8Array.from(bytes);
    return check(libc().write(this.#fd, buffer, BigInt(buffer.length)), "write", this.path);
  }

  seek(offset: number | bigint, whence: Deno.SeekMode): Promise<number> {
    return Promise.try(() =>
      check(libc().lseek(this.#fd, BigInt(offset), whence), "seek", this.path)
    );
  }

  stat(): Promise<Deno.FileInfo> {
    return Promise.try(() => this.statSync());
  }

  statSync(): Deno.FileInfo {
    return statxAt(this.#fd, "", AT_EMPTY_PATH, this.path);
  }

  truncate(size = 0): Promise<void> {
    return Promise.try(() => {
      check(libc().ftruncate(this.#fd, BigInt(size)), "truncate", this.path);
    });
  }

  sync(): Promise<void> {
    return Promise.try(() => {
      check(libc().fsync(this.#fd), "sync", this.path);
    });
  }

  /** flock(2) without waiting, as Deno.FsFile's: false when another open file holds a lock. */
  tryLock(exclusive = false): Promise<boolean> {
    return Promise.try(() => this.tryLockSync(exclusive));
  }

  tryLockSync(exclusive = false): boolean {
    if (libc().flock(this.#fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) === 0) return true;
    if (lastErrno() === EWOULDBLOCK) return false;
    throw failure("flock", this.path);
  }

  close(): void {
    if (this.#fd < 0) return;
    libc().close(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Deno.open for any path (read only by default, as Deno's). */
export function open(path: string, options: Deno.OpenOptions = { read: true }): Promise<OpenFile> {
  if (!hasRawBytes(path)) return Deno.open(path, options);
  return Promise.try(() => openSync(path, options));
}

/**
 * Deno.openSync for any path. The sync calls run on the calling thread: for a small file they
 * cost a fraction of the async ones, each of which is a round trip to Deno's blocking threads.
 */
export function openSync(path: string, options: Deno.OpenOptions = { read: true }): OpenFile {
  if (!hasRawBytes(path)) return Deno.openSync(path, options);
  const flags = openFlags(options);
  const fd = check(libc().open(cPath(path), flags, options.mode ?? 0o666), "open", path);
  return new FdFile(fd, path);
}

/** open(2) flags of Deno's open options. */
function openFlags(options: Deno.OpenOptions): number {
  const writing = options.write || options.append;
  const access = writing ? (options.read ? O_RDWR : O_WRONLY) : 0;
  return access | O_CLOEXEC |
    (options.create || options.createNew ? O_CREAT : 0) |
    (options.createNew ? O_EXCL : 0) |
    (options.truncate ? O_TRUNC : 0) |
    (options.append ? O_APPEND : 0);
}

/** Deno.truncate for any path. */
export function truncate(path: string, size: number): Promise<void> {
  if (!hasRawBytes(path)) return Deno.truncate(path, size);
  return open(path, { write: true }).then(async (file) => {
    using _ = file;
    await file.truncate(size);
  });
}

/**
 * Deno.readDir for any path, names as bytes: Deno's listing, unless it holds a name Deno read
 * lossily (U+FFFD) or `path` holds bytes that are not UTF-8, then libc's.
 */
export async function readDir(path: string): Promise<Deno.DirEntry[]> {
  if (hasRawBytes(path)) return readDirBytesSync(path);
  const entries = await Array.fromAsync(Deno.readDir(path));
  return entries.some((entry) => entry.name.includes(LOSSY)) ? readDirBytesSync(path) : entries;
}

/** The character Deno puts for bytes of a name that are not UTF-8. */
const LOSSY = "\ufffd";

/** Deno.mkdir (one level) for any path; mode 0o777 (before the umask) by default. */
export function mkdir(path: string, mode = 0o777): Promise<void> {
  if (!hasRawBytes(path)) return Deno.mkdir(path, { mode });
  return Promise.try(() => {
    check(libc().mkdir(cPath(path), mode), "mkdir", path);
  });
}

/** Deno.rename for any paths. */
export function rename(from: string, to: string): Promise<void> {
  if (!hasRawBytes(from) && !hasRawBytes(to)) return Deno.rename(from, to);
  return Promise.try(() => renameSync(from, to));
}

/** Deno.renameSync for any paths. */
export function renameSync(from: string, to: string): void {
  if (!hasRawBytes(from) && !hasRawBytes(to)) return Deno.renameSync(from, to);
  check(libc().rename(cPath(from), cPath(to)), "rename", to);
}

/** Deno.remove (a file, a link or an empty directory) for any path. */
export function remove(path: string): Promise<void> {
  if (!hasRawBytes(path)) return Deno.remove(path);
  return Promise.try(() => removeSync(path));
}

/** Deno.removeSync (a file, a link or an empty directory) for any path. */
export function removeSync(path: string): void {
  if (!hasRawBytes(path)) return Deno.removeSync(path);
  const dir = statxInfo(path, false).isDirectory;
  const result = dir ? libc().rmdir(cPath(path)) : libc().unlink(cPath(path));
  check(result, "remove", path);
}

/** Deno.symlink for any link path and target. */
export function symlink(target: string, path: string): Promise<void> {
  if (!hasRawBytes(target) && !hasRawBytes(path)) return Deno.symlink(target, path);
  return Promise.try(() => {
    check(libc().symlink(cPath(target), cPath(path)), "symlink", path);
  });
}

/** Deno.chmod for any path. */
export function chmod(path: string, mode: number): Promise<void> {
  if (!hasRawBytes(path)) return Deno.chmod(path, mode);
  return Promise.try(() => chmodSync(path, mode));
}

/** Deno.chmodSync for any path. */
export function chmodSync(path: string, mode: number): void {
  if (!hasRawBytes(path)) return Deno.chmodSync(path, mode);
  check(libc().chmod(cPath(path), mode), "chmod", path);
}

/** Deno.utime (access and modification time, following links) for any path. */
export function utime(path: string, atime: Date, mtime: Date): Promise<void> {
  if (!hasRawBytes(path)) return Deno.utime(path, atime, mtime);
  return Promise.try(() => utimeSync(path, atime, mtime));
}

/** Deno.utimeSync (following links) for any path. */
export function utimeSync(path: string, atime: Date, mtime: Date): void {
  if (!hasRawBytes(path)) return Deno.utimeSync(path, atime, mtime);
  check(libc().utimensat(AT_FDCWD, cPath(path), timespecs(atime, mtime), 0), "utime", path);
}

/** The two `struct timespec` of utimensat(2): access, then modification time. */
function timespecs(atime: Date, mtime: Date): Uint8Array<ArrayBuffer> {
  const times = new BigInt64Array(4);
  [atime, mtime].forEach((time, i) => {
    const ms = time.getTime();
    times[2 * i] = BigInt(Math.floor(ms / 1000));
    times[2 * i + 1] = BigInt((ms - Math.floor(ms / 1000) * 1000) * 1e6);
  });
  return new Uint8Array(times.buffer);
}

let unnamedFilesPossible: boolean | undefined;

/**
 * Whether this process may try O_TMPFILE: on Linux, allowed to call libc (--allow-ffi) and
 * with a libc.so.6 to call (not so on musl): else its files take the usual way.
 */
function mayMakeUnnamedFiles(): boolean {
  if (unnamedFilesPossible === undefined) {
    unnamedFilesPossible = Deno.build.os === "linux" &&
      Deno.permissions.querySync({ name: "ffi" }).state === "granted";
    try {
      if (unnamedFilesPossible) libc();
    } catch {
      unnamedFilesPossible = false;
    }
  }
  return unnamedFilesPossible;
}

/**
 * A regular file without a name, in a directory (open(2) with O_TMPFILE): written, given its
 * mode and times, then linked under its name in one step. Until then no name shows it, and a
 * file never named vanishes when closed, however the process ends. By FFI, so for any path.
 */
export class UnnamedFile extends FdFile {
  /**
   * A new unnamed file in directory `dir`, private to its owner until chmodSync; undefined
   * where none can be made: a file system or kernel without O_TMPFILE, no FFI, no glibc.
   */
  static openSync(dir: string): UnnamedFile | undefined {
    if (!mayMakeUnnamedFiles()) return undefined;
    const fd = libc().open(cPath(dir), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0o600);
    if (fd >= 0) return new UnnamedFile(fd, dir);
    if (NO_TMPFILE.has(lastErrno())) return undefined;
    throw failure("open", dir);
  }

  /** fchmod(2): the permission bits exactly (no umask). */
  chmodSync(mode: number): void {
    check(libc().fchmod(this.fd, mode), "chmod", this.path);
  }

  /** futimens(2). */
  utimeSync(atime: Date, mtime: Date): void {
    check(libc().futimens(this.fd, timespecs(atime, mtime)), "utime", this.path);
  }

  /**
   * Gives the file its name `path` (in the directory it was made in); false, changing nothing,
   * when something already has that name, or when there is no /proc to name it through (then
   * no unnamed file is made again in this process).
   */
  linkSync(path: string): boolean {
    const self = cPath(`/proc/self/fd/${this.fd}`);
    if (libc().linkat(AT_FDCWD, self, AT_FDCWD, cPath(path), AT_SYMLINK_FOLLOW) === 0) {
      return true;
    }
    const errno = lastErrno();
    if (errno === EEXIST) return false;
    // The directory was there a moment ago (the file was made in it): /proc is missing.
    if (errno === ENOENT) return unnamedFilesPossible = false;
    throw failure("link", path);
  }
}
