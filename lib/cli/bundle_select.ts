/** What the bundle subcommands share: the flags that name a repo's bundle, and opening it. */
import type { BundleDoc } from "../model/types.ts";
import type { Settings } from "../meta/settings.ts";
import type { Context } from "../meta/context.ts";
import { resolveBundle } from "../meta/bundles.ts";
import { type ContextFlags, openContextFrom } from "./common.ts";
import { type OutputFlags, writeWarning } from "./output.ts";

/** Flags of a bundle subcommand: context, output, the repo and which of its bundles. */
export type BundleFlags = ContextFlags & OutputFlags & {
  repo: string;
  bundle?: string;
  label?: string;
};

/** The settings, the opened context, and the bundle the flags select (default: the latest). */
export async function openSelectedBundle(
  flags: BundleFlags,
): Promise<{ settings: Settings; ctx: Context; doc: BundleDoc }> {
  const { settings, ctx } = await openContextFrom(flags);
  return {
    settings,
    ctx,
    doc: await resolveBundle(ctx, flags.repo, { ...flags, onSkipped: writeWarning }),
  };
}
