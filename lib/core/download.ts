/**
 * Download: a bundle's files are written under a destination directory. Each file is
 * written to a hidden part file beside its target and renamed into place only once every
 * leaf has been verified, so a failure never leaves a partial file under a real name (a packed
 * file new to its directory is made without a name and linked into place, whole).
 * Packed files that lie close together in one pack are fetched with one ranged read.
 * Symlinks are made as links and empty directories as directories; nothing is ever written
 * through a symlink inside the destination, and setuid/setgid bits are dropped unless asked.
 */
import { DatamonError } from "../errors.ts";
import { fsError } from "../util/fs_errors.ts";
import {
  type BundleDoc,
  type FileEntry,
  isFileEntry,
  type SymlinkEntry,
  type TreeEntry,
} from "../model/types.ts";
import type { CafsReader } from "../cafs/reader.ts";
import type { RequestCounts } from "../store/metered.ts";
import { CafsSession } from "../cafs/session.ts";
import { bundleReader } from "./bundle_blobs.ts";
import { type Context, ensureMetered } from "../meta/context.ts";
import { mapOrdered } from "../meta/documents.ts";
import {
  bundleEntries,
  bundleTree,
  bundleTreeLists,
  type Disorder,
  disorderError,
} from "../meta/bundles.ts";
import { throwIfAborted } from "../util/abort.ts";
import { AtomicFile, createWholeSync } from "../util/atomic_file.ts";
import * as byteFs from "../util/byte_fs.ts";
import { displayName, hasRawBytes } from "../util/byte_names.ts";
import { logRead, type Reader } from "../meta/audit.ts";
import { removeLeftovers, UUID_PATTERN } from "../util/leftovers.ts";
import { holdPrefix } from "../util/name_order.ts";

export interface DownloadOptions {
  destination: string;
  concurrency: number;
  /** Only entries whose name matches are downloaded. */
  nameFilter?: RegExp;
  /** Allow a non-empty destination; existing files of the same name are replaced. */
  force?: boolean;
  /** Restore setuid and setgid bits (dropped by default: a bundle may come from anyone). */
  keepSetid?: boolean;
  /** Who reads: the read is recorded in the read log before the first byte is fetched. */
  reader?: Reader;
  signal?: AbortSignal;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

export interface DownloadResult {
  files: number;
  bytes: number;
  /** Files left out because their names were redacted from the repo. */
  redacted: number;
  /** Requests made to the context's stores. */
  requests: RequestCounts;
}

/**
 * Fails unless `dir` is absent or empty (or `force`); creates it when absent. Part files a
 * killed download left are removed first: in the whole tree with `force`, else at its top,
 * where they alone must not make the destination look non-empty.
 */
export async function prepareDestination(dir: string, force: boolean): Promise<void> {
  await removePartFiles(dir, force);
  if (!await checkDestination(dir, force)) {
    await Deno.mkdir(dir, { recursive: true }).catch((e) => {
      throw fsError(e, dir, { doing: "writing" });
    });
  }
}

/** How a part file's name starts; a random UUID follows. */
const PART_PREFIX = ".datamon-part-";
/** The name of a part file. */
const PART_FILE = new RegExp(`^${PART_PREFIX.replace(".", "\\.")}${UUID_PATTERN}$`);
/** How a part file is made: private until it is complete. */
const PART_OPTIONS = { tempPrefix: PART_PREFIX, mode: 0o600 };

/**
 * Removes the part files a killed download or update left in `dir` (`recursive`: and below),
 * those last changed before this process started; never a user's file, nor a live one of ours.
 */
export function removePartFiles(dir: string, recursive: boolean): Promise<number> {
  return removeLeftovers(dir, { isOurs: (name) => PART_FILE.test(name), recursive });
}

/**
 * Fails unless `dir` is absent or empty (or `force`), changing nothing; returns whether it
 * exists.
 */
export async function checkDestination(dir: string, force: boolean): Promise<boolean> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) {
      throw new DatamonError("bad-path", `destination ${dir} is not a directory`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw fsError(e, dir, { doing: "reading" });
    return false;
  }
  if (force) return true;
  for await (const _ of Deno.readDir(dir)) {
    throw new DatamonError(
      "destination-not-empty",
      `destination ${dir} is not empty: choose an empty directory or pass --force-dest`,
    );
  }
  return true;
}

/** The permission bits restored: setuid and setgid only when asked. */
export function restoredMode(mode: number, keepSetid: boolean): number {
  return mode & (keepSetid ? 0o7777 : 0o1777);
}

