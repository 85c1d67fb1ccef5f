/**
 * `datamon diamond ...` (Go datamon's spelling): many writers, one bundle. initialize, get,
 * list, cancel, split add|get|list, commit.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { CONFLICT_MODES, type ConflictMode } from "../model/diamond.ts";
import { createDiamond, type DiamondStatus, getDiamond, listDiamonds } from "../meta/diamond.ts";
import { compileNameFilter } from "../meta/bundles.ts";
import { addSplit, getSplit, listSplits, type SplitStatus } from "../core/diamond_split.ts";
import { cancelDiamond, commitDiamond } from "../core/diamond_commit.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  quietOption,
} from "./common.ts";
import {
  count,
  formatBytes,
  type OutputFlags,
  printRecord,
  printResult,
  printRows,
  writeErr,
  writeOut,
} from "./output.ts";
import { Progress } from "./progress.ts";
import {
  type UploadSourceFlags,
  uploadSourceOptions,
  uploadSourceSettings,
} from "./upload_source.ts";
import { withContributors } from "./json_records.ts";

type Flags = ContextFlags & OutputFlags & { repo: string; name?: string; email?: string };
type DiamondFlags = Flags & { diamond: string };

/** Adds `diamond` and its subcommands. */
export function diamondCommands(program: Command): void {
  const diamond = program.command("diamond")
    .description("many writers, one bundle: splits uploaded in parallel, committed as one");
  initializeCommand(diamond);
  getCommand(diamond);
  listCommand(diamond);
  cancelCommand(diamond);
  splitCommands(diamond.command("split").description("the parts of a diamond"));
  commitCommand(diamond);
}

function initializeCommand(diamond: Command): void {
  contributorOptions(outputOptions(contextOptions(
    diamond.command("initialize")
      .description("start a diamond in a repo; prints the diamond id")
      .requiredOption("--repo <name>", "repo the bundle will belong to")
      .option("--diamond-tag <tag>", "a tag shown with the diamond"),
  ))).action(async (flags: Flags & { diamondTag?: string }) => {
    const { settings, ctx } = await openContextFrom(flags);
    const actor = await actorFrom(settings, ctx.metadata, flags);
    const doc = await createDiamond(ctx, flags.repo, actor, flags.diamondTag);
    printResult(withContributors(doc), flags, () => writeOut(`${doc.id}\n`));
  });
}

/** What get and list show of a diamond. */
function diamondRow(status: DiamondStatus) {
  const { doc, closed, done } = status;
  return {
    id: doc.id,
    state: status.state,
    tag: doc.tag ?? "",
    time: doc.time,
    bundle: done?.bundle ?? (closed?.state === "committing" ? closed.bundle : ""),
    mode: closed?.state === "committing" ? closed.mode : "",
    conflicts: done?.conflicts ?? 0,
    checkpoints: done?.checkpoints ?? 0,
  };
}

type DiamondRow = ReturnType<typeof diamondRow>;

const diamondColumns = [
  { header: "DIAMOND", value: (r: DiamondRow) => r.id },
  { header: "STATE", value: (r: DiamondRow) => r.state },
  { header: "TAG", value: (r: DiamondRow) => r.tag },
  { header: "STARTED", value: (r: DiamondRow) => r.time.toISOString() },
  { header: "BUNDLE", value: (r: DiamondRow) => r.bundle },
];

function getCommand(diamond: Command): void {
  outputOptions(contextOptions(
    diamond.command("get")
      .description("show a diamond's state")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id"),
  )).action(async (flags: DiamondFlags) => {
    const { ctx } = await openContextFrom(flags);
    printRecord(diamondRow(await getDiamond(ctx, flags.repo, flags.diamond)), flags);
  });
}

function listCommand(diamond: Command): void {
  outputOptions(contextOptions(
    diamond.command("list")
      .description("list a repo's diamonds, oldest first")
      .requiredOption("--repo <name>", "repo"),
  )).action(async (flags: Flags) => {
    const { ctx, settings } = await openContextFrom(flags);
    async function* rows() {
      for await (const status of listDiamonds(ctx, flags.repo, settings.concurrency)) {
        yield diamondRow(status);
      }
    }
    await printRows(rows(), diamondColumns, flags);
  });
}

