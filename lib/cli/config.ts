/** `datamon config ...`: the user's settings in the config file, and where each comes from. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { CONFIG_KEYS, setConfigValue } from "../meta/settings.ts";
import { outputOptions, settingsFrom } from "./common.ts";
import { type OutputFlags, printRecord, writeErr } from "./output.ts";

/** Adds `config set` and `config get`. */
export function configCommands(program: Command): void {
  const config = program.command("config").description("user settings (config file)");

  config.command("set")
    .alias("create")
    .description(`set user settings in the config file ($DATAMON_CONFIG or ~/.datamon/config.yaml)`)
    .option("--config <url>", "config store holding contexts")
    .option("--context <name>", "default context")
    .option("--name <name>", "contributor name")
    .option("--email <email>", "contributor email")
    .option("--concurrency-factor <n>", "files processed at once")
    .action(async (flags: Record<string, string | undefined>) => {
      const settings = await settingsFrom({});
      const values: [string, string | undefined][] = [
        ["config", flags.config],
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
      for (const [key, value] of given) await setConfigValue(settings.configFile, key, value!);
      writeErr(`updated ${settings.configFile}: ${given.map(([k]) => k).join(", ")}`);
    });

  outputOptions(
    config.command("get").description("show the effective settings and where each comes from"),
  ).action(async (flags: OutputFlags) => {
    const settings = await settingsFrom({});
    printRecord({
      configFile: settings.configFile,
      home: settings.home,
      config: settings.configStore,
      context: settings.context,
      name: settings.name ?? "(git user.name or $USER)",
      email: settings.email ?? "(git user.email or user@host)",
      concurrency: settings.concurrency,
      environment: Object.values(CONFIG_KEYS).join(", "),
    }, flags);
  });
}
