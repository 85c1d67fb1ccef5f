/**
 * Update: make a local directory match a bundle, touching only what differs. A local directory
 * where the bundle has a file or link is replaced only with consent (`force`) unless it is empty:
 * what it holds is the user's, and each of its files is named as it is deleted.
 */
import { DatamonError } from "../errors.ts";
import { type BundleDoc, type DirectoryEntry, isFileEntry } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { type Change, diffLocal } from "./diff.ts";
import { EntryWriter, removePartFiles } from "./download.ts";
import { CafsSession } from "../cafs/session.ts";
import { bundleKeyOfFile, bundleReader } from "./bundle_blobs.ts";
import { mapOrdered } from "../meta/documents.ts";
import { requireDirectory } from "./walk.ts";
import * as byteFs from "../util/byte_fs.ts";
import { fsError } from "../util/fs_errors.ts";
import { hasRawBytes } from "../util/byte_names.ts";

export interface UpdateOptions {
  destination: string;
  concurrency: number;
  /** Restore setuid and setgid bits (dropped by default). */
  keepSetid?: boolean;
  /**
   * Replace a local directory that holds something where the bundle has a file or link (what it
   * holds is deleted, each reported through `onDeleted`); without it such a directory is refused.
   */
  force?: boolean;
  /** Called after each local file, link or directory the bundle does not have is deleted. */
  onDeleted?: (change: Change) => void;
  signal?: AbortSignal;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

/** Counts of what an update did. */
export interface UpdateResult {
  added: number;
  deleted: number;
  updated: number;
}

/** Removes now-empty directories from `dir` up to (not including) `root`. */
async function pruneEmptyDirs(root: string, dir: string): Promise<void> {
  while (dir.length > root.length && dir.startsWith(`${root}/`)) {
    try {
      await byteFs.remove(dir);
    } catch {
      return; // not empty (or gone): stop climbing
    }
    dir = dir.slice(0, dir.lastIndexOf("/"));
  }
}

/** True when the directory at `path` holds nothing; reads one entry at most. */
async function isEmptyDirectory(path: string): Promise<boolean> {
  if (hasRawBytes(path)) return (await byteFs.readDir(path)).length === 0;
  for await (const _ of Deno.readDir(path)) return false;
  return true;
}

/**
 * True when `change` writes a file or link where `root` has a directory (the update writes it
 * once the directory's contents are deleted); refuses a directory that holds something unless
 * `force`. The dry run asks the same, so it refuses what the run would.
 */
export async function replacesDirectory(
  root: string,
  bundle: BundleDoc,
  change: Change,
  force = false,
): Promise<boolean> {
  const entry = change.entry;
  if (change.kind === "D" || !entry || ("kind" in entry && entry.kind === "dir")) return false;
  const path = `${root}/${change.name}`;
  const info = await byteFs.lstat(path).catch(() => undefined);
  if (!info?.isDirectory) return false;
  if (!force && !await isEmptyDirectory(path)) {
    throw new DatamonError(
      "destination-not-empty",
      `${path} is a directory where bundle ${bundle.id} has a file: move it away, or pass ` +
        `--force-dest to replace it (each file it holds is deleted and named)`,
    );
  }
  return true;
}

/**
 * Downloads added and changed files, deletes files the bundle does not have (each reported
 * through `onDeleted`, so none disappears silently). Part files a killed run left are removed.
 */
export async function updateDirectory(
  ctx: Context,
  bundle: BundleDoc,
  options: UpdateOptions,
): Promise<UpdateResult> {
  const root = options.destination.replace(/\/+$/, "");
  await requireDirectory(root, "destination");
  await removePartFiles(root, true);
  using blobs = await CafsSession.open(ctx.blob);
  const reader = bundleReader(ctx, blobs, bundle, options.concurrency);
  const keyOf = bundleKeyOfFile(ctx, blobs, bundle, options.concurrency);
  const onBytes = (n: number) => options.onProgress?.({ bytes: n, files: 0 });
  const writer = new EntryWriter(reader, root, onBytes, options.keepSetid);
  const result: UpdateResult = { added: 0, deleted: 0, updated: 0 };
  // Directories a deletion may have emptied, pruned once every write is done: pruning while
  // writes run could remove a directory a write has just made. In name order, so compact.
  const emptied: string[] = [];
  // Files and links the bundle has where the destination has a directory: the directory's
  // contents come later in name order, so these are written once every deletion is done.
  // Only such clashes are kept, so the list stays small.
  const overDirectories: Change[] = [];
  // Deletions are applied in order as the diff yields them, before any later name is written:
  // a local symlink or file where the bundle has a directory is gone before anything is
  // written beneath that name, so no write ever goes through it.
  async function* writesAfterDeletions(changes: AsyncIterable<Change>): AsyncGenerator<Change> {
    for await (const change of changes) {
      if (change.kind !== "D") {
        if (await replacesDirectory(root, bundle, change, options.force)) {
          overDirectories.push(change);
        } else yield change;
        continue;
      }
      const path = `${root}/${change.name.replace(/\/$/, "")}`;
      await byteFs.remove(path).catch((e) => {
        throw fsError(e, path, { doing: "writing" });
      });
      const dir = path.slice(0, path.lastIndexOf("/"));
      if (emptied.at(-1) !== dir) emptied.push(dir);
      result.deleted++;
      options.onDeleted?.(change);
      options.onProgress?.({ bytes: 0, files: 1 });
    }
  }
  // The bundle's empty directories are made once deletions are pruned.
  const emptyDirs: DirectoryEntry[] = [];
  // Counts what a group added or replaced.
  const counted = (group: Change[]) => {
    for (const change of group) {
      if (change.kind === "A") result.added++;
      else result.updated++;
    }
    options.onProgress?.({ bytes: 0, files: group.length });
  };
  // A group is added and changed files (packed ones fetched together), or one directory.
  const apply = async (group: Change[]) => {
    const entry = group[0].entry!;
    if ("kind" in entry && entry.kind === "dir") emptyDirs.push(entry);
    else await writer.writeGroup(group.map((change) => change.entry!), options.signal);
    counted(group);
  };
  const changes = writesAfterDeletions(
    diffLocal(ctx, root, bundle, keyOf, options.concurrency),
  );
  const groups = reader.packRuns(
    changes,
    ({ entry }) => entry && isFileEntry(entry) ? entry : undefined,
  );
  for await (const _ of mapOrdered(groups, options.concurrency, apply));
  // Deepest last in name order: pruning climbs, so going backwards empties parents last.
  for (const dir of emptied.reverse()) await pruneEmptyDirs(root, dir);
  // A fresh writer: directories the first one made may have been pruned since.
  const laterWriter = new EntryWriter(reader, root, onBytes, options.keepSetid);
  for (const change of overDirectories) {
    // What the directory held is deleted (and named) by now, and pruning has most likely
    // removed the directory too; one that still holds something fails here, named.
    const path = `${root}/${change.name}`;
    await byteFs.remove(path).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw fsError(e, path, { doing: "writing" });
    });
    await laterWriter.write(change.entry!, options.signal);
    counted([change]);
  }
  for (const dir of emptyDirs) await laterWriter.write(dir);
  return result;
}
