/**
 * A FUSE low-level session: mounts a directory, receives the kernel's requests on libfuse's
 * loop threads and hands each to an async filesystem method on the JS thread, replying when
 * its promise settles. A loop thread only waits for the hand-off, never for the answer, so
 * a slow read (a leaf being fetched) never holds up other requests.
 */
import { DatamonError } from "../errors.ts";
import {
  type Attr,
  cString,
  entryBuffer,
  fileInfoBuffer,
  type FsStats,
  lastLibfuseMessage,
  type Libfuse,
  openLibfuse,
  type OpenReply,
  OPS,
  readFileInfo,
  S_IFMT,
  SET_ATTR,
  STAT,
  statBuffer,
  statvfsBuffer,
} from "./fuse_ffi.ts";
import { ERRNO, errnoOf, FuseError } from "./errno.ts";
import { nameFromBytes } from "../util/byte_names.ts";

/** One entry of a directory listing. */
export interface DirEntry {
  name: string;
  ino: number;
  /** File type bits (S_IFDIR or S_IFREG) are what matter. */
  mode: number;
}

/** A directory's entries by index; "." and ".." are added by the session. */
export interface DirListing {
  /** Inode of the directory's parent (the root's is the root). */
  readonly parent: number;
  readonly length: number;
  at(index: number): DirEntry;
}

/** Attribute changes of setattr; absent fields are left alone. */
export interface AttrChanges {
  mode?: number;
  size?: number;
  /** Milliseconds since the epoch; `"now"` for the current time. */
  atimeMs?: number | "now";
  mtimeMs?: number | "now";
}

/**
 * The operations a filesystem implements; the session answers ENOSYS for those it lacks.
 * Every method may throw a FuseError; any other error is answered EIO (see errnoOf).
 */
export interface FuseFilesystem {
  /** Seconds the kernel may cache entries and attributes. */
  readonly cacheTimeout: number;
  lookup(parent: number, name: string): Promise<Attr> | Attr;
  getattr(ino: number): Promise<Attr> | Attr;
  readdir(ino: number): Promise<DirListing> | DirListing;
  /** The target of a symlink inode. */
  readlink?(ino: number): string;
  open(ino: number, flags: number): Promise<OpenReply> | OpenReply;
  read(ino: number, fh: number, offset: number, size: number): Promise<Uint8Array>;
  release(ino: number, fh: number): Promise<void> | void;
  statfs(): FsStats;
  forget?(ino: number, lookups: number): void;
  setattr?(ino: number, changes: AttrChanges, fh: number | undefined): Promise<Attr>;
  mkdir?(parent: number, name: string, mode: number): Promise<Attr>;
  unlink?(parent: number, name: string): Promise<void>;
  rmdir?(parent: number, name: string): Promise<void>;
  rename?(parent: number, name: string, newParent: number, newName: string): Promise<void>;
  create?(
    parent: number,
    name: string,
    mode: number,
    flags: number,
  ): Promise<{ attr: Attr; open: OpenReply }>;
  write?(ino: number, fh: number, offset: number, data: Uint8Array): Promise<number>;
  flush?(ino: number, fh: number): Promise<void>;
  fsync?(ino: number, fh: number): Promise<void>;
}

/** How to mount. */
export interface MountOptions {
  /** Mounted read-only: the kernel refuses every write with EROFS before it reaches us. */
  readOnly: boolean;
  /** Shown as the mount's source in `mount` and /proc/mounts. */
  fsname: string;
  /** Called with an error a request failed with that is not a plain errno (e.g. a corrupt leaf). */
  onError?: (e: unknown) => void;
}

type Req = Deno.PointerValue;
type Callback = Deno.UnsafeCallback<Deno.UnsafeCallbackDefinition>;

const FUSE_NAME_MAX = 255;
/**
 * libfuse threads reading requests: while one waits for the JS thread to take its request,
 * others read the next ones (one thread: ~300 MiB/s sequential, eight: ~500 MiB/s here).
 */
const LOOP_THREADS = 8;
/** "." and "..", which come first in every listing. */
const DOT_ENTRIES = 2;

