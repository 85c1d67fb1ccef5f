/**
 * The merge of a diamond's commit: the name-ordered file lists of its splits' runs (sources, in
 * priority order) joined by a streaming k-way merge (a heap of one entry per source), so memory
 * holds one entry and one list per source whatever the number of files. Where sources give
 * one path different bytes, the last source wins; the other versions are conflicts (another
 * split's) or checkpoints (an earlier run of the winning version's split), kept under
 * `.conflicts/{split}/{path}` and `.checkpoints/{split}/{generation}/{path}` when the mode asks.
 * Since those renamed entries must come in name order too, each kind of loser of each source
 * is its own stream (a merge run again, filtered), merged with the winners.
 */
import { DatamonError } from "../errors.ts";
import { isFileEntry, type TreeEntry } from "../model/types.ts";
import type { ConflictMode, SplitSource } from "../model/diamond.ts";

/** One run a commit merges, able to read its entries from the start as often as needed. */
export interface MergeSource extends SplitSource {
  entries(): AsyncIterable<TreeEntry>;
}

/** One version of a path: the index of the source (priority order) that gives it. */
export interface Version {
  source: number;
  entry: TreeEntry;
}

/** Every version of one path, in source order. */
export interface PathVersions {
  name: string;
  versions: Version[];
}

/**
 * The entries of every source grouped by name, in name order. Each source must be in
 * ascending name order with no name twice (file lists are); a source that is not is refused.
 */
