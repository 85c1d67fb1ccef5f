/**
 * Removing one bundle's metadata, or one label, from a repo that stays: what a squash does.
 * Each removal is logged in the WAL first; the bundle's blobs stay until a purge finds them
 * unreferenced. bundle.yaml goes first, so a removal that was killed never leaves a visible
 * bundle without its file lists (what is left is invisible, like an interrupted upload).
 */
import type { Contributor } from "../model/types.ts";
import { bundleKey, bundlePrefix, labelPrefix } from "../model/keys.ts";
import type { Context } from "./context.ts";
import { deleteUnder } from "./documents.ts";
import { logWrite } from "./audit.ts";

/** Removes a committed bundle's bundle.yaml and file lists. */
export async function removeBundle(
  ctx: Context,
  repo: string,
  id: string,
  actor: Contributor,
): Promise<void> {
  const key = bundleKey(repo, id);
  await logWrite(ctx.wal, actor, {
    operation: "delete bundle",
    store: ctx.metadata,
    key,
    repo,
    bundle: id,
  });
  await ctx.metadata.delete(key);
  await deleteUnder(ctx.metadata, bundlePrefix(repo, id));
}

/** Removes a label with its history (it pointed at a bundle that is removed). */
export async function removeLabel(
  ctx: Context,
  repo: string,
  name: string,
  actor: Contributor,
): Promise<void> {
  const prefix = labelPrefix(repo, name);
  await logWrite(ctx.wal, actor, {
    operation: "delete label",
    store: ctx.vmetadata,
    key: prefix,
    repo,
  });
  await deleteUnder(ctx.vmetadata, prefix);
}
