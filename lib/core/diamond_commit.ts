/**
 * Committing a diamond: its finished splits' file lists merged (diamond_merge.ts) into one
 * bundle. The commit points, in order: closed.yaml "committing" (create-only: it fixes the
 * bundle id, the mode and the runs merged, and shuts out a cancel and new splits), the
 * bundle's file lists, bundle.yaml (the bundle becomes visible), the label, done.yaml. A commit
 * that stopped anywhere is run again and finishes the same bundle from closed.yaml. Cancelling
 * is the other way to close a diamond.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleDoc, Contributor } from "../model/types.ts";
import type {
  ConflictMode,
  DiamondCommitting,
  DiamondDone,
  SplitDone,
  SplitSource,
} from "../model/diamond.ts";
import { newKsuid } from "../model/ksuid.ts";
import { takeWriterLock } from "../cafs/locks.ts";
import type { Context } from "../meta/context.ts";
import { getBundle } from "../meta/bundles.ts";
import { BundleWriter } from "../meta/bundle_writer.ts";
import { setLabel } from "../meta/labels.ts";
import { distinctInputs } from "../meta/lineage.ts";
import { registerContext } from "../meta/registry.ts";
import {
  closeDiamond,
  type DiamondStatus,
  finishDiamond,
  getDiamond,
  runEntries,
} from "../meta/diamond.ts";
import { type RunStatus, splitsOf, type SplitStatus } from "./diamond_split.ts";
import { mergedTree, type MergeSource, scanConflicts } from "./diamond_merge.ts";

/** How a diamond is committed. */
export interface CommitOptions {
  repo: string;
  diamond: string;
  message: string;
  label?: string;
  tag?: string;
  mode: ConflictMode;
  /** Leave out splits that died midway or failed, instead of refusing the commit. */
  excludeUnfinished?: boolean;
  contributor: Contributor;
  /** Told each path two splits give different bytes, and the splits whose versions lose. */
  onConflict?: (path: string, losers: string[]) => void;
}

/** What a commit made. */
export interface CommitResult {
  bundle: BundleDoc;
  /** Paths with conflicts, and earlier versions found (kept or not, as the mode says). */
  conflicts: number;
  checkpoints: number;
  /** Splits left out (died or failed). */
  excluded: string[];
}

/** A run to merge, with its done record. */
type CommitSource = MergeSource & { done: SplitDone };

/** Most conflicting paths a --no-conflicts refusal names. */
const NAMED_CONFLICTS = 10;

/** Commits a diamond into one bundle, or finishes a commit of it that stopped. */
export async function commitDiamond(ctx: Context, options: CommitOptions): Promise<CommitResult> {
  const { repo, diamond } = options;
  const status = await getDiamond(ctx, repo, diamond);
  refuseClosed(status, "commit");
  // A first commit merges the runs its plan just read; a re-run reads those closed.yaml names.
  const plan = status.closed?.state === "committing"
    ? { committing: status.closed, splits: splitsOf(ctx, repo, diamond) }
    : await planCommit(ctx, options);
  const { committing } = plan;
  const sources = await mergeSources(ctx, repo, diamond, committing.sources, plan.splits);
  const named: string[] = [];
  const scan = await scanConflicts(sources, committing.mode, (path, losers) => {
    if (named.length < NAMED_CONFLICTS) named.push(path);
    options.onConflict?.(path, losers);
  });
  if (committing.mode === "no-conflicts" && scan.conflicts > 0) {
    throw new DatamonError(
      "failed-step",
      `diamond ${diamond} not committed: ${scan.conflicts} paths have different bytes in two ` +
        `splits (${named.join(", ")}${scan.conflicts > named.length ? ", ..." : ""}); ` +
        "commit with --with-conflicts or --ignore-conflicts, or fix the splits",
    );
  }
  // A cancel or another commit that closed the diamond first decides: run again to obey it.
  const resumed = status.state === "committing";
  if (!resumed && await closeDiamond(ctx, repo, diamond, committing) !== committing) {
    return await commitDiamond(ctx, options);
  }
  const bundle = await writeBundle(ctx, repo, committing, sources, scan.kept, options.contributor);
  if (committing.label) await setLabel(ctx, repo, committing.label, bundle.id, options.contributor);
  const done: DiamondDone = {
    bundle: bundle.id,
    time: new Date(),
    conflicts: scan.conflicts,
    checkpoints: scan.checkpoints,
  };
  await finishDiamond(ctx, repo, diamond, options.contributor, done);
  return {
    bundle,
    conflicts: done.conflicts,
    checkpoints: done.checkpoints,
    excluded: committing.excluded,
  };
}