/** A mounted FUSE filesystem being served. */
export class FuseSession {
  readonly #lib: Libfuse;
  readonly #fs: FuseFilesystem;
  readonly #onError: (e: unknown) => void;
  readonly #session: Deno.PointerValue;
  readonly #callbacks: Callback[];
  /** Kept alive while libfuse may read them: the args and the ops table. */
  readonly #keep: unknown[];
  readonly #pending = new Set<Promise<void>>();
  /** Listings of open directories by handle, so a long listing reads consistently. */
  readonly #dirs = new Map<number, DirListing>();
  #nextDirHandle = 1;
  #unmounting: Promise<void> | undefined;
  /** Settles once the loop has ended, every reply is sent and the session is destroyed. */
  readonly done: Promise<void>;

  private constructor(
    lib: Libfuse,
    fs: FuseFilesystem,
    session: Deno.PointerValue,
    callbacks: Callback[],
    keep: unknown[],
    onError: (e: unknown) => void,
  ) {
    this.#lib = lib;
    this.#fs = fs;
    this.#session = session;
    this.#callbacks = callbacks;
    this.#keep = keep;
    this.#onError = onError;
    this.done = this.#serve();
  }

  /** Mounts `fs` on `dir` (an existing, empty directory) and starts serving it. */
  static mount(dir: string, fs: FuseFilesystem, options: MountOptions): FuseSession {
    const { lib } = openLibfuse();
    const holder: { session?: FuseSession } = {};
    const handlers = operationTable(() => holder.session!);
    const ops = new BigUint64Array(OPS.count);
    const callbacks: Callback[] = [];
    for (const [slot, callback] of handlers) {
      callbacks.push(callback);
      ops[slot] = BigInt(Deno.UnsafePointer.value(callback.pointer));
    }
    const mountOptions = [
      options.readOnly ? "ro" : "rw",
      "default_permissions",
      `fsname=${options.fsname.replace(/[,\\]/g, "_")}`,
      "subtype=datamon",
    ].join(",");
    const argv = ["datamon", "-o", mountOptions].map(cString);
    const argvPointers = new BigUint64Array(argv.length + 1);
    argv.forEach((arg, i) => {
      argvPointers[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(arg)));
    });
    const args = new Uint8Array(24);
    const argsView = new DataView(args.buffer);
    argsView.setInt32(0, argv.length, true);
    argsView.setBigUint64(
      8,
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(argvPointers))),
      true,
    );
    const session = lib.fuse_session_new(
      args,
      new Uint8Array(ops.buffer),
      BigInt(ops.byteLength),
      null,
    );
    if (session === null) {
      callbacks.forEach((c) => c.close());
      throw new DatamonError(
        "fuse-unavailable",
        `libfuse could not start a session for ${dir}: ${lastLibfuseMessage()}`,
      );
    }
    if (lib.fuse_session_mount(session, cString(dir)) !== 0) {
      lib.fuse_session_destroy(session);
      callbacks.forEach((c) => c.close());
      throw new DatamonError(
        "fuse-unavailable",
        `cannot mount ${dir}: ${
          lastLibfuseMessage() || "the kernel refused the FUSE mount"
        } (FUSE needs /dev/fuse and the right to use it)`,
      );
    }
    holder.session = new FuseSession(
      lib,
      fs,
      session,
      callbacks,
      [argv, argvPointers, args, ops],
      options.onError ?? (() => {}),
    );
    return holder.session;
  }

  /** Ends the session: detaches the mount (lazily, so open files do not block it). */
  unmount(): Promise<void> {
    if (!this.#unmounting) {
      this.#lib.fuse_session_exit(this.#session);
      this.#unmounting = this.#lib.fuse_session_unmount(this.#session);
    }
    return this.#unmounting;
  }

  async #serve(): Promise<void> {
    try {
      const config = this.#lib.fuse_loop_cfg_create();
      this.#lib.fuse_loop_cfg_set_max_threads(config, LOOP_THREADS);
      try {
        await this.#lib.fuse_session_loop_mt_312(this.#session, config);
      } finally {
        this.#lib.fuse_loop_cfg_destroy(config);
      }
    } finally {
      // Replies of requests still running must reach a live session.
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      await this.unmount();
      this.#lib.fuse_session_destroy(this.#session);
      this.#callbacks.forEach((c) => c.close());
      this.#keep.length = 0;
    }
  }

  /** Runs `work` and answers the request with what `reply` makes of its result, or an errno. */
  run<T>(req: Req, work: () => Promise<T> | T, reply: (value: T) => void): void {
    const task = (async () => {
      try {
        reply(await work());
      } catch (e) {
        if (!(e instanceof FuseError)) this.#onError(e);
        this.#lib.fuse_reply_err(req, errnoOf(e));
      }
    })();
    this.#pending.add(task);
    task.finally(() => this.#pending.delete(task));
  }

  /** The filesystem this session serves. */
  get fs(): FuseFilesystem {
    return this.#fs;
  }

  /** The libfuse symbols replies go through. */
  get lib(): Libfuse {
    return this.#lib;
  }

  /** Answers a lookup, mkdir or similar with the inode's entry. */
  replyEntry(req: Req, attr: Attr): void {
    this.#lib.fuse_reply_entry(req, entryBuffer(attr, this.#fs.cacheTimeout));
  }

  /** Answers getattr or setattr. */
  replyAttr(req: Req, attr: Attr): void {
    this.#lib.fuse_reply_attr(req, statBuffer(attr), this.#fs.cacheTimeout);
  }

  /** Answers success with no data. */
  replyOk(req: Req): void {
    this.#lib.fuse_reply_err(req, 0);
  }

  /** Keeps a directory's listing for the handle it returns. */
  openDir(listing: DirListing): number {
    const fh = this.#nextDirHandle++;
    this.#dirs.set(fh, listing);
    return fh;
  }

  /** Forgets a directory handle's listing. */
  closeDir(fh: number): void {
    this.#dirs.delete(fh);
  }

  /** Fills one readdir reply of at most `size` bytes from entry index `offset` on. */
  replyDir(req: Req, ino: number, fh: number, size: number, offset: number): void {
    const listing = this.#dirs.get(fh);
    if (!listing) {
      this.#lib.fuse_reply_err(req, ERRNO.EBADF);
      return;
    }
    const out = new Uint8Array(size);
    const stat = new Uint8Array(STAT.size);
    const view = new DataView(stat.buffer);
    let used = 0;
    for (let i = offset; i < listing.length + DOT_ENTRIES; i++) {
      const entry = i === 0
        ? { name: ".", ino, mode: 0o040000 }
        : i === 1
        ? { name: "..", ino: listing.parent, mode: 0o040000 }
        : listing.at(i - DOT_ENTRIES);
      view.setBigUint64(STAT.ino, BigInt(entry.ino), true);
      view.setUint32(STAT.mode, entry.mode & S_IFMT, true);
      const need = Number(this.#lib.fuse_add_direntry(
        req,
        out.subarray(used),
        BigInt(size - used),
        cString(entry.name),
        stat,
        BigInt(i + 1),
      ));
      if (need > size - used) break;
      used += need;
    }
    this.#lib.fuse_reply_buf(req, out, BigInt(used));
  }
}

