/** `datamon bundle upload`: a local directory or a bucket prefix becomes a new bundle. */
import type { Command } from "commander";
import type { LabelRecord } from "../model/types.ts";
import type { UploadResult } from "../core/upload.ts";
import { setLabel } from "../meta/labels.ts";
import { isBucketUrl } from "../store/cloud_url.ts";
import {
  actorFrom,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  quietOption,
} from "./common.ts";
import { count, formatBytes, printResult, writeErr, writeOut } from "./output.ts";
import { uploadJson } from "./json_records.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";
import { commandMetrics } from "./metrics.ts";
import type { BundleFlags } from "./bundle_select.ts";
import {
  type UploadSourceFlags,
  uploadSourceOptions,
  uploadSourceSettings,
} from "./upload_source.ts";

type UploadFlags = BundleFlags & UploadSourceFlags & {
  path: string;
  message: string;
  quiet?: boolean;
  name?: string;
  email?: string;
};

/** Adds `bundle upload`. */
export function uploadCommand(bundle: Command): void {
  quietOption(contributorOptions(outputOptions(contextOptions(uploadSourceOptions(
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
      .option("--label <name>", "set this label on the bundle once it is committed"),
  ))))).action(upload);
}

/** Uploads, sets the label if asked, prints the new bundle's id (or its record) and a summary. */
async function upload(flags: UploadFlags): Promise<void> {
  // Loaded here, not with the command group: listing bundles need not load the upload path.
  const [{ uploadBundle }, { scanTotals }, { uploadExclusion }] = await Promise.all([
    import("../core/upload.ts"),
    import("../core/walk.ts"),
    import("../core/file_selection.ts"),
  ]);
  const { settings, ctx } = await openContextFrom(flags);
  const source = await uploadSourceSettings(ctx, flags, settings.home);
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
    ...source,
    run: settings.run,
    concurrency: settings.concurrency,
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
