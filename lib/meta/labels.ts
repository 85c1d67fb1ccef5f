/**
 * Labels: movable names for bundles. Every move is a create-only record
 * labels/{repo}/{label}/{recordId}.yaml, so the history survives on any backend without
 * bucket versioning; the greatest record id is the label's current target. A repo's labels,
 * history and all, are copied when it is renamed.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { Contributor, LabelRecord } from "../model/types.ts";
import { decodeLabelRecord, encodeLabelRecord } from "../model/codec.ts";
import { bundleKey, labelPrefix, labelRecordKey, labelsPrefix } from "../model/keys.ts";
import { newKsuid } from "../model/ksuid.ts";
import { validateBundleId, validateName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { childNames, createDocument, mapOrdered, readDocument } from "./documents.ts";
import { getRepo } from "./repo.ts";
import { logWrite } from "./audit.ts";
import { goLabel, goLabelHistory, goLabelHistoryGap, goLabels } from "./go/view.ts";

/**
 * Points a label at a committed bundle, keeping the previous targets as history. `made` is
 * when and by whom the move was made, when not now by `contributor` (a migration keeps Go's).
 */
export async function setLabel(
  ctx: Context,
  repo: string,
  name: string,
  bundleId: string,
  contributor: Contributor,
  made?: { timestamp: Date; contributor: Contributor },
): Promise<LabelRecord> {
  validateName("label", name);
  validateBundleId(bundleId);
  await getRepo(ctx, repo);
  if (!await ctx.metadata.head(bundleKey(repo, bundleId))) {
    throw new DatamonError(
      "not-found",
      `bundle ${bundleId} not found in repo "${repo}": a label can only name a committed bundle`,
    );
  }
  const record: LabelRecord = {
    id: newKsuid(),
    name,
    repo,
    bundleId,
    timestamp: made?.timestamp ?? new Date(),
    contributor: made?.contributor ?? contributor,
  };
  const key = labelRecordKey(repo, name, record.id);
  await logWrite(ctx.wal, contributor, {
    operation: "set label",
    store: ctx.vmetadata,
    key,
    repo,
    bundle: bundleId,
  });
  if (!await createDocument(ctx.vmetadata, key, encodeLabelRecord(record))) {
    throw new DatamonError("already-exists", `label record ${key} already exists: retry`);
  }
  // A squash may have removed the bundle since it was looked for. Checked after the write:
  // a squash that removes it later sees this record and removes the label with it.
  if (!await ctx.metadata.head(bundleKey(repo, bundleId))) {
    await ctx.vmetadata.delete(key);
    throw new DatamonError(
      "not-found",
      `bundle ${bundleId} was removed from repo "${repo}" while label ${name} was set: ` +
        "the label was not set; set it on a bundle the repo has",
    );
  }
  return record;
}

async function recordIds(ctx: Context, repo: string, name: string): Promise<string[]> {
  const prefix = labelPrefix(repo, name);
  const ids: string[] = [];
  for await (const entry of ctx.vmetadata.list(prefix, { delimiter: "/" })) {
    if (entry.kind === "object" && entry.key.endsWith(".yaml")) {
      ids.push(entry.key.slice(prefix.length, -".yaml".length));
    }
  }
  return ids;
}

function readRecord(ctx: Context, repo: string, name: string, id: string): Promise<LabelRecord> {
  return readDocument(ctx.vmetadata, labelRecordKey(repo, name, id), decodeLabelRecord);
}

/** The label's current target; not-found names the label. */
export async function getLabel(ctx: Context, repo: string, name: string): Promise<LabelRecord> {
  // A Go datamon context is read in place, through its own documents (go/view.ts).
  if (ctx.go) return goLabel(ctx, repo, name);
  validateName("label", name);
  const ids = await recordIds(ctx, repo, name);
  if (ids.length === 0) {
    throw new DatamonError(
      "not-found",
      `label "${name}" not found in repo "${repo}": see "datamon label list --repo ${repo}"`,
    );
  }
  return readRecord(ctx, repo, name, ids[ids.length - 1]);
}

/** Every move of a label, newest first. */
export async function labelHistory(
  ctx: Context,
  repo: string,
  name: string,
): Promise<LabelRecord[]> {
  if (ctx.go) return goLabelHistory(ctx, repo, name);
  await getLabel(ctx, repo, name);
  const ids = (await recordIds(ctx, repo, name)).reverse();
  return await Array.fromAsync(mapOrdered(ids, 16, (id) => readRecord(ctx, repo, name, id)));
}

/**
 * Why labelHistory cannot show a context's label moves (a Go context on a store that keeps no
 * object versions), or undefined when it shows them all.
 */
export function labelHistoryGap(ctx: Context): string | undefined {
  return ctx.go ? goLabelHistoryGap(ctx) : undefined;
}

/**
 * Every label of a repo with its current target, in name order. A label whose current record
 * cannot be read is passed over (told to `onSkipped`), so that one bad record hides no other.
 */
export async function* listLabels(
  ctx: Context,
  repo: string,
  concurrency = 16,
  onSkipped?: (warning: string) => void,
): AsyncGenerator<LabelRecord> {
  if (ctx.go) return yield* goLabels(ctx, repo, concurrency);
  await getRepo(ctx, repo);
  const labels = mapOrdered(
    childNames(ctx.vmetadata, labelsPrefix(repo)),
    concurrency,
    async (name) => {
      try {
        return await getLabel(ctx, repo, name);
      } catch (e) {
        if (!isKind(e, "integrity")) throw e;
        onSkipped?.(`skipped label "${name}" of repo "${repo}": ${e.message}`);
        return undefined;
      }
    },
  );
  for await (const label of labels) if (label) yield label;
}

/**
 * The labels of a repo whose current target is no committed bundle. `label set` writes its
 * record, then looks for the bundle again and takes the record back if a squash removed the
 * bundle meanwhile; one killed between the two leaves such a label. None for a Go context, whose
 * labels are read in place.
 */
export async function* danglingLabels(
  ctx: Context,
  repo: string,
  concurrency = 16,
): AsyncGenerator<LabelRecord> {
  if (ctx.go) return;
  const checked = mapOrdered(listLabels(ctx, repo, concurrency), concurrency, async (label) => ({
    label,
    committed: await ctx.metadata.head(bundleKey(repo, label.bundleId)) !== null,
  }));
  for await (const { label, committed } of checked) if (!committed) yield label;
}

/**
 * Copies every label record of repo `from` to repo `to` (a rename), each naming `to`;
 * create-only, so a rename that stopped can run again.
 */
export async function copyLabels(ctx: Context, from: string, to: string): Promise<void> {
  const prefix = labelsPrefix(from);
  for await (const entry of ctx.vmetadata.list(prefix)) {
    if (entry.kind !== "object") continue;
    const record = await readDocument(ctx.vmetadata, entry.key, decodeLabelRecord);
    const newKey = `${labelsPrefix(to)}${entry.key.slice(prefix.length)}`;
    await createDocument(ctx.vmetadata, newKey, encodeLabelRecord({ ...record, repo: to }));
  }
}
