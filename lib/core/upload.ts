/**
 * Upload: a local directory becomes an immutable bundle. Blobs and packs first (file lists
 * may be written while packs are still filling), then bundle.yaml, the commit point, once
 * every pack is stored: until it is written nothing of the upload is visible.
 *
 * Small files are packed. An unchanged small file is not packed again: the upload cache, or
 * else its entry in the repo's latest bundle (read beside the walk, in name order), gives its
 * pack location, used once a `head` per pack finds the pack still stored. Nothing is taken as
 * stored from the cache or an earlier bundle alone: every blob the bundle names was written by
 * this upload or found stored (at its size) by a check made during it, so re-uploading repairs
 * a missing or truncated blob.
 */
import { DatamonError, isKind } from "../errors.ts";
import { fsError } from "../util/fs_errors.ts";
import {
  type BundleDoc,
  type BundleRef,
  type Contributor,
  type FileEntry,
  isFileEntry,
  type TreeEntry,
} from "../model/types.ts";
import { validateEntryName } from "../model/names.ts";
import { addCounts, MeteredStore, type RequestCounts, RequestMeter } from "../store/metered.ts";
import type { PackWriter } from "../cafs/pack_writer.ts";
import type { CafsWriter, PutResult } from "../cafs/writer.ts";
import { CafsSession } from "../cafs/session.ts";
import { type HeldLock, takeWriterLock } from "../cafs/locks.ts";
import { registerContext } from "../meta/registry.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { type Context, ensureMetered, requestsFor } from "../meta/context.ts";
import { mapOrdered } from "../meta/documents.ts";
import { BundleWriter } from "../meta/bundle_writer.ts";
import { getRepo } from "../meta/repo.ts";
import {
  type LocalEntry,
  type LocalFile,
  localFile,
  requireDirectory,
  type Skipped,
  walkTree,
} from "./walk.ts";
import { listedFiles, uploadExclusion, withoutExcluded } from "./file_selection.ts";
import { checkLeafSize, DEFAULT_LEAF_SIZE, packOptions } from "../cafs/tuning.ts";
import { throwIfAborted } from "../util/abort.ts";
import { type CachedLocation, UploadCache } from "./upload_cache.ts";
import { bundleEntries, latestBundle } from "../meta/bundles.ts";
import { NameCursor } from "../util/name_cursor.ts";
import { type BucketFile, openBucketSource, walkBucket } from "../cafs/bucket_source.ts";
import { isBucketUrl } from "../store/cloud_url.ts";
import { type ByteSource, objectByteSource } from "../cafs/byte_source.ts";
import { distinctInputs, runInputs } from "../meta/lineage.ts";
import * as byteFs from "../util/byte_fs.ts";

/**
 * A file whose bytes come from neither a local path nor a bucket object: a migration's, read
 * from another blob store. `bytes` opens its bytes each time it is called.
 */
export interface StreamedFile {
  name: string;
  size: number;
  mode: number;
  mtime: Date;
  bytes(): ByteSource;
}

/** A file, symlink or empty directory found by the local walk, an object of a bucket, or streamed. */
type SourceFile = LocalEntry | BucketFile | StreamedFile;

export interface UploadOptions {
  repo: string;
  /** Local directory to upload, or a bucket prefix (s3://bucket/prefix, gs://bucket/prefix). */
  path: string;
  message: string;
  /** Who uploads: recorded on the bundle and on every write-ahead log record. */
  contributor: Contributor;
  concurrency: number;
  /**
   * Bundles this one is made from (lineage), already resolved to committed bundles: `--input`,
   * or a sidecar's inputs.
   */
  inputs?: readonly BundleRef[];
  /** The run (DATAMON_RUN_ID) this upload belongs to: the bundles it read become inputs too. */
  run?: string;
  leafSize?: number;
  /** A text file naming, one per line, the files under `path` to upload (default: all). */
  files?: string;
  /**
   * Directory of the upload cache: files unchanged since the last upload of `path` (size,
   * mtime, ctime, inode) reuse their key without being read. Absent: hash every file.
   */
  cacheDir?: string;
  /** Most bytes of one pack object (default 8 MiB). */
  packSize?: number;
  /** Largest file packed (default 1 MiB, never more than the leaf size). */
  maxPacked?: number;
  /** Skip files that cannot be read instead of failing; they are reported in the result. */
  skipOnError?: boolean;
  /** Store what symlinks to files point to instead of the links themselves. */
  followSymlinks?: boolean;
  /** Globs (gitignore syntax) of names to leave out, after those of `path`/.datamonignore. */
  exclude?: readonly string[];
  signal?: AbortSignal;
  /** Called as bytes are read and as files complete. */
  onProgress?: (delta: { bytes: number; files: number }) => void;
  /** Called for each file passed over. */
  onSkip?: (skipped: Skipped) => void;
}

