/** `datamon context ...`: the named sets of stores where data lives. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import type { ContextDoc } from "../model/types.ts";
import {
  contextFromBaseUrl,
  contextWithEndpoint,
  createContext,
  deleteContext,
  getContextDoc,
  listContexts,
  STORE_ROLES,
} from "../meta/context.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  outputOptions,
  settingsFrom,
  skipAuthOption,
} from "./common.ts";
import {
  type OutputFlags,
  printRecord,
  printResult,
  printRows,
  writeOut,
  writeWarning,
} from "./output.ts";
import { switchDefaultContext } from "./config.ts";
import { writeNote } from "./verbosity.ts";
import { absoluteStoreUrl } from "../store/open.ts";
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

/** A context as `context list` shows it: whether it is the current one, then its document. */
type ListedContext = ContextDoc & { current: boolean };

/** Adds `context create`, `get`, `list`, `use`, `current` and `delete`, as kubectl has them. */
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
      () => writeNote(`created context ${doc.name} in ${settings.configStore}`),
    );
  });

  outputOptions(contextOptions(
    context.command("get").description("show a context (default: the current one)"),
  )).action(async (flags: Flags) => {
    const settings = await settingsFrom(flags);
    printRecord(redactRecord(await getContextDoc(settings)), flags);
  });

  outputOptions(contextOptions(
    context.command("list")
      .description("list the contexts of the config store; * marks the current one"),
  )).action(async (flags: Flags) => {
    const settings = await settingsFrom(flags);
    await printRows(markCurrent(redactEach(listContexts(settings)), settings.context), [
      { header: "CURRENT", value: (c: ListedContext) => c.current ? "*" : "" },
      { header: "NAME", value: (c: ListedContext) => c.name },
      { header: "BLOB", value: (c: ListedContext) => c.blob },
      { header: "METADATA", value: (c: ListedContext) => c.metadata },
    ], flags);
  });

  context.command("use")
    .description("make a context the default (config file), after checking it exists")
    .argument("<name>", "context name")
    .option("--config <url>", "config store holding the context")
    .action(async (name: string, flags: ContextFlags) => {
      await switchDefaultContext(await settingsFrom({ config: flags.config }), name);
    });

  context.command("current")
    .description("print the name of the context commands use")
    .action(async () => {
      writeOut(`${(await settingsFrom({})).context}\n`);
    });

  context.command("delete")
    .description(
      "remove a context from the config store; its stores and their data stay untouched",
    )
    .argument("<name>", "context name")
    .option("--config <url>", "config store holding the context")
    .option(...skipAuthOption)
    .action(async (name: string, flags: ContextFlags) => {
      const settings = await settingsFrom({ config: flags.config });
      await deleteContext(settings, name, (metadata) => actorFrom(settings, metadata, flags));
      writeNote(`deleted context ${name} from ${settings.configStore}`);
      // As kubectl's delete-context: the current context may go, with a warning.
      if (settings.context === name) {
        writeWarning(
          `${name} was the current context: pick another with "datamon context use NAME"`,
        );
      }
    });
}

/** The contexts with the current one marked. */
async function* markCurrent(
  contexts: AsyncIterable<ContextDoc>,
  current: string,
): AsyncGenerator<ListedContext> {
  for await (const doc of contexts) yield { current: doc.name === current, ...doc };
}

/** The context `context create` was given: one --store URL, or all five store URLs. */
function contextDocFrom(flags: CreateFlags): ContextDoc {
  const kept = (url: string | undefined) => url === undefined ? undefined : absoluteStoreUrl(url);
  const parts = {
    blob: kept(flags.blob),
    metadata: kept(flags.meta),
    vmetadata: kept(flags.vmeta),
    wal: kept(flags.wal),
    readlog: kept(flags.readLog),
  };
  const given = Object.values(parts).filter((v) => v !== undefined).length;
  if (flags.store && given === 0) return contextFromBaseUrl(flags.context, kept(flags.store)!);
  if (!flags.store && given === STORE_ROLES.length) {
    return { name: flags.context, ...parts } as ContextDoc;
  }
  throw new DatamonError(
    "usage",
    "give either --store URL, or all of --blob, --meta, --vmeta, --wal and --read-log",
  );
}
