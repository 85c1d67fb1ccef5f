/** Diamond splits as the diamond tests add them: repo "r", the test contributor, small leaves. */
import type { Context } from "../../lib/meta/context.ts";
import { addSplit, type SplitOptions } from "../../lib/core/diamond_split.ts";
import { TEST_CONTRIBUTOR } from "./context.ts";

/** Adds split `split` of the directory `path` to `diamond` of repo "r", with `extra` options. */
export function addTestSplit(
  ctx: Context,
  diamond: string,
  split: string,
  path: string,
  extra: Partial<SplitOptions> = {},
) {
  return addSplit(ctx, {
    repo: "r",
    diamond,
    split,
    path,
    contributor: TEST_CONTRIBUTOR,
    concurrency: 4,
    leafSize: 65536,
    ...extra,
  });
}
