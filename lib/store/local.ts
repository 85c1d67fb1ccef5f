/**
 * A store on the local filesystem: one file per object at root/key. Writes go to a temp file
 * under root/.datamon-tmp/ (same filesystem) and are moved into place by rename (put) or
 * hard link (putIfAbsent), so a reader sees a whole object or none.
 */
import { DatamonError } from "../errors.ts";
import { checkDelimiter, checkKey, checkPrefix, checkRange, compareKeys } from "./keys.ts";
import type { ListEntry, ListOptions, ObjectInfo, RemovedTemporaries, Store } from "./store.ts";
import { readFull } from "../util/file_io.ts";
import { fsError } from "../util/fs_errors.ts";
import { absolutePath, fileUrlOf } from "../util/file_url.ts";

/** Directory under the root that holds temp files; never a key, never listed. */
export const TEMP_DIR = ".datamon-tmp";

/** A concurrent delete may remove a parent directory between our mkdir and rename. */
const PLACE_ATTEMPTS = 5;
/**
 * From this size on, putIfAbsent looks for an existing object before writing a temp copy of
 * it; below, the failed look-up of a new key costs more than writing the bytes.
 */
const PRECHECK_BYTES = 64 * 1024;
/** How many entries of a directory a listing stats at once. */
const STAT_BATCH = 64;
/** Error codes that say the store itself cannot be used, whatever the key. */
const STORE_FAILURE_CODES = new Set(["EACCES", "EPERM", "EIO"]);

/** Marks a directory that an unlimited listing walks into. */
const DESCEND = Symbol("descend");

/** One entry of a directory being listed, with the key it stands for. */
interface DirEntry {
  key: string;
  isDirectory: boolean;
}

/** A Store rooted at a directory, created (with parents) on first write. */
export class LocalStore implements Store {
  /** `file:///abs/path` of the root directory. */
  readonly url: string;
  /** Absolute path of the root directory. */
  readonly root: string;
  readonly #base: string;
  readonly #tempDir: string;
  readonly #tempTag = crypto.randomUUID();
  #tempCount = 0;

  constructor(root: string) {
    this.root = absolutePath(root);
    this.url = fileUrlOf(this.root);
    this.#base = this.root.endsWith("/") ? this.root : this.root + "/";
    this.#tempDir = this.#base + TEMP_DIR;
  }

