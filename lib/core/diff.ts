/**
 * Diffs: what changes turn one side into the other. Both sides are streams in name order,
 * so a diff is a merge that never holds either file list.
 */
import { type BundleDoc, isFileEntry, type TreeEntry } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { bundleTree, refuseDisorder } from "../meta/bundles.ts";
import { mapOrdered } from "../meta/documents.ts";
import { isLocalFile, type LocalEntry, requireDirectory, walkTree } from "./walk.ts";

/**
 * A: only in the new side; D: only in the old side; U: in both, with other content, mode, link
 * target or kind.
 */
export type ChangeKind = "A" | "D" | "U";

export interface Change {
  kind: ChangeKind;
  name: string;
  /** The entry in the new side (absent for D). */
  entry?: TreeEntry;
  /** The old side's size (absent for A). */
  oldSize?: number;
}

interface Named {
  name: string;
}

/** What a diff cannot do with a bundle whose lists are out of name order (it would pair wrong). */
const PAIRING = "its files cannot be paired by name with another tree";

/** Pairs two name-ordered streams by name. */
async function* mergeByName<A extends Named, B extends Named>(
  left: AsyncIterable<A>,
  right: AsyncIterable<B>,
): AsyncGenerator<[A | undefined, B | undefined]> {
  const l = left[Symbol.asyncIterator]();
  const r = right[Symbol.asyncIterator]();
  let a = await l.next();
  let b = await r.next();
  while (!a.done || !b.done) {
    if (b.done || (!a.done && a.value.name < b.value.name)) {
      yield [a.value as A, undefined];
      a = await l.next();
    } else if (a.done || b.value.name < a.value.name) {
      yield [undefined, b.value];
      b = await r.next();
    } else {
      yield [a.value, b.value];
      a = await l.next();
      b = await r.next();
    }
  }
}

/** Changes from bundle `from` to bundle `to`. */
export async function* diffBundles(
  ctx: Context,
  from: BundleDoc,
  to: BundleDoc,
): AsyncGenerator<Change> {
  const tree = (bundle: BundleDoc) =>
    bundleTree(ctx, bundle, undefined, refuseDisorder(bundle, PAIRING));
  for await (const [old, now] of mergeByName(tree(from), tree(to))) {
    if (!now) yield { kind: "D", name: old!.name, oldSize: sizeOf(old!) };
    else if (!old) yield { kind: "A", name: now.name, entry: now };
    else if (!sameEntry(old, now)) {
      yield { kind: "U", name: now.name, entry: now, oldSize: sizeOf(old) };
    }
  }
}

/** True when two entries of one name are the same file, link or directory. */
function sameEntry(a: TreeEntry, b: TreeEntry): boolean {
  if (isFileEntry(a) || isFileEntry(b)) {
    return isFileEntry(a) && isFileEntry(b) && a.key === b.key && a.mode === b.mode;
  }
  if (a.kind === "symlink" || b.kind === "symlink") {
    return a.kind === "symlink" && b.kind === "symlink" && a.target === b.target;
  }
  return a.mode === b.mode;
}

/** A file's size; 0 for a symlink or directory. */
function sizeOf(entry: TreeEntry | LocalEntry): number {
  return "size" in entry ? entry.size : 0;
}

/**
 * Changes from the local directory `dir` to `bundle`: what `bundle update` applies. A local
 * file of the bundle's size and mode is hashed (`keyOfFile`, with the bundle's leaf size) to
 * compare content.
 */
export async function* diffLocal(
  ctx: Context,
  dir: string,
  bundle: BundleDoc,
  keyOfFile: (path: string) => Promise<string>,
  concurrency: number,
): AsyncGenerator<Change> {
  await requireDirectory(dir, "destination");
  const tree = bundleTree(ctx, bundle, undefined, refuseDisorder(bundle, PAIRING));
  const pairs = mergeByName<LocalEntry, TreeEntry>(walkTree(dir), tree);
  yield* filterDefined(mapOrdered(pairs, concurrency, async ([local, entry]) => {
    if (!entry) return { kind: "D", name: local!.name, oldSize: sizeOf(local!) } as Change;
    if (!local) return { kind: "A", name: entry.name, entry } as Change;
    const same = await sameAsLocal(local, entry, keyOfFile);
    return same
      ? undefined
      : { kind: "U", name: entry.name, entry, oldSize: sizeOf(local) } as Change;
  }));
}

/**
 * True when a local file, link or directory matches the bundle's entry of its name: a file of
 * the same size and permission bits is hashed to compare content; a link's target is compared
 * (links have no mode of their own on Linux); a directory is kept as it is.
 */
async function sameAsLocal(
  local: LocalEntry,
  entry: TreeEntry,
  keyOfFile: (path: string) => Promise<string>,
): Promise<boolean> {
  if (isLocalFile(local) || isFileEntry(entry)) {
    return isLocalFile(local) && isFileEntry(entry) && local.size === entry.size &&
      (local.mode & 0o777) === (entry.mode & 0o777) &&
      (await keyOfFile(local.path)) === entry.key;
  }
  if (local.kind === "symlink" || entry.kind === "symlink") {
    return local.kind === "symlink" && entry.kind === "symlink" && local.target === entry.target;
  }
  return true;
}

async function* filterDefined<T>(source: AsyncIterable<T | undefined>): AsyncGenerator<T> {
  for await (const item of source) if (item !== undefined) yield item;
}
