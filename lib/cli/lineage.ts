/** `datamon lineage`: the bundles a bundle was made from, or those made from it. */
import { type Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import { resolveBundle } from "../meta/bundles.ts";
import { type LineageGraph, lineageGraph, type LineageNode, refText } from "../meta/lineage.ts";
import { type ContextFlags, contextOptions, openContextFrom, selectorOptions } from "./common.ts";
import { printRecord, writeOut } from "./output.ts";
import { timed } from "./json_records.ts";

type Flags = ContextFlags & {
  repo: string;
  bundle?: string;
  label?: string;
  upstream?: boolean;
  downstream?: boolean;
  output?: string;
  format?: string;
  json?: boolean;
};

export function lineageCommand(program: Command): void {
  contextOptions(selectorOptions(
    program.command("lineage")
      .description("the bundles a bundle was made from (--upstream) or made from it (--downstream)")
      .requiredOption("--repo <name>", "repo")
      .option("--upstream", "what it was made from, recursively (the default)")
      .option("--downstream", "what was made from it, recursively")
      .option("-o, --output <format>", "tree, json or dot (Graphviz); default tree")
      // --format is a template everywhere else; lineage's old spelling of --output still works.
      .addOption(new Option("--format <format>").hideHelp().conflicts("output"))
      .option("--json", "print JSON (same as --output json)"),
  )).action(async (flags: Flags) => {
    if (flags.upstream && flags.downstream) {
      throw new DatamonError("usage", "give either --upstream or --downstream, not both");
    }
    const format = flags.json ? "json" : flags.output ?? flags.format ?? "tree";
    if (!["tree", "json", "dot"].includes(format)) {
      throw new DatamonError("usage", `--output must be tree, json or dot, got "${format}"`);
    }
    const { ctx } = await openContextFrom(flags);
    const doc = await resolveBundle(ctx, flags.repo, flags);
    const graph = await lineageGraph(
      ctx,
      { repo: doc.repo, bundle: doc.id },
      flags.downstream ? "downstream" : "upstream",
    );
    if (format === "json") printRecord({ ...graph, nodes: graph.nodes.map(timed) }, { json: true });
    else if (format === "dot") writeOut(dotText(graph));
    else writeOut(treeText(graph));
  });
}

/** The graph as an indented tree from its root; a bundle reached twice is shown once. */
function treeText(graph: LineageGraph): string {
  const nodes = new Map(graph.nodes.map((n) => [refText(n), n]));
  const next = new Map<string, string[]>();
  for (const { from, to } of graph.edges) {
    const [a, b] = graph.direction === "upstream" ? [to, from] : [from, to];
    const list = next.get(refText(a)) ?? [];
    list.push(refText(b));
    next.set(refText(a), list);
  }
  const lines: string[] = [];
  const shown = new Set<string>();
  const visit = (ref: string, depth: number) => {
    const again = shown.has(ref);
    lines.push(`${"  ".repeat(depth)}${nodeText(nodes.get(ref)!)}${again ? " (see above)" : ""}`);
    if (again) return;
    shown.add(ref);
    for (const child of next.get(ref) ?? []) visit(child, depth + 1);
  };
  visit(refText(graph.root), 0);
  return `${lines.join("\n")}\n`;
}

function nodeText(node: LineageNode): string {
  if (node.missing) return `${refText(node)} (no longer stored)`;
  if (node.context !== undefined) return refText(node);
  return `${refText(node)}  ${node.timestamp!.toISOString()}  ${node.message}`;
}

/** The graph in Graphviz's dot language, edges from input to output. */
function dotText(graph: LineageGraph): string {
  const lines = ["digraph lineage {", "  rankdir=LR;"];
  for (const node of graph.nodes) {
    const label = node.missing ? `${refText(node)} (no longer stored)` : refText(node);
    lines.push(`  ${JSON.stringify(refText(node))} [label=${JSON.stringify(label)}];`);
  }
  for (const { from, to } of graph.edges) {
    lines.push(`  ${JSON.stringify(refText(from))} -> ${JSON.stringify(refText(to))};`);
  }
  lines.push("}");
  return `${lines.join("\n")}\n`;
}