export interface UploadResult {
  bundle: BundleDoc;
  /** Leaves written, packed files included. */
  leavesStored: number;
  /** Leaves and packed files found already stored. */
  leavesDeduplicated: number;
  /** Bytes of the leaves and packed files written. */
  bytesStored: number;
  /** Pack objects written. */
  packsStored: number;
  /** Requests made to the context's stores, and to the source bucket. */
  requests: RequestCounts;
  skipped: Skipped[];
}

/**
 * Uploads a directory as a new bundle of an existing repo and returns the committed bundle.
 * Its requests are counted by the context's meter (one is added when it has none).
 */
export async function uploadBundle(
  given: Context,
  options: UploadOptions,
): Promise<UploadResult> {
  const { committed, ...result } = await storeUpload(
    given,
    options,
    "bundle upload",
    async (ctx) => {
      const writer = await BundleWriter.start(ctx, options.repo, options.contributor);
      return {
        writer,
        commit: async (leafSize) =>
          writer.commit({
            message: options.message,
            leafSize,
            inputs: await lineageInputs(ctx, options, writer.ref),
          }),
      };
    },
  );
  return { bundle: committed, ...result };
}

/** What an upload's stored entries are written to, in name order. */
export interface EntryWriter {
  readonly fileCount: number;
  add(entry: TreeEntry): Promise<void>;
}

/** Where an upload writes its entries, and its commit: a bundle's, or a diamond split's. */
export interface UploadTarget<T> {
  writer: EntryWriter;
  /** Called once every blob and pack the entries name is stored, the writer lock still held. */
  commit(leafSize: number): Promise<T>;
}

/** How the blobs of an upload are written, whatever its target. */
export type StoreOptions = Omit<UploadOptions, "message" | "inputs" | "run"> & {
  /** Only files (and links, directories) whose name matches. */
  nameFilter?: RegExp;
  /**
   * The files to store, in name order, instead of walking `path` (which then only names the
   * source in messages).
   */
  source?: AsyncIterable<StreamedFile>;
};

/** What an upload stored, and what its target's commit returned. */
export type StoredUpload<T> = Omit<UploadResult, "bundle"> & { committed: T };

/**
 * Stores a directory's (or bucket prefix's) files as blobs and packs and their entries in the
 * target `open` makes (given the metered context and the writer lock the upload holds), then
 * commits the target. The writer lock keeps purge away until the commit.
 */
