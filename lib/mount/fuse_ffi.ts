/**
 * libfuse3's low-level API through Deno FFI: the library, its symbols, the version check, and
 * the C struct layouts (as named offsets) that requests and replies carry.
 *
 * The layouts were measured with `offsetof`/`sizeof` against libfuse 3.14's headers on
 * x86_64 Linux; a library of another version is refused rather than fed bytes it may read
 * differently.
 */
import { DatamonError } from "../errors.ts";
import { nameBytes } from "../util/byte_names.ts";

/** libfuse versions (major.minor) whose struct layouts below were measured. */
export const VERIFIED_LIBFUSE_VERSIONS: readonly string[] = ["3.14"];

const LIBRARY = "libfuse3.so.3";

/** `struct stat` (x86_64 glibc): 144 bytes. */
export const STAT = {
  size: 144,
  ino: 8,
  nlink: 16,
  mode: 24,
  uid: 28,
  gid: 32,
  bytes: 48,
  blksize: 56,
  blocks: 64,
  atime: 72,
  mtime: 88,
  ctime: 104,
} as const;

/** `struct fuse_entry_param`: 176 bytes, a `struct stat` inside. */
export const ENTRY_PARAM = {
  size: 176,
  ino: 0,
  generation: 8,
  attr: 16,
  attrTimeout: 160,
  entryTimeout: 168,
} as const;

/** `struct fuse_file_info`: 40 bytes; the flag bits live in the 32-bit word at 4. */
export const FILE_INFO = {
  size: 40,
  flags: 0,
  bits: 4,
  directIoBit: 1 << 1,
  keepCacheBit: 1 << 2,
  fh: 16,
} as const;

/** `struct statvfs`: 112 bytes. */
export const STATVFS = {
  size: 112,
  bsize: 0,
  frsize: 8,
  blocks: 16,
  bfree: 24,
  bavail: 32,
  files: 40,
  ffree: 48,
  favail: 56,
  namemax: 80,
} as const;

/** `struct fuse_args`: argc at 0, argv at 8, allocated at 16. */
export const ARGS = { size: 24, argc: 0, argv: 8 } as const;

/** Slots (pointer indexes) of `struct fuse_lowlevel_ops`, 44 pointers in all. */
export const OPS = {
  count: 44,
  lookup: 2,
  forget: 3,
  getattr: 4,
  setattr: 5,
  readlink: 6,
  mkdir: 8,
  unlink: 9,
  rmdir: 10,
  rename: 12,
  open: 14,
  read: 15,
  write: 16,
  flush: 17,
  release: 18,
  fsync: 19,
  opendir: 20,
  readdir: 21,
  releasedir: 22,
  statfs: 24,
  create: 30,
  forgetMulti: 38,
} as const;

/** Bits of setattr's `to_set`. */
export const SET_ATTR = {
  mode: 1,
  size: 8,
  atime: 16,
  mtime: 32,
  atimeNow: 128,
  mtimeNow: 256,
} as const;

