/**
 * The JSON contract: how records look in --json and --format output, one name per idea across
 * commands. `time` says when; `bundle` is the id of a bundle a record refers to (a bundle's own
 * record keeps `id`); `contributors` is always a list; a file mode is an octal string ("0644");
 * sizes are numbers of bytes. The model's names (`timestamp`, `bundleId`, one `contributor`)
 * stay what the stores hold; this file is where they become the contract's.
 */
import type { BundleDoc, Contributor, LabelRecord, RepoDoc, TreeEntry } from "../model/types.ts";
import type { UploadResult } from "../core/upload.ts";
import type { Change } from "../core/diff.ts";

/**
 * The version of the contract, on every JSON document and every element of a JSON list; it
 * goes up only when a field is renamed, removed or changes type (new fields keep it).
 */
export const SCHEMA_VERSION = 1;

/** A record whose `timestamp` is called `time`. */
export type Timed<T extends { timestamp?: Date }> = Omit<T, "timestamp"> & { time: T["timestamp"] };

/** A bundle as --json shows it. */
export type BundleJson = Timed<BundleDoc>;

/** A bundle entry (file, symlink or directory) as --json shows it: its mode in octal. */
export type EntryJson<E extends { mode: number } = TreeEntry> = Omit<E, "mode"> & { mode: string };

/** A label move as --json shows it. */
export interface LabelJson {
  id: string;
  name: string;
  repo: string;
  bundle: string;
  time: Date;
  contributors: Contributor[];
}

/** A record whose one `contributor` is the list `contributors`. */
export type WithContributors<T> = Omit<T, "contributor"> & { contributors: Contributor[] };

/** A repo as --json shows it. */
export type RepoJson = WithContributors<Timed<RepoDoc>>;

/** `bundle upload` as --json shows it: the committed bundle, what storing it cost, its label. */
export type UploadJson = BundleJson & Omit<UploadResult, "bundle"> & { label?: string };

/** A difference as --json shows it: its entry's mode in octal. */
export type ChangeJson = Omit<Change, "kind" | "entry"> & { kind: string; entry?: EntryJson };

/** `record` with `timestamp` renamed `time`, in the same place among its fields. */
export function timed<T extends { timestamp?: Date }>(record: T): Timed<T> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) => [key === "timestamp" ? "time" : key, value]),
  ) as Timed<T>;
}

/** Permission bits as people and chmod write them: "0644", "4755". */
export function octalMode(mode: number): string {
  return mode.toString(8).padStart(4, "0");
}

/** A bundle's own record. */
export function bundleJson(doc: BundleDoc): BundleJson {
  return timed(doc);
}

/** A file, symlink or directory of a bundle. */
export function entryJson<E extends { mode: number }>(entry: E): EntryJson<E> {
  return { ...entry, mode: octalMode(entry.mode) };
}

/** One move of a label: the bundle it points at and who moved it. */
export function labelJson(label: LabelRecord): LabelJson {
  const { id, name, repo, bundleId, timestamp, contributor } = label;
  return { id, name, repo, bundle: bundleId, time: timestamp, contributors: [contributor] };
}

/** A repo and who created it (and what else `repo` holds: its size with --with-size). */
export function repoJson<R extends RepoDoc>(repo: R): WithContributors<Timed<R>> {
  return withContributors(timed(repo));
}

/** An upload: the bundle's own record, then what storing it cost, then the label set. */
export function uploadJson(result: UploadResult, label: string | undefined): UploadJson {
  const { bundle, ...cost } = result;
  return { ...bundleJson(bundle), ...cost, label };
}

/** A difference, its kind already in words. */
export function changeJson(change: Omit<Change, "kind"> & { kind: string }): ChangeJson {
  return { ...change, entry: change.entry && entryJson(change.entry) };
}

/** A record with one `contributor` given as the list `contributors`, in the same place. */
export function withContributors<T extends { contributor: Contributor }>(
  record: T,
): WithContributors<T> {
  return Object.fromEntries(
    Object.entries(record).map(([key, value]) =>
      key === "contributor" ? ["contributors", [value]] : [key, value]
    ),
  ) as WithContributors<T>;
}
