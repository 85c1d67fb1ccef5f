/**
 * A Go datamon context seen through datamon's own documents: Go's repos, bundles, file lists
 * and labels turned into RepoDoc, BundleDoc, FileEntry and LabelRecord, so that the commands
 * that read our contexts read Go's in place.
 */
import { DatamonError } from "../../errors.ts";
import type { GoBundleDoc, GoContributor, GoFileEntry, GoLabelDoc } from "../../model/go_format.ts";
import { ksuidTime } from "../../model/ksuid.ts";
import { validateBundleId, validateName } from "../../model/names.ts";
import type { BundleDoc, Contributor, FileEntry, LabelRecord, RepoDoc } from "../../model/types.ts";
import type { Context } from "../context.ts";
import { mapOrdered } from "../documents.ts";
import { getGoBundle, goBundleEntries, latestGoBundle, listGoBundles } from "./bundles.ts";
import { getGoLabel, getGoLabelVersions, goLabelHistoryKept, listGoLabels } from "./labels.ts";
import { getGoRepo, listGoRepos } from "./repos.ts";
import { listGoWalEntries } from "./wal.ts";

/** What a Go document leaves out of a time or a contributor is shown as this. */
const UNKNOWN_TIME = new Date(0);
const UNKNOWN_CONTRIBUTOR: Contributor = { name: "", email: "" };

/** The repo `name` of a Go context; "not-found" names the context. */
export async function goRepo(ctx: Context, name: string): Promise<RepoDoc> {
  validateName("repo", name);
  return repoDoc(await inContext(ctx, getGoRepo(ctx.metadata, name)));
}

/** Every repo of a Go context, in name order. */
export async function* goRepos(ctx: Context, concurrency: number): AsyncGenerator<RepoDoc> {
  for await (const doc of listGoRepos(ctx.metadata, concurrency)) yield repoDoc(doc);
}

/** Bundle `id` of a Go repo, with its file count and size summed from its file lists. */
export async function goBundle(ctx: Context, repo: string, id: string): Promise<BundleDoc> {
  validateBundleId(id);
  return await bundleDoc(ctx, repo, await inContext(ctx, getGoBundle(ctx.metadata, repo, id)));
}

/** The latest bundle of a Go repo. */
export async function goLatestBundle(ctx: Context, repo: string): Promise<BundleDoc> {
  return await bundleDoc(ctx, repo, await inContext(ctx, latestGoBundle(ctx.metadata, repo)));
}

/** Every bundle of a Go repo in id (= time) order. */
export function goBundles(ctx: Context, repo: string, concurrency: number) {
  return mapOrdered(
    listGoBundles(ctx.metadata, repo, concurrency),
    concurrency,
    (doc) => bundleDoc(ctx, repo, doc),
  );
}

/**
 * A Go bundle's files in name order, as our commands stream them. Go writes its file lists in
 * upload order, so the entries are gathered and sorted: memory grows with the bundle's file
 * count (about 300 bytes a file), the one place a Go read is not streamed.
 */
export async function* goEntries(ctx: Context, bundle: BundleDoc): AsyncGenerator<FileEntry> {
  const go = await inContext(ctx, getGoBundle(ctx.metadata, bundle.repo, bundle.id));
  const entries: FileEntry[] = [];
  for await (const entry of goBundleEntries(ctx.metadata, bundle.repo, go)) {
    entries.push(fileEntry(entry, bundle.timestamp));
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < entries.length; i++) {
    if (entries[i].name === entries[i - 1].name) {
      throw new DatamonError(
        "integrity",
        `bundle ${bundle.id} of Go repo "${bundle.repo}" lists ${
          JSON.stringify(entries[i].name)
        } twice: the metadata store is damaged`,
      );
    }
  }
  yield* entries;
}

/** Label `name` of a Go repo: its current target. */
export async function goLabel(ctx: Context, repo: string, name: string): Promise<LabelRecord> {
  validateName("label", name);
  return labelRecord(repo, await inContext(ctx, getGoLabel(ctx.vmetadata, repo, name)));
}

/**
 * Every target label `name` of a Go repo had, newest first: Go keeps a label's history only as
 * object versions of its bucket, so where the store lists none, the current target alone.
 */