/** Cancels a diamond that is not committed: it takes no splits and no commit from then on. */
export async function cancelDiamond(
  ctx: Context,
  repo: string,
  diamond: string,
  contributor: Contributor,
): Promise<void> {
  refuseClosed(await getDiamond(ctx, repo, diamond), "cancel");
  const closed = await closeDiamond(ctx, repo, diamond, {
    state: "cancelled",
    time: new Date(),
    contributor,
  });
  if (closed.state === "committing") {
    throw new DatamonError(
      "already-exists",
      `diamond ${diamond} of repo "${repo}" is being committed as bundle ${closed.bundle}: ` +
        "it can no longer be cancelled",
    );
  }
}

/**
 * Refuses a diamond already committed ("already-exists", naming the bundle) or cancelled; a
 * commit that stopped ("committing") may be run again, but not cancelled.
 */
function refuseClosed(status: DiamondStatus, action: "commit" | "cancel"): void {
  const { doc, state } = status;
  const where = `diamond ${doc.id} of repo "${doc.repo}"`;
  if (state === "done") {
    throw new DatamonError(
      "already-exists",
      `${where} is already committed as bundle ${status.done!.bundle}: nothing to ${action}`,
    );
  }
  if (state === "cancelled") {
    throw new DatamonError("invalid-argument", `${where} was cancelled: nothing to ${action}`);
  }
  if (state === "committing" && action === "cancel") {
    const bundle = status.closed?.state === "committing" ? status.closed.bundle : "";
    throw new DatamonError(
      "already-exists",
      `${where} is being committed as bundle ${bundle}: run the commit again to finish it; ` +
        "it can no longer be cancelled",
    );
  }
}

/**
 * The committing record of a first commit: the runs to merge, in priority order (splits by
 * the time of their latest run, later winning; with --with-checkpoints every finished run of
 * each, oldest first, else its latest only). Refuses unfinished splits unless excluded.
 */
async function planCommit(
  ctx: Context,
  options: CommitOptions,
): Promise<{ committing: DiamondCommitting; splits: SplitStatus[] }> {
  const { repo, diamond } = options;
  const splits = await Array.fromAsync(splitsOf(ctx, repo, diamond));
  const excluded: string[] = [];
  const finished: SplitStatus[] = [];
  for (const split of splits) {
    if (split.state === "done") finished.push(split);
    else if (split.state !== "running" && options.excludeUnfinished) excluded.push(split.split);
    else throw unfinished(options, split);
  }
  if (finished.length === 0) {
    throw new DatamonError(
      "invalid-argument",
      `diamond ${diamond} of repo "${repo}" has no finished split: add one with ` +
        `"datamon diamond split add --repo ${repo} --diamond ${diamond} --path DIR"`,
    );
  }
  const latest = (s: SplitStatus) => s.runs[s.runs.length - 1].generation;
  finished.sort((a, b) => latest(a) < latest(b) ? -1 : latest(a) > latest(b) ? 1 : 0);
  const sources: SplitSource[] = finished.flatMap((s) =>
    (options.mode === "with-checkpoints" ? s.runs.filter((r) => r.done) : [s.runs.at(-1)!])
      .map((r) => ({ split: r.split, generation: r.generation }))
  );
  const committing: DiamondCommitting = {
    state: "committing",
    time: new Date(),
    contributor: options.contributor,
    bundle: newKsuid(),
    mode: options.mode,
    message: options.message,
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(options.tag === undefined ? {} : { tag: options.tag }),
    sources,
    excluded,
  };
  return { committing, splits };
}

