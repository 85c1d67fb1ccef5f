/**
 * Go datamon labels of a repo. A label is one label.yaml, rewritten on each move; its history
 * is kept only as object versions of the vmetadata bucket, which a Store does not expose, so
 * these read the current label.
 */
import { decodeGoLabel, type GoLabelDoc } from "../../model/go_format.ts";
import { goLabelKey, goLabelsPrefix } from "../../model/go_keys.ts";
import type { Store } from "../../store/store.ts";
import { childNames } from "../documents.ts";
import { checkSelfNamed, foundDocuments, readGoDocument } from "./documents.ts";

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
