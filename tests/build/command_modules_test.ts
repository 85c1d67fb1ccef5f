/**
 * A command line loads only the command modules of the groups it names (start-up), and any
 * line that could need more gets the whole tree.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { buildProgram } from "../../lib/cli/app.ts";
import { commandRegistrars } from "../../lib/cli/command_modules.ts";

const ALL = (await commandRegistrars()).length;

Deno.test("a command line loads the modules of the groups it names, and no others", async () => {
  assertEquals((await commandRegistrars(["version"])).length, 1);
  // repo is extended by squash and by `repo delete files`.
  assertEquals((await commandRegistrars(["repo", "list", "--json"])).length, 3);
  assertEquals((await commandRegistrars(["--context", "x", "bundle", "list"])).length, 1);
  assert(ALL > 10);
});

Deno.test("a flag value that names a group loads it too, so the real command is always there", async () => {
  const program = await buildProgram(["--context", "bundle", "repo", "list"]);
  const groups = program.commands.map((c) => c.name());
  assert(groups.includes("repo") && groups.includes("bundle"), groups.join(" "));
  assert(
    program.commands.find((c) => c.name() === "repo")!.commands.some((c) => c.name() === "squash"),
  );
});

Deno.test("help, a typo, usage and completion load the whole tree", async () => {
  for (const args of [[], ["--help"], ["bundl"], ["usage", "--target-dir", "d"], ["__complete"]]) {
    assertEquals((await commandRegistrars(args)).length, ALL, args.join(" "));
  }
  // After `--` a word is an argument, not a command.
  assertEquals((await commandRegistrars(["version", "--", "repo"])).length, 1);
});
