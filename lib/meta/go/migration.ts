/**
 * What a migration from Go datamon records in the target context: a write-ahead record naming
 * the Go bundle each bundle is copied from, and the clean-up of a copy killed before its commit.
 */
import type { BundleRef, Contributor } from "../../model/types.ts";
import { goBundleKey } from "../../model/go_keys.ts";
import type { Context } from "../context.ts";
import { logWrite } from "../audit.ts";
import { removeUncommittedBundle } from "../uncommitted.ts";

/**
 * Logs, in `target`'s write-ahead log, that bundle `ref` is being copied from the bundle of
 * the same id in Go repo `goRepo` of `source`: the record's store and key are the Go bundle's.
 * A migration keeps Go's bundle id, so what a killed copy left under it is removed first.
 */
export async function startMigration(
  target: Context,
  source: Context,
  actor: Contributor,
  goRepo: string,
  ref: BundleRef,
): Promise<void> {
  await removeUncommittedBundle(target, ref.repo, ref.bundle);
  await logWrite(target.wal, actor, {
    operation: "migrate bundle",
    store: source.metadata,
    key: goBundleKey(goRepo, ref.bundle),
    repo: ref.repo,
    bundle: ref.bundle,
  });
}
