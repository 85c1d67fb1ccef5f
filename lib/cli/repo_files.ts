/**
 * `datamon repo delete files` (Go datamon's): an explicit, logged redaction of file names from
 * every bundle of a repo. Bundles keep their file lists as committed, so their history stays
 * auditable; reads leave the names out and say so in one line.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { getRepo } from "../meta/repo.ts";
import { redactFiles } from "../meta/redactions.ts";
import { actorFrom, type ContextFlags, contextOptions, openContextFrom } from "./common.ts";
import { count, writeErr, writeWarning } from "./output.ts";
import { confirm } from "./confirm.ts";

type Flags = ContextFlags & { repo: string; file?: string; files?: string; forceYes?: boolean };

/** Adds `files` under `repo delete`. */
export function repoFilesCommands(program: Command): void {
  const repo = program.commands.find((c) => c.name() === "repo")!;
  const del = repo.commands.find((c) => c.name() === "delete")!;
  contextOptions(
    del.command("files")
      .description(
        "redact files from the bundles a repo has: reads leave them out, history stays auditable",
      )
      .requiredOption("--repo <name>", "repo")
      .option("--file <name>", "one file to redact (its path in the bundle)")
      .option("--files <path>", "a text file listing the files to redact, one a line")
      .option("--force-yes", "do not ask for confirmation"),
  ).action(async (flags: Flags) => {
    const names = await namesFrom(flags);
    const { settings, ctx } = await openContextFrom(flags);
    const doc = await getRepo(ctx, flags.repo);
    if (!flags.forceYes) {
      const ok = await confirm(
        `Redact ${count(names.length, "file")} from the bundles of repo "${flags.repo}"?`,
      );
      if (!ok) throw new DatamonError("cancelled", "nothing was redacted");
    }
    const record = await redactFiles(
      ctx,
      doc,
      names,
      await actorFrom(settings, ctx.metadata, flags),
    );
    writeErr(
      `redacted ${
        count(record.names.length, "file")
      } from repo ${flags.repo} (record ${record.id}); ` +
        `their blobs go with the next "datamon purge" unless other files share them`,
    );
  });
}

/** The names of --file and of the lines of --files (blank lines skipped). */
async function namesFrom(flags: Flags): Promise<string[]> {
  if ((flags.file === undefined) === (flags.files === undefined)) {
    throw new DatamonError("usage", "give one of --file or --files");
  }
  if (flags.file !== undefined) return [flags.file];
  let text: string;
  try {
    text = await Deno.readTextFile(flags.files!);
  } catch (e) {
    throw new DatamonError(
      "bad-path",
      `cannot read --files ${flags.files}: ${(e as Error).message}`,
    );
  }
  return text.split("\n").map((line) => line.trim()).filter((line) => line !== "");
}

/** Says in one line that a read left out redacted files. */
export function warnRedacted(redacted: number): void {
  if (redacted > 0) {
    writeWarning(`left out ${count(redacted, "redacted file")} (datamon repo delete files)`);
  }
}
