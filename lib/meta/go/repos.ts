/** Go datamon repos in a metadata store. */
import { decodeGoRepo, type GoRepoDoc } from "../../model/go_format.ts";
import { goRepoKey, goReposPrefix } from "../../model/go_keys.ts";
import type { Store } from "../../store/store.ts";
import { childNames } from "../documents.ts";
import { checkSelfNamed, foundDocuments, readGoDocument } from "./documents.ts";

/** Every repo that has a repo.yaml, in name order; up to `concurrency` reads in flight. */
export function listGoRepos(metadata: Store, concurrency = 16): AsyncGenerator<GoRepoDoc> {
  return foundDocuments(
    childNames(metadata, goReposPrefix),
    concurrency,
    (name) => getGoRepo(metadata, name),
  );
}

/** A repo's document; "not-found" when it has no repo.yaml. */
export async function getGoRepo(metadata: Store, name: string): Promise<GoRepoDoc> {
  const key = goRepoKey(name);
  const doc = await readGoDocument(
    metadata,
    key,
    decodeGoRepo,
    `repo "${name}" not found in Go datamon metadata ${metadata.url}`,
  );
  checkSelfNamed(metadata, key, "repo", doc.name, name);
  return doc;
}
