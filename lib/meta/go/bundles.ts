/** Go datamon bundles of a repo: finding them by id or as the latest, and their file lists. */
import { DatamonError, isKind } from "../../errors.ts";
import {
  decodeGoBundle,
  decodeGoFileList,
  GO_FILE_LIST_SIZE,
  type GoBundleDoc,
  type GoFileEntry,
} from "../../model/go_format.ts";
import { goBundleKey, goBundlesPrefix, goFileListKey } from "../../model/go_keys.ts";
import { isKsuid } from "../../model/ksuid.ts";
import type { Store } from "../../store/store.ts";
import { childNames, mapOrdered, readDocument } from "../documents.ts";
import { checkSelfNamed, foundDocuments, readGoDocument } from "./documents.ts";
import { getGoRepo } from "./repos.ts";

/** A bundle's document; "not-found" when it has no bundle.yaml (absent, or never finished). */
export async function getGoBundle(metadata: Store, repo: string, id: string): Promise<GoBundleDoc> {
  const key = goBundleKey(repo, id);
  const doc = await readGoDocument(
    metadata,
    key,
    decodeGoBundle,
    `bundle ${id} not found in repo "${repo}" of Go datamon metadata ${metadata.url}`,
  );
  checkSelfNamed(metadata, key, "bundle", doc.id, id);
  return doc;
}

/**
 * Every bundle of an existing repo that has a bundle.yaml, in id (= time) order, as Go's
 * `bundle list` sorts them; up to `concurrency` reads in flight.
 */
export async function* listGoBundles(
  metadata: Store,
  repo: string,
  concurrency = 16,
): AsyncGenerator<GoBundleDoc> {
  await getGoRepo(metadata, repo);
  yield* foundDocuments(
    bundleIds(metadata, repo),
    concurrency,
    (id) => getGoBundle(metadata, repo, id),
  );
}

/**
 * The bundle with the greatest id that has a bundle.yaml. (Go takes the greatest id under
 * bundles/{repo}/ even when its upload never finished; an unfinished bundle is skipped here.)
 */
export async function latestGoBundle(metadata: Store, repo: string): Promise<GoBundleDoc> {
  await getGoRepo(metadata, repo);
  const ids: string[] = [];
  for await (const id of bundleIds(metadata, repo)) ids.push(id);
  for (let i = ids.length - 1; i >= 0; i--) {
    if (await metadata.head(goBundleKey(repo, ids[i]))) return getGoBundle(metadata, repo, ids[i]);
  }
  throw new DatamonError(
    "not-found",
    `repo "${repo}" of Go datamon metadata ${metadata.url} has no bundles`,
  );
}

/**
 * A bundle's file entries in stored order, one list at a time (the next list is read while the
 * current one is consumed). A list holds at most 1000 entries: Go's upload fills all but the
 * last, and its `repo delete files` rewrites lists in place with entries removed.
 */
export async function* goBundleEntries(
  metadata: Store,
  repo: string,
  bundle: GoBundleDoc,
): AsyncGenerator<GoFileEntry> {
  const indexes = Array.from({ length: bundle.fileListCount }, (_, i) => i);
  const lists = mapOrdered(indexes, 2, (i) => readFileList(metadata, repo, bundle.id, i));
  for await (const list of lists) yield* list;
}

async function readFileList(metadata: Store, repo: string, id: string, i: number) {
  const key = goFileListKey(repo, id, i);
  let entries: GoFileEntry[];
  try {
    entries = await readDocument(metadata, key, decodeGoFileList);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "integrity",
      `file list ${key} is missing from ${metadata.url}: the metadata store is damaged`,
    );
  }
  if (entries.length > GO_FILE_LIST_SIZE) {
    throw new DatamonError(
      "integrity",
      `file list ${key} in ${metadata.url} holds ${entries.length} entries, more than ` +
        `${GO_FILE_LIST_SIZE}: the metadata store is damaged`,
    );
  }
  return entries;
}

/** Ids that have a bundle directory, finished or not, in id order. */
async function* bundleIds(metadata: Store, repo: string): AsyncGenerator<string> {
  for await (const name of childNames(metadata, goBundlesPrefix(repo))) {
    if (isKsuid(name)) yield name;
  }
}