const SYMBOLS = {
  fuse_pkgversion: { parameters: [], result: "pointer" },
  fuse_set_log_func: { parameters: ["function"], result: "void" },
  fuse_session_new: {
    parameters: ["buffer", "buffer", "usize", "pointer"],
    result: "pointer",
  },
  fuse_session_mount: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_loop_cfg_create: { parameters: [], result: "pointer" },
  // The 3.12 ABI of the multi-threaded loop, named by its versioned symbol.
  fuse_loop_cfg_set_max_threads: { parameters: ["pointer", "u32"], result: "void" },
  fuse_loop_cfg_destroy: { parameters: ["pointer"], result: "void" },
  fuse_session_loop_mt_312: {
    parameters: ["pointer", "pointer"],
    result: "i32",
    nonblocking: true,
  },
  fuse_session_exit: { parameters: ["pointer"], result: "void" },
  // Non-root unmounts wait for fusermount3: off the JS thread.
  fuse_session_unmount: { parameters: ["pointer"], result: "void", nonblocking: true },
  fuse_session_destroy: { parameters: ["pointer"], result: "void" },
  fuse_reply_err: { parameters: ["pointer", "i32"], result: "i32" },
  fuse_reply_none: { parameters: ["pointer"], result: "void" },
  fuse_reply_entry: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_reply_create: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  fuse_reply_attr: { parameters: ["pointer", "buffer", "f64"], result: "i32" },
  fuse_reply_open: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_reply_write: { parameters: ["pointer", "usize"], result: "i32" },
  fuse_reply_buf: { parameters: ["pointer", "buffer", "usize"], result: "i32" },
  fuse_reply_readlink: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_reply_statfs: { parameters: ["pointer", "buffer"], result: "i32" },
  fuse_add_direntry: {
    parameters: ["pointer", "buffer", "usize", "buffer", "buffer", "i64"],
    result: "usize",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type Libfuse = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let opened: { lib: Libfuse; version: string } | undefined;

/** libfuse's last log line (it explains a failed mount); see routeLibfuseLog. */
let lastLogLine = "";

/** libfuse's most recent message, e.g. why a mount failed ("" when none). */
export function lastLibfuseMessage(): string {
  return lastLogLine;
}

/**
 * Routes libfuse's log (printf-style, with a va_list) into lastLibfuseMessage instead of
 * stderr, formatted by libc's vsnprintf: errors reach the user as one datamon line.
 */
function routeLibfuseLog(library: Deno.DynamicLibrary<typeof SYMBOLS>): void {
  const libc = Deno.dlopen("libc.so.6", {
    vsnprintf: { parameters: ["buffer", "usize", "pointer", "pointer"], result: "i32" },
  });
  const line = new Uint8Array(1024);
  const log = Deno.UnsafeCallback.threadSafe(
    { parameters: ["i32", "pointer", "pointer"], result: "void" } as const,
    (_level, format, args) => {
      const n = libc.symbols.vsnprintf(line, BigInt(line.length), format, args);
      const text = new TextDecoder().decode(line.subarray(0, Math.min(Math.max(n, 0), 1023)));
      lastLogLine = text.trim();
    },
  );
  // The callback lives as long as the library; it must not keep the process alive.
  log.unref();
  library.symbols.fuse_set_log_func(log.pointer);
}

/**
 * Opens libfuse3 once per process and checks that its version is one whose layouts were
 * verified; DatamonError "fuse-unavailable" when FUSE cannot be used here.
 */
export function openLibfuse(): { lib: Libfuse; version: string } {
  if (opened) return opened;
  let library: Deno.DynamicLibrary<typeof SYMBOLS>;
  try {
    library = Deno.dlopen(LIBRARY, SYMBOLS);
  } catch (e) {
    throw new DatamonError(
      "fuse-unavailable",
      `cannot load ${LIBRARY} (${
        (e as Error).message.split("\n")[0]
      }): install libfuse 3 (e.g. apt-get install fuse3 libfuse3-3)`,
    );
  }
  const version = Deno.UnsafePointerView.getCString(library.symbols.fuse_pkgversion()!);
  const majorMinor = version.split(".").slice(0, 2).join(".");
  if (!VERIFIED_LIBFUSE_VERSIONS.includes(majorMinor)) {
    library.close();
    throw new DatamonError(
      "fuse-unavailable",
      `libfuse ${version} is not supported: datamon's struct layouts are verified for libfuse ${
        VERIFIED_LIBFUSE_VERSIONS.join(", ")
      } only; install one of those`,
    );
  }
  routeLibfuseLog(library);
  opened = { lib: library.symbols, version };
  return opened;
}

/** A NUL-terminated C string. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = nameBytes(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** What a filesystem reports of an inode: what `struct stat` needs. */
export interface Attr {
  ino: number;
  /** File type and permission bits, e.g. S_IFREG | 0o644. */
  mode: number;
  nlink: number;
  size: number;
  /** Milliseconds since the epoch. */
  mtimeMs: number;
  uid: number;
  gid: number;
}

/** S_IFDIR, S_IFREG, S_IFLNK and the type mask. */
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

/** Writes `attr` as a `struct stat` into `view` at `at`. */
export function writeStat(view: DataView, at: number, attr: Attr): void {
  view.setBigUint64(at + STAT.ino, BigInt(attr.ino), true);
  view.setBigUint64(at + STAT.nlink, BigInt(attr.nlink), true);
  view.setUint32(at + STAT.mode, attr.mode, true);
  view.setUint32(at + STAT.uid, attr.uid, true);
  view.setUint32(at + STAT.gid, attr.gid, true);
  view.setBigInt64(at + STAT.bytes, BigInt(attr.size), true);
  view.setBigInt64(at + STAT.blksize, 4096n, true);
  view.setBigInt64(at + STAT.blocks, BigInt(Math.ceil(attr.size / 512)), true);
  const seconds = BigInt(Math.floor(attr.mtimeMs / 1000));
  const nanos = BigInt(Math.round((attr.mtimeMs % 1000) * 1e6));
  for (const field of [STAT.atime, STAT.mtime, STAT.ctime]) {
    view.setBigInt64(at + field, seconds, true);
    view.setBigInt64(at + field + 8, nanos, true);
  }
}

/** A `struct stat` for `attr`. */
export function statBuffer(attr: Attr): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(STAT.size);
  writeStat(new DataView(bytes.buffer), 0, attr);
  return bytes;
}

/** A `struct fuse_entry_param` for `attr`, cached by the kernel for `timeout` seconds. */
export function entryBuffer(attr: Attr, timeout: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(ENTRY_PARAM.size);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(ENTRY_PARAM.ino, BigInt(attr.ino), true);
  writeStat(view, ENTRY_PARAM.attr, attr);
  view.setFloat64(ENTRY_PARAM.attrTimeout, timeout, true);
  view.setFloat64(ENTRY_PARAM.entryTimeout, timeout, true);
  return bytes;
}

/** What an open or create replies with: the handle and how the kernel may cache the file. */
export interface OpenReply {
  fh: number;
  /** Keep the page cache across opens: true for content that never changes. */
  keepCache?: boolean;
  /** Bypass the page cache: every read reaches the filesystem. */
  directIo?: boolean;
}

/** A `struct fuse_file_info` for an open reply. */
export function fileInfoBuffer(reply: OpenReply): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(FILE_INFO.size);
  const view = new DataView(bytes.buffer);
  view.setUint32(
    FILE_INFO.bits,
    (reply.keepCache ? FILE_INFO.keepCacheBit : 0) | (reply.directIo ? FILE_INFO.directIoBit : 0),
    true,
  );
  view.setBigUint64(FILE_INFO.fh, BigInt(reply.fh), true);
  return bytes;
}

