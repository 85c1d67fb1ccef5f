/**
 * Migration from Go datamon: the repos of a Go context read in place are copied into a datamon
 * context, every bundle oldest first under its Go id with its message, contributors and time,
 * its bytes verified against Go's keys and stored through the upload path (re-keyed to BLAKE3,
 * packed), then the labels. A bundle already in the target is skipped, so a re-run finishes
 * what a killed one left; nothing of a bundle is visible before its commit.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { BundleDoc, BundleRef, Contributor, LabelRecord, RepoDoc } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { createRepo, findRepo, getRepo, listRepos } from "../meta/repo.ts";
import { getBundle, listBundles } from "../meta/bundles.ts";
import { labelHistory, listLabels, setLabel } from "../meta/labels.ts";
import { goEntries } from "../meta/go/view.ts";
import { startMigration } from "../meta/go/migration.ts";
import { BundleWriter } from "../meta/bundle_writer.ts";
import { goByteSource } from "../cafs/go/byte_source.ts";
import { storeUpload, type StreamedFile } from "./upload.ts";

export interface MigrateOptions {
  /** Repos to migrate; empty: every repo of the source. */
  repos: readonly string[];
  /** How lineage names the source context: CONFIG_URL#CONTEXT. */
  sourceName: string;
  /** Who migrates: recorded on created repos, labels and every write-ahead record. */
  contributor: Contributor;
  concurrency: number;
  /** Find what would be copied; write nothing. */
  dryRun: boolean;
  signal?: AbortSignal;
  /** Called as bytes are read and files stored. */
  onProgress?: (delta: { bytes: number; files: number }) => void;
  /** Called for each repo, bundle and label, copied (or to copy) or found done. */
  onStep?: (step: MigrationStep) => void;
}

/** One thing a migration copies, or finds in the target already ("done"). */
export type MigrationStep =
  | { kind: "repo"; repo: string; action: "create" | "done" }
  | {
    kind: "bundle";
    repo: string;
    bundle: string;
    message: string;
    files: number;
    bytes: number;
    action: "copy" | "done";
  }
  | {
    kind: "label";
    repo: string;
    label: string;
    bundle: string;
    /** "no bundle": the label names a bundle the Go repo does not hold (never finished). */
    action: "set" | "done" | "no bundle";
  };

/** What a migration copied (or, dry, would copy) and found done. */
export interface MigrateResult {
  dryRun: boolean;
  repos: number;
  reposCreated: number;
  bundlesCopied: number;
  bundlesDone: number;
  filesCopied: number;
  bytesCopied: number;
  labelsSet: number;
  labelsDone: number;
  /** Labels not copied: they name a bundle the Go repo does not hold. */
  labelsWithoutBundle: number;
  /** Leaves and pack bytes written to the target's blob store. */
  leavesStored: number;
  bytesStored: number;
}

/**
 * Copies the repos of the Go context `source` into the datamon context `target`. A Go leaf
 * that fails verification stops the migration ("integrity", naming repo, bundle and file)
 * before that bundle is committed; the bundles committed before it stay.
 */
export async function migrateGoContext(
  source: Context,
  target: Context,
  options: MigrateOptions,
): Promise<MigrateResult> {
  checkContexts(source, target);
  const result: MigrateResult = {
    dryRun: options.dryRun,
    repos: 0,
    reposCreated: 0,
    bundlesCopied: 0,
    bundlesDone: 0,
    filesCopied: 0,
    bytesCopied: 0,
    labelsSet: 0,
    labelsDone: 0,
    labelsWithoutBundle: 0,
    leavesStored: 0,
    bytesStored: 0,
  };
  for await (const repo of sourceRepos(source, options)) {
    result.repos++;
    await migrateRepo(source, target, repo, options, result);
  }
  return result;
}

/** A migration reads a Go context and writes a datamon one: anything else is refused. */
function checkContexts(source: Context, target: Context): void {
  if (!source.go) {
    throw new DatamonError(
      "invalid-argument",
      `context "${source.doc.name}" is a datamon context, not a Go datamon one: ` +
        "nothing to migrate (--from-context names a Go datamon context)",
    );
  }
  if (target.go) {
    throw new DatamonError(
      "invalid-argument",
      `context "${target.doc.name}" is a Go datamon context (read-only): ` +
        "migrate into a datamon context (--context)",
    );
  }
}

/** The source repos asked for (each must exist), or all of them, in name order. */
async function* sourceRepos(source: Context, options: MigrateOptions): AsyncGenerator<RepoDoc> {
  if (options.repos.length === 0) {
    yield* listRepos(source, options.concurrency);
    return;
  }
  for (const name of options.repos) yield await getRepo(source, name);
}

