/**
 * Bundles onto local disk: `datamon bundle download` (a whole bundle), `bundle download file`
 * (one file of it) and `bundle update` (a directory made to match a bundle). The download path
 * is imported when a command runs, so that the rest of the bundle group starts without it.
 */
import type { Command } from "commander";
import { compileNameFilter, resolveBundle } from "../meta/bundles.ts";
import type { Change } from "../core/diff.ts";
import type { BundleDoc } from "../model/types.ts";
import {
  contextOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  quietOption,
  readerFrom,
  required,
  selectorOptions,
} from "./common.ts";
import {
  count,
  formatBytes,
  type OutputFlags,
  printResult,
  printRows,
  wantsData,
  writeErr,
  writeOut,
  writeWarning,
} from "./output.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";
import { type BundleFlags, openSelectedBundle } from "./bundle_select.ts";
import { warnRedacted } from "./repo_files.ts";

type DownloadFlags = BundleFlags & {
  destination: string;
  nameFilter?: string;
  forceDest?: boolean;
  keepSetid?: boolean;
  quiet?: boolean;
  dryRun?: boolean;
};

const KEEP_SETID = [
  "--keep-setid",
  "restore setuid and setgid bits (dropped by default: a bundle may come from anyone)",
] as const;

const DRY_RUN = [
  "--dry-run",
  "print what would be added, replaced and deleted, one line each, and change nothing",
] as const;

/** What a run does to one name, in the words its summary uses. */
const ACTIONS = { A: "add", U: "replace", D: "delete" } as const;

/** One line of a dry run: what would be done to which name. */
export interface PlannedChange {
  action: (typeof ACTIONS)[Change["kind"]];
  name: string;
  /** The bundle's size of an added or replaced file. */
  size?: number;
}

function planned(change: Change): PlannedChange {
  const size = change.entry && "size" in change.entry ? change.entry.size : undefined;
  return { action: ACTIONS[change.kind], name: change.name, ...size === undefined ? {} : { size } };
}

/**
 * Prints a dry run, "would add NAME" per line (or --json / --format rows), then a summary
 * on stderr saying that nothing changed.
 */
async function printPlan(
  changes: AsyncIterable<Change>,
  doc: BundleDoc,
  destination: string,
  flags: OutputFlags,
): Promise<void> {
  const counts = { add: 0, replace: 0, delete: 0 };
  async function* rows(): AsyncGenerator<PlannedChange> {
    for await (const change of changes) {
      const row = planned(change);
      counts[row.action]++;
      yield row;
    }
  }
  if (wantsData(flags)) await printRows(rows(), [], flags);
  else for await (const row of rows()) writeOut(`would ${row.action} ${row.name}\n`);
  writeErr(
    `dry run of bundle ${doc.id} into ${destination}: would add ${counts.add}, replace ` +
      `${counts.replace}, delete ${counts.delete}; nothing was changed`,
  );
}

/** Adds `bundle download`; returns it, for `download file` to be added under it. */
export function downloadCommand(bundle: Command): Command {
  return quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("download")
      .description("download a bundle into an empty directory")
      .enablePositionalOptions()
      // Not requiredOption: commander would demand them of `download file` too.
      .option("--repo <name>", "repo to download from (required)")
      .option("--destination <dir>", "directory to write into, empty or absent (required)")
      .option("--name-filter <regex>", "only files whose name matches")
      .option("--force-dest", "allow a non-empty destination; replace files of the same name")
      .option(...KEEP_SETID)
      .option(...DRY_RUN),
  )))).action(downloadAll);
}

