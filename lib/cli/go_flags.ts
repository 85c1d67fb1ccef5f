/**
 * Go datamon's global flags, accepted on every command so that a Go user's scripts run:
 * `--loglevel` is mapped onto datamon's verbosity, `--batch-size` is checked and ignored.
 */
import { type Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import { hideWarnings } from "./output.ts";
import { parseWholeNumber } from "./common.ts";

/** Go datamon's log levels, least verbose first. */
export const LOG_LEVELS = ["none", "error", "warn", "info", "debug"] as const;
type LogLevel = typeof LOG_LEVELS[number];

/**
 * Adds --loglevel to every command (a group's, as Go's persistent flag, holds for the
 * commands under it), --batch-size to those that read a context (they have
 * --concurrency-factor), and applies them before each action.
 */
export function goGlobalFlags(program: Command): void {
  const visit = (cmd: Command) => {
    cmd.commands.forEach(visit);
    cmd.addOption(
      new Option(
        "--loglevel <level>",
        "Go datamon's verbosity: none and error hide progress and warnings, warn hides " +
          "progress, debug adds the stack of an internal error (default: info)",
      ),
    );
    if (cmd.options.some((option) => option.long === "--concurrency-factor")) {
      cmd.option(
        "--batch-size <n>",
        "accepted for Go datamon scripts and ignored: listings stream, " +
          "--concurrency-factor bounds the reads in flight",
      );
    }
  };
  visit(program);
  program.hook("preAction", (_, action) => applyGoFlags(action));
}

function applyGoFlags(cmd: Command): void {
  const { loglevel, batchSize } = cmd.optsWithGlobals<{ loglevel?: string; batchSize?: string }>();
  if (batchSize !== undefined) parseWholeNumber(batchSize, "--batch-size", 1);
  if (loglevel === undefined) return;
  const level = parseLogLevel(loglevel);
  if (level === "none" || level === "error" || level === "warn") {
    if (cmd.options.some((option) => option.long === "--quiet")) cmd.setOptionValue("quiet", true);
  }
  if (level === "none" || level === "error") hideWarnings();
  if (level === "debug") Deno.env.set("DATAMON_DEBUG", "1");
}

function parseLogLevel(value: string): LogLevel {
  const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
  if (level === undefined) {
    throw new DatamonError(
      "invalid-argument",
      `--loglevel "${value}" is not a level: use one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  return level;
}
