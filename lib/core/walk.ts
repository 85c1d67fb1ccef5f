/**
 * Walks a local directory tree lazily, one directory at a time, yielding regular files in
 * the order of their relative names (so bundles, diffs and downloads all agree on order).
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
 * Regular files under `root` in name order. Symlinks to files are followed; symlinks to
 * directories and special files are reported through `onSkip`, not walked.
 */
export async function* walkFiles(
  root: string,
  onSkip: (skipped: Skipped) => void = () => {},
  prefix = "",
): AsyncGenerator<LocalFile> {
  const dir = prefix ? `${root}/${prefix.slice(0, -1)}` : root;
  const entries: Deno.DirEntry[] = [];
  for await (const entry of Deno.readDir(dir)) entries.push(entry);
  entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      yield* walkFiles(root, onSkip, `${name}/`);
      continue;
    }
    if (isWorkFile(entry.name)) continue;
    const path = `${root}/${name}`;
    let info: Deno.FileInfo;
    try {
      // Synchronous stat: a local syscall is cheaper than a hop to the I/O thread pool, and
      // the walk runs ahead of the uploads it feeds.
      info = Deno.statSync(path);
    } catch (e) {
      onSkip({ name, reason: (e as Error).message });
      continue;
    }
    if (!info.isFile) {
      onSkip({ name, reason: entry.isSymlink ? "symlink to a non-file" : "not a regular file" });
      continue;
    }
    yield localFile(path, name, info);
  }
}

/** Number and total size of the files a walk would yield (for progress totals). */
export async function scanTotals(root: string): Promise<{ files: number; bytes: number }> {
  const totals = { files: 0, bytes: 0 };
  try {
    for await (const file of walkFiles(root)) {
      totals.files++;
      totals.bytes += file.size;
    }
  } catch {
    // The upload itself reports an unreadable path with a proper error.
  }
  return totals;
}
