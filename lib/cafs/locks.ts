/**
 * The locks of the blob store's garbage collection protocol (after restic's): writers hold
 * non-exclusive locks (locks/writers/{id}.yaml), the one purge holds the exclusive
 * locks/purge.yaml. Each side writes its own lock first and then looks for the other's, so of a
 * writer and a purge starting together at least one sees the other and backs off. A lock is
 * refreshed while held; one not refreshed for the stale age is stale: it blocks nobody, is
 * reported, and only a stale one may be removed. (Whether the holder's process still runs
 * cannot be told: the program may not read /proc, so a killed writer's lock ages like any.)
 */
import { parse, stringify } from "yaml";
import { DatamonError, isKind } from "../errors.ts";
import { newKsuid } from "../model/ksuid.ts";
import type { Store } from "../store/store.ts";
import { purgeLockKey, WRITER_LOCKS_PREFIX, writerLockKey } from "./layout.ts";

/** Who holds a lock and since when, as its object records it. */
export interface LockRecord {
  host: string;
  pid: number;
  /** The command holding it, e.g. "bundle upload". */
  command: string;
  /** When it was taken, and when it was last refreshed. */
  time: Date;
  refreshed: Date;
}

/** How often a held lock is refreshed, and how long unrefreshed before it is stale. */
export interface LockTiming {
  refreshMs: number;
  staleMs: number;
}

/** restic's: refreshed every 5 minutes, stale after 30. */
export const DEFAULT_LOCK_TIMING: LockTiming = { refreshMs: 5 * 60_000, staleMs: 30 * 60_000 };

/** A lock found in the store, with its record (absent when unreadable) and whether it is stale. */
export interface FoundLock {
  key: string;
  record?: LockRecord;
  stale: boolean;
}

/**
 * The timing set by DATAMON_LOCK_REFRESH and DATAMON_LOCK_STALE (durations such as 500ms, 2s,
 * 5m), else the default; tests shorten it.
 */
export function lockTimingFromEnv(): LockTiming {
  return {
    refreshMs: envDuration("DATAMON_LOCK_REFRESH") ?? DEFAULT_LOCK_TIMING.refreshMs,
    staleMs: envDuration("DATAMON_LOCK_STALE") ?? DEFAULT_LOCK_TIMING.staleMs,
  };
}

function envDuration(name: string): number | undefined {
  const value = Deno.env.get(name);
  if (value === undefined) return undefined;
  const m = /^(\d+)(ms|s|m|h)$/.exec(value.trim());
  const ms = m ? Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2]]! : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new DatamonError("config", `${name} "${value}" is not a duration: use e.g. 500ms or 5m`);
  }
  return ms;
}

/** A lock this process holds: refreshed in the background until released. */
export class HeldLock {
  readonly #store: Store;
  readonly #key: string;
  readonly #record: LockRecord;
  readonly #timing: LockTiming;
  readonly #timer: ReturnType<typeof setInterval>;
  #refreshing: Promise<void> = Promise.resolve();
  #lost?: string;
  #released = false;

