/**
 * What the last upload of a directory found, so that a file unchanged since then (same size,
 * mtime, ctime and inode) reuses its key instead of being read and hashed again, as restic
 * does with its parent snapshot. One cache file per (blob store, leaf size, directory), one
 * JSON line per file in name order: it is read as a cursor beside the walk and rewritten as
 * the upload goes, so neither is ever held in memory.
 */
import type { LocalFile } from "./walk.ts";

/** The facts a cache line keeps about a file; any change means "hash it again". */
interface CachedFile {
  name: string;
  size: number;
  mtime: number;
  ctime: number;
  ino: number;
  key: string;
}

const encoder = new TextEncoder();
/** Lines gathered before one write to the new cache file. */
const WRITE_BATCH = 256;

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
    return typeof c.name === "string" && typeof c.key === "string" ? c : undefined;
  } catch {
    return undefined; // a damaged line only costs a re-hash
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

/** One upload's view of the cache: look files up in name order, record their keys. */
export class UploadCache {
  #old: AsyncGenerator<CachedFile | undefined>;
  #current: CachedFile | undefined;
  #done = false;
  #pending: string[] = [];

  private constructor(
    private readonly path: string,
    private readonly file: Deno.FsFile,
    private readonly tempPath: string,
  ) {
    this.#old = (async function* () {
      for await (const line of readLines(path)) yield parse(line);
    })();
  }

  /** Opens the cache of one directory's uploads; the new cache is written beside it. */
  static async open(
    cacheDir: string,
    blobStoreUrl: string,
    leafSize: number,
    directory: string,
  ): Promise<UploadCache> {
    await Deno.mkdir(cacheDir, { recursive: true });
    const path = await cachePath(cacheDir, blobStoreUrl, leafSize, directory);
    const tempPath = `${path}.tmp-${crypto.randomUUID()}`;
    const file = await Deno.open(tempPath, { write: true, createNew: true, mode: 0o600 });
    return new UploadCache(path, file, tempPath);
  }

  /**
   * The key the last upload gave this file, if it is unchanged since. Calls must come in
   * name order (the walk's order).
   */
  async lookup(file: LocalFile): Promise<string | undefined> {
    while (!this.#done && (this.#current === undefined || this.#current.name < file.name)) {
      const next = await this.#old.next();
      if (next.done) this.#done = true;
      else this.#current = next.value ?? this.#current;
    }
    const c = this.#current;
    const now = facts(file);
    if (
      c === undefined || c.name !== now.name || c.size !== now.size || c.mtime !== now.mtime ||
      c.ctime !== now.ctime || c.ino !== now.ino || now.ino === 0
    ) {
      return undefined;
    }
    return c.key;
  }

  /** Records the key a file was stored under, in name order. */
  async record(file: LocalFile, key: string): Promise<void> {
    this.#pending.push(JSON.stringify({ ...facts(file), key }));
    if (this.#pending.length >= WRITE_BATCH) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const bytes = encoder.encode(`${this.#pending.join("\n")}\n`);
    this.#pending = [];
    let done = 0;
    while (done < bytes.length) done += await this.file.write(bytes.subarray(done));
  }

  /** Keeps what was recorded as the cache for the next upload (call after the commit). */
  async commit(): Promise<void> {
    await this.#flush();
    this.file.close();
    await this.#old.return(undefined);
    await Deno.rename(this.tempPath, this.path);
  }

  /** Drops what was recorded (the upload failed); the previous cache stays. */
  async discard(): Promise<void> {
    try {
      this.file.close();
    } catch {
      // already closed by commit
    }
    await this.#old.return(undefined);
    await Deno.remove(this.tempPath).catch(() => {});
  }
}
