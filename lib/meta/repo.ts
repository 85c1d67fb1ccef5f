/** Repos: create, read, list, rename and delete. repo.yaml is create-only. */
import { DatamonError, isKind } from "../errors.ts";
import type { Contributor, RepoDoc, WriteOperation } from "../model/types.ts";
import { decodeRepo, encodeRepo } from "../model/codec.ts";
import {
  bundleKey,
  bundlePrefix,
  bundlesPrefix,
  labelsPrefix,
  redactionsPrefix,
  repoKey,
  repoLineagePrefix,
  reposPrefix,
} from "../model/keys.ts";
import { validateName } from "../model/names.ts";
import { newKsuid } from "../model/ksuid.ts";
import type { Context } from "./context.ts";
import { childNames, createDocument, deleteUnder, mapOrdered, readDocument } from "./documents.ts";
import { logWrite } from "./audit.ts";
import { goRepo, goRepos } from "./go/view.ts";
import { beginIntent, endIntent, readIntent, requireNoIntent } from "./repo_journal.ts";

/** Creates a repo; fails with already-exists when the name is taken. */
export async function createRepo(
  ctx: Context,
  name: string,
  description: string,
  contributor: Contributor,
): Promise<RepoDoc> {
  validateName("repo", name);
  const doc: RepoDoc = {
    name,
    description,
    timestamp: new Date(),
    contributor,
    incarnation: newKsuid(),
  };
  await writeRepo(ctx, doc, contributor, "create repo");
  return doc;
}

/**
 * The first step of a rename: repo.yaml of `to`, a copy of `from`'s (its description, time,
 * contributor and incarnation kept); fails with already-exists when `to` is taken by another
 * repo. A `to` that is already this copy (a rename run again) is kept. The new name's audit
 * trail starts with this record.
 */
export async function createRenamedRepo(
  ctx: Context,
  from: RepoDoc,
  to: string,
  actor: Contributor,
): Promise<RepoDoc> {
  validateName("repo", to);
  const doc = { ...from, name: to };
  const existing = await findRepo(ctx, to);
  if (existing && sameRepo(existing, from)) return existing;
  await writeRepo(ctx, doc, actor, "rename repo");
  return doc;
}

/** True when `a` and `b` are one repo under two names: the same incarnation and creation. */
function sameRepo(a: RepoDoc, b: RepoDoc): boolean {
  return a.incarnation === b.incarnation && a.timestamp.getTime() === b.timestamp.getTime();
}

/** Writes a new repo.yaml, create-only, after its write-ahead record. */
async function writeRepo(
  ctx: Context,
  doc: RepoDoc,
  actor: Contributor,
  operation: WriteOperation,
): Promise<void> {
  const key = repoKey(doc.name);
  await logWrite(ctx.wal, actor, { operation, store: ctx.metadata, key, repo: doc.name });
  if (!await createDocument(ctx.metadata, key, encodeRepo(doc))) {
    throw new DatamonError(
      "already-exists",
      `repo "${doc.name}" already exists in context "${ctx.doc.name}": pick another name`,
    );
  }
}

/** Reads a repo; undefined when it does not exist. */
export async function findRepo(ctx: Context, name: string): Promise<RepoDoc | undefined> {
  validateName("repo", name);
  try {
    if (ctx.go) return await goRepo(ctx, name);
    return await readDocument(ctx.metadata, repoKey(name), decodeRepo);
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    throw e;
  }
}

/** Reads a repo; not-found names the repo and the context. */
export async function getRepo(ctx: Context, name: string): Promise<RepoDoc> {
  // A Go datamon context is read in place, through its own documents (go/view.ts).
  if (ctx.go) return goRepo(ctx, name);
  validateName("repo", name);
  try {
    return await readDocument(ctx.metadata, repoKey(name), decodeRepo);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "not-found",
      `repo "${name}" not found in context "${ctx.doc.name}": see "datamon repo list"`,
    );
  }
}

/**
 * Fails unless repo `repo.name` still exists as the same incarnation as `repo` (read when the
 * operation began), with no rename or delete under way: a repo deleted, or deleted and created
 * again, meanwhile is not-found; one being renamed or deleted is locked. `what` names the
 * operation in the one-line error.
 */
export async function requireSameRepo(ctx: Context, repo: RepoDoc, what: string): Promise<void> {
  const now = await findRepo(ctx, repo.name);
  if (now === undefined || now.incarnation !== repo.incarnation) {
    const how = now === undefined ? "deleted" : "deleted and created again";
    throw new DatamonError(
      "not-found",
      `repo "${repo.name}" was ${how} during the ${what}: nothing was committed`,
    );
  }
  await requireNoIntent(ctx, repo, what);
}

/**
 * True when `bundle` belongs to this incarnation of `repo`; a bundle or repo that predates
 * incarnations belongs. An orphan of a deleted repo's upload never shows in a new one.
 */
export function ofIncarnation(repo: RepoDoc, bundle: { repoIncarnation?: string }): boolean {
  return repo.incarnation === undefined || bundle.repoIncarnation === undefined ||
    repo.incarnation === bundle.repoIncarnation;
}

/** Every repo of the context, in name order. */
export async function* listRepos(ctx: Context, concurrency = 16): AsyncGenerator<RepoDoc> {
  if (ctx.go) return yield* goRepos(ctx, concurrency);
  yield* mapOrdered(
    childNames(ctx.metadata, reposPrefix),
    concurrency,
    (name) => readDocument(ctx.metadata, repoKey(name), decodeRepo),
  );
}

/**
 * Deletes a repo with its bundles' metadata, labels and lineage markers; blobs stay for
 * garbage collection (purge). Journaled: the intent is recorded first and removed last, so a
 * delete that was killed is finished by running it again (the repo then may already have no
 * repo.yaml). Its audit records stay: they are the history of what was deleted.
 */
export async function deleteRepo(ctx: Context, name: string, actor: Contributor): Promise<void> {
  const repo = await findRepo(ctx, name);
  const recorded = await readIntent(ctx, name);
  if (recorded?.operation !== "delete" && repo === undefined) await getRepo(ctx, name);
  const intent = await beginIntent(ctx, {
    operation: "delete",
    repo: name,
    ...(repo?.incarnation === undefined ? {} : { incarnation: repo.incarnation }),
  });
  await removeRepo(ctx, name, intent.incarnation, actor);
  await endIntent(ctx, name);
}

/**
 * The steps of a delete, each idempotent: labels, lineage markers, each bundle (bundle.yaml
 * first, so a kill never leaves a visible bundle without its file lists), and repo.yaml last,
 * so the name cannot be reused over leftovers. Nothing is done when the repo is gone or is
 * another incarnation (created again after this one's repo.yaml went).
 */
export async function removeRepo(
  ctx: Context,
  name: string,
  incarnation: string | undefined,
  actor: Contributor,
): Promise<void> {
  const repo = await findRepo(ctx, name);
  if (repo === undefined || repo.incarnation !== incarnation) return;
  await logWrite(ctx.wal, actor, {
    operation: "delete repo",
    store: ctx.metadata,
    key: repoKey(name),
    repo: name,
  });
  await deleteUnder(ctx.vmetadata, labelsPrefix(name));
  await deleteUnder(ctx.metadata, repoLineagePrefix(name));
  await deleteUnder(ctx.metadata, redactionsPrefix(name));
  for await (const id of childNames(ctx.metadata, bundlesPrefix(name))) {
    await ctx.metadata.delete(bundleKey(name, id));
    await deleteUnder(ctx.metadata, bundlePrefix(name, id));
  }
  await ctx.metadata.delete(repoKey(name));
}
