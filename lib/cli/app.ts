/** The command tree, and running it: argv in, exit code out. */
import { Command, CommanderError } from "commander";
import { DatamonError, EXIT_BROKEN_PIPE, EXIT_CODES, isBrokenPipe } from "../errors.ts";
import { VERSION } from "../version.ts";
import { bundleCommands } from "./bundle.ts";
import { contextCommands } from "./context.ts";
import { configCommands } from "./config.ts";
import {
  commandPath,
  enterCallerDirectory,
  globalOptions,
  interrupt,
  interruptIsOwned,
  verbosityOptions,
} from "./common.ts";
import { applyVerbosity, writeTimings } from "./verbosity.ts";
import { applyHelpConventions, helpArgs, inheritGlobalOptions } from "./help.ts";
import { labelCommands } from "./label.ts";
import { writeErr } from "./output.ts";
import { repoCommands } from "./repo.ts";
import { versionCommand } from "./version.ts";
import { completionCommand } from "./completion.ts";
import { sidecarCommand } from "./sidecar.ts";
import { doctorCommand } from "./doctor.ts";
import { webCommand } from "./web.ts";
import { logCommand } from "./log.ts";
import { lineageCommand } from "./lineage.ts";
import { fsckCommand } from "./fsck.ts";
import { purgeCommand } from "./purge.ts";
import { commandMetrics } from "./metrics.ts";
import { diamondCommands } from "./diamond.ts";
import { goGlobalFlags } from "./go_flags.ts";
import { squashCommands } from "./squash.ts";
import { usageCommands } from "./usage.ts";
import { repoFilesCommands } from "./repo_files.ts";
import { migrateCommand } from "./migrate.ts";

/** Builds the whole command tree. */
export function buildProgram(): Command {
  const program = new Command("datamon")
    .description("versioned datasets on object storage: repos, bundles, labels")
    .version(VERSION, "-V, --version", "print the version")
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .hook("preAction", (_, action) => {
      commandMetrics.command = commandPath(action);
      inheritGlobalOptions(program, action);
      applyVerbosity(action.opts(), commandMetrics.meter);
    });
  globalOptions(program);
  repoCommands(program);
  bundleCommands(program);
  labelCommands(program);
  contextCommands(program);
  configCommands(program);
  sidecarCommand(program);
  doctorCommand(program);
  webCommand(program);
  logCommand(program);
  lineageCommand(program);
  fsckCommand(program);
  purgeCommand(program);
  diamondCommands(program);
  versionCommand(program);
  completionCommand(program);
  squashCommands(program);
  usageCommands(program);
  repoFilesCommands(program);
  migrateCommand(program);
  goGlobalFlags(program);
  // Every command reports its own usage errors through exitOverride, one line on stderr.
  const configure = (cmd: Command) => {
    cmd.exitOverride().configureOutput({
      writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)),
      outputError: (text, write) => write(`datamon: ${text.replace(/^error: /, "")}`),
    });
    verbosityOptions(cmd);
    applyHelpConventions(cmd);
    cmd.commands.forEach(configure);
  };
  configure(program);
  return program;
}

/** How long an interrupted command may take to clean up before the process exits anyway. */
const INTERRUPT_GRACE_MS = 3000;

function installSignalHandlers(): () => void {
  // The first signal lets a transfer stop between units of work and remove what it
  // half-wrote; a command that does not watch the signal is ended after a grace period, and a
  // second signal quits at once.
  const onSignal = () => {
    if (interrupt.signal.aborted) Deno.exit(EXIT_CODES.interrupted);
    interrupt.abort();
    if (interruptIsOwned()) return;
    Deno.unrefTimer(setTimeout(() => Deno.exit(EXIT_CODES.interrupted), INTERRUPT_GRACE_MS));
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  return () => signals.forEach((s) => Deno.removeSignalListener(s, onSignal));
}

/** Runs one command line and returns the process exit code. */
export async function runCli(args: string[]): Promise<number> {
  const program = buildProgram();
  if (args.length === 0) {
    program.outputHelp();
    return EXIT_CODES.usage;
  }
  const removeSignals = installSignalHandlers();
  const code = await runProgram(program, helpArgs(args));
  removeSignals();
  writeTimings(commandMetrics.command, commandMetrics.meter.counts());
  const failed = await commandMetrics.push(code);
  if (failed !== undefined) {
    writeErr(`datamon: warning: metrics not pushed to ${commandMetrics.pushgateway}: ${failed}`);
  }
  return code;
}

/** Parses and runs one command line; errors become their exit code and one line on stderr. */
async function runProgram(program: Command, args: string[]): Promise<number> {
  try {
    enterCallerDirectory();
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit through here with code 0; usage errors were already printed.
      return e.exitCode === 0 ? 0 : EXIT_CODES.usage;
    }
    // A reader that stopped early (`| head -1`) ends the command quietly, as coreutils do.
    if (isBrokenPipe(e)) return EXIT_BROKEN_PIPE;
    if (e instanceof DatamonError) {
      writeErr(`datamon: ${e.message}`);
      return EXIT_CODES[e.kind];
    }
    writeErr(`datamon: internal error: ${(e as Error)?.message ?? e}`);
    if (Deno.env.get("DATAMON_DEBUG")) writeErr((e as Error)?.stack ?? "");
    return 1;
  }
}
