/** Tables for people: escaping, display widths, cutting to the terminal, headers and --wide. */
import { assertEquals } from "../support/assert.ts";
import {
  type Column,
  displayWidth,
  escapeControl,
  fitWidths,
  loadTextWidths,
  printTable,
  truncate,
} from "../../lib/cli/table.ts";

interface Row {
  id: string;
  message: string;
  who: string;
}

const COLUMNS: Column<Row>[] = [
  { header: "ID", value: (r) => r.id },
  { header: "MESSAGE", value: (r) => r.message, flexible: true },
  { header: "BY", value: (r) => r.who.split(" <")[0], wideValue: (r) => r.who, flexible: true },
];

/** The lines printTable writes for `rows`. */
async function lines(rows: Row[], options: Parameters<typeof printTable>[2]): Promise<string[]> {
  let out = "";
  await printTable(rows, COLUMNS, options, (text) => (out += text));
  return out.split("\n").slice(0, -1);
}

Deno.test("control characters in cells are shown as escapes, never sent to the terminal", () => {
  assertEquals(escapeControl("a\nb\tc\x1b[31md\x7f\u0085"), "a\\nb\\tc\\x1b[31md\\x7f\\x85");
  assertEquals(escapeControl("plain café 日本"), "plain café 日本");
});

Deno.test("a table of printable ASCII, cut or not, loads nothing to measure other text", async () => {
  // A fresh process: this one loads string-width in the tests below.
  const table = new URL("../../lib/cli/table.ts", import.meta.url).href;
  const script = `
    import { displayWidth, printTable } from ${JSON.stringify(table)};
    const rows = [{ id: "a1", message: "a message long enough to be cut", who: "Ann" }];
    const columns = [
      { header: "ID", value: (r) => r.id },
      { header: "MESSAGE", value: (r) => r.message, flexible: true },
      { header: "BY", value: (r) => r.who },
    ];
    let out = "";
    await printTable(rows, columns, { headers: true, wide: false, terminalWidth: 24 }, (t) => (out += t));
    let loaded = true;
    try { displayWidth("日本"); } catch { loaded = false; }
    console.log(JSON.stringify({ out, loaded }));`;
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(run.code, 0, new TextDecoder().decode(run.stderr));
  const { out, loaded } = JSON.parse(new TextDecoder().decode(run.stdout));
  assertEquals(out, "ID  MESSAGE          BY\na1  a message long…  Ann\n");
  assertEquals(loaded, false, "string-width was loaded for ASCII cells");
});

Deno.test("display width counts CJK as two columns and combining marks as none", async () => {
  await loadTextWidths();
  assertEquals(displayWidth("日本語"), 6);
  assertEquals(displayWidth("e\u0301"), 1);
  assertEquals(displayWidth("abc"), 3);
});

Deno.test("display width of printable ASCII is its length; an escape or a tab is measured", async () => {
  await loadTextWidths();
  assertEquals(displayWidth("d/f0001.bin  2024-01-01 ~!"), 26);
  assertEquals(displayWidth(""), 0);
  assertEquals(displayWidth("\x1b[31mred\x1b[0m"), 3, "colour codes take no columns");
  assertEquals(displayWidth("a\u0301"), 1);
});

Deno.test("truncate cuts whole characters to the width, ending in an ellipsis", async () => {
  await loadTextWidths();
  assertEquals(truncate("hello world", 8), "hello w…");
  assertEquals(truncate("short", 8), "short");
  assertEquals(truncate("日本語のテキスト", 7), "日本語…");
  assertEquals(displayWidth(truncate("日本語のテキスト", 7)), 7);
});

Deno.test("fitWidths takes columns from the widest flexible column, never below its minimum", () => {
  assertEquals(fitWidths([27, 40, 20], [false, true, true], [2, 10, 10], 60), [27, 14, 15]);
  assertEquals(fitWidths([27, 40, 20], [false, true, true], [2, 10, 10], 200), [27, 40, 20]);
  // Nothing left to take: the line stays long rather than cut an id.
  assertEquals(fitWidths([27, 12, 12], [false, true, true], [2, 10, 10], 30), [27, 10, 10]);
});

const ROWS: Row[] = [
  {
    id: "3MnAlfRp9LLQB3GlHq226IsiQLe",
    message: "a long message ".repeat(5),
    who: "Ada <ada@x.io>",
  },
  { id: "3MnAlI8D85XNi6hv047QTqzm1AE", message: "日本語のメッセージ", who: "李雷 <li@x.cn>" },
];

Deno.test("on a terminal every line fits its width, ids whole, and CJK cells stay aligned", async () => {
  const out = await lines(ROWS, { headers: true, wide: false, terminalWidth: 60 });
  assertEquals(out.length, 3);
  for (const line of out) assertEquals(displayWidth(line) <= 60, true, line);
  for (const [i, row] of ROWS.entries()) assertEquals(out[i + 1].startsWith(row.id), true);
  // The BY column starts at the same display column on every line.
  const byAt = out.map((line) => displayWidth(line.slice(0, line.lastIndexOf("  ") + 2)));
  assertEquals(new Set(byAt).size, 1, out.join("\n"));
  assertEquals(out[1].includes("…"), true);
});

Deno.test("piped tables are never cut; --wide shows emails; --no-headers drops the header", async () => {
  const piped = await lines(ROWS, { headers: true, wide: false, terminalWidth: undefined });
  assertEquals(piped[1].includes("a long message ".repeat(5).trimEnd()), true);
  assertEquals(piped[1].endsWith("Ada"), true);
  const wide = await lines(ROWS, { headers: false, wide: true, terminalWidth: 40 });
  assertEquals(wide.length, 2);
  assertEquals(wide[0].endsWith("Ada <ada@x.io>"), true);
  assertEquals(wide[0].includes("a long message ".repeat(5).trimEnd()), true);
});
