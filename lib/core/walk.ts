/**
 * Walks a local directory tree lazily, one directory at a time, yielding its regular files,
 * symlinks (as links, unless followed) and empty directories in the order of their relative
 * names (so bundles, diffs and downloads all agree on order).
 */
import { DatamonError } from "../errors.ts";

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
  /** A file whose name cannot be read is reported through `onSkip` instead of failing. */
  skipOnError?: boolean;
  /** Called for each thing passed over: special files, unreadable names. */
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
 * links). Special files (FIFOs, sockets, devices) are reported through `onSkip`, not kept.
 * Returns the number of entries yielded.
 */
export async function* walkTree(
  root: string,
  options: WalkOptions = {},
  prefix = "",
): AsyncGenerator<LocalEntry, number> {
  const dir = prefix ? `${root}/${prefix.slice(0, -1)}` : root;
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  let yielded = 0;
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    const path = `${root}/${name}`;
    if (!nameIsReadable(path, name, options)) continue;
    if (options.exclude?.(entry.isDirectory ? `${name}/` : name)) continue;
    if (entry.isDirectory) {
      if ((yield* walkTree(root, options, `${name}/`)) === 0) {
        yield localDirectory(`${name}/`, Deno.statSync(path));
      }
      yielded++;
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
      info = Deno.statSync(path);
    } catch (e) {
      options.onSkip?.({ name, reason: (e as Error).message });
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

/** The link at `path`, or undefined when its target cannot be read exactly (reported). */
function localSymlink(path: string, name: string, options: WalkOptions): LocalSymlink | undefined {
  const info = Deno.lstatSync(path);
  const target = Deno.readLinkSync(path);
  if (target.includes(LOSSY)) {
    unreadable(name, "its target is not valid UTF-8, which datamon cannot keep exactly", options);
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

/** The character Deno puts for bytes of a name that are not UTF-8. */
const LOSSY = "\ufffd";

/**
 * False (after reporting it) when `name` came from the directory with bytes that are not UTF-8:
 * Deno gives such names lossily and cannot open them by any path, so the file cannot be kept.
 */
function nameIsReadable(path: string, name: string, options: WalkOptions): boolean {
  if (!name.includes(LOSSY)) return true;
  try {
    Deno.lstatSync(path);
    return true; // a name that really holds U+FFFD
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  unreadable(name, "its name is not valid UTF-8, which datamon cannot read: rename it", options);
  return false;
}

/** Fails naming the file, or reports it as skipped with `skipOnError`. */
function unreadable(name: string, reason: string, options: WalkOptions): void {
  if (!options.skipOnError) {
    throw new DatamonError(
      "bad-path",
      `cannot keep ${JSON.stringify(name)}: ${reason} (an upload may pass --skip-on-error)`,
    );
  }
  options.onSkip?.({ name, reason });
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