/** The handle and open flags a request's `struct fuse_file_info` carries (null: none). */
export function readFileInfo(pointer: Deno.PointerValue): { fh: number; flags: number } {
  if (pointer === null) return { fh: 0, flags: 0 };
  const view = new Deno.UnsafePointerView(pointer);
  return {
    fh: Number(view.getBigUint64(FILE_INFO.fh)),
    flags: view.getInt32(FILE_INFO.flags),
  };
}

/** Filesystem totals for statfs, in blocks of `blockSize` bytes. */
export interface FsStats {
  blocks: number;
  freeBlocks: number;
  files: number;
  blockSize: number;
}

/** A `struct statvfs` for `stats`. */
export function statvfsBuffer(stats: FsStats): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(STATVFS.size);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(STATVFS.bsize, BigInt(stats.blockSize), true);
  view.setBigUint64(STATVFS.frsize, BigInt(stats.blockSize), true);
  view.setBigUint64(STATVFS.blocks, BigInt(stats.blocks), true);
  view.setBigUint64(STATVFS.bfree, BigInt(stats.freeBlocks), true);
  view.setBigUint64(STATVFS.bavail, BigInt(stats.freeBlocks), true);
  view.setBigUint64(STATVFS.files, BigInt(stats.files), true);
  view.setBigUint64(STATVFS.namemax, 255n, true);
  return bytes;
}
