/**
 * Where each document lives in its store (the layout of DESIGN.md). Callers pass names and ids
 * that were already validated (names.ts), since these become key segments.
 */

/** Number of entries in each bundle-files-{i}.yaml; only the last list may hold fewer. */
export const FILE_LIST_SIZE = 1000;

/** contexts/{ctx}/context.yaml in the config store. */
export function contextKey(ctx: string): string {
  return `contexts/${ctx}/context.yaml`;
}

/** Prefix under which every repo.yaml lives in the metadata store. */
export const reposPrefix = "repos/";

/** repos/{repo}/repo.yaml in the metadata store. */
export function repoKey(repo: string): string {
  return `${reposPrefix}${repo}/repo.yaml`;
}

/** bundles/{repo}/: list with delimiter "/" to find a repo's bundle ids. */
export function bundlesPrefix(repo: string): string {
  return `bundles/${repo}/`;
}

/** bundles/{repo}/{id}/bundle.yaml: the bundle's commit point. */
export function bundleKey(repo: string, id: string): string {
  return `${bundlesPrefix(repo)}${id}/bundle.yaml`;
}

/** bundles/{repo}/{id}/bundle-files-{i}.yaml: the i-th list of file entries, from 0. */
export function fileListKey(repo: string, id: string, i: number): string {
  return `${bundlesPrefix(repo)}${id}/bundle-files-${i}.yaml`;
}

/** labels/{repo}/: list with delimiter "/" to find a repo's label names. */
export function labelsPrefix(repo: string): string {
  return `labels/${repo}/`;
}

/** labels/{repo}/{label}/: a label's history, one record per move. */
export function labelPrefix(repo: string, label: string): string {
  return `${labelsPrefix(repo)}${label}/`;
}

/** labels/{repo}/{label}/{recordId}.yaml: one move of a label. */
export function labelRecordKey(repo: string, label: string, recordId: string): string {
  return `${labelPrefix(repo, label)}${recordId}.yaml`;
}
