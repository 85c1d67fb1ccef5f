/**
 * Finding bundles: by id, by label, or the latest; listing them and their files; copying a
 * repo's bundles under a new name.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleDoc, FileEntry, TreeEntry } from "../model/types.ts";
import { decodeBundle, decodeFileList, decodeTreeList, encodeBundle } from "../model/codec.ts";
import {
  bundleKey,
  bundlePrefix,
  bundlesPrefix,
  FILE_LIST_SIZE,
  fileListKey,
} from "../model/keys.ts";
import { validateBundleId } from "../model/names.ts";
import { isKsuid } from "../model/ksuid.ts";
import type { Context } from "./context.ts";
import { childNames, createDocument, mapOrdered } from "./documents.ts";
import { getRepo, ofIncarnation } from "./repo.ts";
import { getLabel } from "./labels.ts";
import { checksumOf, sealed, unseal } from "./checksum.ts";
import { goBundle, goBundles, goEntries, goLatestBundle } from "./go/view.ts";
import { redactedNames } from "./redactions.ts";

/** How a command picks a bundle: an id, a label, or (neither) the latest. */
export interface BundleSelector {
  bundle?: string;
  label?: string;
  /** Told, in one line, of each damaged bundle.yaml that latest resolution passes over. */
  onSkipped?: OnSkipped;
}

/** Told, in one line, of a damaged document passed over so that the others stay usable. */
export type OnSkipped = (warning: string) => void;

/** The one-line warning for a bundle passed over because its bundle.yaml cannot be read. */
function skippedBundle(repo: string, id: string, e: Error): string {
  return `skipped bundle ${id} of repo "${repo}": ${e.message}`;
}

