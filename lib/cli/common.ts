/** Options shared by many commands, and turning them into settings and an open context. */
import { type Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import type { SettingFlags, Settings } from "../meta/settings.ts";
import type { Context } from "../meta/context.ts";
import type { Reader } from "../meta/audit.ts";
import type { Contributor } from "../model/types.ts";
import type { Store } from "../store/store.ts";
import { commandMetrics } from "./metrics.ts";
import { checkOutputFlags, writeWarning } from "./output.ts";
import { outputFieldsOf } from "./output_fields.ts";

/** Flags every command that reaches a context accepts. */
export interface ContextFlags {
  context?: string;
  config?: string;
  concurrencyFactor?: string;
  skipAuth?: boolean;
  metrics?: string;
}

/** Heading under which a command's help lists the options many commands share. */
export const GLOBAL_OPTIONS_HEADING = "Global options:";

/** An option many commands share: listed under the global heading, and accepted before the command. */
function globalOption(flags: string, description: string): Option {
  return new Option(flags, description).helpGroup(GLOBAL_OPTIONS_HEADING);
}

/** The options that choose the context and how a command reaches it. */
function contextOptionList(): Option[] {
  return [
    globalOption("--context <name>", "context to use (env DATAMON_CONTEXT; default: local)"),
    globalOption("--config <url>", "config store holding contexts (env DATAMON_CONFIG_STORE)"),
    globalOption(
      "--concurrency-factor <n>",
      "files processed at once; lower uses less memory (env DATAMON_CONCURRENCY; default 16)",
    ),
    globalOption(...skipAuthOption),
    globalOption(
      "--metrics <url>",
      "push this command's metrics to a Prometheus Pushgateway (env DATAMON_METRICS)",
    ),
  ];
}

/** --context, --config, --concurrency-factor, --skip-auth and --metrics. */
export function contextOptions(cmd: Command): Command {
  for (const option of contextOptionList()) cmd.addOption(option);
  return cmd;
}

/**
 * The global options on the program itself, so that they may come before the subcommand
 * (`datamon --context team repo list`); the command that runs takes them over (help.ts).
 */
export function globalOptions(program: Command): Command {
  return verbosityOptions(contextOptions(program));
}

/**
 * -v (repeatable), -q and --progress, each added unless `cmd` has it: every command takes them
 * (verbosity.ts reads them).
 */
export function verbosityOptions(cmd: Command): Command {
  const has = (long: string) => cmd.options.some((o) => o.long === long);
  if (!has("--verbose")) {
    cmd.addOption(
      globalOption("-v, --verbose", "say more: -v the time, requests and retries; -vv each request")
        .argParser((_: string, level: number | undefined) => (level ?? 0) + 1),
    );
  }
  if (!has("--quiet")) quietOption(cmd);
  if (!has("--progress")) {
    cmd.addOption(
      globalOption("--progress <mode>", "auto (a line on a terminal), json (events) or none")
        .choices(["auto", "json", "none"]),
    );
  }
  return cmd;
}

/** --skip-auth: record the configured name and email without asking the cloud who we are. */
export const skipAuthOption = [
  "--skip-auth",
  "record the configured name/email; do not ask the store's cloud who the credentials are",
] as const;

/**
 * --json and --format for commands that print data (both checked against the command's fields,
 * output_fields.ts, before its action runs, so a bad template never follows a write);
 * --no-headers and --wide for tables.
 */
export function outputOptions(cmd: Command): Command {
  return cmd
    .option("--json", "print JSON")
    .option(
      "--format <template>",
      "print each item with a template, e.g. '{{id}}\\t{{message}}' or Go's '{{.ID}}'",
    )
    .option("--no-headers", "tables: no header line")
    .option("--wide", "tables: contributors with their email, nothing cut to the terminal width")
    .hook("preAction", (_, action) => {
      // A parent's hook also runs for its subcommands (bundle list files), with their fields.
      if (action === cmd) checkOutputFlags(action.opts(), outputFieldsOf(commandPath(action)));
    });
}

/** "bundle upload": the names from below the program down to `cmd`. */
export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let at: Command | null = cmd; at?.parent; at = at.parent) names.unshift(at.name());
  return names.join(" ");
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
    .addOption(
      new Option("--bundle <id>", "bundle id, or its first 8+ characters (default: latest)")
        .conflicts("label"),
    )
    .option("--label <name>", "use the bundle this label points at");
}

/** --quiet: no progress on stderr. */
export function quietOption(cmd: Command): Command {
  return cmd.addOption(globalOption("-q, --quiet", "no progress and no summary on stderr"));
}

