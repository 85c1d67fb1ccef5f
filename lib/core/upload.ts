/**
 * Upload: a local directory becomes an immutable bundle. Blobs first, then the file lists,
 * then bundle.yaml, the commit point: until it is written nothing of the upload is visible.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, Contributor, FileEntry } from "../model/types.ts";
import { BUNDLE_FORMAT_VERSION, encodeBundle, encodeFileList } from "../model/codec.ts";
import { bundleKey, FILE_LIST_SIZE, fileListKey } from "../model/keys.ts";
import { newKsuid } from "../model/ksuid.ts";
import { validateEntryName } from "../model/names.ts";
import { Blobs } from "./blobs.ts";
import type { Context } from "./context.ts";
import { createDocument, mapOrdered } from "./documents.ts";
import { getRepo } from "./repo.ts";
import { type LocalFile, requireDirectory, type Skipped, walkFiles } from "./walk.ts";
import { listedFiles } from "./file_selection.ts";
import { checkLeafSize, DEFAULT_LEAF_SIZE } from "./tuning.ts";
import { throwIfAborted } from "./abort.ts";
import { UploadCache } from "./upload_cache.ts";

export interface UploadOptions {
  repo: string;
  /** Local directory to upload. */
  path: string;
  message: string;
  contributor: Contributor;
  concurrency: number;
  leafSize?: number;
  /** A text file naming, one per line, the files under `path` to upload (default: all). */
  files?: string;
  /**
   * Directory of the upload cache: files unchanged since the last upload of `path` (size,
   * mtime, ctime, inode) reuse their key without being read. Absent: hash every file.
   */
  cacheDir?: string;
  /** Skip files that cannot be read instead of failing; they are reported in the result. */
  skipOnError?: boolean;
  signal?: AbortSignal;
  /** Called as bytes are read and as files complete. */
  onProgress?: (delta: { bytes: number; files: number }) => void;
  /** Called for each file passed over. */
  onSkip?: (skipped: Skipped) => void;
}

export interface UploadResult {
  bundle: BundleDoc;
  leavesStored: number;
  leavesDeduplicated: number;
  bytesStored: number;
  skipped: Skipped[];
}

/** Uploads a directory as a new bundle of an existing repo and returns the committed bundle. */
export async function uploadBundle(ctx: Context, options: UploadOptions): Promise<UploadResult> {
  const { repo, path, signal } = options;
  const leafSize = checkLeafSize(options.leafSize ?? DEFAULT_LEAF_SIZE);
  await getRepo(ctx, repo);
  await requireDirectory(path, "upload path");
  const skipped: Skipped[] = [];
  const skip = (s: Skipped) => {
    skipped.push(s);
    options.onSkip?.(s);
  };
  const source = options.files ? listedFiles(path, options.files) : walkFiles(path, skip);

  using blobs = await Blobs.open(ctx);
  const writer = blobs.writer(leafSize, options.concurrency);
  // The cache only saves work: one that cannot be opened (a read-only home) is done without.
  const cache = options.cacheDir
    ? await UploadCache.open(options.cacheDir, ctx.blob.url, leafSize, path).catch(() => undefined)
    : undefined;
  let committed = false;
  const id = newKsuid();
  const totals = { leavesStored: 0, leavesDeduplicated: 0, bytesStored: 0, files: 0, size: 0 };
  let list: FileEntry[] = [];
  let lists = 0;
  const flush = async () => {
    const key = fileListKey(repo, id, lists);
    if (!await createDocument(ctx.metadata, key, encodeFileList(list))) {
      throw new DatamonError("already-exists", `file list ${key} already exists: retry the upload`);
    }
    lists++;
    list = [];
  };

  const storeFile = async (
    { file, cachedKey }: { file: LocalFile; cachedKey?: string },
  ): Promise<{ file: LocalFile; entry: FileEntry } | undefined> => {
    throwIfAborted(signal, "upload interrupted: no bundle was committed");
    validateEntryName(file.name);
    const entry = { name: file.name, size: file.size, mode: file.mode, mtime: file.mtime };
    // A cached key is trusted only while its blob is still stored (a purge may have freed it).
    if (cachedKey && await ctx.blob.head(cachedKey)) {
      totals.leavesDeduplicated += Math.max(1, Math.ceil(file.size / leafSize));
      options.onProgress?.({ bytes: file.size, files: 1 });
      return { file, entry: { ...entry, key: cachedKey } };
    }
    try {
      const put = await writer.putFile(
        file.path,
        (n) => options.onProgress?.({ bytes: n, files: 0 }),
      );
      totals.leavesStored += put.leavesStored;
      totals.leavesDeduplicated += put.leavesDeduplicated;
      totals.bytesStored += put.bytesStored;
      options.onProgress?.({ bytes: 0, files: 1 });
      return { file, entry: { ...entry, size: put.size, key: put.key } };
    } catch (e) {
      if (!options.skipOnError || e instanceof DatamonError) throw e;
      skip({ name: file.name, reason: (e as Error).message });
      return undefined;
    }
  };

  // Cache look-ups run here, one at a time in name order, ahead of the concurrent stores.
  async function* withCachedKeys() {
    for await (const file of source) yield { file, cachedKey: await cache?.lookup(file) };
  }

  try {
    for await (const stored of mapOrdered(withCachedKeys(), options.concurrency, storeFile)) {
      if (!stored) continue;
      list.push(stored.entry);
      await cache?.record(stored.file, stored.entry.key);
      totals.files++;
      totals.size += stored.entry.size;
      if (list.length === FILE_LIST_SIZE) await flush();
    }
    throwIfAborted(signal, "upload interrupted: no bundle was committed");
    if (totals.files === 0) {
      throw new DatamonError("bad-path", `upload path ${path} holds no files: nothing to upload`);
    }
    if (list.length > 0) await flush();
    const bundle: BundleDoc = {
      id,
      repo,
      message: options.message,
      timestamp: new Date(),
      contributors: [options.contributor],
      leafSize,
      deduplication: "blake3",
      formatVersion: BUNDLE_FORMAT_VERSION,
      fileListCount: lists,
      fileCount: totals.files,
      totalSize: totals.size,
    };
    if (!await createDocument(ctx.metadata, bundleKey(repo, id), encodeBundle(bundle))) {
      throw new DatamonError("already-exists", `bundle ${id} already exists: retry the upload`);
    }
    committed = true;
    // The bundle is committed: a cache that cannot be saved only costs the next upload a re-hash.
    await cache?.commit().catch(() => cache.discard());
    return {
      bundle,
      leavesStored: totals.leavesStored,
      leavesDeduplicated: totals.leavesDeduplicated,
      bytesStored: totals.bytesStored,
      skipped,
    };
  } finally {
    if (!committed) await cache?.discard();
  }
}
