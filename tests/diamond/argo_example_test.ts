/** examples/argo/diamond_workflow.yaml: its datamon command lines name real commands and flags. */
import { parse } from "yaml";
import { assert, assertEquals } from "../support/assert.ts";
import { buildProgram } from "../../lib/cli/app.ts";
import type { Command } from "commander";

/** Every `datamon ...` line of the workflow's scripts, continuation lines joined. */
function datamonLines(workflow: { spec: { templates: { script?: { source: string } }[] } }) {
  return workflow.spec.templates.flatMap((t) =>
    (t.script?.source ?? "").replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim())
      .filter((l) => l.startsWith("datamon "))
  );
}

function subcommand(cmd: Command, name: string): Command {
  const found = cmd.commands.find((c) => c.name() === name);
  assert(found !== undefined, `no command "${name}" under "${cmd.name()}"`);
  return found;
}

Deno.test("the diamond workflow example runs initialize, split add and commit with flags datamon has", async () => {
  const program = await buildProgram();
  const url = new URL("../../examples/argo/diamond_workflow.yaml", import.meta.url);
  const lines = datamonLines(parse(Deno.readTextFileSync(url)));
  const paths: string[] = [];
  for (const line of lines) {
    const words = line.split(/\s+/).slice(1);
    const path = words.slice(0, words.findIndex((w) => w.startsWith("--")));
    const cmd = path.reduce(subcommand, program);
    const flags = cmd.options.map((o) => o.long);
    for (const flag of line.match(/ --[a-z-]+/g) ?? []) {
      assert(flags.includes(flag.trim()), `"${path.join(" ")}" has no ${flag.trim()}`);
    }
    paths.push(path.join(" "));
  }
  assertEquals(paths, ["diamond initialize", "diamond split add", "diamond commit"]);
});
