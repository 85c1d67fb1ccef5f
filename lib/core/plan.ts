/**
 * Dry runs: what `bundle update` or `bundle download --force-dest` would change in a local
 * directory, found by the same diff they apply and reported without writing anything.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { bundleTree } from "../meta/bundles.ts";
import { CafsSession } from "../cafs/session.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { type Change, diffLocal } from "./diff.ts";
import { checkDestination } from "./download.ts";
import { replacesDirectory } from "./update.ts";
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
  /**
   * --force-dest. download: allow a non-empty destination; update: replace a local directory
   * where the bundle has a file.
   */
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
  const changes = diffLocal(ctx, dir, bundle, keyOf, options.concurrency);
  const checked = options.run === "download"
    ? refuseWritesBeneath(dir, changes)
    : refuseDirectoryClashes(dir, bundle, changes, options.force);
  for await (const change of checked) {
    if (change.kind === "D" ? options.run === "update" : selected(change.name, options)) {
      yield change;
    }
  }
}

/**
 * Fails as download would where a bundle's file lies beneath a local symlink or file, which
 * download never writes through (update deletes it first). In name order, such a local name
 * comes just before the names beneath it, with only names it prefixes between: a stack of
 * local-only names, each a prefix of the next, is all that is kept.
 */
async function* refuseWritesBeneath(
  dir: string,
  changes: AsyncIterable<Change>,
): AsyncGenerator<Change> {
  const localOnly: string[] = [];
  for await (const change of changes) {
    while (localOnly.length > 0 && !change.name.startsWith(localOnly.at(-1)!)) localOnly.pop();
    const above = localOnly.at(-1);
    if (change.kind === "D") {
      localOnly.push(change.name);
    } else if (above !== undefined && change.name.startsWith(`${above}/`)) {
      throw new DatamonError(
        "bad-path",
        `cannot write ${dir}/${change.name}: ${dir}/${above} is a symlink or a file inside ` +
          "the destination, and datamon never writes through one: remove it",
      );
    }
    yield change;
  }
}

/** Fails as update would where a directory of the user's holds the name of a bundle's file. */
async function* refuseDirectoryClashes(
  dir: string,
  bundle: BundleDoc,
  changes: AsyncIterable<Change>,
  force?: boolean,
): AsyncGenerator<Change> {
  for await (const change of changes) {
    await replacesDirectory(dir, bundle, change, force);
    yield change;
  }
}

/** True when the run writes the bundle's entry `name` (download's name filter). */
function selected(name: string, options: PlanOptions): boolean {
  return options.run === "update" || !options.nameFilter || options.nameFilter.test(name);
}
