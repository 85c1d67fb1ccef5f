/**
 * Purge: garbage collection of the blob store over every committed bundle of every context
 * registered in it (meta/registry.ts). Each bundle's file entries are marked as needed, then
 * the blob store is swept of what no bundle needs once it is older than the grace period
 * (cafs/gc.ts does both). Purge holds the exclusive purge lock, taken only while no live writer
 * holds a lock, and writers refuse to start while it is held (cafs/locks.ts): no upload runs
 * during a purge, so none can reuse a blob the sweep deletes.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc } from "../model/types.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import type { BlobCollector, SweepResult } from "../cafs/gc.ts";
import { type FoundLock, takePurgeLock } from "../cafs/locks.ts";
import { CafsSession } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";
import { liveSplitFiles } from "../meta/diamond.ts";
import {
  holdsMetadata,
  isRecordOf,
  openRecorded,
  registerContext,
  registeredContexts,
} from "../meta/registry.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/** Objects younger than this are never swept unless told otherwise: 24 hours. */
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

/** A shorter grace needs an explicit flag: it only protects writers that hold no lock. */
export const MIN_GRACE_MS = 60 * 60 * 1000;

/** How a purge goes. */
export interface PurgeOptions {
  /** Unreferenced objects modified less than this long ago are kept. */
  graceMs: number;
  /** Report what would be deleted; delete nothing (the lock is still taken). */
  dryRun?: boolean;
  /** Remove stale locks (of writers or a purge that died) instead of only reporting them. */
  removeStaleLocks?: boolean;
  /** Called for each stale lock found, and whether it was removed. */
  onStaleLock?: (lock: FoundLock, removed: boolean) => void;
  concurrency: number;
  /** Called for each object deleted (or, dry, that would be). */
  onDelete?: (object: { key: string; size: number }) => void;
  /** Called as bundles are marked and objects swept. */
  onProgress?: (delta: { bytes: number; files: number }) => void;
  /** The time the grace period counts back from (default: now). */
  now?: Date;
}

/** What a purge did: what the bundles need, then what the sweep did (as --json prints it). */
export interface PurgeResult extends SweepResult {
  dryRun: boolean;
  /** Committed bundles marked. */
  bundles: number;
  /** Contexts whose bundles were marked: this one and every other registered in the store. */
  contexts: number;
  /** Distinct leaves, root objects and packed files the bundles need. */
  liveKeys: number;
  /** Packs the bundles need. */
  livePacks: number;
}

/** Marks what every committed bundle needs, then sweeps the rest of the blob store. */
export async function purge(ctx: Context, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  await using lock = await takePurgeLock(ctx.blob, {
    command: "purge",
    removeStale: options.removeStaleLocks ?? false,
    onStale: options.onStaleLock,
  });
  using cafs = await CafsSession.open(ctx.blob);
  const collector = cafs.collector();
  let bundles = 0;
  let contexts = 0;
  for await (const marked of markedContexts(ctx)) {
    contexts++;
    bundles += await markContext(marked, collector, options);
  }
  const dryRun = options.dryRun ?? false;
  const { liveKeys, livePacks } = collector;
  // Marking may have been long: the lock must still be held before anything is deleted.
  await lock.check();
  const swept = await collector.sweep({
    cutoff,
    dryRun,
    concurrency: options.concurrency,
    onDelete: options.onDelete,
    onListed: () => options.onProgress?.({ files: 0, bytes: 0 }),
  });
  return { dryRun, bundles, contexts, liveKeys, livePacks, ...swept };
}

/**
 * This context, then every other context registered in the blob store, opened on its own
 * metadata stores. This context is registered first, so that a purge from a context that never
 * wrote still counts it.
 */
async function* markedContexts(ctx: Context): AsyncGenerator<Context> {
  await registerContext(ctx);
  yield ctx;
  for await (const record of registeredContexts(ctx)) {
    if (isRecordOf(record, ctx)) continue;
    const other = openRecorded(ctx, record);
    await requireReadable(other, record.key);
    yield other;
  }
}

/**
 * Refuses (before anything is deleted) a registered context whose metadata store cannot be
 * read, or holds nothing at all: a context registers only once it has a repo, so an empty
 * store is one this machine does not see (another machine's local path, a wrong endpoint).
 */
async function requireReadable(other: Context, recordKey: string): Promise<void> {
  const what = `context "${other.doc.name}" (registered in ${recordKey} of ${other.blob.url})`;
  const fix = `make its metadata store ${other.metadata.url} readable from here, or, if that ` +
    `context is gone for good, remove ${recordKey} from the blob store`;
  try {
    if (await holdsMetadata(other)) return;
  } catch (e) {
    throw new DatamonError(
      e instanceof DatamonError ? e.kind : "unreachable",
      `purge stopped before deleting anything: ${what} cannot be read ` +
        `(${(e as Error).message}): ${fix}`,
      { cause: e },
    );
  }
  throw new DatamonError(
    "unreachable",
    `purge stopped before deleting anything: the metadata store of ${what} holds nothing: ${fix}`,
  );
}

/** Marks what every committed bundle of `ctx` needs; returns how many bundles it has. */
async function markContext(
  ctx: Context,
  collector: BlobCollector,
  options: PurgeOptions,
): Promise<number> {
  let bundles = 0;
  for await (const found of committedBundles(ctx)) {
    if ("error" in found) {
      throw new DatamonError(
        "integrity",
        `purge stopped before deleting anything: bundle ${found.id} of repo "${found.repo}" ` +
          `of context "${ctx.doc.name}" cannot be read (${found.error.message}); run ` +
          `"datamon fsck --context ${ctx.doc.name}"`,
      );
    }
    await markBundle(ctx, found.doc, collector, options);
    bundles++;
  }
  await markLiveSplits(ctx, collector, options);
  return bundles;
}

/** Marks every object a bundle's files need. */
async function markBundle(
  ctx: Context,
  bundle: BundleDoc,
  collector: BlobCollector,
  options: PurgeOptions,
): Promise<void> {
  const chunking = chunkingOf(bundle.leafSize);
  const marked = mapOrdered(bundleEntries(ctx, bundle), options.concurrency, async (entry) => {
    if (!await collector.mark(entry, chunking)) {
      throw new DatamonError(
        "integrity",
        `purge stopped before deleting anything: root object ${entry.key} of ${entry.name} ` +
          `in bundle ${bundle.id} of repo "${bundle.repo}" is missing from ${ctx.blob.url}, so ` +
          `its leaves are unknown; run "datamon fsck"`,
      );
    }
    return entry.size;
  });
  for await (const bytes of marked) options.onProgress?.({ files: 1, bytes });
}

/**
 * Diamond: marks what the finished splits of every diamond of `ctx` neither committed nor
 * cancelled need, since its commit will name them (a split still running holds a writer lock,
 * which keeps the purge away).
 */
async function markLiveSplits(
  ctx: Context,
  collector: BlobCollector,
  options: PurgeOptions,
): Promise<void> {
  for await (const split of liveSplitFiles(ctx)) {
    const chunking = chunkingOf(split.leafSize);
    const marked = mapOrdered(split.entries, options.concurrency, async (entry) => {
      if (await collector.mark(entry, chunking)) return entry.size;
      throw new DatamonError(
        "integrity",
        `purge stopped before deleting anything: root object ${entry.key} of ${entry.name} ` +
          `in ${split.what} is missing from ${ctx.blob.url}; run that split again or cancel ` +
          "its diamond",
      );
    });
    for await (const bytes of marked) options.onProgress?.({ files: 1, bytes });
  }
}
