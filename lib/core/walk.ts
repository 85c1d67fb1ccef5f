/**
 * Walks a local directory tree lazily, one directory at a time, yielding its regular files,
 * symlinks (as links, unless followed) and empty directories in the order of their relative
 * names (so bundles, diffs and downloads all agree on order). Names are kept as bytes, those
 * that are not UTF-8 escaped (lib/util/byte_names.ts, listed through lib/util/byte_fs.ts).
 */
import { DatamonError } from "../errors.ts";
import * as byteFs from "../util/byte_fs.ts";
import { fsError } from "../util/fs_errors.ts";

/** A regular file found under the walked root. */
export interface LocalFile {
  /** Absolute or root-joined path to open. */
  path: string;
  /** Relative `/`-separated name inside the root. */
  name: string;
  size: number;
  mode: number;
  mtime: Date;
  /** Inode and change time, when the platform has them (they let uploads trust a cache). */
  ino?: number;
  ctime?: Date;
}

/** A symlink found under the walked root, kept as a link: its target is never read. */
export interface LocalSymlink {
  kind: "symlink";
  name: string;
  target: string;
  mode: number;
  mtime: Date;
}

/** A directory under the walked root that holds nothing kept; its name ends with '/'. */
export interface LocalDirectory {
  kind: "dir";
  name: string;
  mode: number;
  mtime: Date;
}

/** What a walk yields. */
export type LocalEntry = LocalFile | LocalSymlink | LocalDirectory;

/** True for a regular file of a walk. */
export function isLocalFile(entry: LocalEntry): entry is LocalFile {
  return !("kind" in entry);
}

/** How a walk treats links and what it cannot read. */
export interface WalkOptions {
  /** Symlinks to files are read as the files they point to (links to directories skipped). */
  followSymlinks?: boolean;
  /** A path that cannot be read is reported through `onSkip` instead of failing. */
  skipOnError?: boolean;
  /** Called for each thing passed over: special files, unreadable paths. */
  onSkip?: (skipped: Skipped) => void;
  /** True for a name to leave out (a directory's ends with "/"; its contents go with it). */
  exclude?: (name: string) => boolean;
}

/** A LocalFile from a stat of a regular file; mode keeps the permission bits only. */
export function localFile(path: string, name: string, info: Deno.FileInfo): LocalFile {
  return {
    path,
    name,
    size: info.size,
    mode: (info.mode ?? 0o644) & 0o7777,
    mtime: info.mtime ?? new Date(0),
    ino: info.ino ?? undefined,
    ctime: info.ctime ?? undefined,
  };
}

/** Something the walk passed over, and why. */
export interface Skipped {
  name: string;
  reason: string;
}

/** Checks that `path` is an existing directory, with a bad-path error otherwise. */
export async function requireDirectory(path: string, what: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DatamonError("bad-path", `${what} ${path} does not exist: check the path`);
    }
    throw new DatamonError("bad-path", `${what} ${path} cannot be read: ${(e as Error).message}`);
  }
  if (!info.isDirectory) {
    throw new DatamonError("bad-path", `${what} ${path} is not a directory: give a directory`);
  }
}

/** The key a directory entry sorts by: directories as "name/", so walk order is name order. */
function sortKey(entry: Deno.DirEntry): string {
  return entry.isDirectory ? `${entry.name}/` : entry.name;
}

/** True for names datamon writes while working (partial downloads), never user data. */
export function isWorkFile(name: string): boolean {
  return name.startsWith(".datamon-part-");
}

/**
 * Regular files, symlinks and empty directories under `root` in name order (see WalkOptions for
 * links). Special files (FIFOs, sockets, devices) are reported through `onSkip`, not kept. A
 * path that cannot be read fails naming it (or is skipped with `skipOnError`). Returns the
 * number of entries yielded, -1 for a directory below the root skipped as unreadable.
 */
