/**
 * `datamon purge`: move the blobs and packs no committed bundle of any context needs into
 * quarantine, and delete quarantined batches older than the quarantine period; `purge list`
 * shows the quarantine, `purge restore` brings it back.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { describeHolder, type FoundLock } from "../cafs/locks.ts";
import {
  DEFAULT_GRACE_MS,
  DEFAULT_QUARANTINE_MS,
  MIN_GRACE_MS,
  purge,
  type QuarantineListing,
  quarantineListing,
  restoreQuarantine,
} from "../core/purge.ts";
import {
  type ContextFlags,
  contextOptions,
  openContextFrom,
  outputOptions,
  parseDuration,
  quietOption,
} from "./common.ts";
import {
  count,
  formatBytes,
  type OutputFlags,
  printRecord,
  printRows,
  writeErr,
  writeOut,
} from "./output.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";

type Flags = ContextFlags & {
  dryRun?: boolean;
  grace?: string;
  unsafeGrace?: boolean;
  quarantine?: string;
  unsafeQuarantine?: boolean;
  removeStaleLocks?: boolean;
  json?: boolean;
  quiet?: boolean;
};

export function purgeCommand(program: Command): void {
  const command = program.command("purge");
  quietOption(contextOptions(
    command
      .description(
        "move the blobs and packs no committed bundle of any context registered in the blob " +
          "store needs, once older than the grace period, into quarantine; delete quarantined " +
          "batches older than the quarantine period (restoring first any object a bundle " +
          "needs again); refused while an upload runs; prints each object moved or deleted",
      )
      .option("--dry-run", "print what would be moved and deleted; change nothing")
      .option("--grace <duration>", "keep unreferenced objects younger than this (default 24h)")
      .option("--unsafe-grace", "accept a --grace below 1h (unsafe with writers that hold no lock)")
      .option(
        "--quarantine <duration>",
        "delete quarantined batches older than this for good (default 7d)",
      )
      .option("--unsafe-quarantine", "accept --quarantine 0s (no way back from a wrong purge)")
      .option(
        "--remove-stale-locks",
        "remove stale locks (of uploads or a purge that died) instead of only reporting them",
      )
      .option("--json", "print the summary as JSON (not each object)"),
  )).action(async (flags: Flags) => {
    const graceMs = graceFrom(flags);
    const quarantineMs = quarantineFrom(flags);
    const { settings, ctx } = await openContextFrom(flags);
    const progress = new Progress("purging", {}, flags.quiet ?? false);
    const result = await purge(ctx, {
      graceMs,
      quarantineMs,
      dryRun: flags.dryRun,
      removeStaleLocks: flags.removeStaleLocks,
      onStaleLock: reportStaleLock,
      onSkippedCleanup: (context, why) =>
        writeErr(`left the uncommitted bundle directories of context "${context}": ${why}`),
      concurrency: settings.concurrency,
      onProgress: progress.add,
      // One line per object: its key and size (a deleted one's key is in quarantine/).
      onQuarantine: flags.json ? undefined : printObject,
      onDelete: flags.json ? undefined : printObject,
    }).finally(() => progress.done());
    if (flags.json) printRecord(result, { json: true });
    const dry = result.dryRun;
    const { restored, expired } = result.quarantine;
    if (restored > 0) {
      writeErr(
        `${dry ? "would restore" : "restored"} ${count(restored, "quarantined object")} that ` +
          "a bundle needs again",
      );
    }
    const { uncommitted } = result;
    if (uncommitted.directories > 0) {
      writeErr(
        `${dry ? "would remove" : "removed"} ` +
          `${
            count(
              uncommitted.directories,
              "uncommitted bundle directory",
              "uncommitted bundle directories",
            )
          } ` +
          `(${count(uncommitted.objects, "file list")}) of uploads killed before their commit`,
      );
    }
    if (expired.objects > 0 || expired.batches > 0) {
      writeErr(
        `${dry ? "would delete" : "deleted"} ${count(expired.objects, "quarantined object")} ` +
          `(${formatBytes(expired.bytes)}) for good, older than the quarantine period`,
      );
    }
    writeSummary(
      `${dry ? "would move" : "moved"} ${count(result.quarantined, "object")} ` +
        `(${formatBytes(result.bytesQuarantined)}) into quarantine` +
        (result.batch ? ` as batch ${result.batch}` : "") + `, not needed by any of ` +
        `${count(result.bundles, "bundle")} of ` +
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
  purgeListCommand(command);
  purgeRestoreCommand(command);
}

/** `datamon purge list`: the quarantine's batches. */
function purgeListCommand(purgeCommand: Command): void {
  outputOptions(contextOptions(
    purgeCommand.command("list")
      .description(
        "list the quarantine's batches: purge id, time, objects, bytes, and when a purge may " +
          "delete them for good",
      )
      .option("--quarantine <duration>", "the quarantine period purge runs with (default 7d)"),
  )).action(async (flags: ContextFlags & OutputFlags & { quarantine?: string }) => {
    const quarantineMs = flags.quarantine === undefined
      ? DEFAULT_QUARANTINE_MS
      : parseDuration(flags.quarantine, "--quarantine");
    const { ctx } = await openContextFrom(flags);
    const rows = await printRows(quarantineListing(ctx, quarantineMs), [
      { header: "PURGE", value: (b: QuarantineListing) => b.id },
      { header: "TIME", value: (b: QuarantineListing) => b.time.toISOString() },
      { header: "OBJECTS", value: (b: QuarantineListing) => String(b.objects) },
      { header: "BYTES", value: (b: QuarantineListing) => String(b.bytes) },
      {
        header: "DELETABLE AFTER",
        value: (b: QuarantineListing) =>
          b.whole ? b.deletableAfter.toISOString() : "unfinished: the next purge finishes it",
      },
    ], flags);
    if (rows === 0 && !flags.json && flags.format === undefined) {
      writeErr("the quarantine is empty");
    }
  });
}