  private constructor(store: Store, key: string, record: LockRecord, timing: LockTiming) {
    this.#store = store;
    this.#key = key;
    this.#record = record;
    this.#timing = timing;
    this.#timer = setInterval(() => {
      this.#refreshing = this.#refresh();
    }, timing.refreshMs);
    // A held lock never keeps the process alive by itself.
    Deno.unrefTimer(Number(this.#timer));
  }

  /** Writes a new lock under `key` (create-only when `createOnly`); undefined when taken. */
  static async write(
    store: Store,
    key: string,
    command: string,
    timing: LockTiming,
    createOnly: boolean,
  ): Promise<HeldLock | undefined> {
    const now = new Date();
    const record = { host: hostName(), pid: Deno.pid, command, time: now, refreshed: now };
    const bytes = encodeLock(record);
    if (createOnly) {
      if (!await store.putIfAbsent(key, bytes)) return undefined;
    } else {
      await store.put(key, bytes);
    }
    return new HeldLock(store, key, record, timing);
  }

  /** The lock's key in its store: a diamond's split records it, to tell a run that died. */
  get key(): string {
    return this.#key;
  }

  /** The lock's object, for messages. */
  get where(): string {
    return `${this.#key} in ${this.#store.url}`;
  }

  /**
   * Throws "locked" unless the lock is still stored and was refreshed within the stale age:
   * a holder checks it before its commit point, because a stale lock may have been removed
   * and a purge may have run since.
   */
  async check(): Promise<void> {
    await this.#refreshing;
    const age = Date.now() - this.#record.refreshed.getTime();
    const problem = this.#lost ??
      (age > this.#timing.staleMs
        ? `it was last refreshed ${Math.round(age / 1000)}s ago and went stale`
        : !await this.#store.head(this.#key)
        ? "it was removed"
        : undefined);
    if (problem === undefined) return;
    throw new DatamonError(
      "locked",
      `lost the lock ${this.where} (${problem}): nothing was committed; run the command again`,
    );
  }

  /** Stops refreshing and removes the lock; once released, releasing again does nothing. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    clearInterval(this.#timer);
    await this.#refreshing.catch(() => {});
    await this.#store.delete(this.#key);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  /** Rewrites the record with a new refreshed time, unless the lock was lost. */
  async #refresh(): Promise<void> {
    if (this.#lost) return;
    try {
      if (!await this.#store.head(this.#key)) {
        this.#lost = "it was removed";
        return;
      }
      const refreshed = new Date();
      await this.#store.put(this.#key, encodeLock({ ...this.#record, refreshed }));
      this.#record.refreshed = refreshed;
    } catch {
      // A failed refresh is retried at the next tick; check() fails once the lock is stale.
    }
  }
}

/**
 * Takes a writer's lock: refused ("locked", naming the holder) while a live purge holds its
 * lock. The purge lock is looked for after the writer's lock is written, so that a purge
 * starting at the same moment is seen (or sees this lock).
 */
export async function takeWriterLock(
  store: Store,
  command: string,
  timing: LockTiming = lockTimingFromEnv(),
): Promise<HeldLock> {
  const key = writerLockKey(newKsuid());
  const lock = (await HeldLock.write(store, key, command, timing, false))!;
  try {
    await requireNoPurge(store, timing);
  } catch (e) {
    await lock.release();
    throw e;
  }
  return lock;
}

/**
 * Throws "locked", naming the holder, while a live purge holds its lock: for a writer that
 * checks before it starts (a writable mount, refused before it is mounted), and for
 * takeWriterLock once its own lock is written.
 */
export async function requireNoPurge(
  store: Store,
  timing: LockTiming = lockTimingFromEnv(),
): Promise<void> {
  const purge = await readLock(store, purgeLockKey, timing);
  if (!purge || purge.stale) return;
  throw new DatamonError(
    "locked",
    `${describeHolder(purge)} holds ${purgeLockKey} in ${store.url}: wait for it to end, ` +
      "then run the command again",
  );
}

/** How a purge takes its lock. */
export interface PurgeLockOptions {
  command: string;
  /** Remove stale locks (of writers, or of a purge that died) instead of only reporting them. */
  removeStale: boolean;
  /** Called for each stale lock found (removed or not). */
  onStale?: (lock: FoundLock, removed: boolean) => void;
  timing?: LockTiming;
}

/**
 * Takes the exclusive purge lock, then checks that no live writer holds a lock; else the
 * purge lock is removed again and "locked" names the holder. Stale locks block nothing: each
 * is reported and, when asked, removed. A live lock is never removed.
 */
