/** `datamon label ...`: set, get (with history), list. */
import type { Command } from "commander";
import type { LabelRecord } from "../model/types.ts";
import type { Context } from "../meta/context.ts";
import { getLabel, labelHistory, labelHistoryGap, listLabels, setLabel } from "../meta/labels.ts";
import { latestBundle, resolveBundleId } from "../meta/bundles.ts";
import { getRepo } from "../meta/repo.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  openContextFrom,
  outputOptions,
} from "./common.ts";
import {
  contributorColumn,
  type OutputFlags,
  printRecord,
  printRows,
  tableTime,
  writeErr,
  writeWarning,
} from "./output.ts";
import { labelJson } from "./json_records.ts";

type Flags = ContextFlags & OutputFlags & { repo: string; label: string };

const labelColumns = [
  { header: "LABEL", value: (l: LabelRecord) => l.name },
  { header: "BUNDLE", value: (l: LabelRecord) => l.bundleId },
  { header: "SET", value: (l: LabelRecord) => tableTime(l.timestamp) },
  contributorColumn("BY", (l: LabelRecord) => [l.contributor]),
];

export function labelCommands(program: Command): void {
  const label = program.command("label").description("movable names for bundles");

  contributorOptions(outputOptions(contextOptions(
    label.command("set")
      .description(
        "point a label at a bundle (default: the latest); the old target stays in its history",
      )
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--label <name>", "label name")
      .option("--bundle <id>", "bundle to label, or its first 8+ characters (default: latest)"),
  ))).action(async (flags: Flags & { bundle?: string; name?: string; email?: string }) => {
    const { settings, ctx } = await openContextFrom(flags);
    await getRepo(ctx, flags.repo);
    const bundleId = flags.bundle !== undefined
      ? await resolveBundleId(ctx, flags.repo, flags.bundle)
      : (await latestBundle(ctx, flags.repo, writeWarning)).id;
    const record = await setLabel(
      ctx,
      flags.repo,
      flags.label,
      bundleId,
      await actorFrom(settings, ctx.metadata, flags),
    );
    if (flags.json || flags.format !== undefined) printRecord(labelJson(record), flags);
    else writeErr(`label ${record.name} of repo ${flags.repo} now points at bundle ${bundleId}`);
  });

  outputOptions(contextOptions(
    label.command("get")
      .description("show a label's bundle; --history lists every move, newest first")
      .requiredOption("--repo <name>", "repo")
      .requiredOption("--label <name>", "label name")
      .option("--history", "show every bundle the label pointed at"),
  )).action(async (flags: Flags & { history?: boolean }) => {
    const { ctx } = await openContextFrom(flags);
    await getRepo(ctx, flags.repo);
    if (flags.history) {
      warnOfHistoryGap(ctx);
      const history = await labelHistory(ctx, flags.repo, flags.label);
      await printRows(history, labelColumns, flags, labelJson);
    } else {
      printRecord(labelJson(await getLabel(ctx, flags.repo, flags.label)), flags);
    }
  });

  outputOptions(contextOptions(
    label.command("list")
      .description("list a repo's labels with their current bundles")
      .requiredOption("--repo <name>", "repo")
      .option("--prefix <text>", "only labels whose name starts with this")
      .option("--with-versions", "list every bundle each label pointed at, newest first"),
  )).action(async (flags: Flags & { prefix?: string; withVersions?: boolean }) => {
    const { ctx, settings } = await openContextFrom(flags);
    if (flags.withVersions) warnOfHistoryGap(ctx);
    async function* labels() {
      for await (const l of listLabels(ctx, flags.repo, settings.concurrency, writeWarning)) {
        if (flags.prefix && !l.name.startsWith(flags.prefix)) continue;
        if (flags.withVersions) yield* await labelHistory(ctx, flags.repo, l.name);
        else yield l;
      }
    }
    await printRows(labels(), labelColumns, flags, labelJson);
  });
}

/** Says once, on stderr, when the context cannot show a label's earlier targets. */
function warnOfHistoryGap(ctx: Context): void {
  const gap = labelHistoryGap(ctx);
  if (gap !== undefined) writeWarning(gap);
}
