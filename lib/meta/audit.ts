/**
 * The audit trail: a write-ahead log record (wal store) before every metadata write, and a read
 * log record (readlog store) for every read of a bundle. Records are create-only documents
 * named by their inverted ksuid under a repo's prefix, so a listing gives a repo's newest
 * records first and `--repo` is a prefix listing. The trail is read a page at a time: a page
 * ends with the cursor (`before`) of the next.
 */
import { DatamonError } from "../errors.ts";
import type {
  BundleRef,
  Contributor,
  ReadMethod,
  ReadRecord,
  ReadSelection,
  WalRecord,
  WriteOperation,
} from "../model/types.ts";
import {
  decodeReadRecord,
  decodeWalRecord,
  encodeReadRecord,
  encodeWalRecord,
} from "../model/codec.ts";
import {
  auditRecordId,
  auditRecordKey,
  contextAuditPrefix,
  labelOfPrefix,
  labelOfRecordKey,
  repoAuditPrefix,
  runReadKey,
} from "../model/keys.ts";
import { ksuidTime, newKsuid } from "../model/ksuid.ts";
import type { Store } from "../store/store.ts";
import type { Context } from "./context.ts";
import { createDocument, mapOrdered, readDocument } from "./documents.ts";
import { hostName } from "./contributor.ts";

/** A metadata write about to be made. */
export interface Change {
  operation: WriteOperation;
  /** The store the change is made in, and the key it writes or removes. */
  store: Store;
  key: string;
  repo?: string;
  bundle?: string;
}

/**
 * Appends the write-ahead record of `change` to the wal store; call it before making the
 * change, so that a change is never made unrecorded.
 */
export async function logWrite(wal: Store, actor: Contributor, change: Change): Promise<WalRecord> {
  const record: WalRecord = {
    id: newKsuid(),
    actor,
    operation: change.operation,
    key: change.key,
    store: change.store.url,
    time: new Date(),
  };
  if (change.repo !== undefined) record.repo = change.repo;
  if (change.bundle !== undefined) record.bundle = change.bundle;
  const prefix = change.repo === undefined ? contextAuditPrefix : repoAuditPrefix(change.repo);
  await createRecord(wal, auditRecordKey(prefix, record.id), encodeWalRecord(record));
  return record;
}

/** Who reads, and the run (DATAMON_RUN_ID) the read belongs to, if any. */
export interface Reader {
  actor: Contributor;
  run?: string;
}

/** A read of a bundle about to be made. */
export interface Read {
  bundle: BundleRef;
  method: ReadMethod;
  selection: ReadSelection;
  /** The filter or the file name, for "filter" and "file". */
  target?: string;
}

/**
 * Appends the read log record of `read`, and when the reader runs under a run id, marks the
 * bundle as read by that run (uploads of the same run name it as an input: lineage).
 */
export async function logRead(ctx: Context, reader: Reader, read: Read): Promise<ReadRecord> {
  const record: ReadRecord = {
    id: newKsuid(),
    actor: reader.actor,
    repo: read.bundle.repo,
    bundle: read.bundle.bundle,
    selection: read.selection,
    method: read.method,
    time: new Date(),
    host: hostName(),
  };
  if (read.target !== undefined) record.target = read.target;
  if (reader.run !== undefined) record.run = reader.run;
  // A Go datamon context is read in place: nothing is written to its buckets.
  if (ctx.go) return record;
  const key = auditRecordKey(repoAuditPrefix(record.repo), record.id);
  await createRecord(ctx.readlog, key, encodeReadRecord(record));
  // The marker exists once per run and bundle: a second read of it finds it there.
  if (reader.run !== undefined) {
    await createDocument(ctx.readlog, runReadKey(reader.run, read.bundle), `${record.id}\n`);
  }
  return record;
}

async function createRecord(store: Store, key: string, text: string): Promise<void> {
  if (!await createDocument(store, key, text)) {
    throw new DatamonError("already-exists", `audit record ${key} in ${store.url} exists: retry`);
  }
}

/** A record of the audit trail, tagged with its log. */
export type AuditEntry = ({ kind: "write" } & WalRecord) | ({ kind: "read" } & ReadRecord);

/** What a read did, in words. */
const READ_VERBS: Readonly<Record<ReadRecord["method"], string>> = {
  "download": "downloaded",
  "download file": "downloaded",
  "mount": "mounted",
};

/** What a write did, in words (a label's name is added from its key: labelWords). */
const WRITE_WORDS: Readonly<Record<WalRecord["operation"], string>> = {
  "create context": "created the context",
  "delete context": "deleted the context",
  "create repo": "created the repo",
  "delete repo": "deleted the repo",
  "rename repo": "renamed the repo",
  "start upload": "started an upload",
  "write file list": "wrote a file list",
  "record lineage": "recorded the bundle's inputs",
  "commit bundle": "committed the bundle",
  "set label": "set label",
  "record diamond": "recorded a step of a diamond",
  "delete bundle": "removed the bundle (squash)",
  "delete label": "removed a label (squash)",
  "redact file": "redacted files",
  "migrate bundle": "migrated the bundle from Go datamon",
};