export async function takePurgeLock(store: Store, options: PurgeLockOptions): Promise<HeldLock> {
  const timing = options.timing ?? lockTimingFromEnv();
  // Looked for before the create-only write too, so that a stale lock is reported and removed.
  const held = await readLock(store, purgeLockKey, timing);
  if (held) {
    if (!held.stale || !options.removeStale) throw lockedBy(store, held);
    await store.delete(purgeLockKey);
    options.onStale?.(held, true);
  }
  const lock = await HeldLock.write(store, purgeLockKey, options.command, timing, true);
  if (!lock) throw lockedBy(store, await readLock(store, purgeLockKey, timing));
  try {
    for await (const writer of writerLocks(store, timing)) {
      if (!writer.stale) throw lockedBy(store, writer);
      if (options.removeStale) await store.delete(writer.key);
      options.onStale?.(writer, options.removeStale);
    }
  } catch (e) {
    await lock.release();
    throw e;
  }
  return lock;
}

/** Every writer's lock in the store. */
export async function* writerLocks(
  store: Store,
  timing: LockTiming = lockTimingFromEnv(),
): AsyncGenerator<FoundLock> {
  for await (const entry of store.list(WRITER_LOCKS_PREFIX)) {
    if (entry.kind !== "object") continue;
    const found = await readLock(store, entry.key, timing);
    if (found) yield found;
  }
}

/** Who holds a found lock and since when, as far as its record tells. */
export function describeHolder(lock: FoundLock): string {
  const what = lock.key === purgeLockKey ? "a purge" : "a writer";
  if (!lock.record) return `${what} (unreadable lock record)`;
  const { command, host, pid, time, refreshed } = lock.record;
  return `${what} ("${command}" on ${host}, pid ${pid}, since ${time.toISOString()}, ` +
    `refreshed ${refreshed.toISOString()}${lock.stale ? ", stale" : ""})`;
}

function lockedBy(store: Store, lock: FoundLock | undefined): DatamonError {
  if (!lock) return new DatamonError("locked", `another purge holds ${purgeLockKey}: retry`);
  const remedy = lock.stale
    ? "it is stale: pass --remove-stale-locks to remove it"
    : "wait for it to end (a live lock cannot be removed)";
  return new DatamonError(
    "locked",
    `${describeHolder(lock)} holds ${lock.key} in ${store.url}: ${remedy}`,
  );
}

/** The lock under `key`, or undefined when there is none. */
async function readLock(
  store: Store,
  key: string,
  timing: LockTiming,
): Promise<FoundLock | undefined> {
  const info = await store.head(key);
  if (!info) return undefined;
  let record: LockRecord | undefined;
  try {
    record = decodeLock(await store.get(key));
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    if (!isKind(e, "integrity")) throw e;
  }
  // An unreadable record ages by its stored time.
  const refreshed = record?.refreshed ?? info.modified;
  const stale = Date.now() - refreshed.getTime() > timing.staleMs;
  return record ? { key, record, stale } : { key, stale };
}

/** This machine's name, as locks and quarantine records give it. */
export function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

function encodeLock(record: LockRecord): Uint8Array {
  return new TextEncoder().encode(stringify({
    host: record.host,
    pid: record.pid,
    command: record.command,
    time: record.time.toISOString(),
    refreshed: record.refreshed.toISOString(),
  }));
}

/**
 * The YAML mapping of a small record of the blob store (a lock, a quarantine record), or
 * undefined when the bytes are no YAML; the caller checks the fields.
 */
export function decodeYamlRecord(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    return parse(new TextDecoder().decode(bytes)) ?? undefined;
  } catch {
    return undefined;
  }
}

function decodeLock(bytes: Uint8Array): LockRecord {
  const doc = decodeYamlRecord(bytes);
  const time = new Date(String(doc?.time));
  const refreshed = new Date(String(doc?.refreshed));
  if (
    typeof doc?.host !== "string" || !Number.isSafeInteger(doc.pid) ||
    typeof doc.command !== "string" || Number.isNaN(time.getTime()) ||
    Number.isNaN(refreshed.getTime())
  ) {
    throw new DatamonError("integrity", "lock record is malformed");
  }
  return { host: doc.host, pid: doc.pid as number, command: doc.command, time, refreshed };
}
