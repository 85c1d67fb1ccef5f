/** End-to-end: flags where people type them, and help that reads like other CLIs'. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { buildProgram } from "../../lib/cli/app.ts";
import type { Command } from "commander";

Deno.test("global options given before the subcommand apply to it", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "context", "create", "--context", "team", "--store", `file://${dir}/t`);
    await datamonOk(home, "--context", "team", "repo", "create", "--repo", "shared");
    const team = JSON.parse(await datamonOk(home, "--context", "team", "repo", "list", "--json"));
    assertEquals(team.map((r: { name: string }) => r.name), ["shared"]);
    assertEquals(JSON.parse(await datamonOk(home, "repo", "list", "--json")), [], "local");
    const after = await datamonOk(home, "--context", "local", "repo", "list", "--context", "team");
    assertMatch(after, /shared/, "the flag after the command name wins");
  });
});

Deno.test("a global option before a command that does not take it is a usage error", async () => {
  await withTempDir(async (dir) => {
    const r = await datamon(`${dir}/home`, "--context", "team", "version");
    assertEquals(r.code, 2, r.stderr);
    assertEquals(
      r.stderr,
      'datamon: --context does not apply to "datamon version": see its --help\n',
    );
  });
});

Deno.test("datamon help bundle upload shows upload's help", async () => {
  await withTempDir(async (dir) => {
    const r = await datamon(`${dir}/home`, "help", "bundle", "upload");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^Usage: datamon bundle upload \[options\]/);
  });
});

/** Every command below the program with its path. */
function* commands(cmd: Command, path: string[] = []): Generator<[string, Command]> {
  for (const sub of cmd.commands) {
    const subPath = [...path, sub.name()];
    yield [subPath.join(" "), sub];
    yield* commands(sub, subPath);
  }
}

/** The help `cmd` prints, with the text added after it. */
function helpOf(cmd: Command): string {
  let text = "";
  cmd.configureOutput({ writeOut: (s) => text += s });
  cmd.outputHelp();
  return text;
}

Deno.test("each command's help lists its own options, then the global ones, and ends with examples", async () => {
  const withoutExamples: string[] = [];
  for (const [path, cmd] of commands(await buildProgram())) {
    // A group (no action of its own) and a hidden command have no help of their own to read.
    const { _actionHandler, _hidden } = cmd as unknown as {
      _actionHandler?: unknown;
      _hidden?: boolean;
    };
    if ((cmd.commands.length > 0 && !_actionHandler) || _hidden) continue;
    const help = helpOf(cmd);
    const examples = help.match(/\nExamples:\n([\s\S]*)$/)?.[1];
    if (!examples) {
      withoutExamples.push(path);
      continue;
    }
    const count = examples.split("\n").filter((l) => l.startsWith("  $ ")).length;
    assert(count >= 2 && count <= 3, `${path}: ${count} examples`);
    const own = help.indexOf("\nOptions:\n");
    const global = help.indexOf("\nGlobal options:\n");
    if (global !== -1) assert(own !== -1 && own < global, `${path}: own options first\n${help}`);
  }
  assertEquals(withoutExamples, [], "commands whose help has no examples (lib/cli/examples.ts)");
});

Deno.test("every required option is marked required in its command's help", async () => {
  for (const [path, cmd] of commands(await buildProgram())) {
    const help = helpOf(cmd);
    for (const option of cmd.options.filter((o) => o.mandatory)) {
      const line = help.split("\n").find((l) => l.trimStart().startsWith(option.flags));
      assert(line !== undefined, `${path}: ${option.flags} listed`);
      const start = help.indexOf(line);
      const next = help.slice(start + line.length).search(/\n {2}-/);
      const item = help.slice(start, next === -1 ? undefined : start + line.length + next);
      assertMatch(item, /\(required\)/, `${path}: ${option.flags}`);
    }
  }
});

Deno.test("lineage takes --output tree|json|dot, and --format as its old spelling", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/a`, "a");
    await datamonOk(
      home,
      "bundle",
      "upload",
      "--repo",
      "r",
      "--path",
      `${dir}/src`,
      "--message",
      "m",
    );
    const dot = await datamonOk(home, "lineage", "--repo", "r", "--output", "dot");
    assert(dot.startsWith("digraph lineage {"), dot);
    assertEquals(await datamonOk(home, "lineage", "--repo", "r", "--format", "dot"), dot);
    const bad = await datamon(home, "lineage", "--repo", "r", "--output", "svg");
    assertEquals(bad.code, 2);
    assertMatch(bad.stderr, /--output must be tree, json or dot, got "svg"/);
  });
});