/** A name the kernel passed, as its bytes (escaped where not UTF-8, see byte_names.ts). */
function name(pointer: Deno.PointerValue): string {
  const view = new Deno.UnsafePointerView(pointer!);
  let length = 0;
  while (view.getUint8(length) !== 0) {
    if (++length > FUSE_NAME_MAX) throw new FuseError(ERRNO.ENAMETOOLONG);
  }
  return nameFromBytes(new Uint8Array(view.getArrayBuffer(length)));
}

/** Milliseconds of a `struct timespec` at `at` in a `struct stat`. */
function timespecMs(view: Deno.UnsafePointerView, at: number): number {
  return Number(view.getBigInt64(at)) * 1000 + Number(view.getBigInt64(at + 8)) / 1e6;
}

function attrChanges(pointer: Deno.PointerValue, toSet: number): AttrChanges {
  const view = new Deno.UnsafePointerView(pointer!);
  const changes: AttrChanges = {};
  if (toSet & SET_ATTR.mode) changes.mode = view.getUint32(STAT.mode) & 0o7777;
  if (toSet & SET_ATTR.size) changes.size = Number(view.getBigInt64(STAT.bytes));
  if (toSet & SET_ATTR.atimeNow) changes.atimeMs = "now";
  else if (toSet & SET_ATTR.atime) changes.atimeMs = timespecMs(view, STAT.atime);
  if (toSet & SET_ATTR.mtimeNow) changes.mtimeMs = "now";
  else if (toSet & SET_ATTR.mtime) changes.mtimeMs = timespecMs(view, STAT.mtime);
  return changes;
}

