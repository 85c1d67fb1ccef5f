/** `datamon config ...`: the user's settings in the config file, and where each comes from. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import {
  CONFIG_KEYS,
  DEFAULT_CONTEXT,
  loadSourcedSettings,
  readConfigFile,
  setConfigValue,
  type Settings,
} from "../meta/settings.ts";
import { getContextDoc } from "../meta/context.ts";
import { absoluteStoreUrl } from "../store/open.ts";
import { writeNote } from "./verbosity.ts";
import {
  type ContextFlags,
  contextOptions,
  outputOptions,
  settingFlagsFrom,
  settingsFrom,
} from "./common.ts";
import { type OutputFlags, printRows, writeWarning } from "./output.ts";
import { redactRecord } from "../util/redact.ts";

/** Adds `config set` and `config get`. */
export function configCommands(program: Command): void {
  const config = program.command("config").description("user settings (config file)");

  config.command("set")
    .alias("create")
    .description(`set user settings in the config file ($DATAMON_CONFIG or ~/.datamon/config.yaml)`)
    .option("--config <url>", "config store holding contexts")
    .option("--context <name>", "default context (it must exist; same as `context use`)")
    .option("--name <name>", "contributor name")
    .option("--email <email>", "contributor email")
    .option("--concurrency-factor <n>", "files processed at once")
    .action(async (flags: Record<string, string | undefined>) => {
      const settings = await settingsFrom({ config: flags.config });
      const values: [string, string | undefined][] = [
        ["config", flags.config === undefined ? undefined : absoluteStoreUrl(flags.config)],
        ["context", flags.context],
        ["name", flags.name],
        ["email", flags.email],
        ["concurrency", flags.concurrencyFactor],
      ];
      const given = values.filter(([, v]) => v !== undefined);
      if (given.length === 0) {
        throw new DatamonError(
          "usage",
          "nothing to set: give --config, --context, --name, --email or --concurrency-factor",
        );
      }
      if (flags.context !== undefined) await switchDefaultContext(settings, flags.context);
      const others = given.filter(([key]) => key !== "context");
      for (const [key, value] of others) await setConfigValue(settings.configFile, key, value!);
      if (others.length > 0) {
        writeNote(`updated ${settings.configFile}: ${others.map(([k]) => k).join(", ")}`);
      }
    });

  outputOptions(contextOptions(
    config.command("get").description(
      "show the effective settings and where each comes from: flag, env, file or default",
    ),
  )).action(async (flags: OutputFlags & ContextFlags) => {
    const sourced = await loadSourcedSettings(await settingFlagsFrom(flags));
    const rows = Object.entries(sourced).map(([key, s]) =>
      redactRecord({ key, value: s.value ?? null, source: s.source, from: s.from ?? null })
    );
    await printRows(rows, [
      { header: "KEY", value: (r) => r.key },
      { header: "VALUE", value: (r) => r.value === null ? unsetText(r.key) : String(r.value) },
      { header: "SOURCE", value: (r) => r.from === null ? r.source : `${r.source} ${r.from}` },
    ], flags);
  });
}

/** What an unset setting falls back to, for people. */
function unsetText(key: string): string {
  if (key === "name") return "(git user.name or $USER)";
  if (key === "email") return "(git user.email or user@host)";
  return "(none)";
}

/**
 * Makes `name` the default context in the config file, once it is known to exist; says what
 * the default was, and warns when the environment overrides the file.
 */
export async function switchDefaultContext(settings: Settings, name: string): Promise<void> {
  await getContextDoc(settings, name);
  const before = (await readConfigFile(settings.configFile)).context ?? DEFAULT_CONTEXT;
  await setConfigValue(settings.configFile, "context", name);
  writeNote(
    before === name
      ? `the default context stays ${name}`
      : `the default context changes from ${before} to ${name} (${settings.configFile})`,
  );
  const env = Deno.env.get(CONFIG_KEYS.context);
  if (env && env !== name) {
    writeWarning(`${CONFIG_KEYS.context}=${env} overrides the config file in this environment`);
  }
}
