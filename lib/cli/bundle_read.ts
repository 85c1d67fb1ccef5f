/**
 * Reading bundles without writing files: `datamon bundle list`, `bundle list files`,
 * `bundle get` and `bundle diff`.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { type BundleDoc, isFileEntry, type TreeEntry } from "../model/types.ts";
import { bundleTree, compileNameFilter, listBundles, resolveBundle } from "../meta/bundles.ts";
import type { Change } from "../core/diff.ts";
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
  contributorColumn,
  formatBytes,
  type OutputFlags,
  printRecord,
  printResult,
  printRows,
  tableTime,
  wantsData,
  writeErr,
  writeWarning,
} from "./output.ts";
import { type BundleFlags, openSelectedBundle } from "./bundle_select.ts";
import { warnRedacted } from "./repo_files.ts";
import { bundleJson, changeJson, entryJson, octalMode } from "./json_records.ts";

const BUNDLE_COLUMNS: Column<BundleDoc>[] = [
  { header: "ID", value: (b) => b.id },
  { header: "TIME", value: (b) => tableTime(b.timestamp) },
  { header: "FILES", value: (b) => String(b.fileCount) },
  { header: "SIZE", value: (b) => formatBytes(b.totalSize) },
  { header: "MESSAGE", value: (b) => b.message, flexible: true },
  contributorColumn("CONTRIBUTORS", (b) => b.contributors),
];

const ENTRY_COLUMNS: Column<TreeEntry>[] = [
  { header: "NAME", value: (e) => e.name },
  { header: "SIZE", value: entrySize },
  { header: "MODE", value: (e) => octalMode(e.mode) },
  { header: "MTIME", value: (e) => e.mtime.toISOString() },
  { header: "KEY", value: (e) => (isFileEntry(e) ? e.key : "-") },
];

/** A row of `bundle diff`: the change, its kind in words. */
type DiffRow = Omit<Change, "kind"> & { kind: string };

/**
 * How a diff names its kinds: `words` in --json and --format, `labels` in the table, and the
 * legend a terminal shows under it.
 */
interface DiffKinds {
  words: Record<Change["kind"], string>;
  labels: Record<Change["kind"], string>;
  legend: string;
}

/** Bundle against bundle: what going from --bundle to --with-bundle does. */
function bundleKinds(from: string, to: string): DiffKinds {
  const words = { A: "added", D: "removed", U: "changed" };
  return {
    words,
    labels: words,
    legend: `added: only in bundle ${to}; removed: only in bundle ${from}; changed: in both, ` +
      "with other content",
  };
}

/** A directory against a bundle, from the user's side: where each name is. */
const LOCAL_KINDS: DiffKinds = {
  words: { A: "only-in-bundle", D: "only-in-directory", U: "changed" },
  labels: { A: "only in the bundle", D: "only in the directory", U: "changed" },
  legend: "only in the directory: bundle update would delete it; only in the bundle: update " +
    "would add it; changed: update would replace it",
};

/**
 * Prints changes as rows whose kinds are words, with the legend on stderr when a person reads
 * the table on a terminal; returns how many there are.
 */
async function printChanges(
  changes: AsyncIterable<Change>,
  kinds: DiffKinds,
  flags: OutputFlags,
): Promise<number> {
  const forPeople = !wantsData(flags);
  const names = forPeople ? kinds.labels : kinds.words;
  async function* rows(): AsyncGenerator<DiffRow> {
    for await (const change of changes) yield { ...change, kind: names[change.kind] };
  }
  const columns: Column<DiffRow>[] = [
    { header: "CHANGE", value: (c) => c.kind },
    { header: "NAME", value: (c) => c.name },
    { header: "SIZE", value: (c) => (c.entry ? entrySize(c.entry) : "-") },
  ];
  const count = await printRows(rows(), columns, flags, changeJson);
  if (forPeople && count > 0 && Deno.stdout.isTerminal()) writeErr(kinds.legend);
  return count;
}

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
    await printRows(bundles, BUNDLE_COLUMNS, flags, bundleJson);
  });
}

/** Adds `bundle list files` under `bundle list`. */
export function listFilesCommand(list: Command): void {
  outputOptions(contextOptions(selectorOptions(
    list.command("files")
      .description(
        "list the files of a bundle, in name order: symlinks (-> target) and empty directories (name/) too",
      )
      .requiredOption("--repo <name>", "repo")
      .option("--name-filter <regex>", "only files whose name matches"),
  ))).action(async (flags: BundleFlags & { nameFilter?: string }) => {
    const { ctx } = await openContextFrom(flags);
    const nameFilter = compileNameFilter(flags.nameFilter);
    const doc = await resolveBundle(ctx, flags.repo, { ...flags, onSkipped: writeWarning });
    const selects = (name: string) => !nameFilter || nameFilter.test(name);
    let redacted = 0;
    async function* entries(): AsyncGenerator<TreeEntry> {
      for await (const e of bundleTree(ctx, doc, (name) => redacted += selects(name) ? 1 : 0)) {
        if (selects(e.name)) yield e;
      }
    }
    await printRows(entries(), ENTRY_COLUMNS, flags, entryJson);
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
    const { doc } = await openSelectedBundle(flags);
    printResult(bundleJson(doc), flags, () =>
      printRecord({
        ...bundleJson(doc),
        totalSize: `${formatBytes(doc.totalSize)} (${doc.totalSize} bytes)`,
        leafSize: formatBytes(doc.leafSize),
      }, {}));
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
    const { diffBundles } = await import("../core/diff.ts");
    const other = flags.withBundle
      ? await resolveBundle(ctx, flags.repo, { bundle: flags.withBundle })
      : undefined;
    const differences = other
      ? await printChanges(diffBundles(ctx, doc, other), bundleKinds(doc.id, other.id), flags)
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
  // The hashing path loads for a local diff only, not with the bundle group.
  const [{ CafsSession }, { bundleKeyOfFile }, { diffLocal }] = await Promise.all([
    import("../cafs/session.ts"),
    import("../core/bundle_blobs.ts"),
    import("../core/diff.ts"),
  ]);
  using blobs = await CafsSession.open(ctx.blob);
  const keyOfFile = bundleKeyOfFile(ctx, blobs, doc, concurrency);
  const changes = diffLocal(ctx, directory, doc, keyOfFile, concurrency);
  return await printChanges(changes, LOCAL_KINDS, flags);
}
