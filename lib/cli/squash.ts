/**
 * `datamon repo squash` and `datamon context squash` (Go datamon's): remove the metadata of
 * older bundles, keeping the latest and, if asked, the labelled ones. A dry run shows the
 * plan; otherwise it is confirmed in one line (unless --force-yes) and logged in the WAL.
 */
import { type Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import type { Context } from "../meta/context.ts";
import type { Settings } from "../meta/settings.ts";
import { listRepos } from "../meta/repo.ts";
import {
  applySquash,
  planSquash,
  type SquashedBundle,
  squashedLabels,
  type SquashOptions,
  type SquashPlan,
} from "../core/squash.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  openContextFrom,
  outputOptions,
  parseWholeNumber,
} from "./common.ts";
import { count, type OutputFlags, printRows, writeErr, writeWarning } from "./output.ts";
import { confirm } from "./confirm.ts";
import { timed } from "./json_records.ts";

type Flags = ContextFlags & OutputFlags & {
  repo?: string;
  retainNLatest: string;
  retainTags?: boolean;
  retainSemverTags?: boolean;
  dryRun?: boolean;
  forceYes?: boolean;
  yes?: boolean;
};

/** Adds `squash` under the `repo` and `context` groups, those of them the program has. */
export function squashCommands(program: Command): void {
  const repo = program.commands.find((c) => c.name() === "repo");
  if (repo) repoSquashCommand(repo);
  const context = program.commands.find((c) => c.name() === "context");
  if (context) contextSquashCommand(context);
}

function repoSquashCommand(repo: Command): void {
  squashOptions(
    repo.command("squash")
      .description("remove older bundles of a repo, keeping the latest (and labelled) ones")
      .requiredOption("--repo <name>", "repo to squash"),
  ).action(async (flags: Flags) => {
    const { settings, ctx } = await openContextFrom(flags);
    const options = squashSettings(flags, settings.concurrency);
    await squash({ settings, ctx }, [await planSquash(ctx, flags.repo!, options)], options, flags);
  });
}

function contextSquashCommand(context: Command): void {
  squashOptions(
    context.command("squash")
      .description("squash every repo of a context, as repo squash does one"),
  ).action(async (flags: Flags) => {
    const { settings, ctx } = await openContextFrom(flags);
    const options = squashSettings(flags, settings.concurrency);
    const plans: SquashPlan[] = [];
    for await (const repo of listRepos(ctx, settings.concurrency)) {
      plans.push(await planSquash(ctx, repo.name, options));
    }
    await squash({ settings, ctx }, plans, options, flags);
  });
}

function squashOptions(cmd: Command): Command {
  return outputOptions(contextOptions(
    cmd
      .option("--retain-n-latest <n>", "bundles kept, newest first", "1")
      .option("--retain-tags", "also keep every bundle a label points at")
      .option("--retain-semver-tags", "also keep every bundle a label like v1.2.3 points at")
      .option("--dry-run", "list what would be removed; change nothing")
      .option("--force-yes", "do not ask for confirmation")
      .addOption(new Option("-y, --yes", "the same as --force-yes")),
  ));
}

function squashSettings(flags: Flags, concurrency: number): SquashOptions {
  return {
    retainLatest: parseWholeNumber(flags.retainNLatest, "--retain-n-latest", 1),
    retainTags: flags.retainTags ?? false,
    retainSemverTags: flags.retainSemverTags ?? false,
    concurrency,
    onSkipped: writeWarning,
  };
}

const columns = [
  { header: "REPO", value: (b: RemovedRow) => b.repo },
  { header: "BUNDLE", value: (b: RemovedRow) => b.id },
  { header: "TIME", value: (b: RemovedRow) => b.timestamp.toISOString() },
  { header: "LABELS", value: (b: RemovedRow) => b.labels.join(",") },
  { header: "MESSAGE", value: (b: RemovedRow) => b.message },
];

type RemovedRow = SquashedBundle & { repo: string };

function* removedRows(plans: SquashPlan[]): Generator<RemovedRow> {
  for (const plan of plans) for (const b of plan.remove) yield { repo: plan.repo, ...b };
}

/** Shows (dry run) or confirms and carries out the plans, then says what was done. */
async function squash(
  { settings, ctx }: { settings: Settings; ctx: Context },
  plans: SquashPlan[],
  options: SquashOptions,
  flags: Flags,
): Promise<void> {
  const removed = plans.reduce((n, p) => n + p.remove.length, 0);
  const labels = plans.flatMap(squashedLabels);
  const what = `${count(removed, "bundle")} of ${count(plans.length, "repo")}` +
    (labels.length ? ` and ${count(labels.length, "label")} (${labels.join(", ")})` : "");
  if (flags.dryRun) {
    await printRows(removedRows(plans), columns, flags, timed);
    writeErr(`dry run: squash would remove ${what}; nothing was changed`);
    return;
  }
  if (removed === 0) {
    writeErr(`nothing to squash: ${count(plans.length, "repo")} already keep only what is asked`);
    return;
  }
  if (!flags.forceYes && !flags.yes) {
    const ok = await confirm(`Remove ${what} from context "${ctx.doc.name}"?`);
    if (!ok) throw new DatamonError("cancelled", "nothing was squashed");
  }
  const actor = await actorFrom(settings, ctx.metadata, flags);
  const done: SquashPlan[] = [];
  for (const plan of plans) done.push(await applySquash(ctx, plan, options, actor));
  await printRows(removedRows(done), columns, flags, timed);
  const total = done.reduce((n, p) => n + p.remove.length, 0);
  writeErr(
    `squashed: removed ${count(total, "bundle")}, kept ${
      done.reduce((n, p) => n + p.kept, 0)
    }; their blobs go with the next "datamon purge"`,
  );
}
