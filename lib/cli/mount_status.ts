/**
 * A mount process's status file, `$DATAMON_HOME/mounts/<mount point>.jsonl`: its pid, when the
 * mount is ready, and how it ended (what it printed and its exit code). `--daemonize` waits on
 * it for readiness, and `bundle unmount` for the outcome (a mutable mount's new bundle id).
 */
import { writeAll } from "../util/file_io.ts";

/** What a finished mount process printed, and its exit code. */
export interface MountOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** What a status file says so far. */
export interface MountState {
  pid?: number;
  ready: boolean;
  done?: MountOutcome;
}

/** The status file of the mount on `mountPath` (absolute). */
export function mountStatusPath(home: string, mountPath: string): string {
  return `${home}/mounts/${encodeURIComponent(mountPath)}.jsonl`;
}

/**
 * The writing side, held by the process serving a mount. It keeps the file locked until the
 * outcome is written, so a reader can wait for the end without knowing whether the process
 * still lives (a crash releases the lock too).
 */
export class MountStatus {
  private constructor(private readonly file: Deno.FsFile) {}

  /** Starts a fresh status file naming this process, and locks it. */
  static async create(path: string): Promise<MountStatus> {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.remove(path).catch(() => {});
    const file = await Deno.open(path, { append: true, createNew: true });
    await file.lock(true);
    const status = new MountStatus(file);
    await status.#append({ pid: Deno.pid });
    return status;
  }

  ready(): Promise<void> {
    return this.#append({ ready: true });
  }

  /** Writes the outcome and releases the file. */
  async done(outcome: MountOutcome): Promise<void> {
    await this.#append({ done: outcome });
    this.file.close();
  }

  async #append(record: unknown): Promise<void> {
    await writeAll(this.file, new TextEncoder().encode(`${JSON.stringify(record)}\n`));
  }
}

/** The status so far; undefined when there is no status file. */
export async function readMountState(path: string): Promise<MountState | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const state: MountState = { ready: false };
  // A line being appended may be torn: only whole lines count, and only those that parse.
  for (const line of text.split("\n").slice(0, -1)) {
    let record;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record.pid === "number") state.pid = record.pid;
    if (record.ready) state.ready = true;
    if (record.done) state.done = record.done;
  }
  return state;
}

/** Waits until the process serving the mount has written its outcome or ended; the state then. */
export async function waitForOutcome(path: string): Promise<MountState | undefined> {
  try {
    using file = await Deno.open(path, { read: true });
    await file.lock(true);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  return readMountState(path);
}
