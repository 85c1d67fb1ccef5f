/**
 * Every committed bundle of a context, found from the metadata store's bundles/ prefix (not
 * from repo.yaml, so a bundle is found whatever state its repo is in): what fsck checks and
 * what garbage collection keeps.
 */
import { isKind } from "../errors.ts";
import type { BundleDoc } from "../model/types.ts";
import { bundleKey } from "../model/keys.ts";
import { isKsuid } from "../model/ksuid.ts";
import { isValidName, validateName } from "../model/names.ts";
import type { Context } from "./context.ts";
import { childNames } from "./documents.ts";
import { getBundle } from "./bundles.ts";

/** A committed bundle, or the error its bundle.yaml gave (damaged metadata). */
export type CommittedBundle =
  | { repo: string; id: string; doc: BundleDoc }
  | { repo: string; id: string; error: Error };

/**
 * Each committed bundle (one whose bundle.yaml exists) of `repo`, or of every repo, in name
 * and id order. Uncommitted uploads are passed over; a bundle.yaml that cannot be read comes
 * with its error instead of ending the walk.
 */
export async function* committedBundles(
  ctx: Context,
  repo?: string,
): AsyncGenerator<CommittedBundle> {
  const repos = repo === undefined
    ? childNames(ctx.metadata, "bundles/")
    : [validateName("repo", repo)];
  for await (const name of repos) {
    if (!isValidName(name)) continue;
    for await (const id of childNames(ctx.metadata, `bundles/${name}/`)) {
      if (!isKsuid(id) || !await ctx.metadata.head(bundleKey(name, id))) continue;
      try {
        yield { repo: name, id, doc: await getBundle(ctx, name, id) };
      } catch (e) {
        if (isKind(e, "not-found")) continue;
        if (!isKind(e, "integrity")) throw e;
        yield { repo: name, id, error: e };
      }
    }
  }
}