const u64 = (value: number | bigint) => Number(value);

/**
 * The C callbacks by ops slot. Each copies what its pointers point at (they are valid only
 * during the call) and hands the work to the session; `session()` is the session they serve.
 */
function operationTable(session: () => FuseSession): Array<[number, Callback]> {
  const table: Array<[number, Callback]> = [];
  const add = <const P extends readonly Deno.NativeType[]>(
    slot: number,
    parameters: P,
    fn: (...args: Deno.ToNativeParameterTypes<P>) => void,
  ) => {
    const callback = Deno.UnsafeCallback.threadSafe(
      { parameters, result: "void" } as const,
      // A throw here would cross into C: every request is answered, EIO at worst.
      ((req: Req, ...rest: unknown[]) => {
        try {
          (fn as (...a: unknown[]) => void)(req, ...rest);
        } catch (e) {
          session().lib.fuse_reply_err(req, errnoOf(e));
        }
      }) as unknown as Deno.UnsafeCallbackFunction<P, "void">,
    );
    table.push([slot, callback as unknown as Callback]);
  };
  const s = session;
  add(OPS.lookup, ["pointer", "u64", "pointer"], (req, parent, namePtr) => {
    const child = name(namePtr);
    s().run(req, () => s().fs.lookup(u64(parent), child), (a) => s().replyEntry(req, a));
  });
  add(OPS.forget, ["pointer", "u64", "u64"], (req, ino, lookups) => {
    s().fs.forget?.(u64(ino), u64(lookups));
    s().lib.fuse_reply_none(req);
  });
  add(OPS.getattr, ["pointer", "u64", "pointer"], (req, ino) => {
    s().run(req, () => s().fs.getattr(u64(ino)), (a) => s().replyAttr(req, a));
  });
  add(
    OPS.setattr,
    ["pointer", "u64", "pointer", "i32", "pointer"],
    (req, ino, attr, toSet, fi) => {
      const changes = attrChanges(attr, toSet);
      const fh = fi === null ? undefined : readFileInfo(fi).fh;
      const fs = s().fs;
      if (!fs.setattr) throw new FuseError(ERRNO.EROFS);
      s().run(req, () => fs.setattr!(u64(ino), changes, fh), (a) => s().replyAttr(req, a));
    },
  );
  add(OPS.readlink, ["pointer", "u64"], (req, ino) => {
    const fs = s().fs;
    if (!fs.readlink) throw new FuseError(ERRNO.EINVAL);
    s().run(
      req,
      () => fs.readlink!(u64(ino)),
      (target) => s().lib.fuse_reply_readlink(req, cString(target)),
    );
  });
  add(OPS.mkdir, ["pointer", "u64", "pointer", "u32"], (req, parent, namePtr, mode) => {
    const child = name(namePtr);
    const fs = s().fs;
    if (!fs.mkdir) throw new FuseError(ERRNO.EROFS);
    s().run(req, () => fs.mkdir!(u64(parent), child, mode), (a) => s().replyEntry(req, a));
  });
  add(OPS.unlink, ["pointer", "u64", "pointer"], (req, parent, namePtr) => {
    const child = name(namePtr);
    const fs = s().fs;
    if (!fs.unlink) throw new FuseError(ERRNO.EROFS);
    s().run(req, () => fs.unlink!(u64(parent), child), () => s().replyOk(req));
  });
  add(OPS.rmdir, ["pointer", "u64", "pointer"], (req, parent, namePtr) => {
    const child = name(namePtr);
    const fs = s().fs;
    if (!fs.rmdir) throw new FuseError(ERRNO.EROFS);
    s().run(req, () => fs.rmdir!(u64(parent), child), () => s().replyOk(req));
  });
  add(
    OPS.rename,
    ["pointer", "u64", "pointer", "u64", "pointer", "u32"],
    (req, parent, namePtr, newParent, newNamePtr, flags) => {
      const from = name(namePtr);
      const to = name(newNamePtr);
      const fs = s().fs;
      if (!fs.rename) throw new FuseError(ERRNO.EROFS);
      // RENAME_NOREPLACE and RENAME_EXCHANGE are not offered: a plain rename is atomic enough.
      if (flags !== 0) throw new FuseError(ERRNO.EINVAL);
      s().run(req, () => fs.rename!(u64(parent), from, u64(newParent), to), () => s().replyOk(req));
    },
  );
  add(OPS.open, ["pointer", "u64", "pointer"], (req, ino, fi) => {
    const { flags } = readFileInfo(fi);
    s().run(
      req,
      () => s().fs.open(u64(ino), flags),
      (o) => s().lib.fuse_reply_open(req, fileInfoBuffer(o)),
    );
  });
  add(
    OPS.read,
    ["pointer", "u64", "usize", "i64", "pointer"],
    (req, ino, size, offset, fi) => {
      const { fh } = readFileInfo(fi);
      s().run(
        req,
        () => s().fs.read(u64(ino), fh, u64(offset), u64(size)),
        (bytes) => s().lib.fuse_reply_buf(req, bytes, BigInt(bytes.length)),
      );
    },
  );
  add(
    OPS.write,
    ["pointer", "u64", "pointer", "usize", "i64", "pointer"],
    (req, ino, buf, size, offset, fi) => {
      const { fh } = readFileInfo(fi);
      const length = u64(size);
      const data = length === 0
        ? new Uint8Array(0)
        : new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(buf!, length)).slice();
      const fs = s().fs;
      if (!fs.write) throw new FuseError(ERRNO.EROFS);
      s().run(
        req,
        () => fs.write!(u64(ino), fh, u64(offset), data),
        (n) => s().lib.fuse_reply_write(req, BigInt(n)),
      );
    },
  );
  add(OPS.flush, ["pointer", "u64", "pointer"], (req, ino, fi) => {
    const { fh } = readFileInfo(fi);
    s().run(req, () => s().fs.flush?.(u64(ino), fh), () => s().replyOk(req));
  });
  add(OPS.release, ["pointer", "u64", "pointer"], (req, ino, fi) => {
    const { fh } = readFileInfo(fi);
    s().run(req, () => s().fs.release(u64(ino), fh), () => s().replyOk(req));
  });
  add(OPS.fsync, ["pointer", "u64", "i32", "pointer"], (req, ino, _datasync, fi) => {
    const { fh } = readFileInfo(fi);
    s().run(req, () => s().fs.fsync?.(u64(ino), fh), () => s().replyOk(req));
  });
  add(OPS.opendir, ["pointer", "u64", "pointer"], (req, ino) => {
    s().run(
      req,
      () => s().fs.readdir(u64(ino)),
      (listing) => s().lib.fuse_reply_open(req, fileInfoBuffer({ fh: s().openDir(listing) })),
    );
  });
  add(
    OPS.readdir,
    ["pointer", "u64", "usize", "i64", "pointer"],
    (req, ino, size, offset, fi) => {
      s().replyDir(req, u64(ino), readFileInfo(fi).fh, u64(size), u64(offset));
    },
  );
  add(OPS.releasedir, ["pointer", "u64", "pointer"], (req, _ino, fi) => {
    s().closeDir(readFileInfo(fi).fh);
    s().replyOk(req);
  });
  add(OPS.statfs, ["pointer", "u64"], (req) => {
    s().lib.fuse_reply_statfs(req, statvfsBuffer(s().fs.statfs()));
  });
  add(
    OPS.create,
    ["pointer", "u64", "pointer", "u32", "pointer"],
    (req, parent, namePtr, mode, fi) => {
      const child = name(namePtr);
      const { flags } = readFileInfo(fi);
      const fs = s().fs;
      if (!fs.create) throw new FuseError(ERRNO.EROFS);
      s().run(
        req,
        () => fs.create!(u64(parent), child, mode, flags),
        ({ attr, open }) =>
          s().lib.fuse_reply_create(
            req,
            entryBuffer(attr, fs.cacheTimeout),
            fileInfoBuffer(open),
          ),
      );
    },
  );
  return table;
}