/**
 * Writes entries under `destination`: a file through a part file and a rename, a symlink as a
 * link (made aside, then renamed into place), an empty directory with its mode and time.
 * Directories on the way are checked to be real directories, never symlinks.
 */
export class EntryWriter {
  /** Directories (relative, "" for the destination) known to be real directories. */
  #dirs = new Set<string>([""]);

  constructor(
    private readonly reader: CafsReader,
    private readonly destination: string,
    private readonly onBytes: (n: number) => void = () => {},
    private readonly keepSetid = false,
    /**
     * The destination held nothing when the writing began (a download without --force-dest):
     * a packed file is then most likely new, and made in one step (createWholeSync).
     */
    private readonly fresh = false,
  ) {}

  /**
   * Writes a group of entries that reader.packRuns made: one entry, or packed entries of one
   * pack, fetched with one ranged read.
   */
  async writeGroup(entries: readonly TreeEntry[], signal?: AbortSignal): Promise<void> {
    if (entries.length === 1) return await this.write(entries[0], signal);
    for await (const { file, bytes } of this.reader.readPackRun(entries as FileEntry[])) {
      await this.#writeWhole(file, bytes, signal).catch(this.#failure(file));
    }
  }

  /** Writes one entry; a file is read leaf by leaf. */
  write(entry: TreeEntry, signal?: AbortSignal): Promise<void> {
    return this.#write(entry, signal).catch(this.#failure(entry));
  }

  /** What a failure to write `entry` throws: a full disk or a denied write names its path. */
  #failure(entry: TreeEntry): (e: unknown) => never {
    return (e) => {
      throw fsError(e, `${this.destination}/${entry.name}`, { doing: "writing" });
    };
  }

  async #write(entry: TreeEntry, signal?: AbortSignal): Promise<void> {
    if (isFileEntry(entry)) {
      return await this.#writeFrom(entry, this.reader.readFile(entry), signal);
    }
    if (entry.kind === "symlink") return await this.#writeLink(entry);
    const dir = entry.name.slice(0, -1);
    await this.#directory(dir, `${this.destination}/${dir}`);
    const path = `${this.destination}/${dir}`;
    await byteFs.chmod(path, restoredMode(entry.mode, this.keepSetid));
    await byteFs.utime(path, entry.mtime, entry.mtime);
  }

  /** Makes the link beside its place, then renames it over whatever has its name. */
  async #writeLink(entry: SymlinkEntry): Promise<void> {
    const target = `${this.destination}/${entry.name}`;
    const slash = entry.name.lastIndexOf("/");
    await this.#directory(slash < 0 ? "" : entry.name.slice(0, slash), target);
    const dir = target.slice(0, target.lastIndexOf("/"));
    const temp = `${dir}/${PART_PREFIX}${crypto.randomUUID()}`;
    await byteFs.symlink(entry.target, temp);
    try {
      await byteFs.rename(temp, target);
    } catch (e) {
      await byteFs.remove(temp).catch(() => {});
      if (e instanceof Deno.errors.IsADirectory || e instanceof Deno.errors.NotADirectory) {
        throw new DatamonError(
          "bad-path",
          `cannot write ${target}: a directory and a symlink share that name`,
        );
      }
      throw e;
    }
  }

  /**
   * Makes directory `dir` (relative to the destination) and those above it, each checked to
   * be a real directory: a symlink there could lead writes outside the destination.
   */
  async #directory(dir: string, writing: string): Promise<void> {
    if (this.#dirs.has(dir)) return;
    const slash = dir.lastIndexOf("/");
    await this.#directory(slash < 0 ? "" : dir.slice(0, slash), writing);
    const path = `${this.destination}/${dir}`;
    try {
      await byteFs.mkdir(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const info = await byteFs.lstat(path);
      if (info.isSymlink) {
        throw new DatamonError(
          "bad-path",
          `cannot write ${writing}: ${path} is a symlink inside the destination, and datamon ` +
            "never writes through one: remove it",
        );
      }
      if (!info.isDirectory) {
        throw new DatamonError(
          "bad-path",
          `cannot write ${writing}: ${path} is a file, not a directory`,
        );
      }
    }
    this.#dirs.add(dir);
  }

  /** Writes `entry` from its verified chunks through a part file and a rename. */
  async #writeFrom(
    entry: FileEntry,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<void> {
    const target = `${this.destination}/${entry.name}`;
    const slash = entry.name.lastIndexOf("/");
    await this.#directory(slash < 0 ? "" : entry.name.slice(0, slash), target);
    const part = await AtomicFile.create(target, PART_OPTIONS);
    try {
      for await (const chunk of chunks) {
        throwIfAborted(signal, `download interrupted: ${entry.name} was not written`);
        await part.write(chunk);
        this.onBytes(chunk.length);
      }
      await part.commit(async (temp) => {
        await byteFs.chmod(temp, restoredMode(entry.mode, this.keepSetid));
        await byteFs.utime(temp, entry.mtime, entry.mtime);
      });
    } catch (e) {
      await part.discard();
      throw fileInTheWay(e, target);
    }
  }

  /**
   * Writes `entry`, whose verified bytes are all in `bytes` (a packed file), by sync calls:
   * the async ones cost a round trip to Deno's blocking threads each, several times the calls
   * themselves for thousands of small files. Into a fresh destination the file is made without
   * a name and linked into place, one change to the directory instead of a create and a rename
   * (measured: about half the kernel time of the part file on ext4); a name already taken, or
   * a file system without unnamed files, takes the part file.
   */
  async #writeWhole(entry: FileEntry, bytes: Uint8Array, signal?: AbortSignal): Promise<void> {
    const target = `${this.destination}/${entry.name}`;
    const slash = entry.name.lastIndexOf("/");
    await this.#directory(slash < 0 ? "" : entry.name.slice(0, slash), target);
    throwIfAborted(signal, `download interrupted: ${entry.name} was not written`);
    const mode = restoredMode(entry.mode, this.keepSetid);
    if (this.fresh && createWholeSync(target, bytes, mode, entry.mtime)) {
      this.onBytes(bytes.length);
      return;
    }
    const part = AtomicFile.createSync(target, PART_OPTIONS);
    try {
      part.writeSync(bytes);
      part.commitSync((temp) => {
        byteFs.chmodSync(temp, mode);
        byteFs.utimeSync(temp, entry.mtime, entry.mtime);
      });
    } catch (e) {
      part.discardSync();
      throw fileInTheWay(e, target);
    }
    this.onBytes(bytes.length);
  }
}

