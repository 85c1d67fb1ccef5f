/**
 * Integrity check of a context's committed bundles. Quick: every bundle's file lists can be
 * read, and every file's object (its single leaf or its root object) and every pack it names
 * is stored. Deep: every file is read back, every leaf and packed file re-hashed against its
 * key, and every pack's index checked. Each damaged file is reported by repo, bundle and path;
 * the check goes on past damage and never changes anything.
 */
import { isKind } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import { packKey, readPackIndex } from "../cafs/pack.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { BoundedMap } from "../util/bounded_map.ts";
import type { HashFn } from "../cafs/root.ts";
import type { Store } from "../store/store.ts";
import { Blobs } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { mapOrdered } from "../meta/documents.ts";
import { bundleEntries } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";

/** Objects whose presence (or pack index) is remembered, so shared blobs are checked once. */
const CHECKED_KEPT = 65_536;

/** One damaged thing: a file of a bundle, or the bundle's metadata when `path` is absent. */
export interface Damage {
  repo: string;
  bundle: string;
  path?: string;
  problem: string;
}

export interface FsckOptions {
  /** Only this repo's bundles (default: every repo of the context). */
  repo?: string;
  /** Re-hash every leaf and packed file, and check each pack's index. */
  deep?: boolean;
  concurrency: number;
  onProgress?: (delta: { bytes: number; files: number }) => void;
}

/** What was checked, filled in as the check goes. */
export interface FsckTotals {
  bundles: number;
  files: number;
  bytes: number;
  damaged: number;
}

/** Checks the bundles and yields each damage found; `totals` counts what was checked. */
export async function* fsck(
  ctx: Context,
  options: FsckOptions,
  totals: FsckTotals = { bundles: 0, files: 0, bytes: 0, damaged: 0 },
): AsyncGenerator<Damage> {
  using blobs = await Blobs.open(ctx);
  const objects = new ObjectCheck(ctx.blob, blobs.hasher, options.deep ?? false);
  for await (const found of committedBundles(ctx, options.repo)) {
    totals.bundles++;
    if ("error" in found) {
      totals.damaged++;
      yield { repo: found.repo, bundle: found.id, problem: found.error.message };
      continue;
    }
    const reader = blobs.reader(found.doc.leafSize, options.concurrency);
    for await (const damage of checkBundle(ctx, found.doc, reader, objects, options, totals)) {
      totals.damaged++;
      yield damage;
    }
  }
}

async function* checkBundle(
  ctx: Context,
  bundle: BundleDoc,
  reader: CafsReader,
  objects: ObjectCheck,
  options: FsckOptions,
  totals: FsckTotals,
): AsyncGenerator<Damage> {
  const at = (path: string | undefined, problem: string): Damage =>
    path === undefined
      ? { repo: bundle.repo, bundle: bundle.id, problem }
      : { repo: bundle.repo, bundle: bundle.id, path, problem };
  let listed = 0;
  let listFailure: string | undefined;
  async function* entries(): AsyncGenerator<FileEntry> {
    try {
      for await (const entry of bundleEntries(ctx, bundle)) {
        listed++;
        yield entry;
      }
    } catch (e) {
      if (!isKind(e, "integrity")) throw e;
      listFailure = e.message;
    }
  }
  const groups = options.deep ? reader.packRuns(entries(), (entry) => entry) : mapGroups(entries());
  const checked = mapOrdered(groups, options.concurrency, async (group) => {
    const problems = await checkGroup(group, reader, objects, bundle.leafSize, options.deep);
    options.onProgress?.({
      files: group.length,
      bytes: group.reduce((sum, entry) => sum + entry.size, 0),
    });
    return { group, problems };
  });
  for await (const { group, problems } of checked) {
    totals.files += group.length;
    totals.bytes += group.reduce((sum, entry) => sum + entry.size, 0);
    for (const { name, problem } of problems) yield at(name, problem);
  }
  if (listFailure !== undefined) {
    yield at(undefined, listFailure);
  } else if (listed !== bundle.fileCount) {
    yield at(
      undefined,
      `its file lists hold ${listed} files, bundle.yaml says ${bundle.fileCount}`,
    );
  }
}

/** Each entry on its own, for the quick check. */
async function* mapGroups(entries: AsyncIterable<FileEntry>): AsyncGenerator<FileEntry[]> {
  for await (const entry of entries) yield [entry];
}

/** The problems of a group's files (one file, or a run of one pack when deep). */
async function checkGroup(
  group: readonly FileEntry[],
  reader: CafsReader,
  objects: ObjectCheck,
  leafSize: number,
  deep = false,
): Promise<{ name: string; problem: string }[]> {
  const problems: { name: string; problem: string }[] = [];
  const record = (name: string, e: unknown) => {
    if (!isKind(e, "integrity")) throw e;
    problems.push({ name, problem: e.message });
  };
  for (const entry of group) {
    const problem = await objects.problem(entry);
    if (problem !== undefined) problems.push({ name: entry.name, problem });
  }
  if (!deep || problems.length > 0) return problems;
  if (group.length > 1) {
    const seen = new Set<string>();
    try {
      for await (const { file } of reader.readPackRun(group)) seen.add(file.name);
    } catch (e) {
      const failed = group.find((entry) => !seen.has(entry.name))!;
      record(failed.name, e);
      // The rest of the run is checked one by one, so one bad file hides no other.
      for (const entry of group.slice(group.indexOf(failed) + 1)) {
        try {
          for await (const _ of reader.readFile(entry, leafSize)) { /* verified as read */ }
        } catch (e) {
          record(entry.name, e);
        }
      }
    }
    return problems;
  }
  try {
    for await (const _ of reader.readFile(group[0], leafSize)) { /* verified as read */ }
  } catch (e) {
    record(group[0].name, e);
  }
  return problems;
}

/**
 * Whether a file's object (its leaf, or root object) or pack is stored; when deep, a pack's
 * index is checked too. Answers are remembered per object.
 */
class ObjectCheck {
  readonly #known = new BoundedMap<string, Promise<string | undefined>>(CHECKED_KEPT);

  constructor(
    private readonly store: Store,
    private readonly hasher: HashFn,
    private readonly deep: boolean,
  ) {}

  /** Why the entry's object or pack is damaged, or undefined when it is sound. */
  problem(entry: FileEntry): Promise<string | undefined> {
    const key = entry.pack ? packKey(entry.pack.id) : entry.key;
    let answer = this.#known.get(key);
    if (!answer) {
      answer = entry.pack ? this.#packProblem(entry.pack.id) : this.#blobProblem(entry.key);
      this.#known.set(key, answer);
    }
    return answer;
  }

  async #blobProblem(key: string): Promise<string | undefined> {
    if (await this.store.head(key)) return undefined;
    return `blob ${key} is missing from ${this.store.url}`;
  }

  async #packProblem(id: string): Promise<string | undefined> {
    const key = packKey(id);
    const info = await this.store.head(key);
    if (!info) return `pack ${id} is missing from ${this.store.url}`;
    if (!this.deep) return undefined;
    try {
      await readPackIndex(this.store, id, info.size, this.hasher);
      return undefined;
    } catch (e) {
      if (!isKind(e, "integrity") && !isKind(e, "not-found")) throw e;
      return (e as Error).message;
    }
  }
}