export async function storeUpload<T>(
  given: Context,
  options: StoreOptions,
  command: string,
  open: (ctx: Context, lock: HeldLock) => Promise<UploadTarget<T>>,
): Promise<StoredUpload<T>> {
  const { repo, path, signal } = options;
  const leafSize = checkLeafSize(options.leafSize ?? DEFAULT_LEAF_SIZE);
  const packing = packOptions(leafSize, options.packSize, options.maxPacked);
  const ctx = ensureMetered(given);
  const start = ctx.meter.counts();
  // The source bucket is no store of the context: its requests count for this upload only.
  const sourceMeter = new RequestMeter();
  await getRepo(ctx, repo);
  const fromBucket = !options.source && isBucketUrl(path);
  const skipped: Skipped[] = [];
  const skip = (s: Skipped) => {
    skipped.push(s);
    options.onSkip?.(s);
  };
  const walked: AsyncIterable<SourceFile> = options.source ??
    await walkedFiles(options, fromBucket, sourceMeter, skip);
  const source = options.nameFilter ? named(walked, options.nameFilter) : walked;

  // A writer's lock keeps purge away until the bundle is committed (or the upload ends), and
  // the registry makes purges run from other contexts sharing the blob store keep its blobs.
  await using writerLock = await takeWriterLock(ctx.blob, command);
  await registerContext(ctx);
  using blobs = await CafsSession.open(ctx.blob);
  const chunking = chunkingOf(leafSize);
  const packs = blobs.packWriter(packing);
  const writer = blobs.writer(chunking, options.concurrency, packs);
  // The cache only saves work: one that cannot be opened (a read-only home) is done without.
  const cache = options.cacheDir && !fromBucket
    ? await UploadCache.open(options.cacheDir, ctx.blob.url, leafSize, path).catch(() => undefined)
    : undefined;
  // The target's first records and the look-up of the latest bundle are independent round trips.
  const [target, previous] = await Promise.all([open(ctx, writerLock), latestEntries(ctx, repo)]);
  const entryWriter = target.writer;
  let committed = false;
  const totals = { leavesStored: 0, leavesDeduplicated: 0, bytesStored: 0 };

  const packable = (size: number) => size > 0 && size <= packing.maxPacked;

  const storeFile = async (
    { file, cached, last }: { file: SourceFile; cached?: CachedLocation; last?: FileEntry },
  ): Promise<{ file: SourceFile; entry: TreeEntry } | undefined> => {
    throwIfAborted(signal, "upload interrupted: no bundle was committed");
    if ("kind" in file) {
      validateEntryName(file.kind === "dir" ? file.name.slice(0, -1) : file.name);
      return { file, entry: file };
    }
    validateEntryName(file.name);
    const entry = { name: file.name, size: file.size, mode: file.mode, mtime: file.mtime };
    if (cached && await stillStored(writer, packs, cached, file.size, packable(file.size))) {
      totals.leavesDeduplicated += chunking.leafCount(file.size);
      options.onProgress?.({ bytes: file.size, files: 1 });
      return { file, entry: withLocation(entry, cached.key, cached.pack) };
    }
    try {
      const onBytes = (n: number) => options.onProgress?.({ bytes: n, files: 0 });
      let put: PutResult;
      if ("path" in file) {
        ({ file, put } = await putUnchanged(file, (f) => writer.putFile(f.path, onBytes, last)));
        entry.mode = file.mode;
        entry.mtime = file.mtime;
      } else {
        const bytes = "bytes" in file
          ? file.bytes()
          : objectByteSource(file.store, file.name, file.size);
        put = await writer.putSource(bytes, onBytes, last);
      }
      totals.leavesStored += put.leavesStored;
      totals.leavesDeduplicated += put.leavesDeduplicated;
      totals.bytesStored += put.bytesStored;
      options.onProgress?.({ bytes: 0, files: 1 });
      return { file, entry: withLocation({ ...entry, size: put.size }, put.key, put.pack) };
    } catch (e) {
      // A local file that cannot be read (no rights, gone) fails naming it, or is skipped.
      const error = "path" in file ? fsError(e, file.path, { doing: "reading", existed: true }) : e;
      if (!options.skipOnError || (e instanceof DatamonError && !(e instanceof ChangedWhileRead))) {
        throw error;
      }
      skip({ name: file.name, reason: (error as Error).message });
      return undefined;
    }
  };

  // Look-ups run here, one at a time in name order, ahead of the concurrent stores; the latest
  // bundle is only consulted for files the cache does not know.
  async function* withLocations() {
    for await (const file of source) {
      if ("kind" in file) {
        yield { file };
        continue;
      }
      const cached = cache && "path" in file ? await cache.lookup(file) : undefined;
      yield { file, cached, last: cached ? undefined : await previous?.find(file.name) };
    }
  }

  try {
    for await (const stored of mapOrdered(withLocations(), options.concurrency, storeFile)) {
      if (!stored) continue;
      await entryWriter.add(stored.entry);
      if (cache && "path" in stored.file && isFileEntry(stored.entry)) {
        await cache.record(stored.file, stored.entry);
      }
    }
    throwIfAborted(signal, "upload interrupted: no bundle was committed");
    // A streamed source is copied as it is, empty or not (Go datamon has bundles of no file).
    if (entryWriter.fileCount === 0 && !options.source) {
      throw new DatamonError("bad-path", `upload path ${path} holds no files: nothing to upload`);
    }
    await packs.flush();
    await writerLock.check();
    const done = await target.commit(leafSize);
    committed = true;
    // Released here (not only on leaving) so that its request is among the upload's counts.
    await writerLock.release();
    // The bundle is committed: a cache that cannot be saved only costs the next upload a re-hash.
    await cache?.commit().catch(() => cache.discard());
    return {
      committed: done,
      leavesStored: totals.leavesStored,
      leavesDeduplicated: totals.leavesDeduplicated,
      bytesStored: totals.bytesStored,
      packsStored: packs.packsStored,
      requests: addCounts(ctx.meter.since(start), sourceMeter.counts()),
      skipped,
    };
  } finally {
    await previous?.close();
    if (!committed) {
      await packs.close();
      await cache?.discard();
    }
  }
}

