/**
 * What the last upload of a directory found, so that a file unchanged since then (same size,
 * mtime, ctime and inode) reuses its key instead of being read and hashed again, as restic
 * does with its parent snapshot. One cache file per (blob store, leaf size, directory), one
 * JSON line per file in name order: it is read as a cursor beside the walk and rewritten as
 * the upload goes, so neither is ever held in memory.
 *
 * A file changed shortly before this upload started is not recorded (git's "racily clean"
 * entries): a file system stamps times from a clock that ticks coarsely, so a change made just
 * after the file was read could leave its size and times as they were, and a later upload would
 * reuse the old key for new bytes.
 */
import type { PackLocation } from "../model/types.ts";
import type { LocalFile } from "./walk.ts";
import { NameCursor } from "../util/name_cursor.ts";
import { AtomicFile } from "../util/atomic_file.ts";
import { removeLeftovers, UUID_PATTERN } from "../util/leftovers.ts";

/**
 * The facts a cache line keeps about a file (any change means "hash it again"), its key and,
 * for a packed file, its pack and offset.
 */
interface CachedFile {
  name: string;
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  key: string;
  pack?: string;
  offset?: number;
}

/** Where the last upload stored an unchanged file. */
export interface CachedLocation {
  key: string;
  pack?: PackLocation;
}

const encoder = new TextEncoder();
/** A new cache file being written: the cache file's name, `.tmp-` and a random UUID. */
const CACHE_TEMP = new RegExp(`^[0-9a-f]{32}\\.jsonl\\.tmp-${UUID_PATTERN}$`);
/** Lines gathered before one write to the new cache file. */
const WRITE_BATCH = 256;
/**
 * How long before the upload started a file must have last changed to be recorded: well past a
 * file system clock's tick (4 ms measured here).
 */
export const RACY_MARGIN_MS = 1000;

/**
 * The latest time `file` may have last changed (ms since the epoch). Deno gives ctime in whole
 * seconds (cut, not rounded), so the change may have come up to a second after it.
 */
function latestChange(file: LocalFile): number {
  return file.ctime ? file.ctime.getTime() + 1000 : file.mtime.getTime();
}

/** The cache file for uploads of `directory` into `blobStoreUrl` with `leafSize`. */
async function cachePath(
  cacheDir: string,
  blobStoreUrl: string,
  leafSize: number,
  directory: string,
): Promise<string> {
  const id = `${blobStoreUrl}\n${leafSize}\n${await Deno.realPath(directory)}`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(id)));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${cacheDir}/${hex}.jsonl`;
}

/** Lines of a text file, one at a time; nothing when the file does not exist. */
async function* readLines(path: string): AsyncGenerator<string> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path);
  } catch {
    return;
  }
  let rest = "";
  for await (const text of file.readable.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + text).split("\n");
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}

function parse(line: string): CachedFile | undefined {
  try {
    const c = JSON.parse(line);
    const located = c.pack === undefined ||
      (typeof c.pack === "string" && Number.isSafeInteger(c.offset));
    return typeof c.name === "string" && typeof c.key === "string" && located ? c : undefined;
  } catch {
    return undefined; // a damaged line only costs a re-hash
  }
}

/** The lines of the cache file that parse, in order. */
async function* cachedFiles(path: string): AsyncGenerator<CachedFile> {
  for await (const line of readLines(path)) {
    const cached = parse(line);
    if (cached) yield cached;
  }
}

function facts(file: LocalFile): Omit<CachedFile, "key"> {
  return {
    name: file.name,
    size: file.size,
    mtime: file.mtime.getTime(),
    ctime: file.ctime?.getTime() ?? 0,
    ino: file.ino ?? 0,
  };
}

/** One upload's view of the cache: look files up in name order, record their locations. */
export class UploadCache {
  #old: NameCursor<CachedFile>;
  #pending: string[] = [];
  /** Why the new cache stopped being written, once a write failed. */
  #unwritable?: Error;

  private constructor(
    private readonly path: string,
    private readonly next: AtomicFile,
    /** Files last changed at or after this time (ms since the epoch) are not recorded. */
    private readonly recentFrom: number,
  ) {
    this.#old = new NameCursor(cachedFiles(path));
  }

  /**
   * Opens the cache of one directory's uploads; the new cache is written beside it. New caches
   * that killed uploads left in `cacheDir` are removed (a live upload's is changed after this
   * process started, and losing it would only cost a re-hash).
   */
  static async open(
    cacheDir: string,
    blobStoreUrl: string,
    leafSize: number,
    directory: string,
  ): Promise<UploadCache> {
    await Deno.mkdir(cacheDir, { recursive: true });
    await removeLeftovers(cacheDir, { isOurs: (name) => CACHE_TEMP.test(name) });
    const path = await cachePath(cacheDir, blobStoreUrl, leafSize, directory);
    const tempPrefix = `${path.slice(path.lastIndexOf("/") + 1)}.tmp-`;
    const recentFrom = Date.now() - RACY_MARGIN_MS;
    const next = await AtomicFile.create(path, { tempPrefix, mode: 0o600 });
    return new UploadCache(path, next, recentFrom);
  }

  /**
   * Where the last upload stored this file, if it is unchanged since. Calls must come in
   * name order (the walk's order).
   */
  async lookup(file: LocalFile): Promise<CachedLocation | undefined> {
    const c = await this.#old.find(file.name);
    const now = facts(file);
    if (
      c === undefined || c.size !== now.size || c.mtime !== now.mtime ||
      c.ctime !== now.ctime || c.ino !== now.ino || now.ino === 0
    ) {
      return undefined;
    }
    return c.pack === undefined
      ? { key: c.key }
      : { key: c.key, pack: { id: c.pack, offset: c.offset! } };
  }

  /**
   * Records where a file was stored, in name order; not a file changed too shortly before the
   * upload for its stat to tell a later change.
   */
  async record(file: LocalFile, stored: CachedLocation): Promise<void> {
    if (latestChange(file) >= this.recentFrom) return;
    const { key, pack } = stored;
    const line: CachedFile = pack
      ? { ...facts(file), key, pack: pack.id, offset: pack.offset }
      : { ...facts(file), key };
    this.#pending.push(JSON.stringify(line));
    if (this.#pending.length >= WRITE_BATCH) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const bytes = encoder.encode(`${this.#pending.join("\n")}\n`);
    this.#pending = [];
    if (this.#unwritable) return;
    try {
      await this.next.write(bytes);
    } catch (e) {
      // A full disk or a lost right only costs the next upload a re-hash: never this upload.
      this.#unwritable = e as Error;
    }
  }

  /**
   * Keeps what was recorded as the cache for the next upload (call after the commit); throws
   * when the new cache could not be written whole (the caller then discards it).
   */
  async commit(): Promise<void> {
    await this.#flush();
    if (this.#unwritable) throw this.#unwritable;
    await this.#old.close();
    await this.next.commit();
  }

  /** Drops what was recorded (the upload failed); the previous cache stays. */
  async discard(): Promise<void> {
    await this.#old.close();
    await this.next.discard();
  }
}
