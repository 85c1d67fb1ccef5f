/**
 * A repo's size as Go datamon's `--with-size` reports it: the bytes of every bundle's files
 * added up, without accounting for the blobs that bundles share.
 */
import { listBundles, type OnSkipped } from "../meta/bundles.ts";
import type { Context } from "../meta/context.ts";

/** The sum of the total sizes of a repo's committed bundles. */
export async function repoSize(
  ctx: Context,
  repo: string,
  concurrency: number,
  onSkipped?: OnSkipped,
): Promise<number> {
  let total = 0;
  for await (const bundle of listBundles(ctx, repo, concurrency, onSkipped)) {
    total += bundle.totalSize;
  }
  return total;
}
