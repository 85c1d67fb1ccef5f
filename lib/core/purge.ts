/**
 * Purge: garbage collection of the blob store over every committed bundle of the context.
 * Each bundle's file entries are marked as needed, then the blob store is swept of what no
 * bundle needs once it is older than the grace period, so the blobs and packs of an upload
 * still running (stored before its bundle.yaml) are never taken (cafs/gc.ts does both). One
 * purge runs at a time: it holds the purge lock.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, Contributor, PurgeLock } from "../model/types.ts";
import { ksuidTime, newKsuid } from "../model/ksuid.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import type { BlobCollector, SweepResult } from "../cafs/gc.ts";
import { type HeldLock, releasePurgeLock, takePurgeLock } from "../cafs/purge_lock.ts";
import { CafsSession } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";
import { hostName } from "../meta/contributor.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/** Objects younger than this are never swept unless told otherwise: 24 hours. */
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

/** How a purge goes. */
export interface PurgeOptions {
  /** Who purges: recorded in the lock. */
  actor: Contributor;
  /** Unreferenced objects modified less than this long ago are kept. */
  graceMs: number;
  /** Report what would be deleted; delete nothing (the lock is still taken). */
  dryRun?: boolean;
  /** Remove a lock left by a purge that died, then purge. */
  forceUnlock?: boolean;
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
  /** Distinct leaves, root objects and packed files the bundles need. */
  liveKeys: number;
  /** Packs the bundles need. */
  livePacks: number;
}

/** Marks what every committed bundle needs, then sweeps the rest of the blob store. */
export async function purge(ctx: Context, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  await takeLock(ctx, options);
  try {
    using cafs = await CafsSession.open(ctx.blob);
    const collector = cafs.collector();
    let bundles = 0;
    for await (const found of committedBundles(ctx)) {
      if ("error" in found) {
        throw new DatamonError(
          "integrity",
          `purge stopped before deleting anything: bundle ${found.id} of repo "${found.repo}" ` +
            `cannot be read (${found.error.message}); run "datamon fsck"`,
        );
      }
      await markBundle(ctx, found.doc, collector, options);
      bundles++;
    }
    const dryRun = options.dryRun ?? false;
    const { liveKeys, livePacks } = collector;
    const swept = await collector.sweep({
      cutoff,
      dryRun,
      concurrency: options.concurrency,
      onDelete: options.onDelete,
      onListed: () => options.onProgress?.({ files: 0, bytes: 0 }),
    });
    return { dryRun, bundles, liveKeys, livePacks, ...swept };
  } finally {
    await releasePurgeLock(ctx.blob);
  }
}

/**
 * Takes the purge lock; a lock already there means another purge is running (or died:
 * --force-unlock removes it first).
 */
async function takeLock(ctx: Context, options: PurgeOptions): Promise<void> {
  const lock: PurgeLock = {
    id: newKsuid(),
    actor: options.actor,
    host: hostName(),
    pid: Deno.pid,
  };
  const held = await takePurgeLock(ctx.blob, lock, options.forceUnlock ?? false);
  if (!held) return;
  throw new DatamonError(
    "locked",
    `${describeHolder(held)} holds ${held.where}: wait for it to end, or, if it died, ` +
      "pass --force-unlock",
  );
}

/** Who holds the lock, as far as its record tells. */
function describeHolder({ holder }: HeldLock): string {
  if (!holder) return "another purge";
  return `a purge started ${ksuidTime(holder.id).toISOString()} by ${holder.actor.name} ` +
    `<${holder.actor.email}> on ${holder.host} (pid ${holder.pid})`;
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
