/**
 * examples/argo/diamond_workflow.yaml: its datamon command lines name real commands and flags,
 * and the params its shard pods' sidecars write add each pod's output as a split.
 */
import { parse } from "yaml";
import { assert, assertEquals } from "../support/assert.ts";
import { buildProgram } from "../../lib/cli/app.ts";
import { decodeSidecarParams } from "../../lib/model/sidecar_params.ts";
import type { Command } from "commander";

/** The parts of a workflow template these tests read. */
interface Template {
  script?: { source: string };
  sidecars?: { args?: string[] }[];
}

const workflow: { spec: { templates: Template[] } } = parse(
  Deno.readTextFileSync(new URL("../../examples/argo/diamond_workflow.yaml", import.meta.url)),
);

/** Every shell script of the workflow: the steps' and the sidecars'. */
function scripts(): string[] {
  return workflow.spec.templates.flatMap((t) => [
    ...(t.script ? [t.script.source] : []),
    ...(t.sidecars ?? []).flatMap((s) => s.args ?? []),
  ]);
}

/** Every `datamon ...` line of the scripts (continuation lines joined, `exec` dropped). */
function datamonLines(): string[] {
  return scripts().flatMap((source) =>
    source.replace(/\\\n\s*/g, "").split("\n").map((l) => l.trim().replace(/^exec /, ""))
      .filter((l) => l.startsWith("datamon "))
  );
}

function subcommand(cmd: Command, name: string): Command {
  const found = cmd.commands.find((c) => c.name() === name);
  assert(found !== undefined, `no command "${name}" under "${cmd.name()}"`);
  return found;
}

Deno.test("the diamond workflow example runs initialize, the sidecar and commit with flags datamon has", async () => {
  const program = await buildProgram();
  const paths: string[] = [];
  for (const line of datamonLines()) {
    const words = line.split(/\s+/).slice(1);
    const path = words.slice(0, words.findIndex((w) => w.startsWith("--")));
    const cmd = path.reduce(subcommand, program);
    const flags = cmd.options.map((o) => o.long);
    for (const flag of line.match(/ --[a-z-]+/g) ?? []) {
      assert(flags.includes(flag.trim()), `"${path.join(" ")}" has no ${flag.trim()}`);
    }
    paths.push(path.join(" "));
  }
  assertEquals(paths, ["diamond initialize", "sidecar", "diamond commit"]);
});

Deno.test("the diamond workflow's shard sidecar writes params that add its output as a split", () => {
  const heredoc = scripts().map((s) => /<<EOF\n([^]*?)\nEOF\n/.exec(s)?.[1]).find((p) => p);
  assert(heredoc !== undefined, "no sidecar writes its params.yaml");
  const diamond = "2kTgN7nEvKsTBAnQA2E0QzmHfYz";
  const filled = heredoc.replaceAll("{{inputs.parameters.diamond}}", diamond)
    .replaceAll("{{inputs.parameters.shard}}", "0")
    .replace(/\{\{[a-z.]+\}\}/g, "x");
  const params = decodeSidecarParams(filled, "the shard's params");
  assertEquals(params.outputs, [
    { path: "/shared/out", repo: "x", diamond, split: "shard-0", splitTag: "x" },
  ]);
});
