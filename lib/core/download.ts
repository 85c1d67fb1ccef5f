/**
 * Download: a bundle's files are written under a destination directory. Each file is
 * written to a hidden part file beside its target and renamed into place only once every
 * leaf has been verified, so a failure never leaves a partial file under a real name.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { Blobs } from "./blobs.ts";
import type { Context } from "./context.ts";
import { mapOrdered } from "./documents.ts";
import { bundleEntries } from "./bundles.ts";
import { throwIfAborted } from "./abort.ts";

export interface DownloadOptions {
  destination: string;
  concurrency: number;
  /** Only entries whose name matches are downloaded. */
  nameFilter?: RegExp;
  /** Allow a non-empty destination; existing files of the same name are replaced. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

export interface DownloadResult {
  files: number;
  bytes: number;
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

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** Writes one file entry under `destination` through a part file and a rename. */
export class EntryWriter {
  #dirs = new Set<string>();

  constructor(
    private readonly reader: CafsReader,
    private readonly bundle: BundleDoc,
    private readonly destination: string,
    private readonly onBytes: (n: number) => void = () => {},
  ) {}

  async write(entry: FileEntry, signal?: AbortSignal): Promise<void> {
    const target = `${this.destination}/${entry.name}`;
    const slash = target.lastIndexOf("/");
    const dir = target.slice(0, slash);
    if (!this.#dirs.has(dir)) {
      await Deno.mkdir(dir, { recursive: true });
      this.#dirs.add(dir);
    }
    const part = `${dir}/.datamon-part-${crypto.randomUUID()}`;
    const file = await Deno.open(part, { write: true, createNew: true, mode: 0o600 });
    let closed = false;
    try {
      for await (const chunk of this.reader.readFile(entry.key, entry.size, this.bundle.leafSize)) {
        throwIfAborted(signal, `download interrupted: ${entry.name} was not written`);
        await writeAll(file, chunk);
        this.onBytes(chunk.length);
      }
      file.close();
      closed = true;
      await Deno.chmod(part, entry.mode & 0o7777);
      await Deno.utime(part, entry.mtime, entry.mtime);
      await Deno.rename(part, target);
    } catch (e) {
      if (!closed) file.close();
      await Deno.remove(part).catch(() => {});
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

/** Downloads the bundle's files (or those matching the filter) into `destination`. */
export async function downloadBundle(
  ctx: Context,
  bundle: BundleDoc,
  options: DownloadOptions,
): Promise<DownloadResult> {
  await prepareDestination(options.destination, options.force ?? false);
  using blobs = await Blobs.open(ctx);
  const reader = blobs.reader(bundle.leafSize, options.concurrency);
  const result: DownloadResult = { files: 0, bytes: 0 };
  const writer = new EntryWriter(reader, bundle, options.destination, (n) => {
    result.bytes += n;
    options.onProgress?.({ bytes: n, files: 0 });
  });
  async function* selected() {
    for await (const entry of bundleEntries(ctx, bundle)) {
      if (!options.nameFilter || options.nameFilter.test(entry.name)) yield entry;
    }
  }
  const done = mapOrdered(selected(), options.concurrency, async (entry) => {
    await writer.write(entry, options.signal);
    options.onProgress?.({ bytes: 0, files: 1 });
  });
  for await (const _ of done) result.files++;
  return result;
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

/** Downloads one file of a bundle to destination/name. */
export async function downloadFile(
  ctx: Context,
  bundle: BundleDoc,
  name: string,
  options: Omit<DownloadOptions, "nameFilter" | "concurrency">,
): Promise<DownloadResult> {
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
  using blobs = await Blobs.open(ctx);
  const writer = new EntryWriter(
    blobs.reader(bundle.leafSize, 1),
    bundle,
    options.destination,
    (n) => {
      options.onProgress?.({ bytes: n, files: 0 });
    },
  );
  await writer.write(entry, options.signal);
  options.onProgress?.({ bytes: 0, files: 1 });
  return { files: 1, bytes: entry.size };
}
