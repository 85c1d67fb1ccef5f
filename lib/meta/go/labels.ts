/**
 * Go datamon labels of a repo. A label is one label.yaml, rewritten on each move; its history
 * is kept only as object versions of the vmetadata bucket (GCS generations, S3 versions), read
 * where the store lists them; elsewhere only the current label is known.
 */
import { decodeGoLabel, type GoLabelDoc } from "../../model/go_format.ts";
import { goLabelKey, goLabelsPrefix } from "../../model/go_keys.ts";
import type { ObjectVersion, Store } from "../../store/store.ts";
import { childNames } from "../documents.ts";
import { checkSelfNamed, foundDocuments, readGoDocument } from "./documents.ts";

const decoder = new TextDecoder();

/** A label's current document; "not-found" when the repo has no such label. */
export async function getGoLabel(
  vmetadata: Store,
  repo: string,
  name: string,
): Promise<GoLabelDoc> {
  const key = goLabelKey(repo, name);
  const doc = await readGoDocument(
    vmetadata,
    key,
    decodeGoLabel,
    `label "${name}" not found in repo "${repo}" of Go datamon vmetadata ${vmetadata.url}`,
  );
  checkSelfNamed(vmetadata, key, "label", doc.name, name);
  return doc;
}

/** Every label of a repo, in name order; up to `concurrency` reads in flight. */
export function listGoLabels(
  vmetadata: Store,
  repo: string,
  concurrency = 16,
): AsyncGenerator<GoLabelDoc> {
  return foundDocuments(
    childNames(vmetadata, goLabelsPrefix(repo)),
    concurrency,
    (name) => getGoLabel(vmetadata, repo, name),
  );
}

/** Whether `vmetadata` lists object versions, so that a label's history can be read. */
export function goLabelHistoryKept(vmetadata: Store): boolean {
  return vmetadata.listVersions !== undefined && vmetadata.getVersion !== undefined;
}

/**
 * Every version of a label's document, newest first, where the store lists object versions;
 * else the current document only. Versions gone between listing and reading are passed over;
 * "not-found" when the label has none.
 */
export async function getGoLabelVersions(
  vmetadata: Store,
  repo: string,
  name: string,
  concurrency = 16,
): Promise<GoLabelDoc[]> {
  const { listVersions, getVersion } = vmetadata;
  if (!listVersions || !getVersion) return [await getGoLabel(vmetadata, repo, name)];
  const key = goLabelKey(repo, name);
  const readVersion = async (version: ObjectVersion) => {
    const text = decoder.decode(await getVersion(key, version.versionId));
    const doc = decodeGoLabel(text, `${key} version ${version.versionId} in ${vmetadata.url}`);
    checkSelfNamed(vmetadata, key, "label", doc.name, name);
    return doc;
  };
  const docs = await Array.fromAsync(foundDocuments(listVersions(key), concurrency, readVersion));
  // No version: the label is absent (and the error says so as getGoLabel's does).
  return docs.length > 0 ? docs : [await getGoLabel(vmetadata, repo, name)];
}