/** A directory where a file goes is a bad path the user must clear; other errors as they are. */
function fileInTheWay(e: unknown, target: string): unknown {
  if (e instanceof Deno.errors.IsADirectory || e instanceof Deno.errors.NotADirectory) {
    return new DatamonError(
      "bad-path",
      `cannot write ${target}: a directory and a file share that name`,
    );
  }
  return e;
}

/**
 * Downloads the bundle's files (or those matching the filter) into `destination`. Its requests
 * are counted by the context's meter (one is added when it has none).
 */
export async function downloadBundle(
  given: Context,
  bundle: BundleDoc,
  options: DownloadOptions,
): Promise<DownloadResult> {
  await prepareDestination(options.destination, options.force ?? false);
  const ctx = ensureMetered(given);
  const start = ctx.meter.counts();
  if (options.reader) {
    await logRead(ctx, options.reader, {
      bundle: { repo: bundle.repo, bundle: bundle.id },
      method: "download",
      ...options.nameFilter
        ? { selection: "filter", target: options.nameFilter.source }
        : { selection: "all" },
    });
  }
  using blobs = await CafsSession.open(ctx.blob);
  const reader = bundleReader(ctx, blobs, bundle, options.concurrency);
  const result = { files: 0, bytes: 0, redacted: 0 };
  const writer = new EntryWriter(
    reader,
    options.destination,
    (n) => {
      result.bytes += n;
      options.onProgress?.({ bytes: n, files: 0 });
    },
    options.keepSetid,
    !options.force,
  );
  async function* selected() {
    const selects = (name: string) => !options.nameFilter || options.nameFilter.test(name);
    const onRedacted = (name: string) => selects(name) && result.redacted++;
    for await (const entry of bundleTree(ctx, bundle, onRedacted)) {
      if (selects(entry.name)) yield entry;
    }
  }
  const groups = reader.packRuns(selected(), (entry) => isFileEntry(entry) ? entry : undefined);
  const done = mapOrdered(groups, options.concurrency, async (group) => {
    await writer.writeGroup(group, options.signal);
    options.onProgress?.({ bytes: 0, files: group.length });
    return group.length;
  });
  for await (const files of done) result.files += files;
  return { ...result, requests: ctx.meter.since(start) };
}