/** Reads a committed bundle; not-found when it has no bundle.yaml. */
export async function getBundle(ctx: Context, repo: string, id: string): Promise<BundleDoc> {
  // A Go datamon context is read in place, through its own documents (go/view.ts).
  if (ctx.go) return goBundle(ctx, repo, id);
  validateBundleId(id);
  let doc: BundleDoc;
  try {
    doc = await readBundleDoc(ctx, bundleKey(repo, id));
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

/**
 * Reads a bundle.yaml, verified against its seal (checksum.ts). One that records file-list
 * checksums was written sealed, so a missing seal is damage too, not an older bundle.
 */
async function readBundleDoc(ctx: Context, key: string): Promise<BundleDoc> {
  const what = `${key} in ${ctx.metadata.url}`;
  const stored = await unseal(await ctx.metadata.get(key));
  const damaged = (why: string) =>
    new DatamonError("integrity", `${what} ${why}: the metadata store is damaged`);
  if (stored === null) throw damaged("does not match the checksum it ends with");
  const doc = decodeBundle(stored.text, what);
  if (!stored.sealed && doc.fileListChecksums !== undefined) {
    throw damaged("records file-list checksums but lost the checksum line it ends with");
  }
  return doc;
}

/** Ids that have a bundle directory, committed or not, in id (= time) order. */
async function* bundleIds(ctx: Context, repo: string): AsyncGenerator<string> {
  for await (const name of childNames(ctx.metadata, bundlesPrefix(repo))) {
    if (isKsuid(name)) yield name;
  }
}

/**
 * The greatest bundle id that has a readable bundle.yaml of this incarnation of the repo: an
 * interrupted upload never counts, nor an orphan committed to an earlier repo of the same name,
 * and a damaged bundle.yaml is passed over (told to `onSkipped`) so that it cannot freeze the repo.
 */
export async function latestBundle(
  ctx: Context,
  repo: string,
  onSkipped?: OnSkipped,
): Promise<BundleDoc> {
  if (ctx.go) return goLatestBundle(ctx, repo);
  const doc = await getRepo(ctx, repo);
  const ids: string[] = [];
  for await (const id of bundleIds(ctx, repo)) ids.push(id);
  for (let i = ids.length - 1; i >= 0; i--) {
    if (!await ctx.metadata.head(bundleKey(repo, ids[i]))) continue;
    try {
      const bundle = await getBundle(ctx, repo, ids[i]);
      if (ofIncarnation(doc, bundle)) return bundle;
    } catch (e) {
      if (!isKind(e, "integrity")) throw e;
      onSkipped?.(skippedBundle(repo, ids[i], e));
    }
  }
  throw new DatamonError(
    "not-found",
    `repo "${repo}" has no bundles yet: upload one with "datamon bundle upload"`,
  );
}

/** The fewest characters of a bundle id accepted as a short id (as git and restic do). */
export const SHORT_ID_MIN = 8;

/** The most candidates an ambiguous short id names. */
const AMBIGUOUS_SHOWN = 10;

/**
 * The committed bundle id that `given` names: the id itself, or a unique prefix of
 * SHORT_ID_MIN or more characters. An ambiguous prefix is an error listing the candidates.
 */
export async function resolveBundleId(ctx: Context, repo: string, given: string): Promise<string> {
  if (isKsuid(given)) return given;
  if (!/^[0-9A-Za-z]+$/.test(given) || given.length < SHORT_ID_MIN || given.length > 27) {
    throw new DatamonError(
      "invalid-argument",
      `invalid bundle id "${given}": give the 27-character id or its first ${SHORT_ID_MIN} or more characters`,
    );
  }
  const candidates: string[] = [];
  let more = false;
  for await (const rest of childNames(ctx.metadata, `${bundlesPrefix(repo)}${given}`)) {
    const id = `${given}${rest}`;
    // An interrupted upload left a directory but never committed: it is no candidate.
    if (!isKsuid(id) || !await ctx.metadata.head(bundleKey(repo, id))) continue;
    if (candidates.length === AMBIGUOUS_SHOWN) {
      more = true;
      break;
    }
    candidates.push(id);
  }
  if (candidates.length === 1) return candidates[0];
  if (candidates.length === 0) {
    throw new DatamonError(
      "not-found",
      `no bundle of repo "${repo}" has an id starting with ${given}: see "datamon bundle list --repo ${repo}"`,
    );
  }
  throw new DatamonError(
    "ambiguous",
    `bundle id ${given} is ambiguous in repo "${repo}": it starts ${candidates.join(", ")}${
      more ? " and more" : ""
    }; give more characters`,
  );
}

/** Resolves a selector to a committed bundle of an existing repo; an id may be a short id. */
export async function resolveBundle(
  ctx: Context,
  repo: string,
  selector: BundleSelector,
): Promise<BundleDoc> {
  await getRepo(ctx, repo);
  if (selector.bundle && selector.label) {
    throw new DatamonError("usage", "give either --bundle or --label, not both");
  }
  if (selector.bundle) {
    return getBundle(ctx, repo, await resolveBundleId(ctx, repo, selector.bundle));
  }
  if (selector.label) {
    const label = await getLabel(ctx, repo, selector.label);
    return getBundle(ctx, repo, label.bundleId);
  }
  return latestBundle(ctx, repo, selector.onSkipped);
}

/**
 * Every committed bundle of a repo in id order; uncommitted uploads are skipped, and orphans
 * committed to an earlier repo of the same name; so is a damaged bundle.yaml (told to
 * `onSkipped`), so that one bad bundle hides no other.
 */
export async function* listBundles(
  ctx: Context,
  repo: string,
  concurrency = 16,
  onSkipped?: OnSkipped,
): AsyncGenerator<BundleDoc> {
  if (ctx.go) return yield* goBundles(ctx, repo, concurrency);
  const doc = await getRepo(ctx, repo);
  const docs = mapOrdered(bundleIds(ctx, repo), concurrency, async (id) => {
    try {
      return await getBundle(ctx, repo, id);
    } catch (e) {
      if (isKind(e, "not-found")) return undefined;
      if (!isKind(e, "integrity")) throw e;
      onSkipped?.(skippedBundle(repo, id, e));
      return undefined;
    }
  });
  for await (const bundle of docs) if (bundle && ofIncarnation(doc, bundle)) yield bundle;
}

/**
 * A bundle's regular file entries in name order, one 1000-entry list at a time (the next list
 * is fetched while the current one is consumed): what reads of blobs need. Each list is
 * verified against the checksum bundle.yaml records (when it records one) and checked for a
 * name given twice before any of its entries is yielded, so a damaged list hands out nothing.
 */
export async function* bundleEntries(
  ctx: Context,
  bundle: BundleDoc,
  onRedacted?: OnRedacted,
): AsyncGenerator<FileEntry> {
  for await (const list of entryLists(ctx, bundle, decodeFileList, onRedacted)) yield* list;
}

/**
 * Every entry of a bundle in name order, symlinks and directories (format 3) included: what
 * restoring or showing the tree needs; verified as bundleEntries' are, and `onDisorder` told
 * where the lists are first out of name order (fsck's check).
 */
export async function* bundleTree(
  ctx: Context,
  bundle: BundleDoc,
  onRedacted?: OnRedacted,
  onDisorder?: OnDisorder,
): AsyncGenerator<TreeEntry> {
  for await (const list of bundleTreeLists(ctx, bundle, onRedacted, onDisorder)) yield* list;
}

/**
 * bundleTree's entries a file list at a time (up to 1000 entries, none empty): for readers of
 * a million entries, whom an await per entry would slow (a mount builds its table from these).
 * Each list is checked whole, across from the list before, ahead of its entries.
 */
export function bundleTreeLists(
  ctx: Context,
  bundle: BundleDoc,
  onRedacted?: OnRedacted,
  onDisorder?: OnDisorder,
): AsyncGenerator<TreeEntry[]> {
  return entryLists(ctx, bundle, decodeTreeList, onRedacted, onDisorder);
}

/**
 * File list `index` of a (datamon, not Go) bundle, verified against the checksum bundle.yaml
 * records, with its redacted names left in: for readers that seek rather than stream (a mount's
 * lookup finds a name among a million in a few lists). They check the order they rely on.
 */
export function bundleTreeList(
  ctx: Context,
  bundle: BundleDoc,
  index: number,
): Promise<TreeEntry[]> {
  return readFileList(ctx, bundle, index, decodeTreeList);
}

/** Told of each entry left out because its name was redacted from the repo. */
export type OnRedacted = (name: string) => void;

/**
 * Where a bundle's file lists are first out of name order: list `index` names `name` after
 * `previous` (the list's own previous entry, or the last of the list before). Bundles that
 * `bundle upload --path s3://|gs://` wrote before it re-sorted bucket listings may be: a full
 * read is right, but a search that stops at the first name after the one it wants may miss it.
 */
export interface Disorder {
  index: number;
  previous: string;
  name: string;
}

/** Told once, when a read first finds the bundle's lists out of name order. */
export type OnDisorder = (disorder: Disorder) => void;

/**
 * The error of a reader that cannot answer right from lists out of name order: `cannot` says
 * what it cannot do (a lookup by name, pairing names with another tree).
 */
export function disorderError(
  bundle: BundleDoc,
  { index, previous, name }: Disorder,
  cannot: string,
): DatamonError {
  return new DatamonError(
    "integrity",
    `bundle ${bundle.id} in repo "${bundle.repo}" is out of name order (file list ${index} ` +
      `names "${name}" after "${previous}"), so ${cannot}: run ` +
      `"datamon fsck --repo ${bundle.repo}"; a full "datamon bundle download" is right`,
  );
}

/** An OnDisorder for readers that pair names in order (diff, update): they refuse the bundle. */
export function refuseDisorder(bundle: BundleDoc, cannot: string): OnDisorder {
  return (disorder) => {
    throw disorderError(bundle, disorder, cannot);
  };
}

/** A bundle's entries, list by list, less those redacted from its repo (redactions.ts). */
async function* entryLists<T extends { name: string }>(
  ctx: Context,
  bundle: BundleDoc,
  decode: (text: string, what: string) => T[],
  onRedacted?: OnRedacted,
  onDisorder?: OnDisorder,
): AsyncGenerator<T[]> {
  // Go bundles hold regular files only: their entries are FileEntry, sorted in name order.
  if (ctx.go) {
    return yield* inLists(goEntries(ctx, bundle) as AsyncGenerator<unknown> as AsyncGenerator<T>);
  }
  const indexes = Array.from({ length: bundle.fileListCount }, (_, i) => i);
  const redacted = await redactedNames(ctx, bundle.repo);
  const lists = mapOrdered(indexes, 2, (i) => readFileList(ctx, bundle, i, decode));
  const order = new OrderCheck(bundle, onDisorder);
  let index = 0;
  for await (const list of lists) {
    order.check(index++, list);
    // Without redactions no name is looked up: hashing a million names cost a fifth of a read.
    const shown = redacted.size === 0 ? list : list.filter((entry) => {
      const hidden = bundle.id < (redacted.get(entry.name) ?? "");
      if (hidden) onRedacted?.(entry.name);
      return !hidden;
    });
    if (shown.length > 0) yield shown;
  }
}

/** `entries` in lists of up to FILE_LIST_SIZE. */
async function* inLists<T>(entries: AsyncIterable<T>): AsyncGenerator<T[]> {
  let list: T[] = [];
  for await (const entry of entries) {
    if (list.push(entry) === FILE_LIST_SIZE) {
      yield list;
      list = [];
    }
  }
  if (list.length > 0) yield list;
}

/** True when the bundle's file lists are verified on read: it records their checksums. */
export function hasFileListChecksums(bundle: BundleDoc): boolean {
  return bundle.fileListChecksums !== undefined;
}

const decoder = new TextDecoder();

/** File list `i` of a bundle, verified against its recorded checksum, then decoded. */
async function readFileList<T>(
  ctx: Context,
  bundle: BundleDoc,
  i: number,
  decode: (text: string, what: string) => T[],
): Promise<T[]> {
  const key = fileListKey(bundle.repo, bundle.id, i);
  const what = `file list ${i} of bundle ${bundle.id} in repo "${bundle.repo}"`;
  let bytes: Uint8Array;
  try {
    bytes = await ctx.metadata.get(key);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "integrity",
      `${what} is missing from ${ctx.metadata.url}: the metadata store is damaged`,
    );
  }
  const expected = bundle.fileListChecksums?.[i];
  if (expected !== undefined && await checksumOf(bytes) !== expected) {
    throw new DatamonError(
      "integrity",
      `${what} (${key} in ${ctx.metadata.url}) does not match the checksum its bundle.yaml ` +
        `records: the metadata store is damaged; restore the list from a backup`,
    );
  }
  return decode(decoder.decode(bytes), `${key} in ${ctx.metadata.url}`);
}

/**
 * Checks each list in turn, and across lists, for the order readers rely on: refuses an entry
 * named twice (lists are in name order, so a twin is the next entry, or the previous list's
 * last) and tells `onDisorder` of the first name before its predecessor. The one comparison a
 * name serves both: the disorder is only told, since a full read of such a bundle is right.
 */
class OrderCheck {
  #lastName: string | undefined;
  #disorderTold = false;

  constructor(readonly bundle: BundleDoc, readonly onDisorder: OnDisorder | undefined) {}

  check(index: number, list: readonly { name: string }[]): void {
    let lastName = this.#lastName;
    for (const { name } of list) {
      if (lastName !== undefined && name <= lastName) this.#outOfOrder(index, lastName, name);
      lastName = name;
    }
    this.#lastName = lastName;
  }

  #outOfOrder(index: number, previous: string, name: string): void {
    if (name === previous) {
      throw new DatamonError(
        "integrity",
        `bundle ${this.bundle.id} in repo "${this.bundle.repo}" names "${name}" twice: its ` +
          `file lists are damaged`,
      );
    }
    if (this.#disorderTold) return;
    this.#disorderTold = true;
    this.onDisorder?.({ index, previous, name });
  }
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
    const bundle = await readBundleDoc(ctx, manifest);
    const text = await sealed(encodeBundle({ ...bundle, repo: to }));
    await createDocument(ctx.metadata, bundleKey(to, id), text);
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
