/**
 * Dry runs: what `bundle update` or `bundle download --force-dest` would change in a local
 * directory, found by the same diff they apply and reported without writing anything.
 */
import type { BundleDoc } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { bundleTree } from "../meta/bundles.ts";
import { CafsSession } from "../cafs/session.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { type Change, diffLocal } from "./diff.ts";
import { checkDestination } from "./download.ts";
import { requireDirectory } from "./walk.ts";

/** What a dry run looks at, and which run it stands for. */
export interface PlanOptions {
  destination: string;
  concurrency: number;
  /**
   * "update" deletes what the bundle does not have and needs an existing directory;
   * "download" deletes nothing and, unless `force`, needs an absent or empty one.
   */
  run: "update" | "download";
  /** download: allow a non-empty destination (--force-dest). */
  force?: boolean;
  /** download: only entries whose name matches. */
  nameFilter?: RegExp;
}

/**
 * The changes the run would make, in name order: A adds, U replaces, D deletes (update only).
 * A destination the run would refuse is refused the same way; nothing is written.
 */
export async function* planLocalChanges(
  ctx: Context,
  bundle: BundleDoc,
  options: PlanOptions,
): AsyncGenerator<Change> {
  const dir = options.destination.replace(/\/+$/, "");
  if (options.run === "update") {
    await requireDirectory(dir, "destination");
  } else if (!await checkDestination(dir, options.force ?? false)) {
    for await (const entry of bundleTree(ctx, bundle)) {
      if (selected(entry.name, options)) yield { kind: "A", name: entry.name, entry };
    }
    return;
  }
  using blobs = await CafsSession.open(ctx.blob);
  const hashing = blobs.writer(chunkingOf(bundle.leafSize), options.concurrency);
  const keyOf = (path: string) => hashing.keyOfFile(path);
  for await (const change of diffLocal(ctx, dir, bundle, keyOf, options.concurrency)) {
    if (change.kind === "D" ? options.run === "update" : selected(change.name, options)) {
      yield change;
    }
  }
}

/** True when the run writes the bundle's entry `name` (download's name filter). */
function selected(name: string, options: PlanOptions): boolean {
  return options.run === "update" || !options.nameFilter || options.nameFilter.test(name);
}
