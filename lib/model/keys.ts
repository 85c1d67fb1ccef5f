/**
 * Where each document lives in its store (the layout of DESIGN.md). Callers pass names and ids
 * that were already validated (names.ts), since these become key segments.
 */

import type { BundleRef } from "./types.ts";
import { invertKsuid, isKsuid } from "./ksuid.ts";

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

/**
 * intents/repos/{repo}.yaml in the metadata store: an unfinished rename or delete of the repo,
 * written before its first step and removed after its last (outside repos/, which lists repos).
 */
export function repoIntentKey(repo: string): string {
  return `${repoIntentsPrefix}${repo}.yaml`;
}

/** intents/repos/: where every unfinished rename or delete is recorded. */
export const repoIntentsPrefix = "intents/repos/";

/** bundles/{repo}/: list with delimiter "/" to find a repo's bundle ids. */
export function bundlesPrefix(repo: string): string {
  return `bundles/${repo}/`;
}

/** bundles/{repo}/{id}/: every document of one bundle, committed or not. */
export function bundlePrefix(repo: string, id: string): string {
  return `${bundlesPrefix(repo)}${id}/`;
}

/** bundles/{repo}/{id}/bundle.yaml: the bundle's commit point. */
export function bundleKey(repo: string, id: string): string {
  return `${bundlePrefix(repo, id)}bundle.yaml`;
}

/** bundles/{repo}/{id}/bundle-files-{i}.yaml: the i-th list of file entries, from 0. */
export function fileListKey(repo: string, id: string, i: number): string {
  return `${bundlePrefix(repo, id)}bundle-files-${i}.yaml`;
}

/** labels/{repo}/: list with delimiter "/" to find a repo's label names. */
export function labelsPrefix(repo: string): string {
  return `labels/${repo}/`;
}

/** labels/{repo}/{label}/: a label's history, one record per move. */
export function labelPrefix(repo: string, label: string): string {
  return `${labelsPrefix(repo)}${label}/`;
}

/** The label a labelPrefix names (the key of a label's removal); undefined for any other key. */
export function labelOfPrefix(key: string): string | undefined {
  return /^labels\/[^/]+\/([^/]+)\/$/.exec(key)?.[1];
}

/** labels/{repo}/{label}/{recordId}.yaml: one move of a label. */
export function labelRecordKey(repo: string, label: string, recordId: string): string {
  return `${labelPrefix(repo, label)}${recordId}.yaml`;
}

/** The label a labelRecordKey names; undefined for any other key. */
export function labelOfRecordKey(key: string): string | undefined {
  return /^labels\/[^/]+\/([^/]+)\/[^/]+\.yaml$/.exec(key)?.[1];
}

/**
 * lineage/{repo}/{bundle}/: one marker per bundle made from this one (its downstream), so the
 * downstream of a bundle is one listing.
 */
export function downstreamPrefix(upstream: BundleRef): string {
  return `lineage/${upstream.repo}/${upstream.bundle}/`;
}

/** lineage/{upRepo}/{upBundle}/{repo}/{bundle}: `downstream` was made from `upstream`. */
export function downstreamKey(upstream: BundleRef, downstream: BundleRef): string {
  return `${downstreamPrefix(upstream)}${downstream.repo}/${downstream.bundle}`;
}

/** lineage/{repo}/: the downstream markers of every bundle of a repo. */
export function repoLineagePrefix(repo: string): string {
  return `lineage/${repo}/`;
}

/**
 * repos/{repo}/ in the wal and readlog stores: a repo's audit records, each named by its
 * inverted ksuid so that a listing gives the newest first.
 */
export function repoAuditPrefix(repo: string): string {
  return `repos/${repo}/`;
}

/** context/ in the wal store: records of writes that belong to no repo (contexts). */
export const contextAuditPrefix = "context/";

/** {prefix}{inverted id}.yaml: one audit record. */
export function auditRecordKey(prefix: string, id: string): string {
  return `${prefix}${invertKsuid(id)}.yaml`;
}

/** The record id of an audit record key under `prefix`, or null for any other key. */
export function auditRecordId(prefix: string, key: string): string | null {
  if (!key.startsWith(prefix) || !key.endsWith(".yaml")) return null;
  const inverted = key.slice(prefix.length, -".yaml".length);
  if (!/^[0-9A-Za-z]{27}$/.test(inverted)) return null;
  const id = invertKsuid(inverted);
  return isKsuid(id) ? id : null;
}

/** runs/{run}/ in the readlog store: which bundles a run (DATAMON_RUN_ID) has read. */
export function runReadsPrefix(run: string): string {
  return `runs/${run}/`;
}

/** runs/{run}/{repo}/{bundle}: a marker that the run read this bundle. */
export function runReadKey(run: string, read: BundleRef): string {
  return `${runReadsPrefix(run)}${read.repo}/${read.bundle}`;
}

// Diamonds (lib/meta/diamond.ts): many writers, one bundle.

/** diamonds/: every repo's diamonds, for the purge's marking of live splits. */
export const diamondsRoot = "diamonds/";

/** diamonds/{repo}/: list with delimiter "/" to find a repo's diamond ids. */
export function diamondsPrefix(repo: string): string {
  return `${diamondsRoot}${repo}/`;
}

/** diamonds/{repo}/{diamond}/: every record of one diamond. */
export function diamondPrefix(repo: string, diamond: string): string {
  return `${diamondsPrefix(repo)}${diamond}/`;
}

/**
 * diamonds/{repo}/{diamond}/{record}.yaml: diamond.yaml (initialized), closed.yaml (committing
 * or cancelled: whichever is created first wins), done.yaml (committed).
 */
export function diamondRecordKey(
  repo: string,
  diamond: string,
  record: "diamond" | "closed" | "done",
): string {
  return `${diamondPrefix(repo, diamond)}${record}.yaml`;
}

/** diamonds/{repo}/{diamond}/splits/: list with delimiter "/" to find the split ids. */
export function splitsPrefix(repo: string, diamond: string): string {
  return `${diamondPrefix(repo, diamond)}splits/`;
}

/** diamonds/{repo}/{diamond}/splits/{split}/: one run (generation) per sub-directory. */
export function splitPrefix(repo: string, diamond: string, split: string): string {
  return `${splitsPrefix(repo, diamond)}${split}/`;
}

/** diamonds/{repo}/{diamond}/splits/{split}/{generation}/: one run of a split. */
export function generationPrefix(
  repo: string,
  diamond: string,
  split: string,
  generation: string,
): string {
  return `${splitPrefix(repo, diamond, split)}${generation}/`;
}

/** .../{generation}/{state}.yaml: running, then done or failed. */
export function generationStateKey(
  repo: string,
  diamond: string,
  split: string,
  generation: string,
  state: "running" | "done" | "failed",
): string {
  return `${generationPrefix(repo, diamond, split, generation)}${state}.yaml`;
}

/** .../{generation}/bundle-files-{i}.yaml: the i-th list of the run's file entries, from 0. */
export function generationFileListKey(
  repo: string,
  diamond: string,
  split: string,
  generation: string,
  i: number,
): string {
  return `${generationPrefix(repo, diamond, split, generation)}bundle-files-${i}.yaml`;
}

/** redactions/{repo}/: a repo's redaction records (copied by a rename, removed by a delete). */
export function redactionsPrefix(repo: string): string {
  return `redactions/${repo}/`;
}

/** redactions/{repo}/{recordId}.json: one redaction. */
export function redactionKey(repo: string, recordId: string): string {
  return `${redactionsPrefix(repo)}${recordId}.json`;
}
