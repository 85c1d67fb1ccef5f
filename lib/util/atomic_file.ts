/**
 * Files that appear whole or not at all: bytes go to a temporary file in the target's directory
 * (so on the same filesystem), renamed over the target only once complete. A kill at any point
 * leaves at most a temporary beside the target, never a torn target. Paths may hold names that
 * are not UTF-8 (lib/util/byte_names.ts).
 *
 * @example
 * ```ts
 * await writeFileAtomic(`${home}/config.yaml`, text);
 * ```
 */
import { writeAll } from "./file_io.ts";
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
  static async create(path: string, options: AtomicFileOptions = {}): Promise<AtomicFile> {
    const dir = path.slice(0, path.lastIndexOf("/") + 1);
    const tempPath = `${dir}${options.tempPrefix ?? DEFAULT_TEMP_PREFIX}${crypto.randomUUID()}`;
    const file = await byteFs.open(tempPath, {
      write: true,
      createNew: true,
      mode: options.mode ?? 0o666,
    });
    return new AtomicFile(path, tempPath, file);
  }

  /** Appends every byte of `bytes`. */
  write(bytes: Uint8Array): Promise<void> {
    return writeAll(this.file, bytes);
  }

  /**
   * Closes the temporary, lets `finish` set what must be set on the complete file (mode, times),
   * then renames it over the target.
   */
  async commit(finish?: (tempPath: string) => Promise<void>): Promise<void> {
    this.#close();
    await finish?.(this.tempPath);
    await byteFs.rename(this.tempPath, this.path);
  }

  /** Drops the temporary; the target, if any, is left as it was. */
  async discard(): Promise<void> {
    this.#close();
    await byteFs.remove(this.tempPath).catch(() => {});
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.file.close();
  }
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
