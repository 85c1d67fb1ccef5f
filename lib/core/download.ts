/**
 * Download: a bundle's files are written under a destination directory. Each file is
 * written to a hidden part file beside its target and renamed into place only once every
 * leaf has been verified, so a failure never leaves a partial file under a real name.
 * Packed files that lie close together in one pack are fetched with one ranged read.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import type { CafsReader } from "../cafs/reader.ts";
import type { RequestCounts } from "../store/metered.ts";
import { CafsSession } from "../cafs/session.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { type Context, ensureMetered } from "../meta/context.ts";
import { mapOrdered } from "../meta/documents.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { throwIfAborted } from "../util/abort.ts";
import { AtomicFile } from "../util/atomic_file.ts";
import { logRead, type Reader } from "../meta/audit.ts";

export interface DownloadOptions {
  destination: string;
  concurrency: number;
  /** Only entries whose name matches are downloaded. */
  nameFilter?: RegExp;
  /** Allow a non-empty destination; existing files of the same name are replaced. */
  force?: boolean;
  /** Who reads: the read is recorded in the read log before the first byte is fetched. */
  reader?: Reader;
  signal?: AbortSignal;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

export interface DownloadResult {
  files: number;
  bytes: number;
  /** Requests made to the context's stores. */
  requests: RequestCounts;
}

/** Fails unless `dir` is absent or empty (or `force`); creates it when absent. */
export async function prepareDestination(dir: string, force: boolean): Promise<void> {
  try {
    const info = await Deno.stat(dir);
    if (!info.isDirectory) {
      throw new DatamonError("bad-path", `destination ${dir} is not a directory`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    await Deno.mkdir(dir, { recursive: true });
    return;
  }
  if (force) return;
  for await (const _ of Deno.readDir(dir)) {
    throw new DatamonError(
      "destination-not-empty",
      `destination ${dir} is not empty: choose an empty directory or pass --force-dest`,
    );
  }
}

/** Writes one file entry under `destination` through a part file and a rename. */
export class EntryWriter {
  #dirs = new Set<string>();

  constructor(
    private readonly reader: CafsReader,
    private readonly destination: string,
    private readonly onBytes: (n: number) => void = () => {},
  ) {}

  /**
   * Writes a group of entries that reader.packRuns made: one entry, or packed entries of one
   * pack, fetched with one ranged read.
   */
  async writeGroup(entries: readonly FileEntry[], signal?: AbortSignal): Promise<void> {
    if (entries.length === 1) return await this.write(entries[0], signal);
    for await (const { file, bytes } of this.reader.readPackRun(entries)) {
      await this.#writeFrom(file, [bytes], signal);
    }
  }

  /** Writes one entry, read leaf by leaf. */
  async write(entry: FileEntry, signal?: AbortSignal): Promise<void> {
    await this.#writeFrom(entry, this.reader.readFile(entry), signal);
  }

  /** Writes `entry` from its verified chunks through a part file and a rename. */
  async #writeFrom(
    entry: FileEntry,
    chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    signal?: AbortSignal,
  ): Promise<void> {
    const target = `${this.destination}/${entry.name}`;
    const slash = target.lastIndexOf("/");
    const dir = target.slice(0, slash);
    if (!this.#dirs.has(dir)) {
      await Deno.mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    const part = await AtomicFile.create(target, { tempPrefix: ".datamon-part-", mode: 0o600 });
    try {
      for await (const chunk of chunks) {
        throwIfAborted(signal, `download interrupted: ${entry.name} was not written`);
        await part.write(chunk);
        this.onBytes(chunk.length);
      }
      await part.commit(async (temp) => {
        await Deno.chmod(temp, entry.mode & 0o7777);
        await Deno.utime(temp, entry.mtime, entry.mtime);
      });
    } catch (e) {
      await part.discard();
      if (e instanceof Deno.errors.IsADirectory || e instanceof Deno.errors.NotADirectory) {
        throw new DatamonError(
          "bad-path",
          `cannot write ${target}: a directory and a file share that name`,
        );
      }
      throw e;
    }
  }
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
  const reader = blobs.reader(chunkingOf(bundle.leafSize), options.concurrency);
  const result = { files: 0, bytes: 0 };
  const writer = new EntryWriter(reader, options.destination, (n) => {
    result.bytes += n;
    options.onProgress?.({ bytes: n, files: 0 });
  });
  async function* selected() {
    for await (const entry of bundleEntries(ctx, bundle)) {
      if (!options.nameFilter || options.nameFilter.test(entry.name)) yield entry;
    }
  }
  const groups = reader.packRuns(selected(), (entry) => entry);
  const done = mapOrdered(groups, options.concurrency, async (group) => {
    await writer.writeGroup(group, options.signal);
    options.onProgress?.({ bytes: 0, files: group.length });
    return group.length;
  });
  for await (const files of done) result.files += files;
  return { ...result, requests: ctx.meter.since(start) };
}

/** Finds one entry by name; the lists are in name order, so the search stops early. */
export async function findEntry(
  ctx: Context,
  bundle: BundleDoc,
  name: string,
): Promise<FileEntry> {
  const wanted = name.replace(/^\/+/, "");
  for await (const entry of bundleEntries(ctx, bundle)) {
    if (entry.name === wanted) return entry;
    if (entry.name > wanted) break;
  }
  throw new DatamonError(
    "not-found",
    `file "${wanted}" not found in bundle ${bundle.id}: see "datamon bundle list files"`,
  );
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
    const exists = await Deno.lstat(target).then(() => true, () => false);
    if (exists) {
      throw new DatamonError(
        "destination-not-empty",
        `${target} already exists: remove it or pass --force-dest`,
      );
    }
  }
  await Deno.mkdir(options.destination, { recursive: true });
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
    blobs.reader(chunkingOf(bundle.leafSize), 1),
    options.destination,
    (n) => {
      options.onProgress?.({ bytes: n, files: 0 });
    },
  );
  await writer.write(entry, options.signal);
  options.onProgress?.({ bytes: 0, files: 1 });
  return { files: 1, bytes: entry.size, requests: ctx.meter.since(start) };
}
