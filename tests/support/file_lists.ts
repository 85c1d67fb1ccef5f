/**
 * A committed bundle's file lists rewritten in place, with the checksums its bundle.yaml records
 * (and its seal) made to match: damage no writer makes now (a name twice, a name out of name
 * order), for tests of what readers and fsck make of it.
 */
import type { Context } from "../../lib/meta/context.ts";
import { checksumOf, sealed } from "../../lib/meta/checksum.ts";
import { encodeBundle, encodeFileList } from "../../lib/model/codec.ts";
import { bundleKey, fileListKey } from "../../lib/model/keys.ts";
import type { BundleDoc, TreeEntry } from "../../lib/model/types.ts";

const encoder = new TextEncoder();

/** Stores `lists` as the bundle's file lists and a bundle.yaml recording them; returns it. */
export async function rewriteLists(
  ctx: Context,
  bundle: BundleDoc,
  lists: readonly TreeEntry[][],
): Promise<BundleDoc> {
  const sums: string[] = [];
  for (const [i, entries] of lists.entries()) {
    const bytes = encoder.encode(encodeFileList(entries));
    await ctx.metadata.put(fileListKey(bundle.repo, bundle.id, i), bytes);
    sums.push(await checksumOf(bytes));
  }
  const doc = {
    ...bundle,
    fileCount: lists.flat().length,
    fileListCount: lists.length,
    fileListChecksums: sums,
  };
  const text = await sealed(encodeBundle(doc));
  await ctx.metadata.put(bundleKey(bundle.repo, bundle.id), encoder.encode(text));
  return doc;
}