export async function goLabelHistory(
  ctx: Context,
  repo: string,
  name: string,
): Promise<LabelRecord[]> {
  validateName("label", name);
  const docs = await inContext(ctx, getGoLabelVersions(ctx.vmetadata, repo, name));
  return docs.map((doc) => labelRecord(repo, doc));
}

/**
 * Why a Go context's label history shows only current labels (its store lists no object
 * versions), or undefined when the history is read from the versions.
 */
export function goLabelHistoryGap(ctx: Context): string | undefined {
  if (goLabelHistoryKept(ctx.vmetadata)) return undefined;
  return `the labels bucket of Go context "${ctx.doc.name}" (${ctx.vmetadata.url}) keeps no ` +
    "object versions: only the current label is shown";
}

/** Every label of a Go repo, in name order. */
export async function* goLabels(
  ctx: Context,
  repo: string,
  concurrency: number,
): AsyncGenerator<LabelRecord> {
  await goRepo(ctx, repo);
  for await (const doc of listGoLabels(ctx.vmetadata, repo, concurrency)) {
    yield labelRecord(repo, doc);
  }
}

function repoDoc(
  doc: { name: string; description: string; timestamp?: Date; contributor?: GoContributor },
): RepoDoc {
  return {
    name: doc.name,
    description: doc.description,
    timestamp: doc.timestamp ?? UNKNOWN_TIME,
    contributor: doc.contributor ?? UNKNOWN_CONTRIBUTOR,
  };
}

async function bundleDoc(ctx: Context, repo: string, go: GoBundleDoc): Promise<BundleDoc> {
  let fileCount = 0;
  let totalSize = 0;
  for await (const entry of goBundleEntries(ctx.metadata, repo, go)) {
    fileCount++;
    totalSize += entry.size;
  }
  return {
    id: go.id,
    repo,
    message: go.message,
    timestamp: go.timestamp ?? ksuidTime(go.id),
    contributors: go.contributors,
    leafSize: go.leafSize,
    deduplication: "go-blake2b",
    formatVersion: 1,
    fileListCount: go.fileListCount,
    fileCount,
    totalSize,
  };
}

/**
 * A Go entry as ours: its key is the root key (Go keys are 128 hex digits, ours 64); Go keeps
 * no file time, so the bundle's is used; of os.FileMode only the permission bits are kept
 * (Go's upload writes 0, which reads back as 0644).
 */
function fileEntry(entry: GoFileEntry, time: Date): FileEntry {
  const mode = entry.mode & 0o777;
  return {
    name: entry.name,
    size: entry.size,
    mode: mode === 0 ? 0o644 : mode,
    mtime: entry.timestamp ?? time,
    key: entry.hash,
  };
}

function labelRecord(repo: string, doc: GoLabelDoc): LabelRecord {
  return {
    id: doc.bundleId,
    name: doc.name,
    repo,
    bundleId: doc.bundleId,
    timestamp: doc.timestamp ?? UNKNOWN_TIME,
    contributor: doc.contributors[0] ?? UNKNOWN_CONTRIBUTOR,
  };
}

/** One entry of a Go context's write-ahead log, with the time its token holds. */
export interface GoLogEntry {
  time: Date;
  token: string;
  payload: string;
}

/**
 * The newest `limit` entries (0: all) of a Go context's write-ahead log written since `since`,
 * newest first. Go's log is the context's, not a repo's: pkg/wal entries name no repo.
 */
export async function goLog(
  ctx: Context,
  options: { since?: Date; limit: number },
): Promise<GoLogEntry[]> {
  const kept: GoLogEntry[] = [];
  for await (const { token, payload } of listGoWalEntries(ctx.wal)) {
    const time = ksuidTime(token);
    if (options.since && time < options.since) continue;
    kept.push({ time, token, payload });
    if (options.limit > 0 && kept.length > options.limit) kept.shift();
  }
  return kept.reverse();
}

/** `pending`, with a "not-found" message that names the Go context instead of its bucket. */
async function inContext<T>(ctx: Context, pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (e) {
    if (!(e instanceof DatamonError) || e.kind !== "not-found") throw e;
    const subject = e.message.replace(/ (of|in) Go datamon (metadata|vmetadata) .*$/, "");
    throw new DatamonError("not-found", `${subject} in Go datamon context "${ctx.doc.name}"`, {
      cause: e,
    });
  }
}
