/**
 * The records of a diamond (many writers, one bundle), after Go datamon's: a diamond is
 * initialized, any number of splits each upload a part of the dataset in runs (generations),
 * and one commit merges the splits' file lists into one bundle, or a cancel ends it. Every
 * record is a create-only document (lib/model/keys.ts names them); their codecs are in
 * codec.ts.
 */
import type { BundleRef, Contributor } from "./types.ts";

/** How a commit treats one path given different bytes by two splits (Go datamon's modes). */
export const CONFLICT_MODES = [
  "with-conflicts",
  "with-checkpoints",
  "no-conflicts",
  "ignore-conflicts",
] as const;

/** One of CONFLICT_MODES; "with-conflicts" is the default. */
export type ConflictMode = typeof CONFLICT_MODES[number];

/** diamond.yaml: the diamond was initialized. */
export interface DiamondDoc {
  id: string;
  repo: string;
  /** The user's tag, shown by get and list. */
  tag?: string;
  time: Date;
  contributor: Contributor;
}

/** One finished run of a split that a commit merges. */
export interface SplitSource {
  split: string;
  generation: string;
}

/** closed.yaml when a commit began: everything a re-run needs to make the same bundle. */
export interface DiamondCommitting {
  state: "committing";
  time: Date;
  contributor: Contributor;
  /** The id the bundle gets. */
  bundle: string;
  mode: ConflictMode;
  message: string;
  label?: string;
  tag?: string;
  /** The runs merged, in priority order: where two differ, the last one holding a path wins. */
  sources: SplitSource[];
  /** Splits left out of the bundle (died midway or failed, excluded when asked). */
  excluded: string[];
}

/** closed.yaml when the diamond was cancelled. */
export interface DiamondCancelled {
  state: "cancelled";
  time: Date;
  contributor: Contributor;
}

/** closed.yaml: created once, by the first of a commit and a cancel. */
export type DiamondClosed = DiamondCommitting | DiamondCancelled;

/** done.yaml: the commit's bundle is committed; what the merge found. */
export interface DiamondDone {
  bundle: string;
  time: Date;
  /** Paths given different bytes by two splits. */
  conflicts: number;
  /** Earlier versions of a path kept from the runs of one split (--with-checkpoints). */
  checkpoints: number;
}

/** running.yaml: a run of a split began, holding the writer lock `lock` of the blob store. */
export interface SplitRunning {
  split: string;
  generation: string;
  time: Date;
  contributor: Contributor;
  /** The key of its writer lock: a stale or missing lock means the run died. */
  lock: string;
  /** What it uploads (a local directory or a bucket prefix). */
  path: string;
  tag?: string;
}

/** done.yaml of a run: its file lists are all stored, and what they hold. */
export interface SplitDone {
  time: Date;
  fileListCount: number;
  /** The checksum of each file list, verified when the commit reads it. */
  fileListChecksums: string[];
  fileCount: number;
  totalSize: number;
  leafSize: number;
  /** Bundles the split was made from (lineage), given to the diamond's bundle. */
  inputs: BundleRef[];
}

/** failed.yaml of a run: it stopped on an error. */
export interface SplitFailed {
  time: Date;
  error: string;
}