function cancelCommand(diamond: Command): void {
  contributorOptions(contextOptions(
    diamond.command("cancel")
      .description("cancel a diamond: it takes no more splits and is never committed")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id"),
  )).action(async (flags: DiamondFlags) => {
    const { settings, ctx } = await openContextFrom(flags);
    const actor = await actorFrom(settings, ctx.metadata, flags);
    await cancelDiamond(ctx, flags.repo, flags.diamond, actor);
    writeErr(`diamond ${flags.diamond} of repo ${flags.repo} cancelled`);
  });
}

type SplitAddFlags = DiamondFlags & UploadSourceFlags & {
  path: string;
  split?: string;
  splitTag?: string;
  nameFilter?: string;
  quiet?: boolean;
};

function splitCommands(split: Command): void {
  quietOption(contributorOptions(outputOptions(contextOptions(uploadSourceOptions(
    split.command("add")
      .description("upload a directory as a split of a diamond; prints the split id")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id")
      .requiredOption("--path <dir|url>", "local directory, or s3://bucket/prefix or gs://...")
      .option("--split <id>", "split id (default: a new one); again adds a new run of it")
      .option("--split-tag <tag>", "a tag shown with the split")
      .option("--name-filter <regex>", "upload only files whose name matches"),
  ))))).action(splitAdd);

  outputOptions(contextOptions(
    split.command("get")
      .description("show a split's state and runs")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id")
      .requiredOption("--split <id>", "split id"),
  )).action(async (flags: DiamondFlags & { split: string }) => {
    const { ctx } = await openContextFrom(flags);
    printRecord(splitRow(await getSplit(ctx, flags.repo, flags.diamond, flags.split)), flags);
  });

  outputOptions(contextOptions(
    split.command("list")
      .description("list a diamond's splits; a split that died midway shows as dead")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id"),
  )).action(async (flags: DiamondFlags) => {
    const { ctx } = await openContextFrom(flags);
    async function* rows() {
      for await (const s of listSplits(ctx, flags.repo, flags.diamond)) yield splitRow(s);
    }
    await printRows(rows(), splitColumns, flags);
  });
}

async function splitAdd(flags: SplitAddFlags): Promise<void> {
  const { settings, ctx } = await openContextFrom(flags);
  const source = await uploadSourceSettings(ctx, flags, settings.home);
  const progress = new Progress("uploading", {}, flags.quiet ?? false);
  const result = await addSplit(ctx, {
    repo: flags.repo,
    diamond: flags.diamond,
    split: flags.split,
    tag: flags.splitTag,
    path: flags.path.replace(/(.)\/+$/, "$1"),
    contributor: await actorFrom(settings, ctx.metadata, flags),
    ...source,
    run: settings.run,
    concurrency: settings.concurrency,
    nameFilter: compileNameFilter(flags.nameFilter),
    signal: interrupt.signal,
    onProgress: progress.add,
    onSkip: (s) => writeErr(`skipped ${s.name}: ${s.reason}`),
  }).finally(() => progress.done());
  const { committed, ...rest } = result;
  printResult({ ...rest, done: committed }, flags, () => writeOut(`${result.split}\n`));
  writeErr(
    `uploaded ${count(committed.fileCount, "file")} (${formatBytes(committed.totalSize)}) as ` +
      `split ${result.split} of diamond ${flags.diamond}: ` +
      `${count(result.leavesStored, "new leaf", "new leaves")}, ` +
      `${result.leavesDeduplicated} already stored` +
      (result.skipped.length ? `; ${count(result.skipped.length, "file")} skipped` : ""),
  );
}

/** What split get and list show of a split: its latest run. */
function splitRow(status: SplitStatus) {
  const run = status.runs[status.runs.length - 1];
  return {
    split: status.split,
    state: status.state,
    generation: run.generation,
    runs: status.runs.length,
    tag: run.running.tag ?? "",
    path: run.running.path,
    time: run.running.time,
    files: run.done?.fileCount ?? 0,
    size: run.done?.totalSize ?? 0,
    error: run.failed?.error ?? "",
  };
}

