/** Printing data: JSON, a `--format` template, or aligned columns for people. */
import { fillTemplate } from "./template.ts";

/** How a command that prints data was asked to print it. */
export interface OutputFlags {
  json?: boolean;
  format?: string;
}

const encoder = new TextEncoder();

/** Writes text to stdout without a trailing newline being added. */
export function writeOut(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

/** Writes one line to stderr. */
export function writeErr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(`${line}\n`));
}

let warningsHidden = false;

/** From now on warnings are not shown (`--loglevel error` or `none`). */
export function hideWarnings(): void {
  warningsHidden = true;
}

/** Writes one warning line to stderr: something was passed over, and the command goes on. */
export function writeWarning(line: string): void {
  if (!warningsHidden) writeErr(`datamon: warning: ${line}`);
}

/** Plain JSON values: Dates become ISO strings. */
export function toJson(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** A column of a human table: its header and how to show a row's value. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
}

/** Rows a table reads before it fixes its column widths. */
const TABLE_WIDTH_ROWS = 200;

/**
 * Prints rows as they arrive: JSON lines are buffered into one array only with --json (a
 * JSON document must be whole), templates and tables stream one row at a time.
 */
export async function printRows<T>(
  rows: AsyncIterable<T> | Iterable<T>,
  columns: Column<T>[],
  flags: OutputFlags,
): Promise<number> {
  let count = 0;
  if (flags.json) {
    writeOut("[");
    for await (const row of rows) {
      writeOut(`${count++ ? "," : ""}\n  ${JSON.stringify(toJson(row))}`);
    }
    writeOut(count ? "\n]\n" : "]\n");
    return count;
  }
  if (flags.format !== undefined) {
    for await (const row of rows) {
      writeOut(`${fillTemplate(flags.format, toJson(row))}\n`);
      count++;
    }
    return count;
  }
  // Column widths come from the first rows; later, longer cells push their row out rather
  // than holding the whole stream in memory.
  const widths = columns.map((c) => c.header.length);
  const head: string[][] = [];
  const line = (cells: string[]) =>
    writeOut(`${cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()}\n`);
  const flushHead = () => {
    for (const cells of head) {
      cells.forEach((cell, i) => (widths[i] = Math.max(widths[i], cell.length)));
    }
    line(columns.map((c) => c.header));
    head.forEach(line);
    head.length = 0;
  };
  let headerShown = false;
  for await (const row of rows) {
    const cells = columns.map((c) => c.value(row));
    count++;
    if (headerShown) {
      line(cells);
    } else {
      head.push(cells);
      if (head.length === TABLE_WIDTH_ROWS) {
        flushHead();
        headerShown = true;
      }
    }
  }
  if (!headerShown && head.length > 0) flushHead();
  return count;
}

/** True when the flags ask for data (--json or --format) rather than output for people. */
export function wantsData(flags: OutputFlags): boolean {
  return !!flags.json || flags.format !== undefined;
}

/**
 * Prints a command's result: the record when the flags ask for data, else what `forPeople`
 * prints (nothing when absent). Whatever a command always says on stderr comes after this.
 */
export function printResult(record: unknown, flags: OutputFlags, forPeople?: () => void): void {
  if (wantsData(flags)) printRecord(record, flags);
  else forPeople?.();
}

/** Prints one record: JSON, a template, or `key: value` lines. */
export function printRecord(record: unknown, flags: OutputFlags): void {
  if (flags.json) {
    writeOut(`${JSON.stringify(toJson(record), null, 2)}\n`);
  } else if (flags.format !== undefined) {
    writeOut(`${fillTemplate(flags.format, toJson(record))}\n`);
  } else {
    const data = toJson(record) as Record<string, unknown>;
    const width = Math.max(...Object.keys(data).map((k) => k.length));
    for (const [key, value] of Object.entries(data)) {
      const shown = typeof value === "object" && value !== null ? describe(value) : String(value);
      writeOut(`${`${key}:`.padEnd(width + 1)} ${shown}\n`);
    }
  }
}

function describe(value: object): string {
  if (Array.isArray(value)) return value.map((v) => describe(v)).join(", ");
  const v = value as Record<string, unknown>;
  if ("name" in v && "email" in v) return `${v.name} <${v.email}>`;
  return JSON.stringify(value);
}

/** "1 file", "2 files": a count and its noun, plural unless the count is one. */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** Human size: 1.5 MiB. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 2 : 1)} ${units[i]}`;
}

/** Contributor as people write it. */
export function formatContributor(c: { name: string; email: string }): string {
  return `${c.name} <${c.email}>`;
}
