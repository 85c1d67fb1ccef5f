/**
 * Finding bundles: by id, by label, or the latest; listing them and their files; copying a
 * repo's bundles under a new name.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleDoc, FileEntry, TreeEntry } from "../model/types.ts";
import { decodeBundle, decodeFileList, decodeTreeList, encodeBundle } from "../model/codec.ts";
import { bundleKey, bundlePrefix, bundlesPrefix, fileListKey } from "../model/keys.ts";
import { validateBundleId } from "../model/names.ts";
import { isKsuid } from "../model/ksuid.ts";
import type { Context } from "./context.ts";
import { childNames, createDocument, mapOrdered, readDocument } from "./documents.ts";
import { getRepo } from "./repo.ts";
import { getLabel } from "./labels.ts";

/** How a command picks a bundle: an id, a label, or (neither) the latest. */
export interface BundleSelector {
  bundle?: string;
  label?: string;
}

/** Reads a committed bundle; not-found when it has no bundle.yaml. */
export async function getBundle(ctx: Context, repo: string, id: string): Promise<BundleDoc> {
  validateBundleId(id);
  let doc: BundleDoc;
  try {
    doc = await readDocument(ctx.metadata, bundleKey(repo, id), decodeBundle);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "not-found",
      `bundle ${id} not found in repo "${repo}": see "datamon bundle list --repo ${repo}"`,
    );
  }
  if (doc.id !== id || doc.repo !== repo) {
    throw new DatamonError(
      "integrity",
      `${
        bundleKey(repo, id)
      } in ${ctx.metadata.url} describes bundle ${doc.id} of repo "${doc.repo}": the metadata store is damaged`,
    );
  }
  return doc;
}

/** Ids that have a bundle directory, committed or not, in id (= time) order. */
async function* bundleIds(ctx: Context, repo: string): AsyncGenerator<string> {
  for await (const name of childNames(ctx.metadata, bundlesPrefix(repo))) {
    if (isKsuid(name)) yield name;
  }
}

/** The greatest bundle id that has a bundle.yaml: an interrupted upload never counts. */
export async function latestBundle(ctx: Context, repo: string): Promise<BundleDoc> {
  const ids: string[] = [];
  for await (const id of bundleIds(ctx, repo)) ids.push(id);
  for (let i = ids.length - 1; i >= 0; i--) {
    if (await ctx.metadata.head(bundleKey(repo, ids[i]))) return getBundle(ctx, repo, ids[i]);
  }
  throw new DatamonError(
    "not-found",
    `repo "${repo}" has no bundles yet: upload one with "datamon bundle upload"`,
  );
}

/** Resolves a selector to a committed bundle of an existing repo. */
export async function resolveBundle(
  ctx: Context,
  repo: string,
  selector: BundleSelector,
): Promise<BundleDoc> {
  await getRepo(ctx, repo);
  if (selector.bundle && selector.label) {
    throw new DatamonError("usage", "give either --bundle or --label, not both");
  }
  if (selector.bundle) return getBundle(ctx, repo, selector.bundle);
  if (selector.label) {
    const label = await getLabel(ctx, repo, selector.label);
    return getBundle(ctx, repo, label.bundleId);
  }
  return latestBundle(ctx, repo);
}

/** Every committed bundle of a repo in id order; uncommitted uploads are skipped. */
export async function* listBundles(
  ctx: Context,
  repo: string,
  concurrency = 16,
): AsyncGenerator<BundleDoc> {
  await getRepo(ctx, repo);
  const docs = mapOrdered(bundleIds(ctx, repo), concurrency, async (id) => {
    try {
      return await getBundle(ctx, repo, id);
    } catch (e) {
      if (isKind(e, "not-found")) return undefined;
      throw e;
    }
  });
  for await (const doc of docs) if (doc) yield doc;
}

/**
 * A bundle's regular file entries in name order, one 1000-entry list at a time (the next list
 * is fetched while the current one is consumed): what reads of blobs need.
 */
export function bundleEntries(ctx: Context, bundle: BundleDoc): AsyncGenerator<FileEntry> {
  return entryLists(ctx, bundle, decodeFileList);
}

/**
 * Every entry of a bundle in name order, symlinks and directories (format 3) included: what
 * restoring or showing the tree needs.
 */
export function bundleTree(ctx: Context, bundle: BundleDoc): AsyncGenerator<TreeEntry> {
  return entryLists(ctx, bundle, decodeTreeList);
}

async function* entryLists<T>(
  ctx: Context,
  bundle: BundleDoc,
  decode: (text: string, what: string) => T[],
): AsyncGenerator<T> {
  const indexes = Array.from({ length: bundle.fileListCount }, (_, i) => i);
  const lists = mapOrdered(indexes, 2, async (i) => {
    try {
      return await readDocument(ctx.metadata, fileListKey(bundle.repo, bundle.id, i), decode);
    } catch (e) {
      if (!isKind(e, "not-found")) throw e;
      throw new DatamonError(
        "integrity",
        `file list ${i} of bundle ${bundle.id} in repo "${bundle.repo}" is missing from ${ctx.metadata.url}: the metadata store is damaged`,
      );
    }
  });
  for await (const list of lists) yield* list;
}

/**
 * Copies every committed bundle of repo `from` to repo `to` (a rename): each bundle's file
 * lists first, then its bundle.yaml naming `to`, so no copy is visible before its lists.
 * Create-only: a key already there under `to` is kept, so a rename that stopped can run
 * again. An upload that never committed is not copied.
 */
export async function copyBundles(ctx: Context, from: string, to: string): Promise<void> {
  for await (const id of childNames(ctx.metadata, bundlesPrefix(from))) {
    const manifest = bundleKey(from, id);
    if (!await ctx.metadata.head(manifest)) continue;
    const oldPrefix = bundlePrefix(from, id);
    for await (const entry of ctx.metadata.list(oldPrefix)) {
      if (entry.kind !== "object" || entry.key === manifest) continue;
      const newKey = `${bundlePrefix(to, id)}${entry.key.slice(oldPrefix.length)}`;
      await ctx.metadata.putIfAbsent(newKey, await ctx.metadata.get(entry.key));
    }
    const bundle = await readDocument(ctx.metadata, manifest, decodeBundle);
    await createDocument(ctx.metadata, bundleKey(to, id), encodeBundle({ ...bundle, repo: to }));
  }
}

/** Compiles a --name-filter regular expression, with a clear error when it is invalid. */
export function compileNameFilter(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch (e) {
    throw new DatamonError(
      "invalid-argument",
      `invalid --name-filter "${pattern}": ${(e as Error).message}`,
    );
  }
}
