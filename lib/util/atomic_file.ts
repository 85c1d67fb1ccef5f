/**
 * Files that appear whole or not at all: bytes go to a temporary file in the target's directory
 * (so on the same filesystem), renamed over the target only once complete. A kill at any point
 * leaves at most a temporary beside the target, never a torn target. While it is written, the
 * temporary is held under an exclusive flock(2), which the kernel drops when the writer ends
 * however it ends: the sweep of leftovers (lib/util/leftovers.ts) removes only temporaries whose
 * lock it can take, so never a live writer's, whatever the clocks say. Paths may hold names that
 * are not UTF-8 (lib/util/byte_names.ts).
 *
 * The temporary is made and locked by sync calls, and a file whose bytes are all in memory can
 * be written, committed or discarded by sync calls too (`writeSync`, `commitSync`): each async
 * file call is a round trip to Deno's blocking threads, which for thousands of small files cost
 * several times the calls themselves (a download of 10,000 files of 4 KiB). A new file whose
 * bytes are all in memory can be made without a name instead, and linked into place
 * (createWholeSync): one change to its directory instead of two, and nothing left by a kill.
 *
 * @example
 * ```ts
 * await writeFileAtomic(`${home}/config.yaml`, text);
 * ```
 */
import { writeAll, writeAllSync } from "./file_io.ts";
import * as byteFs from "./byte_fs.ts";
import { fsError } from "./fs_errors.ts";

/** How the temporary is named and created. */
export interface AtomicFileOptions {
  /** Name prefix of the temporary, so that a sweep can recognise leftovers. */
  tempPrefix?: string;
  /** Permission bits of the new file (the umask applies); 0o666 by default, as for any new file. */
  mode?: number;
}

const DEFAULT_TEMP_PREFIX = ".datamon-tmp-";
/** How many temporaries create() makes before it writes one it could not lock. */
const LOCK_ATTEMPTS = 3;
const encoder = new TextEncoder();

/** A file being written under a temporary name; commit() puts it in place, discard() drops it. */
export class AtomicFile {
  #open = true;

  private constructor(
    /** Where the file appears on commit. */
    readonly path: string,
    /** The temporary being written. */
    readonly tempPath: string,
    private readonly file: byteFs.OpenFile,
  ) {}

  /** Creates a fresh temporary beside `path`; the directory must exist. */
  static create(path: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    return Promise.try(() => AtomicFile.createSync(path, options));
  }

  /** create(), by sync calls. */
  static createSync(path: string, options: AtomicFileOptions = {}): AtomicFile {
    const dir = path.slice(0, path.lastIndexOf("/") + 1);
    for (let attempt = 1;; attempt++) {
      const tempPath = `${dir}${options.tempPrefix ?? DEFAULT_TEMP_PREFIX}${crypto.randomUUID()}`;
      const file = byteFs.openSync(tempPath, {
        write: true,
        createNew: true,
        mode: options.mode ?? 0o666,
      });
      // A sweep that took the brand-new temporary for a leftover is removing it: take another.
      // Past a few tries the file system is not keeping locks; a lost temporary then fails the
      // rename, loudly.
      if (holdLock(file) || attempt === LOCK_ATTEMPTS) {
        return new AtomicFile(path, tempPath, file);
      }
      file.close();
    }
  }

  /** Appends every byte of `bytes`. */
  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.file, bytes);
  }

  /** write(), by sync calls. */
  writeSync(bytes: Uint8Array): void {
    writeAllSync(this.file, bytes);
  }

  /**
   * Lets `finish` set what must be set on the complete file (mode, times), renames it over the
   * target, then closes it.
   */
  async commit(finish?: (tempPath: string) => Promise<void>): Promise<void> {
    // Closed only once renamed: closing drops the lock that keeps a sweep away.
    try {
      await finish?.(this.tempPath);
      await byteFs.rename(this.tempPath, this.path);
    } finally {
      this.#close();
    }
  }

  /** commit(), by sync calls. */
  commitSync(finish?: (tempPath: string) => void): void {
    try {
      finish?.(this.tempPath);
      byteFs.renameSync(this.tempPath, this.path);
    } finally {
      this.#close();
    }
  }

  /** Drops the temporary; the target, if any, is left as it was. */
  async discard(): Promise<void> {
    this.#close();
    await byteFs.remove(this.tempPath).catch(() => {});
  }

  /** discard(), by sync calls. */
  discardSync(): void {
    this.#close();
    try {
      byteFs.removeSync(this.tempPath);
    } catch {
      // already gone: nothing to drop
    }
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.file.close();
  }
}

/**
 * Writes `bytes` as a new file at `path`, whole or not at all, by sync calls: a file without a
 * name in the directory of `path`, given `mode` (exactly) and `mtime`, then linked under `path`.
 * That is one change to the directory where AtomicFile makes two (a create and a rename), and a
 * kill leaves nothing at all. False, with nothing written, when something already has the name
 * or no unnamed file can be made there (see byteFs.UnnamedFile): an AtomicFile then replaces it.
 */
export function createWholeSync(
  path: string,
  bytes: Uint8Array,
  mode: number,
  mtime: Date,
): boolean {
  using file = byteFs.UnnamedFile.openSync(path.slice(0, path.lastIndexOf("/")) || "/");
  if (!file) return false;
  writeAllSync(file, bytes);
  file.chmodSync(mode);
  file.utimeSync(mtime, mtime);
  return file.linkSync(path);
}

/**
 * Locks a new temporary as its writer's; false when a sweep got to it first (it holds the lock,
 * or has already unlinked the file). A file system without flock(2) leaves it unlocked: the
 * sweep then goes by its age alone.
 */
function holdLock(file: byteFs.OpenFile): boolean {
  let locked: boolean;
  try {
    locked = file.tryLockSync(true);
  } catch {
    return true; // no locks here (some network file systems): nothing more to hold
  }
  return locked && file.statSync().nlink !== 0;
}

/**
 * Writes `data` to `path` whole or not at all; a full disk or a missing right is a one-line
 * error naming `path`.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options?: AtomicFileOptions,
): Promise<void> {
  let file: AtomicFile;
  try {
    file = await AtomicFile.create(path, options);
  } catch (e) {
    throw fsError(e, path, { doing: "writing" });
  }
  try {
    await file.write(typeof data === "string" ? encoder.encode(data) : data);
    await file.commit();
  } catch (e) {
    await file.discard();
    throw fsError(e, path, { doing: "writing" });
  }
}
