/**
 * Test-only crash points: a Store decorator that lets the crash tests kill a command at each of
 * its commit points. Every commit point of a mutating command is a store write, so killing the
 * process just before its Nth write (put, putIfAbsent, delete, copy), counted across all its stores
 * in the order the process starts them, reaches every point at which a real crash could stop it.
 *
 * Two environment variables drive it, and are never set outside tests:
 * - DATAMON_TEST_CRASH_AT=N: the process SIGKILLs itself immediately before its Nth write;
 * - DATAMON_TEST_CRASH_COUNT=path: the number of writes started so far is kept in `path`, so
 *   that a first, whole run tells the harness how many kill points a command has.
 */
import { DelegatingStore } from "./delegating.ts";
import type { RemovedTemporaries, Store } from "./store.ts";

/** Kill before the Nth write of the process (1-based). */
export const CRASH_AT_VARIABLE = "DATAMON_TEST_CRASH_AT";
/** File the number of writes started so far is written to. */
export const CRASH_COUNT_VARIABLE = "DATAMON_TEST_CRASH_COUNT";

/** Counts the writes of one process, and ends it at the one it was told to. */
export class CrashPoints {
  #writes = 0;

  /** `crashAt`: kill before this write (1-based); `countFile`: where the count is kept. */
  constructor(readonly crashAt?: number, readonly countFile?: string) {}

  /** Called immediately before each write: counts it, and kills the process at the chosen one. */
  beforeWrite(): void {
    this.#writes++;
    if (this.#writes === this.crashAt) Deno.kill(Deno.pid, "SIGKILL");
    // Synchronous, so that the count on disk is right even when the process dies next.
    if (this.countFile !== undefined) {
      Deno.writeTextFileSync(this.countFile, String(this.#writes));
    }
  }
}

/** The crash points the environment asks for, or undefined (always, outside the crash tests). */
export function crashPointsFromEnv(): CrashPoints | undefined {
  const at = Deno.env.get(CRASH_AT_VARIABLE) || undefined;
  const countFile = Deno.env.get(CRASH_COUNT_VARIABLE) || undefined;
  if (at === undefined && countFile === undefined) return undefined;
  const crashAt = at === undefined ? undefined : Number(at);
  if (crashAt !== undefined && !(Number.isInteger(crashAt) && crashAt >= 1)) {
    throw new Error(`${CRASH_AT_VARIABLE}=${at} is not a whole number from 1`);
  }
  return new CrashPoints(crashAt, countFile);
}

/** One counter for the whole process, read from the environment once. */
let processCrashPoints: CrashPoints | undefined | null = null;

/**
 * `store` with the process's crash points in front of its writes when the environment asks
 * for them (the crash tests), else `store` itself.
 */
export function withTestCrashPoints(store: Store): Store {
  if (processCrashPoints === null) processCrashPoints = crashPointsFromEnv();
  return processCrashPoints ? new CrashPointStore(store, processCrashPoints) : store;
}

/** A Store whose writes pass the crash points first; reads pass straight through. */
export class CrashPointStore extends DelegatingStore {
  constructor(inner: Store, private readonly points: CrashPoints) {
    super(inner);
  }

  override put(key: string, bytes: Uint8Array): Promise<void> {
    this.points.beforeWrite();
    return super.put(key, bytes);
  }

  override putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    this.points.beforeWrite();
    return super.putIfAbsent(key, bytes);
  }

  override delete(key: string): Promise<void> {
    this.points.beforeWrite();
    return super.delete(key);
  }

  /** The inner store's server-side copy, if it has one (a write). */
  override get copy(): ((from: string, to: string) => Promise<void>) | undefined {
    const copy = super.copy;
    return copy
      ? (from, to) => {
        this.points.beforeWrite();
        return copy(from, to);
      }
      : undefined;
  }

  /** The inner store's clean-up of its temporary files, if it has one (deletes: a write). */
  override get removeStaleTemporaries():
    | ((olderThan: Date) => Promise<RemovedTemporaries>)
    | undefined {
    const remove = super.removeStaleTemporaries;
    return remove
      ? (olderThan) => {
        this.points.beforeWrite();
        return remove(olderThan);
      }
      : undefined;
  }
}
