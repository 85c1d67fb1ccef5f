/**
 * Uncommitted bundle directories: the file lists an upload wrote before it was killed, under a
 * bundle id whose bundle.yaml never came. Nothing reads them (only committed bundles are seen),
 * and a re-run uploads under a new id, so purge removes them once older than its grace period;
 * the purge lock keeps out every writer that takes a lock, and the id's own time is the
 * upload's start. While a repo rename or delete is unfinished, nothing is removed: a rename
 * copies a bundle's file lists before its bundle.yaml, under the bundle's old id.
 */
import { bundleKey, bundlePrefix, bundlesPrefix, repoIntentsPrefix } from "../model/keys.ts";
import { isKsuid, ksuidTime } from "../model/ksuid.ts";
import { isValidName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { childNames } from "./documents.ts";

/** How a clean-up of uncommitted bundle directories goes. */
export interface UncommittedOptions {
  /** Directories of uploads started before this are removed. */
  before: Date;
  /** Count what would be removed; remove nothing. */
  dryRun: boolean;
}

/** What a clean-up removed (or, dry, would). */
export interface UncommittedResult {
  /** Bundle directories without bundle.yaml, and the objects in them. */
  directories: number;
  objects: number;
  /** Why nothing was looked at, when nothing was. */
  skipped?: string;
}

/** Removes the uncommitted bundle directories of every repo of `ctx` older than `before`. */
export async function removeUncommittedBundles(
  ctx: Context,
  options: UncommittedOptions,
): Promise<UncommittedResult> {
  const result: UncommittedResult = { directories: 0, objects: 0 };
  for await (const entry of ctx.metadata.list(repoIntentsPrefix)) {
    if (entry.kind !== "object") continue;
    return { ...result, skipped: `a repo rename or delete is unfinished (${entry.key})` };
  }
  for await (const repo of childNames(ctx.metadata, "bundles/")) {
    if (!isValidName(repo)) continue;
    for await (const id of childNames(ctx.metadata, bundlesPrefix(repo))) {
      if (!isKsuid(id) || ksuidTime(id) >= options.before) continue;
      if (await ctx.metadata.head(bundleKey(repo, id))) continue;
      result.directories++;
      result.objects += await removeDirectory(ctx, bundlePrefix(repo, id), options.dryRun);
    }
  }
  return result;
}

/**
 * Removes what a killed write of bundle `id` left in `repo` (file lists, no bundle.yaml), so
 * that a re-run under the same id (a migration keeps Go's ids) writes its own lists; a
 * committed bundle is left alone. How many objects were removed.
 */
export async function removeUncommittedBundle(
  ctx: Context,
  repo: string,
  id: string,
): Promise<number> {
  if (await ctx.metadata.head(bundleKey(repo, id))) return 0;
  return await removeDirectory(ctx, bundlePrefix(repo, id), false);
}

/** Deletes (unless dry) every object under `prefix`; how many there were. */
async function removeDirectory(ctx: Context, prefix: string, dryRun: boolean): Promise<number> {
  let objects = 0;
  for await (const entry of ctx.metadata.list(prefix)) {
    if (entry.kind !== "object") continue;
    if (!dryRun) await ctx.metadata.delete(entry.key);
    objects++;
  }
  return objects;
}
