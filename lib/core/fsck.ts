/**
 * Integrity check of a context's committed bundles. Quick: every bundle's file lists can be
 * read, match the checksums bundle.yaml records, name no file twice and are in name order (the
 * order a lookup by name relies on), and every object a file needs (its leaves, its root
 * object, its pack) is stored. Deep: every file is read back, every leaf and packed file
 * re-hashed against its key, and every pack's index checked (cafs/check.ts does the checks).
 * Each damaged file is reported by repo, bundle and path; the check goes on past damage. A
 * missing object that a purge holds in quarantine is its own finding, naming the purge; with
 * repair, exactly those objects are moved back (under the purge lock). A label whose current
 * target is no committed bundle is a finding too. Nothing else is ever changed.
 */
import { isKind } from "../errors.ts";
import { type BundleDoc, type FileEntry, isFileEntry } from "../model/types.ts";
import type { ObjectChecks } from "../cafs/check.ts";
import { bundleReader } from "./bundle_blobs.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { takeWriterLock } from "../cafs/locks.ts";
import { QuarantineLookup, restoreObject } from "../cafs/quarantine.ts";
import { CafsSession } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { bundleTree, type Disorder, hasFileListChecksums } from "../meta/bundles.ts";
import { danglingLabels } from "../meta/labels.ts";
import { listRepos } from "../meta/repo.ts";
import { committedBundles } from "../meta/committed.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/**
 * One damaged thing: a file of a bundle, a label naming a bundle that is gone, or the bundle's
 * metadata when neither `path` nor `label` is set.
 */
export interface Damage {
  repo: string;
  bundle: string;
  path?: string;
  /** The label that names `bundle`, which is not committed. */
  label?: string;
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
  /** Move back the quarantined objects found missing (refused while a purge runs). */
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
  /**
   * Damages whose missing objects a purge holds in quarantine, and of those, the ones repair
   * made whole (every object moved back, the file checked again).
   */
  quarantined: number;
  restored: number;
  /** Objects repair moved back out of quarantine. */
  restoredObjects: number;
}

/** Totals before anything is checked. */
export function emptyTotals(): FsckTotals {
  return {
    bundles: 0,
    files: 0,
    bytes: 0,
    damaged: 0,
    unverified: 0,
    quarantined: 0,
    restored: 0,
    restoredObjects: 0,
  };
}

/** Checks the bundles and yields each damage found; `totals` counts what was checked. */
export async function* fsck(
  ctx: Context,
  options: FsckOptions,
  totals: FsckTotals = emptyTotals(),
): AsyncGenerator<Damage> {
  // Repair only adds objects back: a writer's lock keeps purges away, uploads may run.
  await using _lock = options.repair ? await takeWriterLock(ctx.blob, "fsck --repair") : undefined;
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
      yield damage.missing && damage.file
        ? await quarantined(ctx, damage, { quarantine, checks, reader }, options, totals)
        : damage.found;
    }
  }
  for await (const damage of checkLabels(ctx, options)) {
    totals.damaged++;
    yield damage;
  }
}

/** Labels whose current target is no committed bundle, of the repo checked or of every repo. */
async function* checkLabels(ctx: Context, options: FsckOptions): AsyncGenerator<Damage> {
  const repos = options.repo === undefined
    ? Array.fromAsync(listRepos(ctx, options.concurrency), (r) => r.name)
    : [options.repo];
  for (const repo of await repos) {
    for await (const label of danglingLabels(ctx, repo, options.concurrency)) {
      yield {
        repo,
        bundle: label.bundleId,
        label: label.name,
        problem: `label ${label.name} names bundle ${label.bundleId}, which is not committed: ` +
          `set it again with "datamon label set --repo ${repo} --label ${label.name} --bundle ID"`,
      };
    }
  }
}

/** What a repair needs to find, restore and check again a file's objects. */
interface Repairer {
  quarantine: QuarantineLookup;
  checks: ObjectChecks;
  reader: CafsReader;
}

/**
 * A damage whose missing objects a purge holds in quarantine becomes that finding. With
 * repair they are moved back and the file is checked again, until it is whole or what is still
 * missing is not in quarantine: a restored root object names leaves that could not be checked
 * before. Each round moves at least one object out of quarantine, so the rounds end.
 */