async function migrateRepo(
  source: Context,
  target: Context,
  repo: RepoDoc,
  options: MigrateOptions,
  result: MigrateResult,
): Promise<void> {
  const exists = await findRepo(target, repo.name) !== undefined;
  options.onStep?.({ kind: "repo", repo: repo.name, action: exists ? "done" : "create" });
  if (!exists) {
    result.reposCreated++;
    if (!options.dryRun) {
      await createRepo(target, repo.name, repo.description, options.contributor);
    }
  }
  const readTarget = exists || !options.dryRun;
  // The repo's bundle ids (27 bytes each), for its labels: one naming no bundle is not copied.
  const ids = new Set<string>();
  for await (const bundle of listBundles(source, repo.name, options.concurrency)) {
    ids.add(bundle.id);
    const done = readTarget && await hasBundle(target, repo.name, bundle.id);
    options.onStep?.({
      kind: "bundle",
      repo: repo.name,
      bundle: bundle.id,
      message: bundle.message,
      files: bundle.fileCount,
      bytes: bundle.totalSize,
      action: done ? "done" : "copy",
    });
    if (done) {
      result.bundlesDone++;
      continue;
    }
    result.bundlesCopied++;
    result.filesCopied += bundle.fileCount;
    result.bytesCopied += bundle.totalSize;
    if (!options.dryRun) await copyBundle(source, target, bundle, options, result);
  }
  for await (const label of listLabels(source, repo.name, options.concurrency)) {
    const step = { repo: repo.name, label: label.name, bundle: label.bundleId };
    if (!ids.has(label.bundleId)) {
      result.labelsWithoutBundle++;
      options.onStep?.({ ...step, kind: "label", action: "no bundle" });
      continue;
    }
    // Its moves oldest first (every object version the Go bucket keeps, else the current one),
    // less those already copied: copied oldest first, what a killed run left is a suffix.
    const moves = (await labelHistory(source, repo.name, label.name)).reverse()
      .filter((move) => ids.has(move.bundleId));
    const copied = readTarget ? await copiedMoves(target, repo.name, label.name) : new Set();
    const missing = moves.filter((move) => !copied.has(moveKey(move)));
    const done = missing.length === 0;
    options.onStep?.({ ...step, kind: "label", action: done ? "done" : "set" });
    if (done) {
      result.labelsDone++;
      continue;
    }
    result.labelsSet++;
    if (options.dryRun) continue;
    for (const move of missing) await copyLabel(target, move, options.contributor);
  }
}

/** One label move as a migration knows it again: its bundle and, where Go recorded it, time. */
function moveKey(move: LabelRecord): string {
  const time = move.timestamp.getTime();
  return time > 0 ? `${move.bundleId} ${time}` : move.bundleId;
}

/**
 * Sets a Go label on its migrated bundle, with the time and contributor Go recorded (those Go
 * left out are now and the migrating contributor).
 */
async function copyLabel(target: Context, label: LabelRecord, actor: Contributor): Promise<void> {
  const known = label.contributor.name !== "" || label.contributor.email !== "";
  await setLabel(target, label.repo, label.name, label.bundleId, actor, {
    timestamp: label.timestamp.getTime() > 0 ? label.timestamp : new Date(),
    contributor: known ? label.contributor : actor,
  });
}

/**
 * Copies one Go bundle under its id: its files in name order, read through Go's verified
 * reader and stored as an upload stores them; committed with Go's message, contributors and
 * time, its source recorded as its lineage input and in the write-ahead log.
 */
async function copyBundle(
  source: Context,
  target: Context,
  bundle: BundleDoc,
  options: MigrateOptions,
  result: MigrateResult,
): Promise<void> {
  const ref: BundleRef = { repo: bundle.repo, bundle: bundle.id };
  const origin: BundleRef = { ...ref, context: options.sourceName };
  try {
    const stored = await storeUpload(
      target,
      {
        repo: bundle.repo,
        path: `${options.sourceName} ${bundle.repo}@${bundle.id}`,
        source: goFiles(source, bundle),
        contributor: options.contributor,
        concurrency: options.concurrency,
        signal: options.signal,
        onProgress: options.onProgress,
      },
      "migrate",
      async (ctx) => {
        await startMigration(ctx, source, options.contributor, bundle.repo, ref);
        const writer = await BundleWriter.start(ctx, bundle.repo, options.contributor, bundle.id);
        return {
          writer,
          commit: (leafSize) =>
            writer.commit({
              message: bundle.message,
              leafSize,
              inputs: [origin],
              timestamp: bundle.timestamp,
              contributors: bundle.contributors.length > 0 ? bundle.contributors : undefined,
            }),
        };
      },
    );
    result.leavesStored += stored.leavesStored;
    result.bytesStored += stored.bytesStored;
  } catch (e) {
    if (!isKind(e, "integrity")) throw e;
    throw new DatamonError(
      "integrity",
      `repo "${bundle.repo}" bundle ${bundle.id} not migrated: ${e.message}`,
      { cause: e },
    );
  }
}

/** The files of a Go bundle in name order, each read leaf by verified leaf when stored. */
async function* goFiles(source: Context, bundle: BundleDoc): AsyncGenerator<StreamedFile> {
  for await (const entry of goEntries(source, bundle)) {
    yield {
      name: entry.name,
      size: entry.size,
      mode: entry.mode,
      mtime: entry.mtime,
      bytes: () =>
        goByteSource(
          source.blob,
          { name: entry.name, hash: entry.key, size: entry.size },
          bundle.leafSize,
        ),
    };
  }
}

/** True when the target has committed bundle `id` (a migration's earlier run copied it). */
async function hasBundle(target: Context, repo: string, id: string): Promise<boolean> {
  try {
    await getBundle(target, repo, id);
    return true;
  } catch (e) {
    if (isKind(e, "not-found")) return false;
    throw e;
  }
}

/** The moves of a label of the target, as moveKey names them (none when it has no such label). */
async function copiedMoves(target: Context, repo: string, label: string): Promise<Set<string>> {
  try {
    const history = await labelHistory(target, repo, label);
    // A move Go recorded without a time was copied with the time of the copy.
    return new Set(history.flatMap((move) => [moveKey(move), move.bundleId]));
  } catch (e) {
    if (isKind(e, "not-found")) return new Set();
    throw e;
  }
}