/**
 * The settings and context modules, loaded when a command first reaches a context: they bring
 * yaml and the stores, which `version` and help never need (start-up).
 */
const settingsModule = () => import("../meta/settings.ts");

/** What the command line says of the settings, checked. */
export async function settingFlagsFrom(flags: ContextFlags): Promise<SettingFlags> {
  const { parseConcurrency } = await settingsModule();
  return {
    context: flags.context,
    config: flags.config,
    concurrencyFactor: parseConcurrency(flags.concurrencyFactor, "--concurrency-factor"),
    metrics: flags.metrics,
  };
}

/** Settings with flags applied; a metrics URL among them is where the command's metrics go. */
export async function settingsFrom(flags: ContextFlags): Promise<Settings> {
  const { loadSettings } = await settingsModule();
  const settings = await loadSettings(await settingFlagsFrom(flags));
  commandMetrics.pushgateway = settings.metrics;
  return settings;
}

/**
 * Settings and the opened context the flags select, metered once: its requests count in the
 * command's metrics, and a use case reads its own share from the same meter.
 */
export async function openContextFrom(
  flags: ContextFlags,
): Promise<{ settings: Settings; ctx: Context }> {
  const settings = await settingsFrom(flags);
  const { loadContext, meteredContext } = await import("../meta/context.ts");
  return { settings, ctx: meteredContext(await loadContext(settings), commandMetrics.meter) };
}

/**
 * Who acts: the contributor from flags, config, git or the system, with the identity the
 * store's cloud authenticates (unless --skip-auth); a store that cannot tell is warned about.
 */
export async function actorFrom(
  settings: Settings,
  store: Store,
  flags: { name?: string; email?: string; skipAuth?: boolean },
): Promise<Contributor> {
  const { resolveActor } = await import("../meta/contributor.ts");
  return await resolveActor(settings, store, { name: flags.name, email: flags.email }, {
    skipAuth: flags.skipAuth,
    onWarning: writeWarning,
  });
}

/** The reader of a bundle: the actor, and the run (DATAMON_RUN_ID) it belongs to. */
export async function readerFrom(
  settings: Settings,
  ctx: Context,
  flags: { skipAuth?: boolean },
): Promise<Reader> {
  return { actor: await actorFrom(settings, ctx.metadata, flags), run: settings.run };
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

/** Set by `deno task datamon` to the directory it was called from (deno.json's INIT_CWD). */
export const CALLER_DIR_VARIABLE = "DATAMON_CALLER_DIR";

/**
 * Moves into the directory `deno task datamon` was called from: a task runs in the source
 * tree, but the caller's relative paths mean their own directory.
 */
export function enterCallerDirectory(): void {
  const dir = Deno.env.get(CALLER_DIR_VARIABLE);
  if (!dir) return;
  try {
    Deno.chdir(dir);
  } catch (e) {
    throw new DatamonError(
      "bad-path",
      `${CALLER_DIR_VARIABLE}=${dir} cannot be entered: ${(e as Error).message}`,
    );
  }
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

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest duration accepted: 100 years, so that "now minus it" is always a valid time. */
const MAX_DURATION_MS = 100 * 365 * DURATION_UNITS.d;

/** Parses a duration: 30s, 15m, 24h, 7d (a whole number and a unit); milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+)([smhd])$/.exec(value.trim());
  if (!m) {
    throw new DatamonError(
      "invalid-argument",
      `${flag} "${value}" is not a duration: use e.g. 30s, 15m, 24h or 7d`,
    );
  }
  const ms = Number(m[1]) * DURATION_UNITS[m[2]];
  // A huge value must not overflow into a time that disables the check it sets.
  if (!(ms <= MAX_DURATION_MS)) {
    throw new DatamonError(
      "invalid-argument",
      `${flag} "${value}" is too long: at most 100 years (36500d)`,
    );
  }
  return ms;
}

/** Parses a point in time: an RFC 3339 time (2026-01-02T03:04:05Z), or a duration ago (24h). */
export function parseSince(value: string, flag: string, now = new Date()): Date {
  if (/^\d+[smhd]$/.test(value.trim())) {
    return new Date(now.getTime() - parseDuration(value, flag));
  }
  const time = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(time)) {
    throw new DatamonError(
      "invalid-argument",
      `${flag} "${value}" is not a time: use an RFC 3339 time or a duration ago, e.g. 24h`,
    );
  }
  return new Date(time);
}

/** Parses a whole number >= `min` given for `flag`. */
export function parseWholeNumber(value: string, flag: string, min = 0): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new DatamonError(
      "invalid-argument",
      `${flag} must be a whole number >= ${min}, got "${value}"`,
    );
  }
  return n;
}
