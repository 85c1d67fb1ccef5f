/**
 * Renaming a repo: metadata is copied under the new name (file lists before each
 * bundle.yaml, so no bundle is visible early), then the old name is deleted.
 */
import { DatamonError } from "../errors.ts";
import {
  decodeBundle,
  decodeLabelRecord,
  encodeBundle,
  encodeLabelRecord,
  encodeRepo,
} from "../model/codec.ts";
import { bundleKey, bundlesPrefix, labelsPrefix, repoKey } from "../model/keys.ts";
import { validateName } from "../model/names.ts";
import type { Context } from "../meta/context.ts";
import { childNames, createDocument, readDocument } from "../meta/documents.ts";
import { deleteRepo, getRepo } from "../meta/repo.ts";
import { logWrite } from "../meta/audit.ts";
import type { Contributor } from "../model/types.ts";

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
  validateName("repo", to);
  await logWrite(ctx.wal, actor, {
    operation: "rename repo",
    store: ctx.metadata,
    key: repoKey(to),
    repo: to,
  });
  if (!await createDocument(ctx.metadata, repoKey(to), encodeRepo({ ...repo, name: to }))) {
    throw new DatamonError(
      "already-exists",
      `repo "${to}" already exists in context "${ctx.doc.name}": pick another name`,
    );
  }
  for await (const id of childNames(ctx.metadata, bundlesPrefix(from))) {
    const oldPrefix = `${bundlesPrefix(from)}${id}/`;
    const manifest = bundleKey(from, id);
    if (!await ctx.metadata.head(manifest)) continue; // an upload that never committed
    for await (const entry of ctx.metadata.list(oldPrefix)) {
      if (entry.kind !== "object" || entry.key === manifest) continue;
      const newKey = `${bundlesPrefix(to)}${id}/${entry.key.slice(oldPrefix.length)}`;
      await ctx.metadata.putIfAbsent(newKey, await ctx.metadata.get(entry.key));
    }
    const bundle = await readDocument(ctx.metadata, manifest, decodeBundle);
    await createDocument(ctx.metadata, bundleKey(to, id), encodeBundle({ ...bundle, repo: to }));
  }
  const labels = labelsPrefix(from);
  for await (const entry of ctx.vmetadata.list(labels)) {
    if (entry.kind !== "object") continue;
    const record = await readDocument(ctx.vmetadata, entry.key, decodeLabelRecord);
    const newKey = `${labelsPrefix(to)}${entry.key.slice(labels.length)}`;
    await createDocument(ctx.vmetadata, newKey, encodeLabelRecord({ ...record, repo: to }));
  }
  await deleteRepo(ctx, from, actor);
}
