/**
 * Garbage collection of the blob store, mark and sweep. Mark: every committed bundle's file
 * lists are streamed and each leaf, root object (with the leaves it names) and pack they need
 * is added to a compact KeySet. Sweep: the blob store is listed and each object no bundle
 * needs is deleted once it is older than the grace period, so the blobs and packs of an upload
 * still running (stored before its bundle.yaml) are never taken. A pack is one object: it is
 * kept whole while any live entry names it, and the bytes of its dead entries are reported.
 * One purge runs at a time: it holds a create-only lock object.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleDoc, Contributor } from "../model/types.ts";
import { decodePurgeLock, encodePurgeLock } from "../model/codec.ts";
import { locksPrefix, purgeLockKey } from "../model/keys.ts";
import { isKsuid, ksuidTime, newKsuid } from "../model/ksuid.ts";
import { readPackIndex } from "../cafs/pack.ts";
import { decodeRoot, type HashFn, isKey } from "../cafs/root.ts";
import { Hasher } from "../cafs/hasher.ts";
import type { Store } from "../store/store.ts";
import type { Context } from "../meta/context.ts";
import { createDocument, mapOrdered, readDocument } from "../meta/documents.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";
import { hostName } from "../meta/contributor.ts";
import { KeySet } from "../cafs/key_set.ts";

/** Objects younger than this are never swept unless told otherwise: 24 hours. */
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;

const PACKS_PREFIX = "packs/";

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

export interface PurgeResult {
  dryRun: boolean;
  /** Committed bundles marked. */
  bundles: number;
  /** Distinct leaves, root objects and packed files the bundles need. */
  liveKeys: number;
  /** Packs the bundles need. */
  livePacks: number;
  /** Objects deleted (or that would be). */
  deleted: number;
  /** Their bytes. */
  bytesFreed: number;
  /** Unreferenced objects kept because they are younger than the grace period. */
  keptYoung: number;
  /** Live packs that hold entries no bundle names, and those entries' bytes. */
  partlyDeadPacks: number;
  deadPackBytes: number;
  /** The store's own stale temporary files removed (local store). */
  temporariesRemoved: number;
  temporaryBytesFreed: number;
}

/** Marks what every committed bundle needs, then sweeps the rest of the blob store. */
export async function purge(ctx: Context, options: PurgeOptions): Promise<PurgeResult> {
  const now = options.now ?? new Date();
  const cutoff = new Date(now.getTime() - options.graceMs);
  await takeLock(ctx.blob, options);
  const hasher = await Hasher.create();
  try {
    const live = new KeySet();
    const packs = new Set<string>();
    const result: PurgeResult = {
      dryRun: options.dryRun ?? false,
      bundles: 0,
      liveKeys: 0,
      livePacks: 0,
      deleted: 0,
      bytesFreed: 0,
      keptYoung: 0,
      partlyDeadPacks: 0,
      deadPackBytes: 0,
      temporariesRemoved: 0,
      temporaryBytesFreed: 0,
    };
    for await (const found of committedBundles(ctx)) {
      if ("error" in found) {
        throw new DatamonError(
          "integrity",
          `purge stopped before deleting anything: bundle ${found.id} of repo "${found.repo}" ` +
            `cannot be read (${found.error.message}); run "datamon fsck"`,
        );
      }
      await markBundle(ctx, found.doc, hasher, live, packs, options);
      result.bundles++;
    }
    result.liveKeys = live.size;
    result.livePacks = packs.size;
    await sweep(ctx.blob, { live, packs, cutoff, hasher, result, options });
    if (!result.dryRun && ctx.blob.removeStaleTemporaries) {
      const removed = await ctx.blob.removeStaleTemporaries(cutoff);
      result.temporariesRemoved = removed.files;
      result.temporaryBytesFreed = removed.bytes;
    }
    return result;
  } finally {
    hasher.close();
    await ctx.blob.delete(purgeLockKey);
  }
}

/**
 * Creates the lock object; a lock already there means another purge is running (or died:
 * --force-unlock removes it first).
 */
