/**
 * The journal of repo renames and deletes: an intent record, written create-only before the
 * first step and removed after the last, so that a command killed midway leaves a record that
 * the same command, run again, finds and finishes. Every step is idempotent.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { RepoDoc } from "../model/types.ts";
import { repoIntentKey } from "../model/keys.ts";
import { validateName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { createDocument } from "./documents.ts";

/** An unfinished rename (to `to`) or delete of repo `repo`. */
export interface RepoIntent {
  operation: "rename" | "delete";
  repo: string;
  /** The new name, for a rename. */
  to?: string;
  /** The incarnation being renamed or deleted (absent for repos that predate them). */
  incarnation?: string;
}

const decoder = new TextDecoder();

/** The intent recorded for `repo`, or undefined when none is. */
export async function readIntent(ctx: Context, repo: string): Promise<RepoIntent | undefined> {
  const key = repoIntentKey(repo);
  let text: string;
  try {
    text = decoder.decode(await ctx.metadata.get(key));
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    throw e;
  }
  return parseIntent(text, `${key} in ${ctx.metadata.url}`);
}

function parseIntent(text: string, where: string): RepoIntent {
  try {
    const intent = JSON.parse(text);
    const known = intent.operation === "delete" ||
      (intent.operation === "rename" && typeof intent.to === "string");
    if (known && typeof intent.repo === "string") return intent;
  } catch {
    // reported below, as any other malformed record
  }
  throw new DatamonError(
    "integrity",
    `${where} is not a repo rename or delete record: the metadata store is damaged`,
  );
}

/**
 * The intent to carry out: the one recorded for `intent.repo` when it is the same operation
 * (a re-run finishing it), else `intent` written create-only. Another operation recorded on
 * the repo is refused with "locked", naming the command that finishes it.
 */
export async function beginIntent(ctx: Context, intent: RepoIntent): Promise<RepoIntent> {
  validateName("repo", intent.repo);
  for (;;) {
    const recorded = await readIntent(ctx, intent.repo);
    if (recorded) {
      if (recorded.operation === intent.operation && recorded.to === intent.to) return recorded;
      throw new DatamonError("locked", `${describe(recorded)}: ${finishHint(recorded)}`);
    }
    const text = JSON.stringify(intent);
    if (await createDocument(ctx.metadata, repoIntentKey(intent.repo), text)) return intent;
  }
}

/** Removes the intent: the operation is complete. */
export async function endIntent(ctx: Context, repo: string): Promise<void> {
  await ctx.metadata.delete(repoIntentKey(repo));
}

/** Fails with "locked" while a rename or delete of `repo` is unfinished. */
export async function requireNoIntent(ctx: Context, repo: RepoDoc, what: string): Promise<void> {
  const recorded = await readIntent(ctx, repo.name);
  if (recorded) {
    throw new DatamonError("locked", `${describe(recorded)}: the ${what} committed nothing`);
  }
}

function describe(intent: RepoIntent): string {
  return intent.operation === "rename"
    ? `repo "${intent.repo}" has an unfinished rename to "${intent.to}"`
    : `repo "${intent.repo}" has an unfinished delete`;
}

function finishHint(intent: RepoIntent): string {
  return intent.operation === "rename"
    ? `finish it with "datamon repo rename ${intent.to} --repo ${intent.repo}"`
    : `finish it with "datamon repo delete --repo ${intent.repo}"`;
}
