/**
 * Progress on stderr for long transfers: files, bytes, rate and ETA, redrawn at most ten
 * times a second; silent when stderr is not a terminal, with --quiet or --progress none.
 * `--progress json` writes one JSON event a line instead, at most once a second and at the end,
 * whether or not stderr is a terminal (CI logs).
 */
import { formatBytes } from "./output.ts";
import { verbosity } from "./verbosity.ts";

/** Least time between two JSON progress events. */
const JSON_INTERVAL_MS = 1000;

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
    const seconds = Math.max((now - this.#start) / 1000, 0.001);
    const rate = this.#bytes / seconds;
    const { files, bytes } = this.totals;
    const fileText = files !== undefined ? `${this.#files}/${files} files` : `${this.#files} files`;
    const byteText = bytes !== undefined
      ? `${formatBytes(this.#bytes)}/${formatBytes(bytes)}`
      : formatBytes(this.#bytes);
    const eta = bytes !== undefined && rate > 0
      ? `  ETA ${Math.max(0, Math.ceil((bytes - this.#bytes) / rate))}s`
      : "";
    const line = `${this.verb} ${fileText}  ${byteText}  ${formatBytes(rate)}/s${eta}`;
    Deno.stderr.writeSync(this.#encoder.encode(`\r\x1b[2K${line}`));
  }

  /** Clears the progress line (or writes the closing JSON event). */
  done(): void {
    if (this.#json) this.#event("done", performance.now());
    else if (this.#enabled && this.#lastDraw > 0) {
      Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[2K"));
    }
  }
}
