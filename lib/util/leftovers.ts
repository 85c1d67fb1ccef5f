/**
 * Leftovers of killed runs: temporaries datamon names its own way and a kill left behind are
 * removed by the next run into the same place. Only names of ours that were last changed
 * before this process started are taken, so a user's file or a temporary this run is writing is
 * never touched.
 */

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
 * Removes the files and links under `dir` whose names are ours and that were last changed
 * before this process started; returns how many. What is absent or vanishes meanwhile is
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
  if (!changedBeforeStart(await Deno.lstat(path))) return false;
  await Deno.remove(path);
  return true;
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
