/**
 * Lineage: which bundles a bundle was made from. A bundle names its inputs in its bundle.yaml
 * (upstream); each input gets a marker lineage/{repo}/{bundle}/{downRepo}/{downBundle} in the
 * metadata store, so the bundles made from one (downstream) are one listing. Inputs come from
 * `--input`, and from the bundles read by the same run (DATAMON_RUN_ID, see audit.ts). An
 * input of another context (a migrated bundle's Go source) is named in bundle.yaml only: its
 * context holds no marker, and a walk stops at it.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleRef, Contributor } from "../model/types.ts";
import { bundleKey, downstreamKey, downstreamPrefix, runReadsPrefix } from "../model/keys.ts";
import { isKsuid } from "../model/ksuid.ts";
import { isValidName, validateName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { createDocument } from "./documents.ts";
import { getBundle, resolveBundle } from "./bundles.ts";
import { logWrite } from "./audit.ts";

/**
 * Resolves an input given as REPO@BUNDLE or REPO:LABEL to a committed bundle; usage error for
 * any other shape, not-found for an unknown repo, bundle or label.
 */
export async function resolveInput(ctx: Context, text: string): Promise<BundleRef> {
  const match = /^([^@:]+)([@:])(.+)$/.exec(text);
  if (!match) {
    throw new DatamonError(
      "usage",
      `--input ${JSON.stringify(text)} names no bundle: use REPO@BUNDLE or REPO:LABEL`,
    );
  }
  const [, repo, sign, rest] = match;
  const doc = await resolveBundle(ctx, repo, sign === "@" ? { bundle: rest } : { label: rest });
  return { repo: doc.repo, bundle: doc.id };
}

/** The bundles a run read (download, download file, mount), by its read log markers. */
export async function* runInputs(ctx: Context, run: string): AsyncGenerator<BundleRef> {
  validateName("run id", run);
  const prefix = runReadsPrefix(run);
  for await (const entry of ctx.readlog.list(prefix)) {
    if (entry.kind !== "object") continue;
    const ref = parseRef(entry.key.slice(prefix.length));
    if (ref) yield ref;
  }
}

/** The distinct refs of `refs`, without `self`, in first-seen order. */
export function distinctInputs(refs: Iterable<BundleRef>, self?: BundleRef): BundleRef[] {
  const seen = new Set<string>();
  if (self) seen.add(refText(self));
  const out: BundleRef[] = [];
  for (const ref of refs) {
    const text = refText(ref);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push(ref);
  }
  return out;
}

/**
 * Writes the downstream marker of `bundle` under each of its inputs; upload calls it before
 * the commit, so a marker may name a bundle that never committed (downstreamOf skips those).
 */
export async function recordLineage(
  ctx: Context,
  actor: Contributor,
  bundle: BundleRef,
  inputs: readonly BundleRef[],
): Promise<void> {
  for (const input of inputs) {
    if (input.context !== undefined) continue;
    const key = downstreamKey(input, bundle);
    await logWrite(ctx.wal, actor, {
      operation: "record lineage",
      store: ctx.metadata,
      key,
      repo: bundle.repo,
      bundle: bundle.bundle,
    });
    await createDocument(ctx.metadata, key, `${bundle.repo}@${bundle.bundle}\n`);
  }
}

/** The bundles `ref` was made from. */
export async function upstreamOf(ctx: Context, ref: BundleRef): Promise<BundleRef[]> {
  return (await getBundle(ctx, ref.repo, ref.bundle)).inputs ?? [];
}

/** The committed bundles made from `ref`. */
export async function downstreamOf(ctx: Context, ref: BundleRef): Promise<BundleRef[]> {
  const prefix = downstreamPrefix(ref);
  const out: BundleRef[] = [];
  for await (const entry of ctx.metadata.list(prefix)) {
    if (entry.kind !== "object") continue;
    const down = parseRef(entry.key.slice(prefix.length));
    if (down && await ctx.metadata.head(bundleKey(down.repo, down.bundle))) out.push(down);
  }
  return out;
}

/** A bundle in a lineage graph; `missing` when it is named but no longer stored. */
export interface LineageNode extends BundleRef {
  message?: string;
  timestamp?: Date;
  missing?: boolean;
}

/** An edge from a bundle to one made from it. */
export interface LineageEdge {
  from: BundleRef;
  to: BundleRef;
}

/** The bundles reachable from a root in one direction, and the edges between them. */
export interface LineageGraph {
  root: BundleRef;
  direction: "upstream" | "downstream";
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/** Walks lineage from `root` upstream (inputs) or downstream (bundles made from it). */
export async function lineageGraph(
  ctx: Context,
  root: BundleRef,
  direction: "upstream" | "downstream",
): Promise<LineageGraph> {
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const seen = new Set<string>([refText(root)]);
  const queue: BundleRef[] = [root];
  while (queue.length > 0) {
    const ref = queue.shift()!;
    const node = await describeNode(ctx, ref);
    nodes.push(node);
    if (node.missing || ref.context !== undefined) continue;
    const next = direction === "upstream"
      ? await upstreamOf(ctx, ref)
      : await downstreamOf(ctx, ref);
    for (const other of next) {
      edges.push(direction === "upstream" ? { from: other, to: ref } : { from: ref, to: other });
      if (seen.has(refText(other))) continue;
      seen.add(refText(other));
      queue.push(other);
    }
  }
  return { root, direction, nodes, edges };
}

async function describeNode(ctx: Context, ref: BundleRef): Promise<LineageNode> {
  if (ref.context !== undefined) return { ...ref };
  try {
    const doc = await getBundle(ctx, ref.repo, ref.bundle);
    return { ...ref, message: doc.message, timestamp: doc.timestamp };
  } catch (e) {
    if (isKind(e, "not-found")) return { ...ref, missing: true };
    throw e;
  }
}

/** REPO@BUNDLE (after its context, for another context's): how lineage names a bundle. */
export function refText(ref: BundleRef): string {
  return `${ref.context === undefined ? "" : `${ref.context} `}${ref.repo}@${ref.bundle}`;
}

/** "{repo}/{bundle}" of a marker key's tail, or null when it is not one. */
function parseRef(tail: string): BundleRef | null {
  const [repo, bundle, ...rest] = tail.split("/");
  if (rest.length > 0 || !isValidName(repo ?? "") || !isKsuid(bundle ?? "")) return null;
  return { repo, bundle };
}