async function takeLock(blob: Store, options: PurgeOptions): Promise<void> {
  if (options.forceUnlock) await blob.delete(purgeLockKey);
  const lock = { id: newKsuid(), actor: options.actor, host: hostName(), pid: Deno.pid };
  if (await createDocument(blob, purgeLockKey, encodePurgeLock(lock))) return;
  let holder = "another purge";
  try {
    const held = await readDocument(blob, purgeLockKey, decodePurgeLock);
    holder = `a purge started ${ksuidTime(held.id).toISOString()} by ${held.actor.name} ` +
      `<${held.actor.email}> on ${held.host} (pid ${held.pid})`;
  } catch (e) {
    if (!isKind(e, "not-found") && !isKind(e, "integrity")) throw e;
  }
  throw new DatamonError(
    "locked",
    `${holder} holds ${purgeLockKey} in ${blob.url}: wait for it to end, or, if it died, ` +
      "pass --force-unlock",
  );
}

/** Adds every object a bundle needs to the live sets; a multi-leaf file's root is read. */
async function markBundle(
  ctx: Context,
  bundle: BundleDoc,
  hasher: HashFn,
  live: KeySet,
  packs: Set<string>,
  options: PurgeOptions,
): Promise<void> {
  const roots = mapOrdered(bundleEntries(ctx, bundle), options.concurrency, async (entry) => {
    if (entry.pack) {
      packs.add(entry.pack.id);
      live.add(entry.key);
    } else if (live.add(entry.key) && entry.size > bundle.leafSize) {
      const where = ctx.blob.url;
      let bytes: Uint8Array;
      try {
        bytes = await ctx.blob.get(entry.key);
      } catch (e) {
        if (!isKind(e, "not-found")) throw e;
        throw new DatamonError(
          "integrity",
          `purge stopped before deleting anything: root object ${entry.key} of ${entry.name} ` +
            `in bundle ${bundle.id} of repo "${bundle.repo}" is missing from ${where}, so ` +
            `its leaves are unknown; run "datamon fsck"`,
        );
      }
      for (const key of await decodeRoot(entry.key, bytes, hasher, where)) live.add(key);
    }
    return entry.size;
  });
  for await (const bytes of roots) options.onProgress?.({ files: 1, bytes });
}

interface SweepState {
  live: KeySet;
  packs: Set<string>;
  cutoff: Date;
  hasher: HashFn;
  result: PurgeResult;
  options: PurgeOptions;
}

/** Lists the blob store and deletes (or counts) what no bundle needs and the grace allows. */
async function sweep(blob: Store, state: SweepState): Promise<void> {
  const { live, packs, cutoff, result, options } = state;
  async function* candidates() {
    for await (const entry of blob.list("")) {
      if (entry.kind !== "object" || entry.key.startsWith(locksPrefix)) continue;
      options.onProgress?.({ files: 0, bytes: 0 });
      const { key, size, modified } = entry;
      const packId = key.startsWith(PACKS_PREFIX) ? key.slice(PACKS_PREFIX.length) : undefined;
      if (packId !== undefined ? !isKsuid(packId) : !isKey(key)) continue;
      if (packId !== undefined && packs.has(packId)) {
        yield { key, size, live: true, id: packId };
        continue;
      }
      if (packId === undefined && live.has(key)) continue;
      // Its stored time, as the store lists it: an upload's objects are younger than its run.
      if (modified >= cutoff) {
        result.keptYoung++;
        continue;
      }
      yield { key, size, live: false, id: packId };
    }
  }
  const done = mapOrdered(candidates(), options.concurrency, async (object) => {
    if (object.live) {
      return { object, dead: await deadPackBytes(blob, object.id!, object.size, state) };
    }
    options.onDelete?.(object);
    if (!result.dryRun) await blob.delete(object.key);
    return { object, dead: 0 };
  });
  for await (const { object, dead } of done) {
    if (object.live) {
      if (dead > 0) {
        result.partlyDeadPacks++;
        result.deadPackBytes += dead;
      }
    } else {
      result.deleted++;
      result.bytesFreed += object.size;
    }
  }
}

/** Bytes of a live pack's entries that no bundle names, from the pack's own index. */
async function deadPackBytes(
  blob: Store,
  id: string,
  size: number,
  state: SweepState,
): Promise<number> {
  let dead = 0;
  for (const entry of await readPackIndex(blob, id, size, state.hasher)) {
    if (!state.live.has(entry.key)) dead += entry.length;
  }
  return dead;
}
