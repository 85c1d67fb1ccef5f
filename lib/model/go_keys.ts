/**
 * Where Go datamon keeps each document (pkg/model paths.go, pkg/wal). Each store is a whole
 * bucket, so these keys start at the bucket's root:
 *
 * ```
 * config     contexts/{ctx}/context.yaml
 * metadata   repos/{repo}/repo.yaml
 * metadata   bundles/{repo}/{id}/bundle.yaml, bundles/{repo}/{id}/bundle-files-{i}.yaml
 * vmetadata  labels/{repo}/{label}/label.yaml     (versioned: its history is object versions)
 * blob       {128 hex digits}                     (leaves and root objects, flat)
 * wal        {token}                              (a ksuid; the object holds the payload)
 * ```
 *
 * Callers pass names read from these same keys, or validated ones: they become key segments.
 */

/** contexts/: list with delimiter "/" to find the contexts of a config store. */
export const goContextsPrefix = "contexts/";

/** contexts/{ctx}/context.yaml in the config store. */
export function goContextKey(ctx: string): string {
  return `${goContextsPrefix}${ctx}/context.yaml`;
}

/** repos/: list with delimiter "/" to find the repos of a metadata store. */
export const goReposPrefix = "repos/";

/** repos/{repo}/repo.yaml in the metadata store. */
export function goRepoKey(repo: string): string {
  return `${goReposPrefix}${repo}/repo.yaml`;
}

/** bundles/{repo}/: list with delimiter "/" to find a repo's bundle ids. */
export function goBundlesPrefix(repo: string): string {
  return `bundles/${repo}/`;
}

/** bundles/{repo}/{id}/bundle.yaml: written after the file lists, so it marks a whole bundle. */
export function goBundleKey(repo: string, id: string): string {
  return `${goBundlesPrefix(repo)}${id}/bundle.yaml`;
}

/** bundles/{repo}/{id}/bundle-files-{i}.yaml: the i-th list of file entries, from 0. */
export function goFileListKey(repo: string, id: string, i: number): string {
  return `${goBundlesPrefix(repo)}${id}/bundle-files-${i}.yaml`;
}

/** labels/{repo}/: list with delimiter "/" to find a repo's label names. */
export function goLabelsPrefix(repo: string): string {
  return `labels/${repo}/`;
}

/** labels/{repo}/{label}/label.yaml in the vmetadata store: rewritten on every move. */
export function goLabelKey(repo: string, label: string): string {
  return `${goLabelsPrefix(repo)}${label}/label.yaml`;
}

/** A blob's key is its hex content key, at the root of the blob store. */
export function goBlobKey(hexKey: string): string {
  return hexKey;
}

/** A write-ahead log entry's key is its token, at the root of the wal store. */
export function goWalEntryKey(token: string): string {
  return token;
}