  async get(key: string): Promise<Uint8Array> {
    const path = this.#path(key);
    try {
      return await Deno.readFile(path);
    } catch (e) {
      throw (await this.#readFailure(e)) ?? this.#notFound(key);
    }
  }

  getInto(key: string, into: Uint8Array): Promise<number> {
    return this.#withObject(key, async (file, size) => {
      if (size > into.length) return size;
      return await readFull(file, into.subarray(0, size));
    });
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array> {
    checkRange(offset, length);
    return await this.#withObject(key, async (file, size) => {
      const end = Math.min(size, offset + length);
      if (end <= offset) return new Uint8Array(0);
      const out = new Uint8Array(end - offset);
      await file.seek(offset, Deno.SeekMode.Start);
      return out.subarray(0, await readFull(file, out));
    });
  }

  /** Opens the object's file for `read`, mapping failures to store errors; always closes. */
  async #withObject<T>(
    key: string,
    read: (file: Deno.FsFile, size: number) => Promise<T>,
  ): Promise<T> {
    const path = this.#path(key);
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (e) {
      throw (await this.#readFailure(e)) ?? this.#notFound(key);
    }
    try {
      const info = file.statSync();
      if (!info.isFile) throw this.#notFound(key);
      return await read(file, info.size);
    } catch (e) {
      throw (await this.#readFailure(e)) ?? this.#notFound(key);
    } finally {
      file.close();
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const temp = await this.#writeTemp(key, bytes);
    try {
      await this.#place(path, () => Deno.rename(temp, path));
    } catch (e) {
      await removeQuietly(temp);
      throw await this.#writeFailure(e, key);
    }
  }

  async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    const path = this.#path(key);
    if (bytes.length >= PRECHECK_BYTES && await this.#isFile(path)) return false;
    const temp = await this.#writeTemp(key, bytes);
    try {
      await this.#place(path, () => Deno.link(temp, path));
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists && await this.#isFile(path)) return false;
      throw await this.#writeFailure(e, key);
    } finally {
      await removeQuietly(temp);
    }
  }

  /**
   * A hard link of the object's file, placed by rename: no bytes are copied, and the copy
   * keeps the original's stored time. Objects are never changed in place (put renames a new
   * file over), so sharing the file is safe.
   */
  async copy(from: string, to: string): Promise<void> {
    const source = this.#path(from);
    const path = this.#path(to);
    // A directory at `from` is a prefix, not an object.
    if (!await this.#isFile(source)) throw this.#notFound(from);
    const temp = this.#tempPath();
    try {
      await this.#place(temp, () => Deno.link(source, temp));
    } catch (e) {
      throw (await this.#readFailure(e)) ?? this.#notFound(from);
    }
    try {
      await this.#place(path, () => Deno.rename(temp, path));
    } catch (e) {
      throw await this.#writeFailure(e, to);
    } finally {
      await removeQuietly(temp);
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const path = this.#path(key);
    try {
      const info = await Deno.stat(path);
      return info.isFile ? { size: info.size, modified: info.mtime ?? new Date(0) } : null;
    } catch (e) {
      const failure = await this.#readFailure(e);
      if (failure) throw failure;
      return null;
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<ListEntry> {
    checkPrefix(prefix);
    const delimiter = checkDelimiter(options.delimiter, this.url);
    if (prefix.startsWith(TEMP_DIR + "/")) return;
    const cut = prefix.lastIndexOf("/") + 1;
    yield* this.#walk(prefix.slice(0, cut), prefix.slice(cut), delimiter === "/");
  }

  /**
   * Removes temp files under root/.datamon-tmp/ last modified before `olderThan`: those of
   * writers that died between writing and renaming. A live writer's temp file is younger.
   */
  async removeStaleTemporaries(olderThan: Date): Promise<RemovedTemporaries> {
    const removed = { files: 0, bytes: 0 };
    let names: Deno.DirEntry[];
    try {
      names = await Array.fromAsync(Deno.readDir(this.#tempDir));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return removed;
      throw e;
    }
    for (const { name, isFile } of names) {
      if (!isFile) continue;
      const path = `${this.#tempDir}/${name}`;
      const info = await Deno.stat(path).catch(() => null);
      if (!info?.mtime || info.mtime >= olderThan) continue;
      await removeQuietly(path);
      removed.files++;
      removed.bytes += info.size;
    }
    return removed;
  }

  async delete(key: string): Promise<void> {
    const path = this.#path(key);
    try {
      await Deno.remove(path);
    } catch (e) {
      // A non-empty directory at the key is a prefix, not an object: nothing to delete.
      if ((e as { code?: string }).code === "ENOTEMPTY") return;
      const failure = await this.#readFailure(e);
      if (failure) throw failure;
      return;
    }
    await this.#removeEmptyParents(key);
  }

  /**
   * Yields the objects (or, when grouped, objects and prefixes) under the directory of
   * `dirKey` whose names start with `namePrefix`, in key order, one directory at a time.
   */
  async *#walk(dirKey: string, namePrefix: string, grouped: boolean): AsyncGenerator<ListEntry> {
    const entries = await this.#readDirSorted(dirKey, namePrefix);
    for (let i = 0; i < entries.length; i += STAT_BATCH) {
      const batch = entries.slice(i, i + STAT_BATCH);
      const rows = await Promise.all(batch.map((entry) => this.#row(entry, grouped)));
      for (const [j, row] of rows.entries()) {
        if (row === DESCEND) yield* this.#walk(batch[j].key + "/", "", false);
        else if (row) yield row;
      }
    }
  }

  /**
   * Entries of one directory whose names start with `namePrefix`, sorted so that walking them
   * in turn gives keys in store order: a directory sorts as its name + "/".
   */
  async #readDirSorted(dirKey: string, namePrefix: string): Promise<DirEntry[]> {
    const entries: Array<DirEntry & { sortName: string }> = [];
    try {
      for await (const entry of Deno.readDir(this.#base + dirKey)) {
        const name = entry.name;
        if (!name.startsWith(namePrefix)) continue;
        if (dirKey === "" && name === TEMP_DIR) continue;
        if (entry.isDirectory) {
          entries.push({ key: dirKey + name, isDirectory: true, sortName: name + "/" });
        } else if (entry.isFile || entry.isSymlink) {
          entries.push({ key: dirKey + name, isDirectory: false, sortName: name });
        }
      }
    } catch (e) {
      const failure = await this.#readFailure(e);
      if (failure) throw failure;
      return [];
    }
    return entries.sort((a, b) => compareKeys(a.sortName, b.sortName));
  }

  /**
   * The listing row of one entry: an object, a prefix (when grouped and it holds an object),
   * DESCEND for a directory to walk into, or null for nothing to show.
   */
  async #row(entry: DirEntry, grouped: boolean): Promise<ListEntry | typeof DESCEND | null> {
    if (!entry.isDirectory) {
      const info = await this.#statObject(entry.key);
      return info && { kind: "object", key: entry.key, size: info.size, modified: info.modified };
    }
    if (!grouped) return DESCEND;
    return await this.#holdsObject(entry.key) ? { kind: "prefix", prefix: entry.key + "/" } : null;
  }

  /** Size and time of the file at `key`, or null when it vanished or is not a regular file. */
  async #statObject(key: string): Promise<ObjectInfo | null> {
    try {
      const info = await Deno.stat(this.#base + key);
      return info.isFile ? { size: info.size, modified: info.mtime ?? new Date(0) } : null;
    } catch (e) {
      const failure = await this.#readFailure(e);
      if (failure) throw failure;
      return null;
    }
  }

  /** True when the directory at `dirKey` holds an object at any depth (stops at the first). */
  async #holdsObject(dirKey: string): Promise<boolean> {
    const subdirectories: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.#base + dirKey)) {
        const key = dirKey + "/" + entry.name;
        if (entry.isFile) return true;
        if (entry.isDirectory) subdirectories.push(key);
        else if (entry.isSymlink && await this.#statObject(key)) return true;
      }
    } catch (e) {
      const failure = await this.#readFailure(e);
      if (failure) throw failure;
      return false;
    }
    for (const key of subdirectories) {
      if (await this.#holdsObject(key)) return true;
    }
    return false;
  }

  /** Writes `bytes` to a fresh temp file and returns its path; leaves nothing on failure. */
  async #writeTemp(key: string, bytes: Uint8Array): Promise<string> {
    const temp = this.#tempPath();
    try {
      try {
        await Deno.writeFile(temp, bytes);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        await Deno.mkdir(this.#tempDir, { recursive: true });
        await Deno.writeFile(temp, bytes);
      }
      return temp;
    } catch (e) {
      await removeQuietly(temp);
      throw await this.#writeFailure(e, key);
    }
  }

  /** A fresh temp file path, unique to this store instance. */
  #tempPath(): string {
    return `${this.#tempDir}/${this.#tempTag}-${this.#tempCount++}`;
  }

  /** Runs `move` (rename or link into `path`), creating the parent directory when missing. */
  async #place(path: string, move: () => Promise<void>): Promise<void> {
    for (let attempt = 1;; attempt++) {
      try {
        return await move();
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound) || attempt === PLACE_ATTEMPTS) throw e;
      }
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    }
  }

  /** Removes the directories of `key` that are now empty, deepest first, never the root. */
  async #removeEmptyParents(key: string): Promise<void> {
    for (let end = key.lastIndexOf("/"); end > 0; end = key.lastIndexOf("/", end - 1)) {
      try {
        await Deno.remove(this.#base + key.slice(0, end));
      } catch {
        return;
      }
    }
  }

  /** True when an object (a regular file, as head sees it) is at `path`. */
  async #isFile(path: string): Promise<boolean> {
    try {
      return (await Deno.stat(path)).isFile;
    } catch {
      return false;
    }
  }

  /** The path of a valid key outside the temp directory. */
  #path(key: string): string {
    checkKey(key);
    if (key === TEMP_DIR || key.startsWith(TEMP_DIR + "/")) {
      throw new DatamonError(
        "invalid-argument",
        `invalid store key ${JSON.stringify(key)}: "${TEMP_DIR}" is reserved by the local store`,
      );
    }
    return this.#base + key;
  }

  /** The error a failed read should throw, or null when it only means "absent". */
  async #readFailure(e: unknown): Promise<Error | null> {
    if (e instanceof DatamonError) return e;
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return null;
    if (e instanceof Deno.errors.NotADirectory) return await this.#rootFailure();
    return this.#storeFailure(e);
  }

  /** The error a failed write should throw. */
  async #writeFailure(e: unknown, key: string): Promise<Error> {
    if (e instanceof DatamonError) return e;
    if (
      e instanceof Deno.errors.NotADirectory || e instanceof Deno.errors.IsADirectory ||
      e instanceof Deno.errors.AlreadyExists
    ) {
      return (await this.#rootFailure()) ?? new DatamonError(
        "invalid-argument",
        `key ${key} cannot be stored in ${this.url}: it or one of its parents is both an object ` +
          "and a prefix of other keys, which a local directory cannot hold",
      );
    }
    return this.#storeFailure(e);
  }

  /** An "unreachable" error when the root cannot be a directory, else null. */
  async #rootFailure(): Promise<DatamonError | null> {
    try {
      const info = await Deno.stat(this.root);
      return info.isDirectory ? null : this.#unreachable(`${this.root} is not a directory`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      return this.#unreachable(errorMessage(e));
    }
  }

  /**
   * A full disk and a read-only file system are said as such (naming the root); permission
   * and I/O errors make the store "unreachable"; others pass.
   */
  #storeFailure(e: unknown): Error {
    const code = (e as { code?: string }).code;
    if (code === "ENOSPC" || code === "EDQUOT" || code === "EROFS") {
      return fsError(e, `store ${this.root}`, { doing: "writing" });
    }
    if (e instanceof Deno.errors.PermissionDenied || (code && STORE_FAILURE_CODES.has(code))) {
      return this.#unreachable(errorMessage(e));
    }
    return e instanceof Error ? e : new Error(String(e));
  }

  #unreachable(reason: string): DatamonError {
    return new DatamonError("unreachable", `store ${this.url} cannot be used: ${reason}`);
  }

  #notFound(key: string): DatamonError {
    return new DatamonError("not-found", `object ${key} not found in ${this.url}`);
  }
}

async function removeQuietly(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch {
    // Already gone, or the store is failing and the caller reports that instead.
  }
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