async function quarantined(
  ctx: Context,
  damage: Found,
  { quarantine, checks, reader }: Repairer,
  options: FsckOptions,
  totals: FsckTotals,
): Promise<Damage> {
  let current = { problem: damage.found.problem, missing: damage.missing ?? [] };
  let purge: string | undefined;
  let restored = 0;
  for (;;) {
    const held = await heldBy(quarantine, current.missing);
    if (held.size === 0) break;
    purge ??= held.values().next().value!;
    if (!options.repair) break;
    for (const [key, id] of held) await restoreObject(ctx.blob, id, key);
    restored += held.size;
    totals.restoredObjects += held.size;
    const again = await checks.recheck(damage.file!, reader);
    if (!again) {
      totals.quarantined++;
      totals.restored++;
      const objects = restored > 1 ? ` (${restored} objects)` : "";
      const problem = `${damage.missing![0]} is quarantined by purge ${purge}: restored${objects}`;
      return { ...damage.found, problem, quarantinedBy: purge, restored: true };
    }
    current = { problem: again.problem, missing: again.missing ?? [] };
  }
  if (purge === undefined) return damage.found;
  const held = await heldBy(quarantine, current.missing);
  if (held.size === 0 || held.size < current.missing.length) {
    // Something it needs is gone for good (or damaged): the damage stands.
    const note = restored > 0
      ? ` (${restored} objects restored from purge ${purge})`
      : held.size > 0
      ? ` (${held.size} of the objects it lacks are quarantined by purge ${purge})`
      : "";
    return { ...damage.found, problem: `${current.problem}${note}`, quarantinedBy: purge };
  }
  totals.quarantined++;
  const [key, id] = held.entries().next().value!;
  const more = held.size > 1 ? ` (and ${held.size - 1} more of its objects)` : "";
  const problem = `${key} is quarantined by purge ${id}${more}: ` +
    `run "datamon fsck --repair" or "datamon purge restore --purge ${id}"`;
  return { ...damage.found, problem, quarantinedBy: id };
}

/** The purge holding each of `keys` in quarantine, for those a purge holds. */
async function heldBy(
  quarantine: QuarantineLookup,
  keys: readonly string[],
): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  for (const key of keys) {
    const id = await quarantine.find(key);
    if (id !== undefined) held.set(key, id);
  }
  return held;
}

/** A damage found, with the file and the keys of the objects found missing, if that is why. */
interface Found {
  found: Damage;
  file?: FileEntry;
  missing?: readonly string[];
}

async function* checkBundle(
  ctx: Context,
  bundle: BundleDoc,
  reader: CafsReader,
  checks: ObjectChecks,
  options: FsckOptions,
  totals: FsckTotals,
): AsyncGenerator<Found> {
  const at = (file: FileEntry | undefined, problem: string, missing?: readonly string[]) => ({
    found: file === undefined
      ? { repo: bundle.repo, bundle: bundle.id, problem }
      : { repo: bundle.repo, bundle: bundle.id, path: file.name, problem },
    ...(file === undefined ? {} : { file }),
    ...(missing === undefined ? {} : { missing }),
  });
  let listed = 0;
  let listFailure: string | undefined;
  let disorder: Disorder | undefined;
  // Every entry counts against bundle.yaml's fileCount (links, directories and names
  // redacted from the repo too); only regular files have objects to check.
  async function* entries(): AsyncGenerator<FileEntry> {
    try {
      const lists = bundleTree(ctx, bundle, () => listed++, (found) => disorder = found);
      for await (const entry of lists) {
        listed++;
        if (isFileEntry(entry)) yield entry;
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
    for (const { file, problem, missing } of problems) yield at(file, problem, missing);
  }
  if (disorder !== undefined) yield at(undefined, outOfOrder(disorder));
  if (listFailure !== undefined) {
    yield at(undefined, listFailure);
  } else if (listed !== bundle.fileCount) {
    yield at(
      undefined,
      `its file lists hold ${listed} files, bundle.yaml says ${bundle.fileCount}`,
    );
  }
}

/**
 * The problem of a bundle whose lists are out of name order: its bytes are intact, but a
 * lookup by name (download file, a mount) may miss files, so it is uploaded again.
 */
function outOfOrder({ index, previous, name }: Disorder): string {
  return `file list ${index} names "${name}" after "${previous}", out of name order: ` +
    `"bundle download file" and mounts may not find its files; its bytes are intact and a ` +
    `full "datamon bundle download" is right: download it and upload it again as a new bundle`;
}
