/** `datamon purge`: delete the blobs and packs no committed bundle of any context needs. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { describeHolder } from "../cafs/locks.ts";
import { DEFAULT_GRACE_MS, MIN_GRACE_MS, purge } from "../core/purge.ts";
import {
  type ContextFlags,
  contextOptions,
  openContextFrom,
  parseDuration,
  quietOption,
} from "./common.ts";
import { count, formatBytes, printRecord, writeErr, writeOut } from "./output.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";

type Flags = ContextFlags & {
  dryRun?: boolean;
  grace?: string;
  unsafeGrace?: boolean;
  removeStaleLocks?: boolean;
  json?: boolean;
  quiet?: boolean;
};

export function purgeCommand(program: Command): void {
  quietOption(contextOptions(
    program.command("purge")
      .description(
        "delete the blobs and packs no committed bundle of any context registered in the " +
          "blob store needs, once older than the grace period; refused while an upload runs; " +
          "prints each object deleted and the bytes freed",
      )
      .option("--dry-run", "print what would be deleted; delete nothing")
      .option("--grace <duration>", "keep unreferenced objects younger than this (default 24h)")
      .option("--unsafe-grace", "accept a --grace below 1h (unsafe with writers that hold no lock)")
      .option(
        "--remove-stale-locks",
        "remove stale locks (of uploads or a purge that died) instead of only reporting them",
      )
      .option("--json", "print the summary as JSON (not each object)"),
  )).action(async (flags: Flags) => {
    const graceMs = graceFrom(flags);
    const { settings, ctx } = await openContextFrom(flags);
    const progress = new Progress("purging", {}, flags.quiet ?? false);
    const result = await purge(ctx, {
      graceMs,
      dryRun: flags.dryRun,
      removeStaleLocks: flags.removeStaleLocks,
      onStaleLock: (lock, removed) =>
        writeErr(
          `${removed ? "removed" : "found"} the stale lock ${lock.key} of ${describeHolder(lock)}` +
            (removed ? "" : ": remove it with --remove-stale-locks"),
        ),
      concurrency: settings.concurrency,
      onProgress: progress.add,
      onDelete: flags.json ? undefined : ({ key, size }) => writeOut(`${key}\t${size}\n`),
    }).finally(() => progress.done());
    if (flags.json) printRecord(result, { json: true });
    const verb = result.dryRun ? "would delete" : "deleted";
    writeSummary(
      `${verb} ${count(result.deleted, "object")} (${formatBytes(result.bytesFreed)}) not ` +
        `needed by any of ${count(result.bundles, "bundle")} of ` +
        `${count(result.contexts, "context")}; kept ` +
        `${count(result.keptYoung, "unreferenced object")} younger than the grace period` +
        (result.partlyDeadPacks > 0
          ? `; ${count(result.partlyDeadPacks, "live pack")} hold ` +
            `${formatBytes(result.deadPackBytes)} no bundle needs`
          : "") +
        (result.temporariesRemoved > 0
          ? `; removed ${count(result.temporariesRemoved, "stale temporary file")} ` +
            `(${formatBytes(result.temporaryBytesFreed)})`
          : ""),
    );
  });
}

/** The grace period asked for: at least an hour unless --unsafe-grace says otherwise. */
function graceFrom(flags: Flags): number {
  if (flags.grace === undefined) return DEFAULT_GRACE_MS;
  const graceMs = parseDuration(flags.grace, "--grace");
  if (graceMs < MIN_GRACE_MS && !flags.unsafeGrace) {
    throw new DatamonError(
      "invalid-argument",
      `--grace ${flags.grace} is below 1h: pass --unsafe-grace too if no writer without a ` +
        "lock (an older datamon) uses this blob store",
    );
  }
  return graceMs;
}
