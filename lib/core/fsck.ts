/**
 * Integrity check of a context's committed bundles. Quick: every bundle's file lists can be
 * read, match the checksums bundle.yaml records and name no file twice, and every object a
 * file needs (its leaves, its root object, its pack) is stored. Deep: every file is read back, every leaf and packed file re-hashed against its
 * key, and every pack's index checked (cafs/check.ts does the checks). Each damaged file is
 * reported by repo, bundle and path; the check goes on past damage. A missing object that a
 * purge holds in quarantine is its own finding, naming the purge; with repair, exactly those
 * objects are moved back (under the purge lock). Nothing else is ever changed.
 */
import { isKind } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import type { ObjectChecks } from "../cafs/check.ts";
import { bundleReader } from "./bundle_blobs.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { takePurgeLock } from "../cafs/locks.ts";
import { QuarantineLookup, restoreObject } from "../cafs/quarantine.ts";
import { CafsSession } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { bundleEntries, hasFileListChecksums } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/** One damaged thing: a file of a bundle, or the bundle's metadata when `path` is absent. */
export interface Damage {
  repo: string;
  bundle: string;
  path?: string;
  problem: string;
  /** The purge whose quarantine holds the missing object. */
  quarantinedBy?: string;
  /** True when repair moved that object back. */
  restored?: boolean;
}

export interface FsckOptions {
  /** Only this repo's bundles (default: every repo of the context). */
  repo?: string;
  /** Re-hash every leaf and packed file, and check each pack's index. */
  deep?: boolean;
  /** Move back the quarantined objects found missing (takes the purge lock). */
  repair?: boolean;
  concurrency: number;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

/** What was checked, filled in as the check goes. */
export interface FsckTotals {
  bundles: number;
  files: number;
  bytes: number;
  damaged: number;
  /** Bundles written before bundle.yaml recorded file-list checksums: lists read unverified. */
  unverified: number;
  /** Damages that are objects held in quarantine, and of those, the ones repair restored. */
  quarantined: number;
  restored: number;
}

/** Totals before anything is checked. */
export function emptyTotals(): FsckTotals {
  return { bundles: 0, files: 0, bytes: 0, damaged: 0, unverified: 0, quarantined: 0, restored: 0 };
}

/** Checks the bundles and yields each damage found; `totals` counts what was checked. */
export async function* fsck(
  ctx: Context,
  options: FsckOptions,
  totals: FsckTotals = emptyTotals(),
): AsyncGenerator<Damage> {
  await using _lock = options.repair
    ? await takePurgeLock(ctx.blob, { command: "fsck --repair", removeStale: false })
    : undefined;
  using cafs = await CafsSession.open(ctx.blob);
  const checks = cafs.checks(options.deep ?? false);
  const quarantine = new QuarantineLookup(ctx.blob);
  for await (const found of committedBundles(ctx, options.repo)) {
    totals.bundles++;
    if ("error" in found) {
      totals.damaged++;
      yield { repo: found.repo, bundle: found.id, problem: found.error.message };
      continue;
    }
    if (!hasFileListChecksums(found.doc)) totals.unverified++;
    const reader = bundleReader(ctx, cafs, found.doc, options.concurrency);
    for await (const damage of checkBundle(ctx, found.doc, reader, checks, options, totals)) {
      totals.damaged++;
      if (damage.missing === undefined) {
        yield damage.found;
        continue;
      }
      yield await quarantined(ctx, damage.found, damage.missing, quarantine, options, totals);
    }
  }
}

/**
 * A damage whose missing object a purge holds in quarantine becomes that finding (and, with
 * repair, the object is moved back); any other stays as found.
 */
async function quarantined(
  ctx: Context,
  damage: Damage,
  missing: string,
  quarantine: QuarantineLookup,
  options: FsckOptions,
  totals: FsckTotals,
): Promise<Damage> {
  const id = await quarantine.find(missing);
  if (id === undefined) return damage;
  totals.quarantined++;
  if (options.repair) {
    // Files sharing the object report it once restored: the restore is idempotent.
    await restoreObject(ctx.blob, id, missing);
    totals.restored++;
  }
  const problem = `${missing} is quarantined by purge ${id}` +
    (options.repair
      ? ": restored"
      : `: run "datamon fsck --repair" or "datamon purge restore --purge ${id}"`);
  return { ...damage, problem, quarantinedBy: id, ...(options.repair ? { restored: true } : {}) };
}

/** A damage found, with the key of the object found missing when that is the problem. */
interface Found {
  found: Damage;
  missing?: string;
}

async function* checkBundle(
  ctx: Context,
  bundle: BundleDoc,
  reader: CafsReader,
  checks: ObjectChecks,
  options: FsckOptions,
  totals: FsckTotals,
): AsyncGenerator<Found> {
  const at = (path: string | undefined, problem: string, missing?: string): Found => ({
    found: path === undefined
      ? { repo: bundle.repo, bundle: bundle.id, problem }
      : { repo: bundle.repo, bundle: bundle.id, path, problem },
    ...(missing === undefined ? {} : { missing }),
  });
  let listed = 0;
  let listFailure: string | undefined;
  async function* entries(): AsyncGenerator<FileEntry> {
    try {
      for await (const entry of bundleEntries(ctx, bundle)) {
        listed++;
        yield entry;
      }
    } catch (e) {
      if (!isKind(e, "integrity")) throw e;
      listFailure = e.message;
    }
  }
  const checked = mapOrdered(
    checks.groups(entries(), reader),
    options.concurrency,
    async (group) => {
      const problems = await checks.problems(group, reader);
      options.onProgress?.({
        files: group.length,
        bytes: group.reduce((sum, entry) => sum + entry.size, 0),
      });
      return { group, problems };
    },
  );
  for await (const { group, problems } of checked) {
    totals.files += group.length;
    totals.bytes += group.reduce((sum, entry) => sum + entry.size, 0);
    for (const { file, problem, missing } of problems) yield at(file.name, problem, missing);
  }
  if (listFailure !== undefined) {
    yield at(undefined, listFailure);
  } else if (listed !== bundle.fileCount) {
    yield at(
      undefined,
      `its file lists hold ${listed} files, bundle.yaml says ${bundle.fileCount}`,
    );
  }
}