/**
 * Finds one entry by name, or by the form a name that is not UTF-8 is shown in; the lists are
 * in name order, so the search by name stops at the first name after it. A bundle whose lists
 * are in code-point order (uploads from buckets wrote them so before listings were re-sorted)
 * may hide the name past that point: when the lists read up to there, and on through where it
 * could hide, are out of name order, the answer is integrity, not "not found".
 */
export async function findEntry(
  ctx: Context,
  bundle: BundleDoc,
  name: string,
): Promise<FileEntry> {
  const wanted = name.replace(/^\/+/, "");
  let redacted = false;
  let disorder: Disorder | undefined;
  const lists = bundleTreeLists(
    ctx,
    bundle,
    (n) => redacted ||= n === wanted,
    (found) => disorder = found,
  );
  let stopped = false;
  for await (const list of lists) {
    const at = list.findIndex((entry) => entry.name >= wanted);
    if (at === -1) continue;
    if (list[at].name === wanted && isFileEntry(list[at])) return list[at];
    stopped = true;
    await readWhileHidden(lists, list, list[at].name, wanted, () => disorder !== undefined);
    break;
  }
  if (redacted) {
    throw new DatamonError(
      "not-found",
      `file "${wanted}" was redacted from repo "${bundle.repo}" ("datamon repo delete files"): ` +
        `it is no longer served`,
    );
  }
  // A name that is not UTF-8 can only be typed as shown, its bytes as \xNN: a full scan.
  if (wanted.includes("\\x")) {
    for await (const entry of bundleEntries(ctx, bundle)) {
      if (hasRawBytes(entry.name) && displayName(entry.name) === wanted) return entry;
    }
  }
  if (stopped && disorder !== undefined) {
    throw disorderError(bundle, disorder, "a file cannot be looked up by name");
  }
  throw new DatamonError(
    "not-found",
    `file "${wanted}" not found in bundle ${bundle.id}: see "datamon bundle list files"`,
  );
}

/**
 * After a search for `wanted` stopped at `stop` in `list`, reads on (so that the lists are
 * checked) while lists in code-point order, as uploads from buckets once wrote them, could
 * still hold `wanted` further on: through the names under `stop`'s hold prefix (contiguous in
 * either order), until a disorder is found. Reads nothing when the prefix cannot hide it, so a
 * miss in a sound bundle costs more only among names with characters in U+E000..U+FFFF.
 */
async function readWhileHidden(
  lists: AsyncIterator<TreeEntry[]>,
  list: readonly TreeEntry[],
  stop: string,
  wanted: string,
  disordered: () => boolean,
): Promise<void> {
  const prefix = holdPrefix(stop);
  if (prefix === undefined || !wanted.startsWith(prefix)) return;
  let last = list[list.length - 1].name;
  while (last.startsWith(prefix) && !disordered()) {
    const next = await lists.next();
    if (next.done) return;
    last = next.value[next.value.length - 1].name;
  }
}

/** Downloads one file of a bundle to destination/name; its requests counted as downloadBundle's. */
export async function downloadFile(
  given: Context,
  bundle: BundleDoc,
  name: string,
  options: Omit<DownloadOptions, "nameFilter" | "concurrency">,
): Promise<DownloadResult> {
  const ctx = ensureMetered(given);
  const start = ctx.meter.counts();
  const entry = await findEntry(ctx, bundle, name);
  const target = `${options.destination}/${entry.name}`;
  if (!options.force) {
    const exists = await byteFs.lstat(target).then(() => true, () => false);
    if (exists) {
      throw new DatamonError(
        "destination-not-empty",
        `${target} already exists: remove it or pass --force-dest`,
      );
    }
  }
  await Deno.mkdir(options.destination, { recursive: true }).catch((e) => {
    throw fsError(e, options.destination, { doing: "writing" });
  });
  if (options.reader) {
    await logRead(ctx, options.reader, {
      bundle: { repo: bundle.repo, bundle: bundle.id },
      method: "download file",
      selection: "file",
      target: entry.name,
    });
  }
  using blobs = await CafsSession.open(ctx.blob);
  const writer = new EntryWriter(
    bundleReader(ctx, blobs, bundle, 1),
    options.destination,
    (n) => {
      options.onProgress?.({ bytes: n, files: 0 });
    },
    options.keepSetid,
  );
  await writer.write(entry, options.signal);
  options.onProgress?.({ bytes: 0, files: 1 });
  return { files: 1, bytes: entry.size, redacted: 0, requests: ctx.meter.since(start) };
}
