/** `datamon context ...`: the named sets of stores where data lives. */
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
import {
  actorFrom,
  type ContextFlags,
  contributorOptions,
  outputOptions,
  settingsFrom,
  skipAuthOption,
} from "./common.ts";
import { type OutputFlags, printRecord, printResult, printRows, writeErr } from "./output.ts";
import { redactEach, redactRecord } from "../util/redact.ts";

type Flags = ContextFlags & OutputFlags;

type CreateFlags = Flags & {
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
};

/** Adds `context create`, `context get` and `context list`. */
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
  )).action(async (flags: CreateFlags) => {
    const settings = await settingsFrom({ config: flags.config });
    const doc = contextDocFrom(flags);
    await createContext(
      settings,
      contextWithEndpoint(doc, flags.endpoint),
      (metadata) => actorFrom(settings, metadata, flags),
    );
    printResult(
      redactRecord(doc),
      flags,
      () => writeErr(`created context ${doc.name} in ${settings.configStore}`),
    );
  });

  outputOptions(
    context.command("get")
      .description("show a context (default: the current one)")
      .option("--context <name>", "context name")
      .option("--config <url>", "config store"),
  ).action(async (flags: Flags) => {
    const settings = await settingsFrom(flags);
    printRecord(redactRecord(await getContextDoc(settings)), flags);
  });

  outputOptions(
    context.command("list")
      .description("list the contexts of the config store")
      .option("--config <url>", "config store"),
  ).action(async (flags: Flags) => {
    const settings = await settingsFrom({ config: flags.config });
    await printRows(redactEach(listContexts(settings)), [
      { header: "NAME", value: (c: ContextDoc) => c.name },
      { header: "BLOB", value: (c: ContextDoc) => c.blob },
      { header: "METADATA", value: (c: ContextDoc) => c.metadata },
    ], flags);
  });
}

/** The context `context create` was given: one --store URL, or all five store URLs. */
function contextDocFrom(flags: CreateFlags): ContextDoc {
  const parts = {
    blob: flags.blob,
    metadata: flags.meta,
    vmetadata: flags.vmeta,
    wal: flags.wal,
    readlog: flags.readLog,
  };
  const given = Object.values(parts).filter((v) => v !== undefined).length;
  if (flags.store && given === 0) return contextFromBaseUrl(flags.context, flags.store);
  if (!flags.store && given === STORE_ROLES.length) {
    return { name: flags.context, ...parts } as ContextDoc;
  }
  throw new DatamonError(
    "usage",
    "give either --store URL, or all of --blob, --meta, --vmeta, --wal and --read-log",
  );
}
