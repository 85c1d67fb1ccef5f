/**
 * Printing data: JSON, a `--format` template, or aligned columns for people. File names whose
 * bytes are not UTF-8 are shown with those bytes as `\xNN`, never raw (JSON escapes them as
 * the lone surrogates U+DC80..U+DCFF of lib/util/byte_names.ts).
 */
import { DatamonError } from "../errors.ts";
import type { Contributor } from "../model/types.ts";
import type { Column } from "./table.ts";
import { escapeControl } from "./escape.ts";

export type { Column } from "./table.ts";
import { displayName } from "../util/byte_names.ts";
import { redactSecrets } from "../util/redact.ts";
import { admitsField, fillTemplate, templateFields } from "./template.ts";
import { SCHEMA_VERSION } from "./json_records.ts";

/** How a command that prints data was asked to print it. */
export interface OutputFlags {
  json?: boolean;
  format?: string;
  /** False with --no-headers. */
  headers?: boolean;
  /** --wide: tables show everything (contributors' emails) and are never cut. */
  wide?: boolean;
}

const encoder = new TextEncoder();

/** Writes text to stdout without a trailing newline being added. */
export function writeOut(text: string): void {
  Deno.stdout.writeSync(encoder.encode(displayName(text)));
}

/** Writes one line to stderr, credentials in it redacted (errors quote store URLs). */
export function writeErr(line: string): void {
  Deno.stderr.writeSync(encoder.encode(`${displayName(redactSecrets(line))}\n`));
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

/**
 * The fields a command prints, as dotted paths (`bundle.id`); a path ending in `.*` admits
 * every path under it (maps and lists: `requests.operations.*`, `contributors.*`).
 */
export type OutputFields = readonly string[];

/** Field names of `T` for an OutputFields list, checked against the type at compile time. */
export function fieldsOf<T>(
  ...names: (Extract<keyof T, string> | `${Extract<keyof T, string>}.${string}`)[]
): OutputFields {
  return names;
}

/** `fields` under `parent`: the fields of a record printed inside another (`bundle.id`). */
export function fieldsUnder<P extends string>(
  parent: P,
  fields: OutputFields,
): `${P}.${string}`[] {
  return fields.map((f) => `${parent}.${f}` as const);
}

/**
 * Checks --json and --format before a command does anything: a command that would commit
 * and then fail on its output template makes scripts retry and duplicate what it wrote.
 */
export function checkOutputFlags(flags: OutputFlags, fields: OutputFields): void {
  if (flags.json && flags.format !== undefined) {
    throw new DatamonError("usage", "give --json or --format, not both");
  }
  if (flags.format === undefined) return;
  const tops = [...new Set(fields.map((f) => f.split(".")[0]))];
  for (const path of templateFields(flags.format)) {
    if (!admitsField(fields, path)) {
      throw new DatamonError(
        "invalid-argument",
        `--format names "${path}", which this output does not have: use one of ${tops.join(", ")}`,
      );
    }
  }
}

/** A record as a JSON document (or list element) prints it: its schema version first. */
function versioned(record: unknown): unknown {
  return { schemaVersion: SCHEMA_VERSION, ...(toJson(record) as object) };
}

/**
 * Prints rows as they arrive: JSON lines are buffered into one array only with --json (a
 * JSON document must be whole), templates and tables stream one row at a time. `asData`
 * gives a row as --json and --format show it (json_records.ts); tables read the row itself.
 */
export async function printRows<T>(
  rows: AsyncIterable<T> | Iterable<T>,
  columns: Column<T>[],
  flags: OutputFlags,
  asData: (row: T) => unknown = (row) => row,
): Promise<number> {
  let count = 0;
  if (flags.json) {
    // "[" waits for the first row, so a list that fails before it (an unknown repo) prints
    // nothing on stdout rather than the start of a document.
    for await (const row of rows) {
      writeOut(`${count++ ? "," : "["}\n  ${JSON.stringify(versioned(asData(row)))}`);
    }
    writeOut(count ? "\n]\n" : "[]\n");
    return count;
  }
  if (flags.format !== undefined) {
    for await (const row of rows) {
      writeOut(`${fillTemplate(flags.format, toJson(asData(row)))}\n`);
      count++;
    }
    return count;
  }
  // Loaded here: string-width's tables cost a short command's start-up ~10 ms.
  const { printTable } = await import("./table.ts");
  return await printTable(rows, columns, {
    headers: flags.headers !== false,
    wide: flags.wide ?? false,
    terminalWidth: Deno.stdout.isTerminal() ? Deno.consoleSize().columns : undefined,
  }, writeOut);
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
    writeOut(`${JSON.stringify(versioned(record), null, 2)}\n`);
  } else if (flags.format !== undefined) {
    writeOut(`${fillTemplate(flags.format, toJson(record))}\n`);
  } else {
    const data = toJson(record) as Record<string, unknown>;
    const width = Math.max(...Object.keys(data).map((k) => k.length));
    for (const [key, value] of Object.entries(data)) {
      const shown = typeof value === "object" && value !== null ? describe(value) : String(value);
      writeOut(`${`${key}:`.padEnd(width + 1)} ${escapeControl(shown)}\n`);
    }
  }
}

function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value);
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

/** A time in a table: to the second (the record keeps milliseconds; --json shows them). */
export function tableTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Contributor as people write it. */
export function formatContributor(c: { name: string; email: string }): string {
  return `${c.name} <${c.email}>`;
}

/**
 * A table column of people: their names, or with --wide names and emails (and, when `extra`
 * gives one, what follows each, such as the cloud identity). Prose: cut to fit a terminal.
 */
export function contributorColumn<T>(
  header: string,
  people: (row: T) => Contributor[],
  extra: (c: Contributor) => string = () => "",
): Column<T> {
  return {
    header,
    value: (row) => people(row).map((c) => c.name).join(", "),
    wideValue: (row) => people(row).map((c) => formatContributor(c) + extra(c)).join(", "),
    flexible: true,
  };
}
