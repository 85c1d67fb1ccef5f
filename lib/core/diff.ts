/**
 * Diffs: what changes turn one side into the other. Both sides are streams in name order,
 * so a diff is a merge that never holds either file list.
 */
import type { BundleDoc, FileEntry } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { mapOrdered } from "../meta/documents.ts";
import { type LocalFile, requireDirectory, walkFiles } from "./walk.ts";

/** A: only in the new side; D: only in the old side; U: in both, with other content or mode. */
export type ChangeKind = "A" | "D" | "U";

export interface Change {
  kind: ChangeKind;
  name: string;
  /** The entry in the new side (absent for D). */
  entry?: FileEntry;
  /** The old side's size (absent for A). */
  oldSize?: number;
}

interface Named {
  name: string;
}

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
  for await (const [old, now] of mergeByName(bundleEntries(ctx, from), bundleEntries(ctx, to))) {
    if (!now) yield { kind: "D", name: old!.name, oldSize: old!.size };
    else if (!old) yield { kind: "A", name: now.name, entry: now };
    else if (old.key !== now.key || old.mode !== now.mode) {
      yield { kind: "U", name: now.name, entry: now, oldSize: old.size };
    }
  }
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
  const pairs = mergeByName<LocalFile, FileEntry>(walkFiles(dir), bundleEntries(ctx, bundle));
  yield* filterDefined(mapOrdered(pairs, concurrency, async ([local, entry]) => {
    if (!entry) return { kind: "D", name: local!.name, oldSize: local!.size } as Change;
    if (!local) return { kind: "A", name: entry.name, entry } as Change;
    const same = local.size === entry.size &&
      (local.mode & 0o777) === (entry.mode & 0o777) &&
      (await keyOfFile(local.path)) === entry.key;
    return same ? undefined : { kind: "U", name: entry.name, entry, oldSize: local.size } as Change;
  }));
}

async function* filterDefined<T>(source: AsyncIterable<T | undefined>): AsyncGenerator<T> {
  for await (const item of source) if (item !== undefined) yield item;
}
