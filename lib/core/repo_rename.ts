/**
 * Renaming a repo: metadata is copied under the new name (file lists before each
 * bundle.yaml, so no bundle is visible early), then the old name is deleted.
 */
import type { Contributor } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { createRenamedRepo, deleteRepo, getRepo } from "../meta/repo.ts";
import { copyBundles } from "../meta/bundles.ts";
import { copyLabels } from "../meta/labels.ts";

/**
 * Renames a repo; fails with already-exists when the new name is taken. The new name's audit
 * trail starts with the rename, the old name's ends with its deletion.
 */
export async function renameRepo(
  ctx: Context,
  from: string,
  to: string,
  actor: Contributor,
): Promise<void> {
  const repo = await getRepo(ctx, from);
  await createRenamedRepo(ctx, repo, to, actor);
  await copyBundles(ctx, from, to);
  await copyLabels(ctx, from, to);
  await deleteRepo(ctx, from, actor);
}
