/**
 * Progress on stderr for long transfers: files, bytes, rate and ETA, redrawn at most ten
 * times a second; silent when stderr is not a terminal, with --quiet or --progress none.
 * The line never wraps: a wrapped line leaves its first row behind on every redraw, so it is
 * cut to the terminal's width, read again at each redraw (the window may have been resized).
 * `--progress json` writes one JSON event a line instead, at most once a second and at the end,
 * whether or not stderr is a terminal (CI logs). A line is printable ASCII (a fixed verb, digits
 * and units), measured by its length: loading the width tables for it would cost every
 * transfer command ~20 ms of start-up.
 */
import { formatBytes } from "./output.ts";
import { displayWidth, truncate } from "./table.ts";
import { verbosity } from "./verbosity.ts";

/** Least time between two JSON progress events. */
const JSON_INTERVAL_MS = 1000;

/** The width assumed when the terminal cannot say (no standard stream is a terminal). */
const FALLBACK_COLUMNS = 80;

/** How much work there is in all, where it is known. */
export interface ProgressTotals {
  files?: number;
  bytes?: number;
}

/** One command's progress line: `verb`, done/total files and bytes, rate and ETA. */
export class Progress {
  #files = 0;
  #bytes = 0;
  #start = performance.now();
  #lastDraw = 0;
  #enabled: boolean;
  #json: boolean;
  #encoder = new TextEncoder();

  constructor(private readonly verb: string, private totals: ProgressTotals, quiet: boolean) {
    this.#json = verbosity.progress === "json";
    this.#enabled = this.#json ||
      (verbosity.progress === "auto" && !quiet && !verbosity.quiet && Deno.stderr.isTerminal());
  }

  /** True when progress is drawn (callers may skip work that only feeds it). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Sets the totals once they are known (e.g. after a scan). */
  setTotals(totals: ProgressTotals): void {
    this.totals = totals;
  }

  /** Adds completed work; the callback shape matches the core's onProgress. */
  readonly add = (delta: { bytes: number; files: number }): void => {
    this.#files += delta.files;
    this.#bytes += delta.bytes;
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#lastDraw < (this.#json ? JSON_INTERVAL_MS : 100)) return;
    this.#lastDraw = now;
    if (this.#json) this.#event("progress", now);
    else this.#draw(now);
  };

  /** One JSON line: what is done, the totals where known, and the time since the start. */
  #event(event: "progress" | "done", now: number): void {
    const line = JSON.stringify({
      event,
      verb: this.verb,
      files: this.#files,
      bytes: this.#bytes,
      totalFiles: this.totals.files ?? null,
      totalBytes: this.totals.bytes ?? null,
      elapsedMs: Math.round(now - this.#start),
    });
    Deno.stderr.writeSync(this.#encoder.encode(`${line}\n`));
  }

  #draw(now: number): void {
    // The last column stays free: some terminals wrap as soon as it is written.
    const line = fitLine(this.#parts(now), terminalColumns() - 1);
    // \r then the line then "erase to the end of the row": a shorter line leaves no tail.
    Deno.stderr.writeSync(this.#encoder.encode(`\r${line}\x1b[K`));
  }

  /** The parts of the progress line, most useful first after the verb. */
  #parts(now: number): LineParts {
    const seconds = Math.max((now - this.#start) / 1000, 0.001);
    const rate = this.#bytes / seconds;
    const { files, bytes } = this.totals;
    const fileText = files !== undefined ? `${this.#files}/${files} files` : `${this.#files} files`;
    const byteText = bytes !== undefined
      ? `${formatBytes(this.#bytes)}/${formatBytes(bytes)}`
      : formatBytes(this.#bytes);
    const eta = bytes !== undefined && rate > 0
      ? `ETA ${Math.max(0, Math.ceil((bytes - this.#bytes) / rate))}s`
      : undefined;
    return {
      verb: this.verb,
      counts: `${fileText}  ${byteText}`,
      rate: `${formatBytes(rate)}/s`,
      eta,
    };
  }

  /** Clears the progress line (or writes the closing JSON event). */
  done(): void {
    if (this.#json) this.#event("done", performance.now());
    else if (this.#enabled && this.#lastDraw > 0) {
      Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[2K"));
    }
  }
}

/** A progress line in parts, so the least useful can be dropped to fit. */
export interface LineParts {
  verb: string;
  counts: string;
  rate: string;
  eta?: string;
}

/**
 * The progress line in at most `width` columns: the ETA goes first, then the rate, then the
 * verb is cut with an ellipsis; the counts are cut last, when nothing else is left to give.
 */
export function fitLine(parts: LineParts, width: number): string {
  const tail = (...rest: (string | undefined)[]) =>
    [parts.counts, ...rest].filter((part) => part !== undefined).join("  ");
  for (const rest of [tail(parts.rate, parts.eta), tail(parts.rate), tail()]) {
    const line = `${parts.verb} ${rest}`;
    if (displayWidth(line) <= width) return line;
  }
  const counts = tail();
  const verbWidth = width - displayWidth(counts) - 1;
  if (verbWidth >= 2) return `${truncate(parts.verb, verbWidth)} ${counts}`;
  return truncate(`${parts.verb} ${counts}`, Math.max(width, 1));
}

/** The terminal's width in columns, read now (it changes when the window is resized). */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || FALLBACK_COLUMNS;
  } catch {
    return FALLBACK_COLUMNS;
  }
}
