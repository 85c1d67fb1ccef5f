/**
 * Purge: garbage collection of the blob store over every committed bundle of every context
 * registered in it (meta/registry.ts). Each bundle's file entries are marked as needed, then
 * the blob store is swept of what no bundle needs once it is older than the grace period
 * (cafs/gc.ts does both). Two phases: the sweep moves those objects into a quarantine batch
 * (cafs/quarantine.ts); a later purge deletes a batch for good once it is older than the
 * quarantine period, and brings back first any quarantined object a bundle needs again. The
 * bundle directories of uploads that never committed go too, once older than the grace period
 * (meta/uncommitted.ts). Purge holds the exclusive purge lock, taken only while no live writer
 * holds a lock, and writers refuse to start while it is held (cafs/locks.ts): no upload runs
 * during a purge, so none can reuse a blob the sweep deletes.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import { type Chunking, chunkingOf } from "../cafs/chunking.ts";
import type { BlobCollector, SweepResult } from "../cafs/gc.ts";
import { type FoundLock, takePurgeLock, takeWriterLock } from "../cafs/locks.ts";
import {
  batchObjects,
  QuarantineBatch,
  quarantineBatches,
  type QuarantineCounts,
  restoreBatches,
  type RestoreOptions,
  type Settled,
  settleQuarantine,
} from "../cafs/quarantine.ts";
import { ksuidTime } from "../model/ksuid.ts";
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
import { removeUncommittedBundles, type UncommittedResult } from "../meta/uncommitted.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/** Objects younger than this are never swept unless told otherwise: 24 hours. */
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

/** A shorter grace needs an explicit flag: it only protects writers that hold no lock. */
export const MIN_GRACE_MS = 60 * 60 * 1000;

/** Quarantined objects are deleted for good after this, unless told otherwise: 7 days. */
export const DEFAULT_QUARANTINE_MS = 7 * 24 * 60 * 60 * 1000;

/** How a purge goes. */
export interface PurgeOptions {
  /** Unreferenced objects modified less than this long ago are kept. */
  graceMs: number;
  /** Quarantine batches older than this are deleted for good. */
  quarantineMs: number;
  /** Report what would be moved and deleted; change nothing (the lock is still taken). */
  dryRun?: boolean;
  /** Remove stale locks (of writers or a purge that died) instead of only reporting them. */
  removeStaleLocks?: boolean;
  /** Called for each stale lock found, and whether it was removed. */
  onStaleLock?: (lock: FoundLock, removed: boolean) => void;
  concurrency: number;
  /** Called for each object moved into quarantine (or, dry, that would be). */
  onQuarantine?: (object: { key: string; size: number }) => void;
  /** Called for each quarantined object deleted for good (or, dry, that would be). */
  onDelete?: (object: { key: string; size: number }) => void;
  /** Called as bundles are marked and objects swept. */
  onProgress?: (delta: { bytes: number; files: number }) => void;
  /** Called when a context's uncommitted bundle directories are left, and why. */
  onSkippedCleanup?: (context: string, why: string) => void;
  /** The time the grace and quarantine periods count back from (default: now). */
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
  /** The quarantine batch this purge made, when it moved anything. */
  batch?: string;
  /** What became of the objects quarantined before. */
  quarantine: Settled;
  /** Directories of uploads that never committed, removed (their file lists counted). */
  uncommitted: UncommittedResult;
}

/**
 * Marks what every committed bundle needs, settles the quarantine (restores what is needed,
 * deletes expired batches), then sweeps the rest of the blob store into a new batch.
 */
