/**
 * Renaming a repo, journaled: the intent is recorded first, then metadata is copied under the
 * new name (file lists before each bundle.yaml, so no bundle is visible early), the old name is
 * deleted, and the intent removed last. Every step is idempotent, so a rename that was killed
 * at any point is finished by running the same command again.
 */
import type { Contributor } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { createRenamedRepo, findRepo, getRepo, removeRepo } from "../meta/repo.ts";
import { beginIntent, endIntent, readIntent } from "../meta/repo_journal.ts";
import { copyBundles } from "../meta/bundles.ts";
import { copyLabels } from "../meta/labels.ts";
import { copyRedactions } from "../meta/redactions.ts";
import { validateName } from "../model/names.ts";
import { DatamonError } from "../errors.ts";

/**
 * Renames a repo; fails with already-exists when the new name is taken, and with locked while
 * another rename or a delete of the repo is unfinished. The new name's audit trail starts with
 * the rename, the old name's ends with its deletion.
 */
export async function renameRepo(
  ctx: Context,
  from: string,
  to: string,
  actor: Contributor,
): Promise<void> {
  validateName("repo", to);
  const source = await findRepo(ctx, from);
  const recorded = await readIntent(ctx, from);
  const resuming = recorded?.operation === "rename" && recorded.to === to;
  if (!resuming) {
    if (source === undefined) await getRepo(ctx, from);
    if (await findRepo(ctx, to)) {
      throw new DatamonError(
        "already-exists",
        `repo "${to}" already exists in context "${ctx.doc.name}": pick another name`,
      );
    }
  }
  const intent = await beginIntent(ctx, {
    operation: "rename",
    repo: from,
    to,
    ...(source?.incarnation === undefined ? {} : { incarnation: source.incarnation }),
  });
  // Gone, or another repo of that name: the old name was already deleted by this rename.
  if (source !== undefined && source.incarnation === intent.incarnation) {
    await createRenamedRepo(ctx, source, to, actor);
    await copyBundles(ctx, from, to);
    await copyLabels(ctx, from, to);
    await copyRedactions(ctx, from, to);
    await removeRepo(ctx, from, intent.incarnation, actor);
  }
  await endIntent(ctx, from);
}
