/** `datamon repo ...`: create, get, list, delete, rename. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { createRepo, deleteRepo, getRepo, listRepos } from "../meta/repo.ts";
import { renameRepo } from "../core/repo_rename.ts";
import { repoSize } from "../core/repo_size.ts";
import { readIntent } from "../meta/repo_journal.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  openContextFrom,
  outputOptions,
  required,
} from "./common.ts";
import {
  type Column,
  contributorColumn,
  formatBytes,
  type OutputFlags,
  printRecord,
  printRows,
  tableTime,
  wantsData,
  writeErr,
  writeWarning,
} from "./output.ts";
import { confirm } from "./confirm.ts";
import { repoJson } from "./json_records.ts";
import type { RepoDoc } from "../model/types.ts";
import type { Context } from "../meta/context.ts";

type Flags = ContextFlags & OutputFlags & { repo: string };
type SizeFlags = Flags & { withSize?: boolean };

const withSizeOption = [
  "--with-size",
  "add each repo's size: the bytes of all its bundles, shared blobs counted in each",
] as const;

/** A repo, with its size when --with-size asked for it. */
type SizedRepo = RepoDoc & { size?: number };

async function withSize(ctx: Context, doc: RepoDoc, concurrency: number): Promise<SizedRepo> {
  return { ...doc, size: await repoSize(ctx, doc.name, concurrency, writeWarning) };
}

export function repoCommands(program: Command): void {
  const repo = program.command("repo").description("create, list and manage repos");

  contributorOptions(outputOptions(contextOptions(
    repo.command("create")
      .description("create a repo")
      .requiredOption("--repo <name>", "repo name")
      .option("--description <text>", "what the repo holds", ""),
  ))).action(async (flags: Flags & { description: string; name?: string; email?: string }) => {
    const { settings, ctx } = await openContextFrom(flags);
    const doc = await createRepo(
      ctx,
      flags.repo,
      flags.description,
      await actorFrom(settings, ctx.metadata, flags),
    );
    if (flags.json || flags.format !== undefined) printRecord(repoJson(doc), flags);
    else writeErr(`created repo ${doc.name} in context ${ctx.doc.name}`);
  });

  outputOptions(contextOptions(
    repo.command("get").description("show a repo").requiredOption("--repo <name>", "repo name")
      .option(...withSizeOption),
  )).action(async (flags: SizeFlags) => {
    const { ctx, settings } = await openContextFrom(flags);
    const doc = await getRepo(ctx, flags.repo);
    printRecord(
      repoJson(flags.withSize ? await withSize(ctx, doc, settings.concurrency) : doc),
      flags,
    );
  });

  outputOptions(contextOptions(
    repo.command("list").description("list the repos of a context").option(...withSizeOption),
  )).action(async (flags: SizeFlags) => {
    const { ctx, settings } = await openContextFrom(flags);
    const columns: Column<SizedRepo>[] = [
      { header: "NAME", value: (r) => r.name },
      { header: "CREATED", value: (r) => tableTime(r.timestamp) },
      { header: "DESCRIPTION", value: (r) => r.description, flexible: true },
      contributorColumn("CONTRIBUTOR", (r) => [r.contributor]),
    ];
    const repos = listRepos(ctx, settings.concurrency);
    async function* sized() {
      for await (const doc of repos) yield await withSize(ctx, doc, settings.concurrency);
    }
    const size = { header: "SIZE", value: (r: SizedRepo) => formatBytes(r.size ?? 0) };
    const shown = flags.withSize
      ? await printRows<SizedRepo>(sized(), [...columns, size], flags, repoJson)
      : await printRows<SizedRepo>(repos, columns, flags, repoJson);
    if (shown === 0 && !wantsData(flags)) {
      writeErr(
        `no repos in context ${ctx.doc.name} yet: create one with ` +
          `"datamon repo create --repo NAME --context ${ctx.doc.name}"`,
      );
    }
  });

  contextOptions(
    repo.command("delete")
      .description("delete a repo with its bundles and labels (blobs stay until purged)")
      // Not a requiredOption: commander would then require it of `repo delete files` too.
      .option("--repo <name>", "repo name (required)")
      .option("--force-yes", "do not ask for confirmation"),
  ).action(async (flags: Flags & { forceYes?: boolean }) => {
    required(flags.repo, "--repo");
    const { settings, ctx } = await openContextFrom(flags);
    // A delete that was killed may have removed repo.yaml already: its re-run finishes it.
    if ((await readIntent(ctx, flags.repo))?.operation !== "delete") await getRepo(ctx, flags.repo);
    if (!flags.forceYes) {
      const ok = await confirm(
        `Delete repo "${flags.repo}" with all its bundles and labels from context "${ctx.doc.name}"?`,
      );
      if (!ok) {
        throw new DatamonError("cancelled", `repo "${flags.repo}" was not deleted`);
      }
    }
    await deleteRepo(ctx, flags.repo, await actorFrom(settings, ctx.metadata, flags));
    writeErr(`deleted repo ${flags.repo}`);
  });

  contextOptions(
    repo.command("rename")
      .description("rename a repo, keeping its bundles and labels")
      .argument("<new-name>", "the repo's new name")
      .requiredOption("--repo <name>", "current repo name"),
  ).action(async (newName: string, flags: Flags) => {
    const { settings, ctx } = await openContextFrom(flags);
    await renameRepo(ctx, flags.repo, newName, await actorFrom(settings, ctx.metadata, flags));
    writeErr(`renamed repo ${flags.repo} to ${newName}`);
  });
}
