/** `datamon purge`: delete the blobs and packs no committed bundle needs. */
import type { Command } from "commander";
import { DEFAULT_GRACE_MS, purge } from "../core/purge.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  openContextFrom,
  parseDuration,
  quietOption,
} from "./common.ts";
import { count, formatBytes, printRecord, writeErr, writeOut } from "./output.ts";
import { Progress } from "./progress.ts";

type Flags = ContextFlags & {
  dryRun?: boolean;
  grace?: string;
  forceUnlock?: boolean;
  json?: boolean;
  quiet?: boolean;
  name?: string;
  email?: string;
};

export function purgeCommand(program: Command): void {
  quietOption(contributorOptions(contextOptions(
    program.command("purge")
      .description(
        "delete the blobs and packs no committed bundle of the context needs, once older " +
          "than the grace period; prints each object deleted and the bytes freed",
      )
      .option("--dry-run", "print what would be deleted; delete nothing")
      .option("--grace <duration>", "keep unreferenced objects younger than this (default 24h)")
      .option("--force-unlock", "remove the lock of a purge that died, then purge")
      .option("--json", "print the summary as JSON (not each object)"),
  ))).action(async (flags: Flags) => {
    const graceMs = flags.grace === undefined
      ? DEFAULT_GRACE_MS
      : parseDuration(flags.grace, "--grace");
    const { settings, ctx } = await openContextFrom(flags);
    const actor = await actorFrom(settings, ctx.blob, flags);
    const progress = new Progress("purging", {}, flags.quiet ?? false);
    const result = await purge(ctx, {
      actor,
      graceMs,
      dryRun: flags.dryRun,
      forceUnlock: flags.forceUnlock,
      concurrency: settings.concurrency,
      onProgress: progress.add,
      onDelete: flags.json ? undefined : ({ key, size }) => writeOut(`${key}\t${size}\n`),
    }).finally(() => progress.done());
    if (flags.json) printRecord(result, { json: true });
    const verb = result.dryRun ? "would delete" : "deleted";
    writeErr(
      `${verb} ${count(result.deleted, "object")} (${formatBytes(result.bytesFreed)}) not ` +
        `needed by any of ${count(result.bundles, "bundle")}; kept ` +
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