export async function* walkTree(
  root: string,
  options: WalkOptions = {},
  prefix = "",
): AsyncGenerator<LocalEntry, number> {
  const dir = prefix ? `${root}/${prefix.slice(0, -1)}` : root;
  let entries: Deno.DirEntry[];
  try {
    entries = await byteFs.readDir(dir);
  } catch (e) {
    if (!prefix) throw fsError(e, dir, { doing: "reading" });
    failOrSkip(e, dir, prefix, options);
    return -1;
  }
  entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  let yielded = 0;
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    const path = `${root}/${name}`;
    if (options.exclude?.(entry.isDirectory ? `${name}/` : name)) continue;
    if (entry.isDirectory) {
      const below = yield* walkTree(root, options, `${name}/`);
      if (below === 0) {
        const info = statOrSkip(path, `${name}/`, options);
        if (!info) continue;
        yield localDirectory(`${name}/`, info);
      }
      if (below >= 0) yielded++;
      continue;
    }
    if (isWorkFile(entry.name)) continue;
    if (entry.isSymlink && !options.followSymlinks) {
      const link = localSymlink(path, name, options);
      if (link) {
        yield link;
        yielded++;
      }
      continue;
    }
    let info: Deno.FileInfo;
    try {
      // Synchronous stat: a local syscall is cheaper than a hop to the I/O thread pool, and
      // the walk runs ahead of the uploads it feeds.
      info = byteFs.statSync(path);
    } catch (e) {
      // A followed link whose target is gone is passed over; a file that is gone vanished.
      if (entry.isSymlink) options.onSkip?.({ name, reason: (e as Error).message });
      else failOrSkip(e, path, name, options);
      continue;
    }
    if (!info.isFile) {
      options.onSkip?.({ name, reason: entry.isSymlink ? "symlink to a non-file" : special(info) });
      continue;
    }
    yield localFile(path, name, info);
    yielded++;
  }
  return yielded;
}

/** Why a special file is not kept. */
function special(info: Deno.FileInfo): string {
  const what = info.isFifo
    ? "a FIFO"
    : info.isSocket
    ? "a socket"
    : info.isCharDevice
    ? "a character device"
    : info.isBlockDevice
    ? "a block device"
    : "not a regular file";
  return `${what}: special files are not kept`;
}

function localDirectory(name: string, info: Deno.FileInfo): LocalDirectory {
  return {
    kind: "dir",
    name,
    mode: (info.mode ?? 0o755) & 0o7777,
    mtime: info.mtime ?? new Date(0),
  };
}

/**
 * Stat of a listed path, or undefined when it cannot be read any more and `skipOnError` says
 * to pass it over (reported); fails naming it otherwise.
 */
function statOrSkip(path: string, name: string, options: WalkOptions): Deno.FileInfo | undefined {
  try {
    return byteFs.statSync(path);
  } catch (e) {
    failOrSkip(e, path, name, options);
    return undefined;
  }
}

/** Fails with the user error for `e` at listed `path`, or reports `name` as skipped. */
function failOrSkip(e: unknown, path: string, name: string, options: WalkOptions): void {
  const error = fsError(e, path, { doing: "reading", existed: true });
  if (!options.skipOnError) throw error;
  options.onSkip?.({ name, reason: error.message });
}

/**
 * The link at `path`, its target as readlink gives it (bytes escaped where not UTF-8), or
 * undefined when it cannot be read any more (reported).
 */
function localSymlink(path: string, name: string, options: WalkOptions): LocalSymlink | undefined {
  let info: Deno.FileInfo;
  let target: string;
  try {
    info = byteFs.lstatSync(path);
    target = byteFs.readLinkSync(path);
  } catch (e) {
    failOrSkip(e, path, name, options);
    return undefined;
  }
  return {
    kind: "symlink",
    name,
    target,
    mode: (info.mode ?? 0o777) & 0o7777,
    mtime: info.mtime ?? new Date(0),
  };
}

/** Number and total size of the files a walk would yield (for progress totals). */
export async function scanTotals(
  root: string,
  options: WalkOptions = {},
): Promise<{ files: number; bytes: number }> {
  const totals = { files: 0, bytes: 0 };
  try {
    for await (const file of walkTree(root, options)) {
      if (!isLocalFile(file)) continue;
      totals.files++;
      totals.bytes += file.size;
    }
  } catch {
    // The upload itself reports an unreadable path with a proper error.
  }
  return totals;
}
