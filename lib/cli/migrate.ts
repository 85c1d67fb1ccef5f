/**
 * `datamon migrate`: copies the repos, bundles and labels of a Go datamon context into a
 * datamon context (lib/core/migrate.ts); --dry-run lists what it would copy.
 */
import type { Command } from "commander";
import { DatamonError, isKind } from "../errors.ts";
import { loadSettings } from "../meta/settings.ts";
import { type Context, loadContext, meteredContext } from "../meta/context.ts";
import { migrateGoContext, type MigrateResult, type MigrationStep } from "../core/migrate.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  quietOption,
  settingFlagsFrom,
} from "./common.ts";
import { count, formatBytes, writeOut, writeWarning } from "./output.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";
import { commandMetrics } from "./metrics.ts";

type MigrateFlags = ContextFlags & {
  fromConfig: string;
  fromContext: string;
  repo?: string[];
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
  name?: string;
  email?: string;
};

/** Adds `migrate`. */
export function migrateCommand(program: Command): void {
  quietOption(contributorOptions(contextOptions(
    program.command("migrate")
      .description(
        "copy the repos, bundles and labels of a Go datamon context into the datamon context " +
          "--context; run it again to finish one that stopped",
      )
      .requiredOption("--from-config <url>", "Go datamon's config store, e.g. gs://my-config")
      .requiredOption("--from-context <name>", "the Go datamon context to copy")
      .option(
        "--repo <name>",
        "copy this repo (repeatable; default: every repo)",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option("--dry-run", "list the repos, bundles and labels it would copy; write nothing")
      .option("--json", "print the summary (and, with --dry-run, each step) as JSON"),
  ))).action(migrate);
}

async function migrate(flags: MigrateFlags): Promise<void> {
  const { settings, ctx: target } = await openContextFrom(flags);
  const source = await openSource(flags);
  const contributor = await actorFrom(settings, target.metadata, flags);
  const progress = new Progress("migrating", {}, flags.quiet || flags.dryRun || false);
  const steps: MigrationStep[] = [];
  const result = await migrateGoContext(source, target, {
    repos: flags.repo ?? [],
    sourceName: `${flags.fromConfig}#${flags.fromContext}`,
    contributor,
    concurrency: settings.concurrency,
    dryRun: flags.dryRun ?? false,
    signal: interrupt.signal,
    onProgress: progress.add,
    onStep: (step) => {
      if (step.kind === "label" && step.action === "no bundle" && !flags.dryRun) {
        writeWarning(
          `label "${step.label}" of Go repo "${step.repo}" names bundle ${step.bundle}, ` +
            "which the repo does not hold: not copied",
        );
      }
      if (!flags.dryRun) return;
      if (flags.json) steps.push(step);
      else writeOut(`${stepText(step)}\n`);
    },
  }).finally(() => progress.done());
  commandMetrics.leavesStored += result.leavesStored;
  if (flags.json) {
    writeOut(`${JSON.stringify(flags.dryRun ? { ...result, steps } : result, null, 2)}\n`);
  }
  writeSummary(summary(result, flags.fromContext, target.doc.name));
}

/** The Go context --from-config and --from-context name, counted in the command's metrics. */
async function openSource(flags: MigrateFlags): Promise<Context> {
  const settings = await loadSettings(
    await settingFlagsFrom({ ...flags, config: flags.fromConfig, context: flags.fromContext }),
  );
  try {
    return meteredContext(await loadContext(settings), commandMetrics.meter);
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    throw new DatamonError(
      "not-found",
      `Go datamon context "${flags.fromContext}" not found in config store ` +
        `${settings.configStore}: check --from-config and --from-context`,
      { cause: e },
    );
  }
}

/** One line of a dry run: what would be copied, or is there already ("done"). */
function stepText(step: MigrationStep): string {
  switch (step.kind) {
    case "repo":
      return `repo ${step.repo}: ${step.action === "create" ? "create" : "exists"}`;
    case "bundle":
      return `bundle ${step.repo}@${step.bundle}: ${step.action === "copy" ? "copy" : "done"} ${
        count(step.files, "file")
      } (${formatBytes(step.bytes)}) ${JSON.stringify(step.message)}`;
    case "label":
      return `label ${step.repo}:${step.label} -> ${step.bundle}: ${step.action}`;
  }
}

/** The closing line on stderr. */
function summary(result: MigrateResult, from: string, to: string): string {
  const dry = result.dryRun;
  return `${dry ? "would migrate" : "migrated"} ${count(result.repos, "repo")} of Go context ` +
    `${from} to context ${to} (${result.reposCreated} new): ` +
    `${count(result.bundlesCopied, "bundle")} ${dry ? "to copy" : "copied"} ` +
    `(${count(result.filesCopied, "file")}, ${formatBytes(result.bytesCopied)}), ` +
    `${result.bundlesDone} already there; ${count(result.labelsSet, "label")} ` +
    `${dry ? "to set" : "set"}, ${result.labelsDone} already there` +
    (result.labelsWithoutBundle > 0 ? `, ${result.labelsWithoutBundle} naming no bundle` : "") +
    (result.dryRun ? "; nothing written" : `; ${formatBytes(result.bytesStored)} stored`);
}