/** What an audit record says was done, in words rather than storage keys. */
export function describeAuditEntry(entry: AuditEntry): string {
  if (entry.kind === "write") return labelWords(entry) ?? WRITE_WORDS[entry.operation];
  const what = entry.selection === "all"
    ? "all files"
    : entry.selection === "file"
    ? `file ${entry.target}`
    : `files matching ${entry.target}`;
  const run = entry.run === undefined ? "" : ` (run ${entry.run})`;
  return `${READ_VERBS[entry.method]} ${what} on ${entry.host}${run}`;
}

/** What a write to a label did, naming the label its key names; undefined for other writes. */
function labelWords(entry: WalRecord): string | undefined {
  if (entry.operation === "set label") {
    const label = labelOfRecordKey(entry.key);
    return label === undefined ? undefined : `set label ${label}`;
  }
  if (entry.operation === "delete label") {
    const label = labelOfPrefix(entry.key);
    return label === undefined ? undefined : `removed label ${label} (squash)`;
  }
  return undefined;
}

/** Which records auditTrail yields, and how many at most. */
export interface TrailQuery {
  repo: string;
  /** Only records about this bundle. */
  bundle?: string;
  /** Only records made at or after this time. */
  since?: Date;
  /** Only one log. */
  kind?: "write" | "read";
  /** Only records older than this record id (to continue a page). */
  before?: string;
  /** Most records of the page; 0: no limit, the whole trail. */
  limit: number;
}

/** One page of a trail: its records, then the cursor of the next page. */
export interface TrailPage {
  /** The page's records, newest first, read as they are consumed. */
  entries: AsyncGenerator<AuditEntry>;
  /**
   * Once `entries` is consumed: the `before` that continues the trail (the id of the page's
   * last record), or null when the page holds the end of the trail.
   */
  next(): string | null;
}

/**
 * A page of a repo's audit trail, newest first: up to `limit` records older than `before`.
 * One record past the page is looked at to tell whether there is a next page.
 *
 * @example
 * const page = auditTrail(ctx, { repo: "r", limit: 100 });
 * for await (const entry of page.entries) show(entry);
 * const before = page.next(); // null: no more records
 */
export function auditTrail(ctx: Context, query: TrailQuery, concurrency = 16): TrailPage {
  const trail = trailEntries(ctx, query, concurrency);
  let next: string | null = null;
  async function* entries() {
    let last: string | undefined;
    let shown = 0;
    for await (const entry of trail) {
      // Returning ends the trail, whose listings are then closed.
      if (query.limit > 0 && shown === query.limit) {
        next = last!;
        return;
      }
      shown++;
      last = entry.id;
      yield entry;
    }
  }
  return { entries: entries(), next: () => next };
}

/**
 * A repo's whole trail, newest first: the wal and read log listings merged by record id, each
 * record read as its turn comes (a few ahead). Stops at `since`, so paging back costs only
 * the records shown.
 */
async function* trailEntries(
  ctx: Context,
  query: TrailQuery,
  concurrency: number,
): AsyncGenerator<AuditEntry> {
  const prefix = repoAuditPrefix(query.repo);
  const logs: { kind: "write" | "read"; store: Store }[] = [];
  if (query.kind !== "read") logs.push({ kind: "write", store: ctx.wal });
  if (query.kind !== "write") logs.push({ kind: "read", store: ctx.readlog });
  const merged = mergeNewestFirst(logs.map((log) => recordIds(log.store, prefix, log.kind)));
  async function* wanted() {
    for await (const ref of merged) {
      if (query.before !== undefined && ref.id >= query.before) continue;
      if (query.since !== undefined && ksuidTime(ref.id) < query.since) return;
      yield ref;
    }
  }
  const entries = mapOrdered(wanted(), concurrency, async ({ id, kind }): Promise<AuditEntry> => {
    const key = auditRecordKey(prefix, id);
    return kind === "write"
      ? { kind, ...await readDocument(ctx.wal, key, decodeWalRecord) }
      : { kind, ...await readDocument(ctx.readlog, key, decodeReadRecord) };
  });
  for await (const entry of entries) {
    if (query.bundle === undefined || entry.bundle === query.bundle) yield entry;
  }
}

interface RecordRef {
  id: string;
  kind: "write" | "read";
}

/** Record ids under `prefix`, newest first (the order of their inverted-id keys). */
async function* recordIds(
  store: Store,
  prefix: string,
  kind: "write" | "read",
): AsyncGenerator<RecordRef> {
  for await (const entry of store.list(prefix, { delimiter: "/" })) {
    if (entry.kind !== "object") continue;
    const id = auditRecordId(prefix, entry.key);
    if (id !== null) yield { id, kind };
  }
}

/** Merges newest-first streams into one newest-first stream. */
async function* mergeNewestFirst(
  streams: AsyncGenerator<RecordRef>[],
): AsyncGenerator<RecordRef> {
  const heads = await Promise.all(streams.map((s) => s.next()));
  while (true) {
    let pick = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head.done) continue;
      if (pick < 0 || head.value.id > (heads[pick].value as RecordRef).id) pick = i;
    }
    if (pick < 0) return;
    yield heads[pick].value as RecordRef;
    heads[pick] = await streams[pick].next();
  }
}
