/**
 * Redactions: file names taken out of the bundles a repo has, each by a create-only record
 * logged in the WAL first. The bundles' file lists are never rewritten (their checksums and
 * history stay verifiable); reading a bundle's entries leaves the redacted names out, so
 * download, list files, mount, diff, fsck and purge all agree, and purge can then collect
 * blobs that only redacted files used.
 */
import { DatamonError } from "../errors.ts";
import type { Contributor, RepoDoc } from "../model/types.ts";
import { decodeRedaction, encodeRedaction, type RedactionRecord } from "../model/redaction.ts";
import { redactionKey, redactionsPrefix } from "../model/keys.ts";
import { newKsuid } from "../model/ksuid.ts";
import { validateEntryName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { createDocument, mapOrdered, readDocument } from "./documents.ts";
import { logWrite } from "./audit.ts";

/** Records a redaction of `names` (bundle-relative paths) from the bundles `repo` has now. */
export async function redactFiles(
  ctx: Context,
  repo: RepoDoc,
  names: readonly string[],
  actor: Contributor,
): Promise<RedactionRecord> {
  const cleaned = [...new Set(names.map((n) => n.replace(/^\/+/, "")))].sort();
  if (cleaned.length === 0) {
    throw new DatamonError("usage", "no file names to redact: give --file or --files");
  }
  for (const name of cleaned) {
    try {
      validateEntryName(name);
    } catch (e) {
      throw new DatamonError("invalid-argument", (e as Error).message);
    }
  }
  const record = { id: newKsuid(), repo: repo.name, names: cleaned, actor, time: new Date() };
  const key = redactionKey(repo.name, record.id);
  await logWrite(ctx.wal, actor, {
    operation: "redact file",
    store: ctx.metadata,
    key,
    repo: repo.name,
  });
  if (!await createDocument(ctx.metadata, key, encodeRedaction(record))) {
    throw new DatamonError("already-exists", `redaction record ${key} already exists: retry`);
  }
  return record;
}

/**
 * The names redacted from a repo, each with its latest redaction's id. A redaction covers the
 * bundles that existed when it was made (ids, like bundle ids, are ksuids: they sort by
 * time), as Go datamon's deletes files from the bundles there are; a later upload of a file of
 * that name is served.
 */
export async function redactedNames(ctx: Context, repo: string): Promise<Map<string, string>> {
  const keys: string[] = [];
  for await (const entry of ctx.metadata.list(redactionsPrefix(repo))) {
    if (entry.kind === "object" && entry.key.endsWith(".json")) keys.push(entry.key);
  }
  const names = new Map<string, string>();
  const records = mapOrdered(keys, 16, (key) => readDocument(ctx.metadata, key, decodeRedaction));
  for await (const record of records) {
    for (const name of record.names) {
      if ((names.get(name) ?? "") < record.id) names.set(name, record.id);
    }
  }
  return names;
}

/**
 * Copies a repo's redaction records to repo `to` (a rename), each naming `to`; create-only,
 * so a rename that stopped can run again.
 */
export async function copyRedactions(ctx: Context, from: string, to: string): Promise<void> {
  for await (const entry of ctx.metadata.list(redactionsPrefix(from))) {
    if (entry.kind !== "object" || !entry.key.endsWith(".json")) continue;
    const record = await readDocument(ctx.metadata, entry.key, decodeRedaction);
    const copy = encodeRedaction({ ...record, repo: to });
    await createDocument(ctx.metadata, redactionKey(to, record.id), copy);
  }
}
