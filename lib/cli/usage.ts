/**
 * `datamon usage` (Go datamon's): one markdown page per command, written from the command tree
 * itself so the pages cannot drift from the program; and `datamon upgrade`, which answers a Go
 * user in one line, since datamon does not replace its own binary.
 */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { writeErr, writeOut } from "./output.ts";

/** Adds `usage` and `upgrade`. */
export function usageCommands(program: Command): void {
  program.command("usage")
    .description("write one markdown page per command into a directory")
    .option("--target-dir <dir>", "directory the pages are written into", ".")
    .action(async (flags: { targetDir: string }) => {
      await requireDirectory(flags.targetDir);
      let pages = 0;
      for (const [cmd, path] of commandPaths(program)) {
        await Deno.writeTextFile(`${flags.targetDir}/${pageName(path)}`, page(cmd, path));
        pages++;
      }
      writeErr(`wrote ${pages} pages into ${flags.targetDir}`);
    });

  program.command("upgrade")
    .description("say how datamon is upgraded (Go datamon's self-upgrade)")
    .option("--check-version", "accepted for Go datamon scripts")
    .option("--force", "accepted for Go datamon scripts")
    .action(() => {
      writeOut(
        "datamon does not replace itself: download a release binary and put it in place of " +
          'this one ("datamon version" shows the running version)\n',
      );
    });
}

async function requireDirectory(dir: string): Promise<void> {
  try {
    if ((await Deno.stat(dir)).isDirectory) return;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  throw new DatamonError("bad-path", `--target-dir ${dir} is not a directory: create it first`);
}

/** Every command with its path of names from the program down, the program first. */
function* commandPaths(cmd: Command, path: string[] = []): Generator<[Command, string[]]> {
  const here = [...path, cmd.name()];
  yield [cmd, here];
  for (const sub of cmd.commands) yield* commandPaths(sub, here);
}

/** datamon_repo_squash.md, as Go datamon names its pages. */
function pageName(path: readonly string[]): string {
  return `${path.join("_")}.md`;
}

function page(cmd: Command, path: string[]): string {
  const lines = [
    `## ${path.join(" ")}`,
    "",
    cmd.description(),
    "",
    "```",
    cmd.helpInformation().trimEnd(),
    "```",
  ];
  const related: [Command, string[]][] = [
    ...(cmd.parent ? [[cmd.parent, path.slice(0, -1)] as [Command, string[]]] : []),
    ...cmd.commands.map((sub): [Command, string[]] => [sub, [...path, sub.name()]]),
  ];
  if (related.length > 0) {
    lines.push("", "### See also", "");
    for (const [other, otherPath] of related) {
      lines.push(`* [${otherPath.join(" ")}](${pageName(otherPath)}): ${other.description()}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
