/**
 * How a use case reads and hashes a bundle's files: through our cafs, or, for a Go datamon
 * context read in place, through Go's BLAKE2b keys (lib/cafs/go).
 */
import type { BundleDoc } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import type { CafsSession } from "../cafs/session.ts";
import type { CafsReader } from "../cafs/reader.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { GoCafsReader } from "../cafs/go/cafs_reader.ts";
import { goKeyOfFile } from "../cafs/go/hash.ts";

/** A verifying reader of `bundle`'s files whose read-ahead over `concurrency` files is bounded. */
export function bundleReader(
  ctx: Context,
  blobs: CafsSession,
  bundle: BundleDoc,
  concurrency: number,
): CafsReader {
  if (ctx.go) return new GoCafsReader(ctx.blob, blobs.hasher, bundle.leafSize);
  return blobs.reader(chunkingOf(bundle.leafSize), concurrency);
}

/** A verifying reader for random access (a mount), keeping `cacheBytes` of leaves. */
export function bundleRangeReader(
  ctx: Context,
  blobs: CafsSession,
  bundle: BundleDoc,
  cacheBytes: number,
  prefetch: number,
): CafsReader {
  if (ctx.go) {
    return new GoCafsReader(ctx.blob, blobs.hasher, bundle.leafSize, { cacheBytes, prefetch });
  }
  return blobs.rangeReader(chunkingOf(bundle.leafSize), cacheBytes, prefetch);
}

/** The key a local file would have in `bundle`, to compare it with the bundle's entry. */
export function bundleKeyOfFile(
  ctx: Context,
  blobs: CafsSession,
  bundle: BundleDoc,
  concurrency: number,
): (path: string) => Promise<string> {
  if (ctx.go) return (path) => goKeyOfFile(path, bundle.leafSize);
  const hashing = blobs.writer(chunkingOf(bundle.leafSize), concurrency);
  return (path) => hashing.keyOfFile(path);
}
