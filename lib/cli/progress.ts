/**
 * Progress on stderr for long transfers: files, bytes, rate and ETA, redrawn at most ten
 * times a second. Silent when stderr is not a terminal or with --quiet.
 */
import { formatBytes } from "./output.ts";

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
  #encoder = new TextEncoder();

  constructor(private readonly verb: string, private totals: ProgressTotals, quiet: boolean) {
    this.#enabled = !quiet && Deno.stderr.isTerminal();
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
    if (now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    this.#draw(now);
  };

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

  /** Clears the progress line. */
  done(): void {
    if (this.#enabled && this.#lastDraw > 0) {
      Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[2K"));
    }
  }
}