/** The one-line refusal of a split that is not done. */
function unfinished(options: CommitOptions, split: SplitStatus): DatamonError {
  const { repo, diamond } = options;
  const where = `split ${split.split} of diamond ${diamond}`;
  if (split.state === "running") {
    return new DatamonError(
      "locked",
      `${where} is still running: wait for it to finish, then commit`,
    );
  }
  const why = split.state === "dead"
    ? "died midway (its writer lock is stale or gone)"
    : `failed (${split.runs.at(-1)!.failed?.error})`;
  return new DatamonError(
    "failed-step",
    `${where} ${why}: run it again with "datamon diamond split add --repo ${repo} ` +
      `--diamond ${diamond} --split ${split.split} ...", or commit with --exclude-unfinished`,
  );
}

/**
 * The runs to merge, found among `splits` (the diamond's), each re-readable, with their done
 * records; one leaf size for all.
 */
async function mergeSources(
  ctx: Context,
  repo: string,
  diamond: string,
  sources: readonly SplitSource[],
  splits: AsyncIterable<SplitStatus> | Iterable<SplitStatus>,
): Promise<CommitSource[]> {
  const runs = new Map<string, RunStatus>();
  for await (const split of splits) {
    for (const run of split.runs) runs.set(`${run.split}/${run.generation}`, run);
  }
  const merged = sources.map((source) => {
    const done = runs.get(`${source.split}/${source.generation}`)?.done;
    if (!done) {
      throw new DatamonError(
        "integrity",
        `run ${source.generation} of split ${source.split} of diamond ${diamond} is recorded as ` +
          `merged but has no done.yaml in ${ctx.metadata.url}: the metadata store is damaged`,
      );
    }
    return { ...source, done, entries: () => runEntries(ctx, repo, diamond, source, done) };
  });
  const leafSizes = new Set(merged.map((s) => s.done.leafSize));
  if (leafSizes.size > 1) {
    throw new DatamonError(
      "invalid-argument",
      `the splits of diamond ${diamond} were cut with different leaf sizes ` +
        `(${[...leafSizes].join(", ")}): add them again with one --leaf-size`,
    );
  }
  return merged;
}

/**
 * Writes the bundle's file lists and bundle.yaml under the writer lock (which keeps purge
 * away), or reads the bundle when an earlier run of the commit already wrote it.
 */
async function writeBundle(
  ctx: Context,
  repo: string,
  closed: DiamondCommitting,
  sources: readonly CommitSource[],
  kept: ReadonlySet<string>,
  actor: Contributor,
): Promise<BundleDoc> {
  const existing = await findBundle(ctx, repo, closed.bundle);
  if (existing) return existing;
  await using lock = await takeWriterLock(ctx.blob, "diamond commit");
  await registerContext(ctx);
  const writer = await BundleWriter.start(ctx, repo, actor, closed.bundle);
  for await (const entry of mergedTree(sources, kept)) await writer.add(entry);
  await lock.check();
  const inputs = distinctInputs(sources.flatMap((s) => s.done.inputs), writer.ref);
  const leafSize = sources[0].done.leafSize;
  try {
    return await writer.commit({ message: closed.message, leafSize, inputs });
  } catch (e) {
    // A commit of the same diamond running beside this one got there first: the same bundle.
    const other = isKind(e, "already-exists") ? await findBundle(ctx, repo, closed.bundle) : null;
    if (other) return other;
    throw e;
  }
}

/** The committed bundle, or null when it has no bundle.yaml yet. */
async function findBundle(ctx: Context, repo: string, id: string): Promise<BundleDoc | null> {
  try {
    return await getBundle(ctx, repo, id);
  } catch (e) {
    if (isKind(e, "not-found")) return null;
    throw e;
  }
}
