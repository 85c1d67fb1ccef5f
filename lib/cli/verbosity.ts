/**
 * How much a command says on stderr: -q keeps it to errors and warnings (no progress, no
 * summary), -v adds the command's time, its requests and each retry, -vv each request as it
 * is made; --progress json writes progress as JSON lines (for CI logs).
 */
import { observeRetries } from "../store/retry.ts";
import type { RequestCounts, RequestMeter } from "../store/metered.ts";
import { count, formatBytes, writeErr } from "./output.ts";

/** How progress is shown: a redrawn line on a terminal, JSON lines, or not at all. */
export type ProgressMode = "auto" | "json" | "none";

/** The running command's verbosity (one command per process). */
export const verbosity = {
  level: 0,
  quiet: false,
  progress: "auto" as ProgressMode,
  start: performance.now(),
};

/** The flags that set it: -v (counted), -q and --progress. */
export interface VerbosityFlags {
  verbose?: number;
  quiet?: boolean;
  progress?: ProgressMode;
}

/** Sets the verbosity of the command about to run; -v and -vv observe `meter` and retries. */
export function applyVerbosity(flags: VerbosityFlags, meter: RequestMeter): void {
  verbosity.level = flags.verbose ?? 0;
  verbosity.quiet = flags.quiet ?? false;
  verbosity.progress = flags.progress ?? "auto";
  if (verbosity.level >= 1) {
    observeRetries((e, tried, waitMs) =>
      writeErr(
        `datamon: retry after try ${tried} (${(e as Error)?.message ?? e}); waiting ${
          Math.round(waitMs)
        }ms`,
      )
    );
  }
  if (verbosity.level >= 2) {
    meter.onRequest = (operation, store, key) =>
      writeErr(`datamon: ${elapsedText()} ${operation} ${store} ${key}`);
  }
}

/** Time since the process started, e.g. "1.24s". */
export function elapsedText(now = performance.now()): string {
  return `${((now - verbosity.start) / 1000).toFixed(2)}s`;
}

/** Writes a line that tells what a command did ("created context team"), unless -q. */
export function writeNote(line: string): void {
  if (!verbosity.quiet) writeErr(line);
}

/** Writes a command's closing summary with the time it took, unless -q. */
export function writeSummary(line: string): void {
  writeNote(`${line}; took ${elapsedText()}`);
}

/** With -v: how long the command took and the requests it made, per operation. */
export function writeTimings(command: string, counts: RequestCounts): void {
  if (verbosity.level < 1 || command === "") return;
  const operations = Object.entries(counts.operations)
    .filter(([, n]) => n > 0)
    .map(([operation, n]) => `${operation} ${n}`);
  writeErr(
    `datamon: ${command} took ${elapsedText()}; ${count(counts.total, "request")}` +
      (operations.length > 0 ? ` (${operations.join(", ")})` : "") +
      `; ${formatBytes(counts.bytesSent)} sent, ${formatBytes(counts.bytesReceived)} received`,
  );
}
