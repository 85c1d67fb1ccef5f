/** `datamon context ...` and `datamon config ...`: where data lives, and user settings. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import type { ContextDoc } from "../model/types.ts";
import {
  contextFromBaseUrl,
  contextWithEndpoint,
  createContext,
  getContextDoc,
  listContexts,
  STORE_ROLES,
} from "../meta/context.ts";
import { CONFIG_KEYS, setConfigValue } from "../meta/settings.ts";
import {
  actorFrom,
  type ContextFlags,
  contributorOptions,
  outputOptions,
  settingsFrom,
  skipAuthOption,
} from "./common.ts";
import { type OutputFlags, printRecord, printRows, writeErr } from "./output.ts";

type Flags = ContextFlags & OutputFlags;

export function contextCommands(program: Command): void {
  const context = program.command("context").description("the sets of stores teams use");

  contributorOptions(outputOptions(
    context.command("create")
      .description(
        "create a context: --store URL (five sub-prefixes of one URL) or all five store URLs",
      )
      .requiredOption("--context <name>", "context name")
      .option("--config <url>", "config store to write the context into")
      .option("--store <url>", "one URL whose sub-prefixes hold the five stores")
      .option("--blob <url>", "blob store URL")
      .option("--meta <url>", "metadata store URL")
      .option("--vmeta <url>", "versioned metadata (labels) store URL")
      .option("--wal <url>", "write-ahead log store URL")
      .option("--read-log <url>", "read log store URL")
      .option(
        "--endpoint <url>",
        "S3-compatible server or GCS emulator for s3:// and gs:// URLs that name none " +
          "(default: AWS_ENDPOINT_URL, STORAGE_EMULATOR_HOST, else the cloud)",
      )
      .option(...skipAuthOption),
  )).action(async (
    flags: Flags & {
      context: string;
      store?: string;
      blob?: string;
      meta?: string;
      vmeta?: string;
      wal?: string;
      readLog?: string;
      endpoint?: string;
      name?: string;
      email?: string;
    },
  ) => {
    const settings = await settingsFrom({ config: flags.config });
    const parts = {
      blob: flags.blob,
      metadata: flags.meta,
      vmetadata: flags.vmeta,
      wal: flags.wal,
      readlog: flags.readLog,
    };
    const given = Object.values(parts).filter((v) => v !== undefined).length;
    let doc: ContextDoc;
    if (flags.store && given === 0) {
      doc = contextFromBaseUrl(flags.context, flags.store);
    } else if (!flags.store && given === STORE_ROLES.length) {
      doc = { name: flags.context, ...parts } as ContextDoc;
    } else {
      throw new DatamonError(
        "usage",
        "give either --store URL, or all of --blob, --meta, --vmeta, --wal and --read-log",
      );
    }
    await createContext(
      settings,
      contextWithEndpoint(doc, flags.endpoint),
      (metadata) => actorFrom(settings, metadata, flags),
    );
    if (flags.json || flags.format !== undefined) printRecord(doc, flags);
    else writeErr(`created context ${doc.name} in ${settings.configStore}`);
  });

  outputOptions(
    context.command("get")
      .description("show a context (default: the current one)")
      .option("--context <name>", "context name")
      .option("--config <url>", "config store"),
  ).action(async (flags: Flags) => {
    const settings = await settingsFrom(flags);
    printRecord(await getContextDoc(settings), flags);
  });

  outputOptions(
    context.command("list")
      .description("list the contexts of the config store")
      .option("--config <url>", "config store"),
  ).action(async (flags: Flags) => {
    const settings = await settingsFrom({ config: flags.config });
    await printRows(listContexts(settings), [
      { header: "NAME", value: (c: ContextDoc) => c.name },
      { header: "BLOB", value: (c: ContextDoc) => c.blob },
      { header: "METADATA", value: (c: ContextDoc) => c.metadata },
    ], flags);
  });

  const config = program.command("config").description("user settings (config file)");

  config.command("set")
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
  ).action(async (flags: Flags) => {
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