export async function purge(ctx: Context, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  const expireBefore = new Date(now.getTime() - options.quarantineMs);
  await using lock = await takePurgeLock(ctx.blob, {
    command: "purge",
    removeStale: options.removeStaleLocks ?? false,
    onStale: options.onStaleLock,
  });
  using cafs = await CafsSession.open(ctx.blob);
  const collector = cafs.collector();
  const dryRun = options.dryRun ?? false;
  let bundles = 0;
  let contexts = 0;
  const uncommitted: UncommittedResult = { directories: 0, objects: 0 };
  for await (const marked of markedContexts(ctx)) {
    contexts++;
    bundles += await markContext(marked, collector, options);
    await lock.check();
    const removed = await removeUncommittedBundles(marked, { before: cutoff, dryRun });
    uncommitted.directories += removed.directories;
    uncommitted.objects += removed.objects;
    if (removed.skipped) options.onSkippedCleanup?.(marked.doc.name, removed.skipped);
  }
  const { liveKeys, livePacks } = collector;
  // Marking may have been long: the lock must still be held before anything is moved.
  await lock.check();
  const quarantine = await settleQuarantine(ctx.blob, {
    needed: (key) => collector.needs(key),
    expireBefore,
    context: ctx.doc.name,
    dryRun,
    concurrency: options.concurrency,
    onDelete: options.onDelete,
  });
  const into = dryRun ? undefined : new QuarantineBatch(ctx.blob, ctx.doc.name, now);
  const swept = await collector.sweep({
    cutoff,
    into,
    concurrency: options.concurrency,
    onMove: options.onQuarantine,
    onListed: () => options.onProgress?.({ files: 0, bytes: 0 }),
  });
  const record = await into?.close();
  return {
    dryRun,
    bundles,
    contexts,
    liveKeys,
    livePacks,
    ...swept,
    ...(record ? { batch: record.id } : {}),
    quarantine,
    uncommitted,
  };
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
function markBundle(
  ctx: Context,
  bundle: BundleDoc,
  collector: BlobCollector,
  options: PurgeOptions,
): Promise<void> {
  return markEntries(ctx, bundleEntries(ctx, bundle), chunkingOf(bundle.leafSize), {
    collector,
    options,
    what: `bundle ${bundle.id} of repo "${bundle.repo}"`,
    fix: 'run "datamon fsck"',
  });
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
    await markEntries(ctx, split.entries, chunkingOf(split.leafSize), {
      collector,
      options,
      what: split.what,
      fix: "run that split again or cancel its diamond",
    });
  }
}

/**
 * Marks every object the files of `entries` need; a root object that is missing (so that its
 * leaves are unknown) stops the purge, naming where the file is listed and what to do.
 */
async function markEntries(
  ctx: Context,
  entries: AsyncIterable<FileEntry>,
  chunking: Chunking,
  how: { collector: BlobCollector; options: PurgeOptions; what: string; fix: string },
): Promise<void> {
  const { collector, options } = how;
  const marked = mapOrdered(entries, options.concurrency, async (entry) => {
    if (await collector.mark(entry, chunking)) return entry.size;
    throw new DatamonError(
      "integrity",
      `purge stopped before deleting anything: root object ${entry.key} of ${entry.name} ` +
        `in ${how.what} is missing from ${ctx.blob.url}, so its leaves are unknown; ${how.fix}`,
    );
  });
  for await (const bytes of marked) options.onProgress?.({ files: 1, bytes });
}

/** How `purge restore` goes. */
/** What `purge restore` did (as --json prints it). */
export interface RestoreResult extends QuarantineCounts {
  dryRun: boolean;
}

/**
 * Moves quarantined objects back to their keys: every batch, or one. Restoring only adds what
 * a bundle may need, so it runs beside uploads: it holds a writer's lock, which keeps purges
 * (that move objects into quarantine and delete batches) away, and is refused while one runs.
 */
export async function restoreQuarantine(
  ctx: Context,
  options: RestoreOptions,
): Promise<RestoreResult> {
  await using _lock = await takeWriterLock(ctx.blob, "purge restore");
  return { dryRun: options.dryRun, ...await restoreBatches(ctx.blob, options) };
}

/** One quarantine batch as `purge list` shows it. */
export interface QuarantineListing {
  id: string;
  /** When its purge moved the objects. */
  time: Date;
  /** False for a batch a killed purge left unfinished (the next purge finishes it). */
  whole: boolean;
  /** Objects and bytes held now. */
  objects: number;
  bytes: number;
  /** When a purge may delete it for good (with a quarantine period of `quarantineMs`). */
  deletableAfter: Date;
}

/** The quarantine's batches, oldest first, counted from what they hold now. */
export async function* quarantineListing(
  ctx: Context,
  quarantineMs: number,
): AsyncGenerator<QuarantineListing> {
  for await (const batch of quarantineBatches(ctx.blob)) {
    const time = batch.record?.time ?? ksuidTime(batch.id);
    let objects = 0;
    let bytes = 0;
    for await (const object of batchObjects(ctx.blob, batch.id)) {
      objects++;
      bytes += object.size;
    }
    const deletableAfter = new Date(time.getTime() + quarantineMs);
    yield { id: batch.id, time, whole: batch.record !== undefined, objects, bytes, deletableAfter };
  }
}