/** The files of the local directory or bucket prefix `options.path`, in name order. */
async function walkedFiles(
  options: StoreOptions,
  fromBucket: boolean,
  sourceMeter: RequestMeter,
  skip: (s: Skipped) => void,
): Promise<AsyncIterable<SourceFile>> {
  const { path } = options;
  if (fromBucket && options.files) {
    throw new DatamonError("usage", "--files selects files of a local --path only");
  }
  if (!fromBucket) await requireDirectory(path, "upload path");
  const exclude = await uploadExclusion(fromBucket ? undefined : path, options.exclude ?? []);
  return fromBucket
    ? withoutExcluded(
      walkBucket(
        new MeteredStore(openBucketSource(path, requestsFor(options.concurrency)), sourceMeter),
      ),
      exclude,
    )
    : options.files
    ? listedFiles(path, options.files, exclude)
    : walkTree(path, {
      followSymlinks: options.followSymlinks,
      skipOnError: options.skipOnError,
      onSkip: skip,
      exclude,
    });
}

/** The files of `source` whose name matches `filter`. */
async function* named(source: AsyncIterable<SourceFile>, filter: RegExp) {
  for await (const file of source) if (filter.test(file.name)) yield file;
}

/** A local file that changed while it was read, twice. */
class ChangedWhileRead extends DatamonError {
  constructor(name: string) {
    super(
      "bad-path",
      `${name} changed while it was read, twice: upload again once nothing writes to it ` +
        "(or pass --skip-on-error)",
    );
  }
}

/**
 * Stores a local file with `put`, then checks by a new stat (size, mtime, ctime, inode) that it
 * did not change while read: a changed file is read once more, and fails if it changes again,
 * so no torn mix of two versions is ever committed. Returns the file as stat saw the version
 * stored.
 */
async function putUnchanged(
  file: LocalFile,
  put: (file: LocalFile) => Promise<PutResult>,
): Promise<{ file: LocalFile; put: PutResult }> {
  for (let attempt = 1;; attempt++) {
    const stored = await put(file);
    const after = localFile(file.path, file.name, byteFs.statSync(file.path));
    if (sameVersion(file, after) && stored.size === after.size) return { file, put: stored };
    if (attempt === 2) throw new ChangedWhileRead(file.name);
    file = after;
  }
}

/** True when two stats of a file show the same version of it. */
function sameVersion(a: LocalFile, b: LocalFile): boolean {
  return a.size === b.size && a.mtime.getTime() === b.mtime.getTime() &&
    a.ctime?.getTime() === b.ctime?.getTime() && a.ino === b.ino;
}

/** The upload's inputs: `inputs`, then what its run read, each once and never itself. */
export async function lineageInputs(
  ctx: Context,
  options: Pick<UploadOptions, "inputs" | "run">,
  self?: BundleRef,
): Promise<BundleRef[]> {
  const read = options.run === undefined ? [] : await Array.fromAsync(runInputs(ctx, options.run));
  return distinctInputs([...options.inputs ?? [], ...read], self);
}

/** An entry with its key and, for a packed file, its pack location. */
function withLocation(
  entry: Omit<FileEntry, "key" | "pack">,
  key: string,
  pack: FileEntry["pack"],
): FileEntry {
  return pack ? { ...entry, key, pack } : { ...entry, key };
}

/**
 * True when a cached location may be used: this upload finds it whole in the store now (its
 * pack long enough, or its leaves and root object present at their sizes), since a purge or a
 * damaged store may have lost it; the cache alone is never trusted. A small file cached as a
 * leaf of its own (before packing) is packed instead, once, so that later re-uploads cost a
 * `head` per pack rather than one per file.
 */
async function stillStored(
  writer: CafsWriter,
  packs: PackWriter,
  cached: CachedLocation,
  size: number,
  packable: boolean,
): Promise<boolean> {
  if (cached.pack) {
    if (!await packs.holds(cached.pack, size)) return false;
    packs.remember(cached.key, cached.pack);
    return true;
  }
  return !packable && await writer.isStoredWhole(cached.key, size);
}

/**
 * The entries of the repo's latest bundle, looked up by name beside the walk: a small file's
 * pack location, a big file's leaves (through its root object) are reused from there.
 * Undefined for a repo without bundles.
 */
async function latestEntries(
  ctx: Context,
  repo: string,
): Promise<NameCursor<FileEntry> | undefined> {
  try {
    const bundle = await latestBundle(ctx, repo);
    return new NameCursor(bundleEntries(ctx, bundle));
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    throw e;
  }
}
