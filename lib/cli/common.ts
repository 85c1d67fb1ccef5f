/** Options shared by many commands, and turning them into settings and an open context. */
import { type Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import { loadSettings, parseConcurrency, type Settings } from "../core/settings.ts";
import { type Context, loadContext } from "../core/context.ts";
import { resolveContributor } from "../core/contributor.ts";
import type { Contributor } from "../model/types.ts";

/** Flags every command that reaches a context accepts. */
export interface ContextFlags {
  context?: string;
  config?: string;
  concurrencyFactor?: string;
}

/** --context, --config and --concurrency-factor. */
export function contextOptions(cmd: Command): Command {
  return cmd
    .option("--context <name>", "context to use (env DATAMON_CONTEXT; default: local)")
    .option("--config <url>", "config store holding contexts (env DATAMON_CONFIG_STORE)")
    .option(
      "--concurrency-factor <n>",
      "files processed at once; lower uses less memory (env DATAMON_CONCURRENCY; default 16)",
    );
}

/** --json and --format for commands that print data. */
export function outputOptions(cmd: Command): Command {
  return cmd
    .option("--json", "print JSON")
    .option("--format <template>", "print each item with a template, e.g. '{{id}}\\t{{message}}'");
}

/** --name and --email: who is recorded as the contributor. */
export function contributorOptions(cmd: Command): Command {
  return cmd
    .option("--name <name>", "contributor name (default: config, then git user.name)")
    .option("--email <email>", "contributor email (default: config, then git user.email)");
}

/** --bundle and --label: which bundle (default: the latest). */
export function selectorOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("--bundle <id>", "bundle id (default: latest)").conflicts("label"))
    .option("--label <name>", "use the bundle this label points at");
}

/** --quiet: no progress on stderr. */
export function quietOption(cmd: Command): Command {
  return cmd.option("-q, --quiet", "no progress output");
}

/** Settings with flags applied. */
export function settingsFrom(flags: ContextFlags): Promise<Settings> {
  return loadSettings({
    context: flags.context,
    config: flags.config,
    concurrencyFactor: parseConcurrency(flags.concurrencyFactor, "--concurrency-factor"),
  });
}

/** Settings and the opened context the flags select. */
export async function openContextFrom(
  flags: ContextFlags,
): Promise<{ settings: Settings; ctx: Context }> {
  const settings = await settingsFrom(flags);
  return { settings, ctx: await loadContext(settings) };
}

/** The contributor for a change, from flags, config, git or the system. */
export function contributorFrom(
  settings: Settings,
  flags: { name?: string; email?: string },
): Promise<Contributor> {
  return resolveContributor(settings, { name: flags.name, email: flags.email });
}

/** A required option's value, with a usage error naming it. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") {
    throw new DatamonError("usage", `missing ${flag}: see --help`);
  }
  return value;
}

/** Parses a byte size: 4096, 64K, 2M, 1G (powers of 1024). */
export function parseByteSize(value: string, flag: string): number {
  const m = /^(\d+)([KMG]i?B?)?$/i.exec(value.trim());
  if (!m) {
    throw new DatamonError("invalid-argument", `${flag} "${value}" is not a size: use e.g. 2M`);
  }
  const scale = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[m[2]?.[0]?.toUpperCase() ?? ""] ?? 1;
  return Number(m[1]) * scale;
}

/** Cancelled by the first SIGINT/SIGTERM; long operations check it and clean up. */
export const interrupt = new AbortController();

let interruptOwned = false;

/**
 * Called by a command whose answer to SIGINT/SIGTERM is its normal ending (a mount unmounts,
 * then commits): no grace period cuts it short. A second signal still quits at once.
 */
export function ownInterrupt(): void {
  interruptOwned = true;
}

/** True once the running command has taken over the end of an interrupt. */
export function interruptIsOwned(): boolean {
  return interruptOwned;
}