type SplitRow = ReturnType<typeof splitRow>;

const splitColumns = [
  { header: "SPLIT", value: (r: SplitRow) => r.split },
  { header: "STATE", value: (r: SplitRow) => r.state },
  { header: "RUNS", value: (r: SplitRow) => String(r.runs) },
  { header: "FILES", value: (r: SplitRow) => String(r.files) },
  { header: "STARTED", value: (r: SplitRow) => r.time.toISOString() },
  { header: "TAG", value: (r: SplitRow) => r.tag },
];

type CommitFlags = DiamondFlags & {
  message: string;
  label?: string;
  diamondTag?: string;
  withConflicts?: boolean;
  withCheckpoints?: boolean;
  conflicts?: boolean;
  ignoreConflicts?: boolean;
  excludeUnfinished?: boolean;
};

function commitCommand(diamond: Command): void {
  contributorOptions(outputOptions(contextOptions(
    diamond.command("commit")
      .description("merge a diamond's splits into one bundle; prints the bundle id")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--diamond <id>", "diamond id")
      .requiredOption("--message <text>", "what this bundle is")
      .option("--label <name>", "set this label on the bundle once it is committed")
      .option("--diamond-tag <tag>", "a tag recorded with the commit")
      .option(
        "--with-conflicts",
        "where splits differ, the latest split wins and the others are kept under " +
          ".conflicts/{split}/ (default)",
      )
      .option(
        "--with-checkpoints",
        "as --with-conflicts, and earlier runs of a split are kept under .checkpoints/",
      )
      .option("--no-conflicts", "fail, naming the paths, when splits differ")
      .option("--ignore-conflicts", "keep only the latest split's version, and report conflicts")
      .option(
        "--exclude-unfinished",
        "leave out splits that died midway or failed, instead of refusing to commit",
      ),
  ))).action(async (flags: CommitFlags) => {
    const mode = conflictMode(flags);
    const { settings, ctx } = await openContextFrom(flags);
    const result = await commitDiamond(ctx, {
      repo: flags.repo,
      diamond: flags.diamond,
      message: flags.message,
      label: flags.label,
      tag: flags.diamondTag,
      mode,
      excludeUnfinished: flags.excludeUnfinished,
      contributor: await actorFrom(settings, ctx.metadata, flags),
      onConflict: (path, losers) =>
        writeErr(`conflict: ${path} (${losers.map((s) => `split ${s}`).join(", ")} lost)`),
    });
    printResult(
      { ...result, bundle: result.bundle.id },
      flags,
      () => writeOut(`${result.bundle.id}\n`),
    );
    writeErr(
      `committed diamond ${flags.diamond} as bundle ${result.bundle.id} ` +
        `(${count(result.bundle.fileCount, "file")}): ${count(result.conflicts, "conflict")}` +
        (mode === "with-checkpoints" ? `, ${count(result.checkpoints, "checkpoint")}` : "") +
        (result.excluded.length ? `; splits left out: ${result.excluded.join(", ")}` : ""),
    );
  });
}

/** The one conflict mode the flags ask for (commander's --no-conflicts sets conflicts=false). */
function conflictMode(flags: CommitFlags): ConflictMode {
  const asked = CONFLICT_MODES.filter((mode) =>
    mode === "no-conflicts" ? flags.conflicts === false : flags[camel(mode)]
  );
  if (asked.length > 1) {
    throw new DatamonError(
      "usage",
      `--${asked.join(" and --")} exclude each other: give one conflict mode`,
    );
  }
  return asked[0] ?? "with-conflicts";
}

function camel(mode: Exclude<ConflictMode, "no-conflicts">) {
  return ({
    "with-conflicts": "withConflicts",
    "with-checkpoints": "withCheckpoints",
    "ignore-conflicts": "ignoreConflicts",
  } as const)[mode];
}
