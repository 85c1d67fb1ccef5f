/**
 * Reading bundles without writing files: `datamon bundle list`, `bundle list files`,
 * `bundle get` and `bundle diff`.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { type BundleDoc, type FileEntry, isFileEntry, type TreeEntry } from "../model/types.ts";
import { bundleEntries, compileNameFilter, listBundles, resolveBundle } from "../meta/bundles.ts";
import { type Change, diffBundles, diffLocal } from "../core/diff.ts";
import { CafsSession } from "../cafs/session.ts";
import { chunkingOf } from "../cafs/chunking.ts";
import type { Context } from "../meta/context.ts";
import {
  contextOptions,
  openContextFrom,
  outputOptions,
  quietOption,
  required,
  selectorOptions,
} from "./common.ts";
import {
  type Column,
  formatBytes,
  formatContributor,
  type OutputFlags,
  printRecord,
  printRows,
  wantsData,
  writeErr,
  writeWarning,
} from "./output.ts";
import { type BundleFlags, openSelectedBundle } from "./bundle_select.ts";
import { warnRedacted } from "./repo_files.ts";

const BUNDLE_COLUMNS: Column<BundleDoc>[] = [
  { header: "ID", value: (b) => b.id },
  { header: "TIME", value: (b) => b.timestamp.toISOString() },
  { header: "FILES", value: (b) => String(b.fileCount) },
  { header: "SIZE", value: (b) => formatBytes(b.totalSize) },
  { header: "CONTRIBUTORS", value: (b) => b.contributors.map(formatContributor).join(", ") },
  { header: "MESSAGE", value: (b) => b.message },
];

const FILE_COLUMNS: Column<FileEntry>[] = [
  { header: "NAME", value: (e) => e.name },
  { header: "SIZE", value: (e) => String(e.size) },
  { header: "MODE", value: (e) => e.mode.toString(8).padStart(4, "0") },
  { header: "MTIME", value: (e) => e.mtime.toISOString() },
  { header: "KEY", value: (e) => e.key },
];

const CHANGE_COLUMNS: Column<Change>[] = [
  { header: "CHANGE", value: (c) => c.kind },
  { header: "NAME", value: (c) => c.name },
  { header: "SIZE", value: (c) => (c.entry ? entrySize(c.entry) : "-") },
];

/** A file's size, `-> target` for a symlink, "dir" for a directory. */
function entrySize(entry: TreeEntry): string {
  if (isFileEntry(entry)) return String(entry.size);
  return entry.kind === "symlink" ? `-> ${entry.target}` : "dir";
}

/** Adds `bundle list`; returns it, for `list files` to be added under it. */
export function listCommand(bundle: Command): Command {
  return outputOptions(contextOptions(
    bundle.command("list")
      .description("list a repo's bundles, oldest first")
      .enablePositionalOptions()
      .option("--repo <name>", "repo (required)"),
  )).action(async (flags: BundleFlags) => {
    required(flags.repo, "--repo");
    const { settings, ctx } = await openContextFrom(flags);
    const bundles = listBundles(ctx, flags.repo, settings.concurrency, writeWarning);
    await printRows(bundles, BUNDLE_COLUMNS, flags);
  });
}

/** Adds `bundle list files` under `bundle list`. */
export function listFilesCommand(list: Command): void {
  outputOptions(contextOptions(selectorOptions(
    list.command("files")
      .description("list the files of a bundle, in name order")
      .requiredOption("--repo <name>", "repo")
      .option("--name-filter <regex>", "only files whose name matches"),
  ))).action(async (flags: BundleFlags & { nameFilter?: string }) => {
    const { ctx } = await openContextFrom(flags);
    const nameFilter = compileNameFilter(flags.nameFilter);
    const doc = await resolveBundle(ctx, flags.repo, { ...flags, onSkipped: writeWarning });
    const selects = (name: string) => !nameFilter || nameFilter.test(name);
    let redacted = 0;
    async function* entries(): AsyncGenerator<FileEntry> {
      for await (const e of bundleEntries(ctx, doc, (name) => redacted += selects(name) ? 1 : 0)) {
        if (selects(e.name)) yield e;
      }
    }
    await printRows(entries(), FILE_COLUMNS, flags);
    warnRedacted(redacted);
  });
}

/** Adds `bundle get`. */
export function getCommand(bundle: Command): void {
  outputOptions(contextOptions(selectorOptions(
    bundle.command("get")
      .description("show a bundle (default: the latest)")
      .requiredOption("--repo <name>", "repo"),
  ))).action(async (flags: BundleFlags) => {
    printRecord((await openSelectedBundle(flags)).doc, flags);
  });
}

/** Adds `bundle diff`. */
export function diffCommand(bundle: Command): void {
  quietOption(outputOptions(contextOptions(selectorOptions(
    bundle.command("diff")
      .description(
        "show what differs: a local directory against a bundle (--destination), or two bundles (--with-bundle)",
      )
      .requiredOption("--repo <name>", "repo")
      .option("--destination <dir>", "local directory to compare with the bundle")
      .option("--with-bundle <id>", "another bundle of the repo to compare with"),
  )))).action(async (flags: BundleFlags & { destination?: string; withBundle?: string }) => {
    if (!flags.destination === !flags.withBundle) {
      throw new DatamonError("usage", "give exactly one of --destination or --with-bundle");
    }
    const { settings, ctx, doc } = await openSelectedBundle(flags);
    const differences = flags.withBundle
      ? await printRows(
        diffBundles(ctx, doc, await resolveBundle(ctx, flags.repo, { bundle: flags.withBundle })),
        CHANGE_COLUMNS,
        flags,
      )
      : await printLocalDiff(ctx, doc, flags.destination!, settings.concurrency, flags);
    if (!wantsData(flags)) {
      writeErr(differences === 0 ? "no differences" : `${differences} differences`);
    }
  });
}

/**
 * Prints how a local directory differs from `doc`, its files hashed with `doc`'s leaf size;
 * returns how many differences there are.
 */
async function printLocalDiff(
  ctx: Context,
  doc: BundleDoc,
  directory: string,
  concurrency: number,
  flags: OutputFlags,
): Promise<number> {
  using blobs = await CafsSession.open(ctx.blob);
  const hashing = blobs.writer(chunkingOf(doc.leafSize), concurrency);
  const changes = diffLocal(ctx, directory, doc, (path) => hashing.keyOfFile(path), concurrency);
  return await printRows(changes, CHANGE_COLUMNS, flags);
}
