/**
 * A redaction record: file names taken out of the bundles one repo has (Go datamon's `repo
 * delete files`). Bundles keep their file lists as they were committed, so their history stays
 * auditable; reads leave the names out. Stored as one JSON document per redaction.
 */
import { DatamonError } from "../errors.ts";
import type { Contributor } from "./types.ts";
import { isKsuid } from "./ksuid.ts";
import { validateEntryName } from "./names.ts";

/** One redaction: who took which names out of a repo, and when. */
export interface RedactionRecord {
  id: string;
  repo: string;
  names: string[];
  actor: Contributor;
  time: Date;
}

/** The document text of a record. */
export function encodeRedaction(record: RedactionRecord): string {
  return `${JSON.stringify({ ...record, time: record.time.toISOString() })}\n`;
}

/** A record read back; a document that does not check out is damage ("integrity"). */
export function decodeRedaction(text: string, what: string): RedactionRecord {
  const damaged = (why: string) =>
    new DatamonError("integrity", `malformed ${what}: ${why}: the metadata store is damaged`);
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text);
  } catch {
    throw damaged("not JSON");
  }
  const actor = doc.actor as Record<string, unknown> | undefined;
  const time = new Date(String(doc.time));
  if (
    typeof doc.id !== "string" || !isKsuid(doc.id) || typeof doc.repo !== "string" ||
    !Array.isArray(doc.names) || !doc.names.every((n) => typeof n === "string") ||
    typeof actor?.name !== "string" || typeof actor?.email !== "string" ||
    Number.isNaN(time.getTime())
  ) {
    throw damaged("expected id, repo, names, actor and time");
  }
  try {
    doc.names.forEach((name) => validateEntryName(name));
  } catch (e) {
    throw damaged((e as Error).message);
  }
  return {
    id: doc.id,
    repo: doc.repo,
    names: doc.names,
    actor: { name: actor.name, email: actor.email },
    time,
  };
}
