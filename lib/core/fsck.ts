/**
 * Integrity check of a context's committed bundles. Quick: every bundle's file lists can be
 * read, match the checksums bundle.yaml records and name no file twice, and every object a
 * file needs (its leaves, its root object, its pack) is stored. Deep: every file is read back, every leaf and packed file re-hashed against its
 * key, and every pack's index checked (cafs/check.ts does the checks). Each damaged file is
 * reported by repo, bundle and path; the check goes on past damage and never changes anything.
 */
import { isKind } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import type { ObjectChecks } from "../cafs/check.ts";
import { bundleReader } from "./bundle_blobs.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { CafsSession } from "../cafs/session.ts";
import type { Context } from "../meta/context.ts";
import { bundleEntries, hasFileListChecksums } from "../meta/bundles.ts";
import { committedBundles } from "../meta/committed.ts";
import { mapOrdered } from "../util/map_ordered.ts";

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
  /** Bundles written before bundle.yaml recorded file-list checksums: lists read unverified. */
  unverified: number;
}

/** Checks the bundles and yields each damage found; `totals` counts what was checked. */
export async function* fsck(
  ctx: Context,
  options: FsckOptions,
  totals: FsckTotals = { bundles: 0, files: 0, bytes: 0, damaged: 0, unverified: 0 },
): AsyncGenerator<Damage> {
  using cafs = await CafsSession.open(ctx.blob);
  const checks = cafs.checks(options.deep ?? false);
  for await (const found of committedBundles(ctx, options.repo)) {
    totals.bundles++;
    if ("error" in found) {
      totals.damaged++;
      yield { repo: found.repo, bundle: found.id, problem: found.error.message };
      continue;
    }
    if (!hasFileListChecksums(found.doc)) totals.unverified++;
    const reader = bundleReader(ctx, cafs, found.doc, options.concurrency);
    for await (const damage of checkBundle(ctx, found.doc, reader, checks, options, totals)) {
      totals.damaged++;
      yield damage;
    }
  }
}

async function* checkBundle(
  ctx: Context,
  bundle: BundleDoc,
  reader: CafsReader,
  checks: ObjectChecks,
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
  const checked = mapOrdered(
    checks.groups(entries(), reader),
    options.concurrency,
    async (group) => {
      const problems = await checks.problems(group, reader);
      options.onProgress?.({
        files: group.length,
        bytes: group.reduce((sum, entry) => sum + entry.size, 0),
      });
      return { group, problems };
    },
  );
  for await (const { group, problems } of checked) {
    totals.files += group.length;
    totals.bytes += group.reduce((sum, entry) => sum + entry.size, 0);
    for (const { file, problem } of problems) yield at(file.name, problem);
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
