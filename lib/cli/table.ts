/**
 * Tables for people. Cells are escaped (a control character in a name or message is shown as
 * `\n` or `\x1b`, never sent to the terminal; a name's non-UTF-8 bytes as `\xNN`), widths are measured as a terminal shows them
 * (string-width: CJK wide, combining marks zero), and on a terminal the table fits its width:
 * the widest flexible columns (prose: messages, descriptions, names of people) are cut with an
 * ellipsis; ids, times and sizes never are. Piped output is never cut: scripts read it.
 */
import { displayName } from "../util/byte_names.ts";
import { escapeControl } from "./escape.ts";

export { escapeControl };

/** A column of a human table: its header and how to show a row's value. */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  /** The value with --wide, when it shows more (e.g. a contributor's email). */
  wideValue?: (row: T) => string;
  /** Prose that may be cut to fit the terminal. */
  flexible?: boolean;
}

/** How a table is printed. */
export interface TableOptions {
  /** Print the header line. */
  headers: boolean;
  /** Use each column's wideValue, and never cut. */
  wide: boolean;
  /** The terminal's width in columns; undefined when not printing to a terminal. */
  terminalWidth?: number;
}

/** Rows a table reads before it fixes its column widths. */
const TABLE_WIDTH_ROWS = 200;

/** Spaces between columns. */
const GAP = 2;

/** A flexible column is never cut below this many columns (or its header, if wider). */
const MIN_FLEXIBLE_WIDTH = 10;

/** Text one column a character: printable ASCII, perhaps ending in the "…" of a cut. */
const ONE_COLUMN_EACH = /^[\x20-\x7e]*…?$/;

/** string-width, once `loadTextWidths` has loaded it. */
let stringWidth: ((text: string) => number) | undefined;
/** Splits text that is not printable ASCII into graphemes for `truncate`; made on first use. */
let graphemes: Intl.Segmenter | undefined;

/**
 * Loads what measures text that is not printable ASCII. Not at start-up: string-width makes an
 * Intl.Segmenter as it loads (as `truncate` does), ~20 ms of CPU for ICU's break rules, and
 * most tables are ASCII. printTable loads it when a cell needs it.
 */
export async function loadTextWidths(): Promise<void> {
  stringWidth ??= (await import("string-width")).default;
}

/** True when measuring `text` needs `loadTextWidths` first. */
function needsTextWidths(text: string): boolean {
  return stringWidth === undefined && !ONE_COLUMN_EACH.test(text);
}

/**
 * How many terminal columns `text` takes. Printable ASCII (and a cut's "…") is counted by its
 * length: string-width took half the CPU of listing a million-file bundle's files. Other text
 * needs `loadTextWidths` first.
 */
export function displayWidth(text: string): number {
  if (ONE_COLUMN_EACH.test(text)) return text.length;
  if (stringWidth === undefined) throw new Error("displayWidth: await loadTextWidths() first");
  return stringWidth(text);
}

/** `text` cut to at most `width` columns, ending in "…" when cut; whole graphemes only. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (ONE_COLUMN_EACH.test(text)) return `${text.slice(0, Math.max(0, width - 1))}…`;
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let out = "";
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` terminal columns. */
function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - displayWidth(text)));
}

/**
 * The widths that fit `limit`: the widest flexible column gives up a column at a time until
 * the line fits or every flexible column is at its minimum (then the line is left long).
 */
export function fitWidths(
  widths: number[],
  flexible: boolean[],
  minimums: number[],
  limit: number,
): number[] {
  const fitted = [...widths];
  let total = fitted.reduce((a, b) => a + b, 0) + GAP * (fitted.length - 1);
  while (total > limit) {
    let widest = -1;
    fitted.forEach((w, i) => {
      if (flexible[i] && w > minimums[i] && (widest < 0 || w > fitted[widest])) widest = i;
    });
    if (widest < 0) break;
    fitted[widest]--;
    total--;
  }
  return fitted;
}

/**
 * Prints rows as they arrive, aligned. Column widths come from the first rows; later, longer
 * cells push their row out (or, on a terminal, are cut) rather than holding the whole stream
 * in memory. Returns how many rows it printed.
 */
export async function printTable<T>(
  rows: AsyncIterable<T> | Iterable<T>,
  columns: Column<T>[],
  options: TableOptions,
  write: (text: string) => void,
): Promise<number> {
  const cellsOf = (row: T) =>
    columns.map((c) => escapeControl(displayName((options.wide && c.wideValue || c.value)(row))));
  const widths = columns.map((c) => (options.headers ? displayWidth(c.header) : 0));
  const cut = options.terminalWidth !== undefined && !options.wide;
  const line = (cells: string[]) => {
    const shown = cells.map((cell, i) =>
      cut && columns[i].flexible ? truncate(cell, widths[i]) : cell
    );
    write(`${shown.map((cell, i) => pad(cell, widths[i])).join(" ".repeat(GAP)).trimEnd()}\n`);
  };
  if (columns.some((c) => needsTextWidths(c.header))) await loadTextWidths();
  const head: string[][] = [];
  const flushHead = () => {
    for (const cells of head) {
      cells.forEach((cell, i) => (widths[i] = Math.max(widths[i], displayWidth(cell))));
    }
    if (cut) {
      const fitted = fitWidths(
        widths,
        columns.map((c) => !!c.flexible),
        columns.map((c, i) =>
          Math.min(widths[i], Math.max(MIN_FLEXIBLE_WIDTH, displayWidth(c.header)))
        ),
        options.terminalWidth!,
      );
      fitted.forEach((w, i) => (widths[i] = w));
    }
    if (options.headers) line(columns.map((c) => c.header));
    head.forEach(line);
    head.length = 0;
  };
  let count = 0;
  let headerShown = false;
  for await (const row of rows) {
    const cells = cellsOf(row);
    if (cells.some(needsTextWidths)) await loadTextWidths();
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