/** `datamon purge restore`: quarantined objects back to their keys. */
function purgeRestoreCommand(purgeCommand: Command): void {
  quietOption(contextOptions(
    purgeCommand.command("restore")
      .description(
        "move quarantined objects back to their keys (every batch, or one with --purge); " +
          "refused while a purge runs; prints each object restored",
      )
      .option("--purge <id>", "only the batch of this purge (see datamon purge list)")
      .option("--dry-run", "print what would be restored; change nothing")
      .option("--json", "print the summary as JSON (not each object)"),
  )).action(async (flags: ContextFlags & RestoreFlags) => {
    const { settings, ctx } = await openContextFrom(flags);
    const result = await restoreQuarantine(ctx, {
      id: flags.purge,
      dryRun: flags.dryRun ?? false,
      concurrency: settings.concurrency,
      onRestore: flags.json
        ? undefined
        : ({ key, size, id }) => writeOut(`${key}\t${size}\t${id}\n`),
    });
    if (flags.json) printRecord(result, { json: true });
    writeErr(
      `${result.dryRun ? "would restore" : "restored"} ${count(result.objects, "object")} ` +
        `(${formatBytes(result.bytes)}) of ${
          count(result.batches, "quarantine batch", "quarantine batches")
        }`,
    );
  });
}

type RestoreFlags = {
  purge?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
};

function printObject({ key, size }: { key: string; size: number }): void {
  writeOut(`${key}\t${size}\n`);
}

function reportStaleLock(lock: FoundLock, removed: boolean): void {
  writeErr(
    `${removed ? "removed" : "found"} the stale lock ${lock.key} of ${describeHolder(lock)}` +
      (removed ? "" : ": remove it with --remove-stale-locks"),
  );
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

/** The quarantine period asked for: 0 only with --unsafe-quarantine. */
function quarantineFrom(flags: Flags): number {
  if (flags.quarantine === undefined) return DEFAULT_QUARANTINE_MS;
  const quarantineMs = parseDuration(flags.quarantine, "--quarantine");
  if (quarantineMs === 0 && !flags.unsafeQuarantine) {
    throw new DatamonError(
      "invalid-argument",
      `--quarantine ${flags.quarantine} deletes at once what a purge moves, leaving no way ` +
        "back from a wrong purge: pass --unsafe-quarantine too if that is meant",
    );
  }
  return quarantineMs;
}
