/** `datamon bundle upload`: a local directory or a bucket prefix becomes a new bundle. */
import type { Command } from "commander";
import type { LabelRecord } from "../model/types.ts";
import { uploadBundle, type UploadResult } from "../core/upload.ts";
import { setLabel } from "../meta/labels.ts";
import { scanTotals } from "../core/walk.ts";
import { uploadExclusion } from "../core/file_selection.ts";
import { isBucketUrl } from "../store/cloud_url.ts";
import { resolveInput } from "../meta/lineage.ts";
import {
  actorFrom,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  parseByteSize,
  quietOption,
} from "./common.ts";
import { count, formatBytes, printResult, writeErr, writeOut } from "./output.ts";
import { uploadJson } from "./json_records.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";
import { commandMetrics } from "./metrics.ts";
import type { BundleFlags } from "./bundle_select.ts";

type UploadFlags = BundleFlags & {
  path: string;
  message: string;
  leafSize?: string;
  files?: string;
  skipOnError?: boolean;
  followSymlinks?: boolean;
  cache: boolean;
  quiet?: boolean;
  name?: string;
  email?: string;
  input?: string[];
  exclude?: string[];
};

/** Adds `bundle upload`. */
export function uploadCommand(bundle: Command): void {
  quietOption(contributorOptions(outputOptions(contextOptions(
    bundle.command("upload")
      .description(
        "upload a directory (or every object under a bucket prefix) as a new bundle; " +
          "prints the bundle id",
      )
      .requiredOption("--repo <name>", "repo to upload to")
      .requiredOption(
        "--path <dir|url>",
        "local directory to upload, or s3://bucket/prefix or gs://bucket/prefix to upload from",
      )
      .requiredOption("--message <text>", "what this bundle is")
      .option("--label <name>", "set this label on the bundle once it is committed")
      .option("--leaf-size <size>", "bytes per leaf, e.g. 2M (default 2M)")
      .option("--files <list>", "upload only the files this text file names, one per line")
      .option("--skip-on-error", "skip files that cannot be read, and list them at the end")
      .option(
        "--follow-symlinks",
        "store what symlinks to files point to, not the links (default: keep links as links)",
      )
      .option(
        "--input <bundle>",
        "a bundle this one is made from, REPO@BUNDLE or REPO:LABEL (repeatable): lineage",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option(
        "--exclude <glob>",
        "leave out what this gitignore-style glob matches (repeatable); " +
          "<path>/.datamonignore adds its own",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option(
        "--no-cache",
        "read and hash every file, even those unchanged since the last upload of this path",
      ),
  )))).action(upload);
}

/** Uploads, sets the label if asked, prints the new bundle's id (or its record) and a summary. */
async function upload(flags: UploadFlags): Promise<void> {
  const { settings, ctx } = await openContextFrom(flags);
  const inputs = [];
  for (const input of flags.input ?? []) inputs.push(await resolveInput(ctx, input));
  const contributor = await actorFrom(settings, ctx.metadata, flags);
  const progress = new Progress("uploading", {}, flags.quiet ?? false);
  const fromBucket = isBucketUrl(flags.path);
  if (progress.enabled && !flags.files && !fromBucket) {
    const exclude = await uploadExclusion(flags.path, flags.exclude ?? []);
    progress.setTotals(await scanTotals(flags.path, { exclude }));
  }
  const result = await uploadBundle(ctx, {
    repo: flags.repo,
    path: fromBucket ? flags.path : flags.path.replace(/\/+$/, "") || "/",
    message: flags.message,
    contributor,
    inputs,
    run: settings.run,
    concurrency: settings.concurrency,
    leafSize: flags.leafSize ? parseByteSize(flags.leafSize, "--leaf-size") : undefined,
    files: flags.files,
    skipOnError: flags.skipOnError,
    followSymlinks: flags.followSymlinks,
    exclude: flags.exclude,
    cacheDir: flags.cache ? `${settings.home}/cache/uploads` : undefined,
    signal: interrupt.signal,
    onProgress: progress.add,
    onSkip: (s) => writeErr(`skipped ${s.name}: ${s.reason}`),
  }).finally(() => progress.done());
  commandMetrics.leavesStored += result.leavesStored;
  commandMetrics.leavesDeduplicated += result.leavesDeduplicated;
  const label = flags.label
    ? await setLabel(ctx, flags.repo, flags.label, result.bundle.id, contributor)
    : undefined;
  printResult(uploadJson(result, label?.name), flags, () => writeOut(`${result.bundle.id}\n`));
  writeSummary(uploadSummary(result, flags.repo, label));
}

/** The line on stderr: what was uploaded, what it stored, and what it cost. */
function uploadSummary(result: UploadResult, repo: string, label?: LabelRecord): string {
  return `uploaded ${count(result.bundle.fileCount, "file")} ` +
    `(${formatBytes(result.bundle.totalSize)}) to repo ${repo} as bundle ` +
    `${result.bundle.id}: ${count(result.leavesStored, "new leaf", "new leaves")} ` +
    `(${formatBytes(result.bytesStored)}, ${count(result.packsStored, "pack")}), ` +
    `${result.leavesDeduplicated} already stored; ${count(result.requests.total, "request")}` +
    (label ? `; label ${label.name} set` : "") +
    (result.skipped.length ? `; ${count(result.skipped.length, "file")} skipped` : "");
}