/** Downloads the selected bundle (or the files the name filter matches) into the destination. */
async function downloadAll(flags: DownloadFlags): Promise<void> {
  required(flags.repo, "--repo");
  required(flags.destination, "--destination");
  const { settings, ctx } = await openContextFrom(flags);
  const nameFilter = compileNameFilter(flags.nameFilter);
  const doc = await resolveBundle(ctx, flags.repo, { ...flags, onSkipped: writeWarning });
  if (flags.dryRun) {
    const { planLocalChanges } = await import("../core/plan.ts");
    const changes = planLocalChanges(ctx, doc, {
      run: "download",
      destination: flags.destination,
      concurrency: settings.concurrency,
      force: flags.forceDest,
      nameFilter,
    });
    return await printPlan(changes, doc, flags.destination, flags);
  }
  const progress = new Progress(
    "downloading",
    nameFilter ? {} : { files: doc.fileCount, bytes: doc.totalSize },
    flags.quiet ?? false,
  );
  const reader = await readerFrom(settings, ctx, flags);
  const { downloadBundle } = await import("../core/download.ts");
  const result = await downloadBundle(ctx, doc, {
    reader,
    destination: flags.destination,
    concurrency: settings.concurrency,
    nameFilter,
    force: flags.forceDest,
    keepSetid: flags.keepSetid,
    signal: interrupt.signal,
    onProgress: progress.add,
  }).finally(() => progress.done());
  printResult({ bundle: doc.id, destination: flags.destination, ...result }, flags);
  writeSummary(
    `downloaded ${count(result.files, "file")} (${formatBytes(result.bytes)}) of bundle ` +
      `${doc.id} to ${flags.destination} in ${count(result.requests.total, "request")}`,
  );
  warnRedacted(result.redacted);
}

/** Adds `bundle download file` under `bundle download`. */
export function downloadFileCommand(download: Command): void {
  quietOption(contextOptions(selectorOptions(
    download.command("file")
      .description("download one file of a bundle to DESTINATION/FILE")
      .requiredOption("--repo <name>", "repo to download from")
      .requiredOption("--file <name>", "the file's name in the bundle")
      .requiredOption("--destination <dir>", "directory to write into")
      .option("--force-dest", "replace the file if it exists")
      .option(...KEEP_SETID),
  ))).action(async (flags: DownloadFlags & { file: string }) => {
    const { settings, ctx, doc } = await openSelectedBundle(flags);
    const { downloadFile } = await import("../core/download.ts");
    await downloadFile(ctx, doc, flags.file, {
      reader: await readerFrom(settings, ctx, flags),
      destination: flags.destination,
      force: flags.forceDest,
      keepSetid: flags.keepSetid,
      signal: interrupt.signal,
    });
    writeSummary(`downloaded ${flags.file} of bundle ${doc.id} to ${flags.destination}`);
  });
}

/** Adds `bundle update`. */
export function updateCommand(bundle: Command): void {
  quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("update")
      .description("make a local directory match a bundle: add, replace and delete files")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--destination <dir>", "local directory to update")
      .option(
        "--force-dest",
        "replace a local directory where the bundle has a file (each file in it is named)",
      )
      .option(...KEEP_SETID)
      .option(...DRY_RUN),
  )))).action(async (flags: BundleFlags & DownloadFlags) => {
    const { settings, ctx, doc } = await openSelectedBundle(flags);
    if (flags.dryRun) {
      const { planLocalChanges } = await import("../core/plan.ts");
      const changes = planLocalChanges(ctx, doc, {
        run: "update",
        destination: flags.destination,
        concurrency: settings.concurrency,
        force: flags.forceDest,
      });
      return await printPlan(changes, doc, flags.destination, flags);
    }
    const progress = new Progress("updating", {}, flags.quiet ?? false);
    const { updateDirectory } = await import("../core/update.ts");
    const result = await updateDirectory(ctx, doc, {
      destination: flags.destination,
      concurrency: settings.concurrency,
      keepSetid: flags.keepSetid,
      force: flags.forceDest,
      signal: interrupt.signal,
      onProgress: progress.add,
      // Files the user added are deleted: each is named, so none disappears silently.
      onDeleted: (change) => writeErr(`deleted ${change.name} (not in bundle ${doc.id})`),
    }).finally(() => progress.done());
    printResult({ bundle: doc.id, ...result }, flags);
    writeSummary(
      `updated ${flags.destination} to bundle ${doc.id}: ${result.added} added, ` +
        `${result.updated} replaced, ${result.deleted} deleted`,
    );
  });
}
