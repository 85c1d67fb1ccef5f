/** `datamon bundle ...`: upload, download, list, get, diff, update, mount. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import type { BundleDoc, FileEntry } from "../model/types.ts";
import { uploadBundle } from "../core/upload.ts";
import { downloadBundle, downloadFile } from "../core/download.ts";
import { bundleEntries, compileNameFilter, listBundles, resolveBundle } from "../meta/bundles.ts";
import { type Change, diffBundles, diffLocal } from "../core/diff.ts";
import { updateDirectory } from "../core/update.ts";
import { setLabel } from "../meta/labels.ts";
import { scanTotals } from "../core/walk.ts";
import { isBucketUrl } from "../core/bucket_source.ts";
import { CafsSession } from "../cafs/session.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import { resolveInput } from "../meta/lineage.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  parseByteSize,
  quietOption,
  readerFrom,
  required,
  selectorOptions,
} from "./common.ts";
import {
  count,
  formatBytes,
  formatContributor,
  type OutputFlags,
  printRecord,
  printRows,
  writeErr,
  writeOut,
} from "./output.ts";
import { Progress } from "./progress.ts";
import { mountCommands } from "./mount.ts";
import { commandMetrics } from "./metrics.ts";

type Flags = ContextFlags & OutputFlags & { repo: string; bundle?: string; label?: string };

function bundleColumns() {
  return [
    { header: "ID", value: (b: BundleDoc) => b.id },
    { header: "TIME", value: (b: BundleDoc) => b.timestamp.toISOString() },
    { header: "FILES", value: (b: BundleDoc) => String(b.fileCount) },
    { header: "SIZE", value: (b: BundleDoc) => formatBytes(b.totalSize) },
    {
      header: "CONTRIBUTORS",
      value: (b: BundleDoc) => b.contributors.map(formatContributor).join(", "),
    },
    { header: "MESSAGE", value: (b: BundleDoc) => b.message },
  ];
}

function changeColumns() {
  return [
    { header: "CHANGE", value: (c: Change) => c.kind },
    { header: "NAME", value: (c: Change) => c.name },
    { header: "SIZE", value: (c: Change) => (c.entry ? String(c.entry.size) : "-") },
  ];
}

export function bundleCommands(program: Command): void {
  const bundle = program.command("bundle").description("upload, download and inspect bundles")
    .enablePositionalOptions();

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
        "--input <bundle>",
        "a bundle this one is made from, REPO@BUNDLE or REPO:LABEL (repeatable): lineage",
        (value: string, previous: string[] = []) => [...previous, value],
      )
      .option(
        "--no-cache",
        "read and hash every file, even those unchanged since the last upload of this path",
      ),
  )))).action(async (
    flags: Flags & {
      path: string;
      message: string;
      leafSize?: string;
      files?: string;
      skipOnError?: boolean;
      cache: boolean;
      quiet?: boolean;
      name?: string;
      email?: string;
      input?: string[];
    },
  ) => {
    const { settings, ctx } = await openContextFrom(flags);
    const inputs = [];
    for (const input of flags.input ?? []) inputs.push(await resolveInput(ctx, input));
    const contributor = await actorFrom(settings, ctx.metadata, flags);
    const progress = new Progress("uploading", {}, flags.quiet ?? false);
    const fromBucket = isBucketUrl(flags.path);
    if (progress.enabled && !flags.files && !fromBucket) {
      progress.setTotals(await scanTotals(flags.path));
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
    if (flags.json || flags.format !== undefined) {
      printRecord({ ...result, label: label?.name }, flags);
    } else {
      writeOut(`${result.bundle.id}\n`);
    }
    writeErr(
      `uploaded ${count(result.bundle.fileCount, "file")} ` +
        `(${formatBytes(result.bundle.totalSize)}) to repo ${flags.repo} as bundle ` +
        `${result.bundle.id}: ${count(result.leavesStored, "new leaf", "new leaves")} ` +
        `(${formatBytes(result.bytesStored)}, ${count(result.packsStored, "pack")}), ` +
        `${result.leavesDeduplicated} already stored; ${count(result.requests.total, "request")}` +
        (label ? `; label ${label.name} set` : "") +
        (result.skipped.length ? `; ${count(result.skipped.length, "file")} skipped` : ""),
    );
  });

  const download = quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("download")
      .description("download a bundle into an empty directory")
      .enablePositionalOptions()
      // Not requiredOption: commander would demand them of `download file` too.
      .option("--repo <name>", "repo to download from (required)")
      .option("--destination <dir>", "directory to write into, empty or absent (required)")
      .option("--name-filter <regex>", "only files whose name matches")
      .option("--force-dest", "allow a non-empty destination; replace files of the same name"),
  )))).action(async (
    flags: Flags & {
      destination: string;
      nameFilter?: string;
      forceDest?: boolean;
      quiet?: boolean;
    },
  ) => {
    required(flags.repo, "--repo");
    required(flags.destination, "--destination");
    const { settings, ctx } = await openContextFrom(flags);
    const nameFilter = compileNameFilter(flags.nameFilter);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    const progress = new Progress(
      "downloading",
      nameFilter ? {} : { files: doc.fileCount, bytes: doc.totalSize },
      flags.quiet ?? false,
    );
    const reader = await readerFrom(settings, ctx, flags);
    const result = await downloadBundle(ctx, doc, {
      reader,
      destination: flags.destination,
      concurrency: settings.concurrency,
      nameFilter,
      force: flags.forceDest,
      signal: interrupt.signal,
      onProgress: progress.add,
    }).finally(() => progress.done());
    if (flags.json || flags.format !== undefined) {
      printRecord({ bundle: doc.id, destination: flags.destination, ...result }, flags);
    }
    writeErr(
      `downloaded ${count(result.files, "file")} (${
        formatBytes(result.bytes)
      }) of bundle ${doc.id} ` +
        `to ${flags.destination} in ${count(result.requests.total, "request")}`,
    );
  });

  quietOption(contextOptions(selectorOptions(
    download.command("file")
      .description("download one file of a bundle to DESTINATION/FILE")
      .requiredOption("--repo <name>", "repo to download from")
      .requiredOption("--file <name>", "the file's name in the bundle")
      .requiredOption("--destination <dir>", "directory to write into")
      .option("--force-dest", "replace the file if it exists"),
  ))).action(async (
    flags: Flags & {
      file: string;
      destination: string;
      forceDest?: boolean;
      quiet?: boolean;
    },
  ) => {
    const { settings, ctx } = await openContextFrom(flags);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    await downloadFile(ctx, doc, flags.file, {
      reader: await readerFrom(settings, ctx, flags),
      destination: flags.destination,
      force: flags.forceDest,
      signal: interrupt.signal,
    });
    writeErr(`downloaded ${flags.file} of bundle ${doc.id} to ${flags.destination}`);
  });

  const list = outputOptions(contextOptions(
    bundle.command("list")
      .description("list a repo's bundles, oldest first")
      .enablePositionalOptions()
      .option("--repo <name>", "repo (required)"),
  )).action(async (flags: Flags) => {
    required(flags.repo, "--repo");
    const { settings, ctx } = await openContextFrom(flags);
    await printRows(listBundles(ctx, flags.repo, settings.concurrency), bundleColumns(), flags);
  });

  outputOptions(contextOptions(selectorOptions(
    list.command("files")
      .description("list the files of a bundle, in name order")
      .requiredOption("--repo <name>", "repo")
      .option("--name-filter <regex>", "only files whose name matches"),
  ))).action(async (flags: Flags & { nameFilter?: string }) => {
    const { ctx } = await openContextFrom(flags);
    const nameFilter = compileNameFilter(flags.nameFilter);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    async function* entries(): AsyncGenerator<FileEntry> {
      for await (const e of bundleEntries(ctx, doc)) {
        if (!nameFilter || nameFilter.test(e.name)) yield e;
      }
    }
    await printRows(entries(), [
      { header: "NAME", value: (e) => e.name },
      { header: "SIZE", value: (e) => String(e.size) },
      { header: "MODE", value: (e) => e.mode.toString(8).padStart(4, "0") },
      { header: "MTIME", value: (e) => e.mtime.toISOString() },
      { header: "KEY", value: (e) => e.key },
    ], flags);
  });

  outputOptions(contextOptions(selectorOptions(
    bundle.command("get")
      .description("show a bundle (default: the latest)")
      .requiredOption("--repo <name>", "repo"),
  ))).action(async (flags: Flags) => {
    const { ctx } = await openContextFrom(flags);
    printRecord(await resolveBundle(ctx, flags.repo, flags), flags);
  });

  quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("diff")
      .description(
        "show what differs: a local directory against a bundle (--destination), or two bundles (--with-bundle)",
      )
      .requiredOption("--repo <name>", "repo")
      .option("--destination <dir>", "local directory to compare with the bundle")
      .option("--with-bundle <id>", "another bundle of the repo to compare with"),
  )))).action(async (flags: Flags & { destination?: string; withBundle?: string }) => {
    if (!flags.destination === !flags.withBundle) {
      throw new DatamonError("usage", "give exactly one of --destination or --with-bundle");
    }
    const { settings, ctx } = await openContextFrom(flags);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    let count: number;
    if (flags.withBundle) {
      const other = await resolveBundle(ctx, flags.repo, { bundle: flags.withBundle });
      count = await printRows(diffBundles(ctx, doc, other), changeColumns(), flags);
    } else {
      using blobs = await CafsSession.open(ctx.blob);
      const hashing = blobs.writer(chunkingOf(doc.leafSize), settings.concurrency);
      const changes = diffLocal(
        ctx,
        flags.destination!,
        doc,
        (path) => hashing.keyOfFile(path),
        settings.concurrency,
      );
      count = await printRows(changes, changeColumns(), flags);
    }
    if (!flags.json && flags.format === undefined) {
      writeErr(count === 0 ? "no differences" : `${count} differences`);
    }
  });

  quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("update")
      .description("make a local directory match a bundle: add, replace and delete files")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--destination <dir>", "local directory to update"),
  )))).action(async (flags: Flags & { destination: string; quiet?: boolean }) => {
    const { settings, ctx } = await openContextFrom(flags);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    const progress = new Progress("updating", {}, flags.quiet ?? false);
    const result = await updateDirectory(ctx, doc, {
      destination: flags.destination,
      concurrency: settings.concurrency,
      signal: interrupt.signal,
      onProgress: progress.add,
    }).finally(() => progress.done());
    if (flags.json || flags.format !== undefined) printRecord({ bundle: doc.id, ...result }, flags);
    writeErr(
      `updated ${flags.destination} to bundle ${doc.id}: ${result.added} added, ` +
        `${result.updated} replaced, ${result.deleted} deleted`,
    );
  });

  mountCommands(bundle);
}
