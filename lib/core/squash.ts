/**
 * Squashing a repo as Go datamon does: keep the N latest bundles (and, if asked, those a label
 * or a semver label points at), remove the metadata of the others and the labels that pointed
 * at them. A plan is made first, so that it can be shown (a dry run) or confirmed; carrying it
 * out logs every removal in the WAL, and the removed bundles' blobs become garbage for purge.
 */
import { DatamonError } from "../errors.ts";
import type { Contributor } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { listBundles, type OnSkipped } from "../meta/bundles.ts";
import { listLabels } from "../meta/labels.ts";
import { getRepo } from "../meta/repo.ts";
import { requireNoIntent } from "../meta/repo_journal.ts";
import { removeBundle, removeLabel } from "../meta/bundle_removal.ts";

/** What a squash keeps. */
export interface SquashOptions {
  /** The latest bundles kept, at least 1. */
  retainLatest: number;
  /** Keep every bundle a label points at. */
  retainTags: boolean;
  /** Keep every bundle a label named like a semantic version (v1.2.3, 1.2) points at. */
  retainSemverTags: boolean;
  concurrency: number;
  onSkipped?: OnSkipped;
}

/** One bundle a squash removes, as a person needs to see it. */
export interface SquashedBundle {
  id: string;
  timestamp: Date;
  message: string;
  /** The labels that point at it, removed with it. */
  labels: string[];
}

/** What a squash of one repo removes and keeps. */
export interface SquashPlan {
  repo: string;
  /** Bundles removed, oldest first. */
  remove: SquashedBundle[];
  /** How many bundles stay. */
  kept: number;
}

/** A label name Go's semver.ParseTolerant accepts: an optional v, 1 to 3 numbers, a suffix. */
const SEMVER_TAG = /^\s*v?\d+(\.\d+){0,2}(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?\s*$/;

/** True when a label name is a semantic version as Go datamon's squash reads one. */
export function isSemverTag(name: string): boolean {
  return SEMVER_TAG.test(name);
}

/** Decides what squashing `repo` removes; nothing is changed. */
export async function planSquash(
  ctx: Context,
  repo: string,
  options: SquashOptions,
): Promise<SquashPlan> {
  if (!Number.isSafeInteger(options.retainLatest) || options.retainLatest < 1) {
    throw new DatamonError("invalid-argument", "--retain-n-latest must be at least 1");
  }
  await requireNoIntent(ctx, await getRepo(ctx, repo), "squash");
  const bundles: SquashedBundle[] = [];
  for await (const b of listBundles(ctx, repo, options.concurrency, options.onSkipped)) {
    bundles.push({ id: b.id, timestamp: b.timestamp, message: b.message, labels: [] });
  }
  const byId = new Map(bundles.map((b) => [b.id, b]));
  for await (const label of listLabels(ctx, repo, options.concurrency, options.onSkipped)) {
    byId.get(label.bundleId)?.labels.push(label.name);
  }
  const retainedByLabel = (b: SquashedBundle) =>
    b.labels.some((name) => options.retainTags || (options.retainSemverTags && isSemverTag(name)));
  const older = bundles.slice(0, Math.max(0, bundles.length - options.retainLatest));
  const remove = older.filter((b) => !retainedByLabel(b));
  return { repo, remove, kept: bundles.length - remove.length };
}

/** The labels a plan removes with its bundles. */
export function squashedLabels(plan: SquashPlan): string[] {
  return plan.remove.flatMap((b) => b.labels).sort();
}

/**
 * Carries out a plan that was shown or confirmed, as far as it still holds: the plan is made
 * again and only bundles in both are removed, so a label set in between still protects its
 * bundle. The labels of removed bundles go first (a label never names a missing bundle), then
 * each bundle, oldest first; `onRemoved` is told of each. The plan carried out is returned.
 */
export async function applySquash(
  ctx: Context,
  confirmed: SquashPlan,
  options: SquashOptions,
  actor: Contributor,
  onRemoved?: (bundle: SquashedBundle) => void,
): Promise<SquashPlan> {
  const fresh = await planSquash(ctx, confirmed.repo, options);
  const agreed = new Set(confirmed.remove.map((b) => b.id));
  const remove = fresh.remove.filter((b) => agreed.has(b.id));
  const plan = { ...fresh, remove, kept: fresh.kept + fresh.remove.length - remove.length };
  for (const label of squashedLabels(plan)) await removeLabel(ctx, plan.repo, label, actor);
  for (const bundle of plan.remove) await removeBundle(ctx, plan.repo, bundle.id, actor);
  await removeLateLabels(ctx, plan, options, actor);
  plan.remove.forEach((bundle) => onRemoved?.(bundle));
  return plan;
}

/**
 * Removes the labels set on a removed bundle while the squash ran (label set looks for the
 * bundle after writing its record: one that saw it still there wrote before this listing),
 * so no label is left naming a bundle that is gone. Each joins its bundle's labels.
 */
async function removeLateLabels(
  ctx: Context,
  plan: SquashPlan,
  options: SquashOptions,
  actor: Contributor,
): Promise<void> {
  if (plan.remove.length === 0) return;
  const removed = new Map(plan.remove.map((b) => [b.id, b]));
  for await (const label of listLabels(ctx, plan.repo, options.concurrency, options.onSkipped)) {
    const bundle = removed.get(label.bundleId);
    if (!bundle) continue;
    await removeLabel(ctx, plan.repo, label.name, actor);
    if (!bundle.labels.includes(label.name)) bundle.labels.push(label.name);
  }
}
