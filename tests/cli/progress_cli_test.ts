/**
 * The progress line as a user sees it: a real pseudo-terminal (util-linux `script`) of a given
 * width, its output replayed on a small model of a terminal that wraps long lines as one does.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk, writeDatamonOnPath } from "../support/cli.ts";
import { rawOnTerminal } from "../support/terminal.ts";
import { displayWidth } from "../../lib/cli/table.ts";
import { fitLine } from "../../lib/cli/progress.ts";

/**
 * A terminal `columns` wide, enough of one to replay a progress line: text wraps at the last
 * column, `\r` returns to the row's start, `\n` goes down, `ESC[K` and `ESC[2K` erase; other
 * escapes are ignored.
 */
class Screen {
  readonly rows: string[][] = [[]];
  #row = 0;
  #col = 0;

  constructor(private readonly columns: number) {}

  /** Shows `text` as the terminal would. */
  write(text: string): void {
    // deno-lint-ignore no-control-regex
    for (const token of text.match(/\x1b\[[0-9;?]*[A-Za-z]|\r|\n|[^\x1b\r\n]/gu) ?? []) {
      if (token === "\r") this.#col = 0;
      else if (token === "\n") this.#down();
      else if (token === "\x1b[K") this.rows[this.#row].length = this.#col;
      else if (token === "\x1b[2K") this.rows[this.#row] = [];
      else if (!token.startsWith("\x1b")) this.#put(token);
    }
  }

  /** The text of the row the cursor is on. */
  get currentRow(): string {
    return this.#text(this.rows[this.#row]);
  }

  /** Every row that shows something. */
  get lines(): string[] {
    return this.rows.map((cells) => this.#text(cells)).filter((row) => row !== "");
  }

  #put(char: string): void {
    const width = Math.max(displayWidth(char), 1);
    if (this.#col + width > this.columns) this.#down();
    this.rows[this.#row][this.#col] = char;
    this.#col += width;
  }

  #down(): void {
    this.rows[++this.#row] ??= [];
    this.#col = 0;
  }

  #text(cells: string[]): string {
    return Array.from(cells, (c) => c ?? " ").join("").trimEnd();
  }
}

/** The text `piece` shows, escapes removed. */
// deno-lint-ignore no-control-regex
const shown = (piece: string) => piece.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** Uploads a tree big enough to be redrawn a few times on a terminal `columns` wide. */
async function uploadOnTerminal(dir: string, columns: number): Promise<string> {
  const home = `${dir}/home`;
  const files: Record<string, number> = {};
  for (let i = 0; i < 400; i++) files[`d${i % 7}/f${i}.bin`] = 20_000;
  await writeTree(`${dir}/src`, files);
  await datamonOk(home, "repo", "create", "--repo", "r");
  await Deno.mkdir(`${dir}/bin`);
  await writeDatamonOnPath(`${dir}/bin`, home);
  return await rawOnTerminal(
    `${dir}/bin`,
    columns,
    `bundle upload --repo r --path ${dir}/src --message m`,
  );
}

for (const columns of [50, 200]) {
  Deno.test(`on a ${columns}-column terminal the progress line never wraps and leaves no stale row`, () =>
    withTempDir(async (dir) => {
      const raw = await uploadOnTerminal(dir, columns);
      const screen = new Screen(columns);
      const draws: string[] = [];
      // Each piece after a \r is a redraw (or the start of a line): the row must show it whole.
      for (const [i, piece] of raw.split("\r").entries()) {
        screen.write(i === 0 ? piece : `\r${piece}`);
        if (!shown(piece).startsWith("uploading")) continue;
        draws.push(shown(piece));
        assert(displayWidth(shown(piece)) < columns, `too wide: ${shown(piece)}`);
        assertEquals(screen.currentRow, shown(piece).trimEnd());
      }
      assert(draws.length > 0, `the upload drew its progress: ${JSON.stringify(raw)}`);
      if (columns === 200) assert(draws.every((draw) => draw.includes("/s")), draws.join("\n"));
      const lines = screen.lines;
      assert(lines.every((row) => !row.startsWith("uploading ")), lines.join("\n"));
      assertMatch(lines[0], /^\w+$/);
    }));
}

Deno.test("a progress line too long for the terminal drops the ETA, then the rate, then cuts the verb", () => {
  const parts = {
    verb: "uploading",
    counts: "12/400 files  240 KiB/7.63 MiB",
    rate: "1.20 MiB/s",
    eta: "ETA 7s",
  };
  const full = "uploading 12/400 files  240 KiB/7.63 MiB  1.20 MiB/s  ETA 7s";
  assertEquals(fitLine(parts, 80), full);
  assertEquals(
    fitLine(parts, full.length - 1),
    "uploading 12/400 files  240 KiB/7.63 MiB  1.20 MiB/s",
  );
  assertEquals(fitLine(parts, 45), "uploading 12/400 files  240 KiB/7.63 MiB");
  assertEquals(fitLine(parts, 36), "uplo… 12/400 files  240 KiB/7.63 MiB");
  assertEquals(fitLine(parts, 20), "uploading 12/400 fi…");
});
