/**
 * Leftovers of killed runs: temporaries datamon names its own way and a kill left behind are
 * removed by the next run into the same place. A temporary's writer holds it under an exclusive
 * flock(2) (lib/util/atomic_file.ts), which the kernel drops when the writer dies: a file of ours
 * is taken only when this sweep can take that lock, so never a live writer's, whatever the clocks
 * say (a file system's timestamps can run behind the wall clock). It must also have been last
 * changed before this process started, which covers a temporary in the instant between its
 * creation and its lock, a file system without locks, and symlinks (which cannot be locked).
 */
import * as byteFs from "./byte_fs.ts";

/** When this process started (the time origin of its main realm), in ms since the epoch. */
const PROCESS_START = performance.timeOrigin;

/** True when `info` (an lstat) was last changed before this process started. */
export function changedBeforeStart(info: Deno.FileInfo): boolean {
  const changed = info.ctime ?? info.mtime;
  return changed !== null && changed.getTime() < PROCESS_START;
}

/** How removeLeftovers looks: which names are ours, and whether to look in subdirectories. */
export interface LeftoverOptions {
  /** True for a name (the last path element) only datamon gives to its temporaries. */
  isOurs: (name: string) => boolean;
  /** Look in subdirectories too (never through a symlink). */
  recursive?: boolean;
}

/**
 * Removes the files and links under `dir` whose names are ours, that no live writer holds and
 * that were last changed before this process started; returns how many. What is absent or vanishes meanwhile is
 * passed over: there is nothing to clean there.
 */
export async function removeLeftovers(dir: string, options: LeftoverOptions): Promise<number> {
  let removed = 0;
  for await (const entry of readDirIfPresent(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) {
      if (options.recursive) removed += await removeLeftovers(path, options);
    } else if (options.isOurs(entry.name) && await ifPresent(() => removeIfOld(path))) {
      removed++;
    }
  }
  return removed;
}

async function removeIfOld(path: string): Promise<boolean> {
  const info = await byteFs.lstat(path);
  if (!changedBeforeStart(info) || !(info.isFile || info.isSymlink)) return false;
  if (info.isSymlink) {
    await byteFs.remove(path);
    return true;
  }
  using file = await openToLock(path);
  // Unlinked while the lock is held, so a writer that locks it after sees it gone.
  if (!file || !await file.tryLock(true).catch(() => false)) return false;
  await byteFs.remove(path);
  return true;
}

/** `path` opened to be locked; a file this user may not read is not ours to judge. */
async function openToLock(path: string): Promise<byteFs.OpenFile | undefined> {
  try {
    return await byteFs.open(path);
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied) return undefined;
    throw e;
  }
}

/** The entries of `dir`; none when it does not exist. */
async function* readDirIfPresent(dir: string): AsyncGenerator<Deno.DirEntry> {
  const entries = await ifPresent(async () => await Array.fromAsync(Deno.readDir(dir)));
  if (entries) yield* entries;
}

/** What `fn` returns, or undefined when what it touches is not there (NotFound). */
async function ifPresent<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** A random UUID as crypto.randomUUID() writes it: what follows our temporaries' prefixes. */
export const UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
