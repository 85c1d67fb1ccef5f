/**
 * A diamond's splits: adding one (an upload whose entries become the split's file lists, under
 * a writer lock like any upload) and telling where each stands. A run whose running.yaml has
 * no done.yaml or failed.yaml is "running" while its writer lock is live, and "dead" once the
 * lock is stale or gone: its process died midway.
 */
import { DatamonError } from "../errors.ts";
import type { BundleRef } from "../model/types.ts";
import type { SplitDone } from "../model/diamond.ts";
import { newKsuid } from "../model/ksuid.ts";
import { validateName } from "../model/names.ts";
import { writerLocks } from "../cafs/locks.ts";
import { mapOrdered } from "../util/map_ordered.ts";
import type { Context } from "../meta/context.ts";
import {
  type DiamondStatus,
  getDiamond,
  splitIds,
  type SplitRun,
  splitRuns,
  SplitWriter,
} from "../meta/diamond.ts";
import { lineageInputs, type StoredUpload, storeUpload, type UploadOptions } from "./upload.ts";

/** Where a split (its latest run) stands. */
export type SplitState = "running" | "dead" | "done" | "failed";

/** A run of a split, with its state as seen now. */
export type RunStatus = Omit<SplitRun, "state"> & { state: SplitState };

/** A split of a diamond: its runs, oldest first, and the state of the latest. */
export interface SplitStatus {
  split: string;
  state: SplitState;
  runs: RunStatus[];
}

/** How a split is added. */
export type SplitOptions = Omit<UploadOptions, "message"> & {
  diamond: string;
  /** The split's id: a name, or by default a new ksuid. Giving it again adds a new run. */
  split?: string;
  tag?: string;
  /** Only files whose name matches. */
  nameFilter?: RegExp;
};

/** What adding a split did. */
export type SplitResult = StoredUpload<SplitDone> & { split: string; generation: string };

/**
 * Uploads a directory as a split of an open diamond. A run that fails records failed.yaml; a
 * diamond committed or cancelled while the split ran refuses it before its done.yaml.
 */
export async function addSplit(ctx: Context, options: SplitOptions): Promise<SplitResult> {
  const { repo, diamond } = options;
  const split = validateName("split", options.split ?? newKsuid());
  requireOpen(await getDiamond(ctx, repo, diamond));
  let run: SplitWriter | undefined;
  try {
    const stored = await storeUpload(ctx, options, "diamond split add", async (metered, lock) => {
      run = await SplitWriter.start(metered, {
        repo,
        diamond,
        split,
        actor: options.contributor,
        lock: lock.key,
        path: options.path,
        ...(options.tag === undefined ? {} : { tag: options.tag }),
      });
      const writer = run;
      return {
        writer,
        // The diamond's state and the inputs are read while the last list is written.
        commit: (leafSize) => writer.commit(leafSize, closingChecks(metered, options)),
      };
    });
    return { ...stored, split, generation: run!.record.generation };
  } catch (e) {
    await run?.fail((e as Error).message).catch(() => {});
    throw e;
  }
}

/** The run's inputs, once the diamond is found still open: what done.yaml waits for. */
async function closingChecks(ctx: Context, options: SplitOptions): Promise<BundleRef[]> {
  const [inputs, status] = await Promise.all([
    lineageInputs(ctx, options),
    getDiamond(ctx, options.repo, options.diamond),
  ]);
  requireOpen(status);
  return inputs;
}

/** Refuses a diamond that is committed, being committed, or cancelled: it takes no splits. */
export function requireOpen(status: DiamondStatus): void {
  const { doc, state } = status;
  if (state === "initialized") return;
  const bundle = status.done?.bundle ??
    (status.closed?.state === "committing" ? status.closed.bundle : undefined);
  const what = state === "cancelled" ? "was cancelled" : `is committed (bundle ${bundle})`;
  throw new DatamonError(
    "invalid-argument",
    `diamond ${doc.id} of repo "${doc.repo}" ${what}: it takes no more splits; ` +
      `initialize a new diamond with "datamon diamond initialize --repo ${doc.repo}"`,
  );
}

/** One split's runs and state; not-found when the diamond has no such split. */
export async function getSplit(
  ctx: Context,
  repo: string,
  diamond: string,
  split: string,
): Promise<SplitStatus> {
  await getDiamond(ctx, repo, diamond);
  validateName("split", split);
  const status = await splitStatus(ctx, repo, diamond, split, await liveLocks(ctx));
  if (!status) {
    throw new DatamonError(
      "not-found",
      `split ${split} not found in diamond ${diamond} of repo "${repo}": see ` +
        `"datamon diamond split list --repo ${repo} --diamond ${diamond}"`,
    );
  }
  return status;
}

/** Every split of a diamond, in id order. */
export async function* listSplits(
  ctx: Context,
  repo: string,
  diamond: string,
): AsyncGenerator<SplitStatus> {
  await getDiamond(ctx, repo, diamond);
  yield* splitsOf(ctx, repo, diamond);
}

/** Every split of a diamond known to exist (a commit has just read it), in id order. */
export async function* splitsOf(
  ctx: Context,
  repo: string,
  diamond: string,
): AsyncGenerator<SplitStatus> {
  const live = await liveLocks(ctx);
  // Splits are read a few at a time (in order): a commit reads every one of them.
  const statuses = mapOrdered(
    splitIds(ctx, repo, diamond),
    SPLITS_READ_AT_ONCE,
    (split) => splitStatus(ctx, repo, diamond, split, live),
  );
  for await (const status of statuses) if (status) yield status;
}

/** Splits whose records are read at once by a listing. */
const SPLITS_READ_AT_ONCE = 8;

async function splitStatus(
  ctx: Context,
  repo: string,
  diamond: string,
  split: string,
  live: ReadonlySet<string>,
): Promise<SplitStatus | undefined> {
  const runs: RunStatus[] = (await splitRuns(ctx, repo, diamond, split)).map((run) => ({
    ...run,
    state: run.state === "running" && !live.has(run.running.lock) ? "dead" : run.state,
  }));
  if (runs.length === 0) return undefined;
  return { split, state: runs[runs.length - 1].state, runs };
}

/** The keys of the blob store's writer locks that are not stale. */
async function liveLocks(ctx: Context): Promise<Set<string>> {
  const live = new Set<string>();
  for await (const lock of writerLocks(ctx.blob)) if (!lock.stale) live.add(lock.key);
  return live;
}