export async function* mergeByName(
  sources: readonly AsyncIterable<TreeEntry>[],
): AsyncGenerator<PathVersions> {
  const heap = new HeadHeap();
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  try {
    await Promise.all(iterators.map((it, source) => advance(heap, it, source)));
    while (heap.size > 0) {
      const name = heap.peek().entry.name;
      const versions: Version[] = [];
      while (heap.size > 0 && heap.peek().entry.name === name) {
        const head = heap.pop();
        versions.push({ source: head.source, entry: head.entry });
        await advance(heap, iterators[head.source], head.source, name);
      }
      yield { name, versions };
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

/** Pushes the next entry of source `source`, refusing one out of name order. */
async function advance(
  heap: HeadHeap,
  iterator: AsyncIterator<TreeEntry>,
  source: number,
  after?: string,
): Promise<void> {
  const next = await iterator.next();
  if (next.done) return;
  if (after !== undefined && !(next.value.name > after)) {
    throw new DatamonError(
      "integrity",
      `a split's file list has "${next.value.name}" after "${after}": its lists are damaged; ` +
        "run that split again",
    );
  }
  heap.push({ entry: next.value, source });
}

/** A binary min-heap of source heads by (name, source). */
class HeadHeap {
  #items: Version[] = [];

  get size(): number {
    return this.#items.length;
  }

  peek(): Version {
    return this.#items[0];
  }

  push(item: Version): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Version {
    const items = this.#items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length === 0) return top;
    items[0] = last;
    for (let i = 0;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < items.length && before(items[l], items[min])) min = l;
      if (r < items.length && before(items[r], items[min])) min = r;
      if (min === i) return top;
      [items[i], items[min]] = [items[min], items[i]];
      i = min;
    }
  }
}

function before(a: Version, b: Version): boolean {
  const x = a.entry.name;
  const y = b.entry.name;
  return x < y || (x === y && a.source < b.source);
}

/** True when two entries hold the same thing (bytes, link target, directory): no conflict. */
export function sameContent(a: TreeEntry, b: TreeEntry): boolean {
  if (isFileEntry(a) || isFileEntry(b)) {
    return isFileEntry(a) && isFileEntry(b) && a.key === b.key && a.size === b.size;
  }
  if (a.kind === "symlink" || b.kind === "symlink") {
    return a.kind === "symlink" && b.kind === "symlink" && a.target === b.target;
  }
  return a.kind === b.kind;
}

/** How one path is resolved: the winning version, and the others that hold different bytes. */
export interface Resolution {
  winner: Version;
  /** The latest version of each other split, where it differs from the winner. */
  conflicts: Version[];
  /** Earlier runs' versions of a split, where they differ from that split's latest. */
  checkpoints: Version[];
}

/** Resolves one path's versions; `sources` tells each version's split. */
export function resolve(path: PathVersions, sources: readonly SplitSource[]): Resolution {
  const { versions } = path;
  const winner = versions[versions.length - 1];
  const conflicts: Version[] = [];
  const checkpoints: Version[] = [];
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    const split = sources[version.source].split;
    const latestOfSplit = versions.findLast((v) => sources[v.source].split === split)!;
    if (version !== latestOfSplit) {
      if (!sameContent(version.entry, latestOfSplit.entry)) checkpoints.push(version);
    } else if (version !== winner && !sameContent(version.entry, winner.entry)) {
      conflicts.push(version);
    }
  }
  return { winner, conflicts, checkpoints };
}

/** What the scan of a commit found. */
export interface ConflictScan {
  /** Paths with conflicts, and earlier versions found (counted whatever the mode). */
  conflicts: number;
  checkpoints: number;
  /** The loser streams the bundle holds, as `{source}:{kind}`. */
  kept: Set<string>;
}

/**
 * Reads every source once and finds the conflicts and checkpoints: `onConflict` is told each
 * path with a conflict and the splits whose versions lose.
 */
export async function scanConflicts(
  sources: readonly MergeSource[],
  mode: ConflictMode,
  onConflict?: (path: string, losers: string[]) => void,
): Promise<ConflictScan> {
  const scan: ConflictScan = { conflicts: 0, checkpoints: 0, kept: new Set() };
  for await (const path of mergeByName(sources.map((s) => s.entries()))) {
    if (path.versions.length === 1) continue;
    const { conflicts, checkpoints } = resolve(path, sources);
    if (conflicts.length > 0) {
      scan.conflicts++;
      onConflict?.(path.name, conflicts.map((v) => sources[v.source].split));
    }
    scan.checkpoints += checkpoints.length;
    for (const kind of keptKinds(mode)) {
      for (const v of kind === "conflict" ? conflicts : checkpoints) {
        scan.kept.add(`${v.source}:${kind}`);
      }
    }
  }
  return scan;
}

type LoserKind = "conflict" | "checkpoint";

function keptKinds(mode: ConflictMode): LoserKind[] {
  if (mode === "with-checkpoints") return ["conflict", "checkpoint"];
  return mode === "with-conflicts" ? ["conflict"] : [];
}

/**
 * The entries of the diamond's bundle in name order: each path's winner, and the losers the
 * scan says are kept, renamed under .conflicts/ or .checkpoints/.
 */
export async function* mergedTree(
  sources: readonly MergeSource[],
  kept: ReadonlySet<string>,
): AsyncGenerator<TreeEntry> {
  const streams = [winners(sources)];
  for (const key of [...kept].sort()) {
    const [source, kind] = key.split(":");
    streams.push(losers(sources, Number(source), kind as LoserKind));
  }
  for await (const path of mergeByName(streams)) {
    for (const version of path.versions) yield version.entry;
  }
}

async function* winners(sources: readonly MergeSource[]): AsyncGenerator<TreeEntry> {
  for await (const path of mergeByName(sources.map((s) => s.entries()))) {
    yield path.versions[path.versions.length - 1].entry;
  }
}

/** The losers of one kind of one source, renamed: a constant prefix keeps them in order. */
async function* losers(
  sources: readonly MergeSource[],
  source: number,
  kind: LoserKind,
): AsyncGenerator<TreeEntry> {
  const { split, generation } = sources[source];
  const prefix = kind === "conflict"
    ? `.conflicts/${split}/`
    : `.checkpoints/${split}/${generation}/`;
  for await (const path of mergeByName(sources.map((s) => s.entries()))) {
    if (!path.versions.some((v) => v.source === source)) continue;
    const resolution = resolve(path, sources);
    const lost = kind === "conflict" ? resolution.conflicts : resolution.checkpoints;
    const version = lost.find((v) => v.source === source);
    if (version) yield { ...version.entry, name: `${prefix}${version.entry.name}` };
  }
}
