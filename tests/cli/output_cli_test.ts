/**
 * Output that fits, seen as a user sees it: a real pseudo-terminal (util-linux `script`) of a
 * given width, and piped output with --no-headers and --wide.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload, writeDatamonOnPath } from "../support/cli.ts";
import { rawOnTerminal } from "../support/terminal.ts";
import { displayWidth, loadTextWidths } from "../../lib/cli/table.ts";

// The lines measured below may end in "…".
await loadTextWidths();

/** Runs `datamon args` on a pseudo-terminal `columns` wide; the lines it printed. */
async function onTerminal(bin: string, columns: number, args: string): Promise<string[]> {
  const raw = await rawOnTerminal(bin, columns, args);
  return raw.split(/\r?\n/).filter((line) => line !== "");
}

Deno.test("bundle list fits a 100-column terminal: ids whole, message cut with an ellipsis, contributor by name", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "a message long enough to be cut ".repeat(4));
    await Deno.mkdir(`${dir}/bin`);
    await writeDatamonOnPath(`${dir}/bin`, home);
    const out = await onTerminal(`${dir}/bin`, 100, "bundle list --repo r");
    assertEquals(out.length, 2, out.join("\n"));
    for (const line of out) assert(displayWidth(line) <= 100, `${displayWidth(line)}: ${line}`);
    assertMatch(out[0], /^ID\s+TIME\s+FILES\s+SIZE\s+MESSAGE\s+CONTRIBUTORS$/);
    assert(out[1].startsWith(id), out[1]);
    assertMatch(out[1], /… +Test User$/);
  }));

Deno.test("piped tables are whole; --wide adds emails, --no-headers drops the header; an empty repo list says how to create one", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const empty = await datamon(home, "repo", "list");
    assertEquals([empty.code, empty.stdout], [0, ""]);
    assertMatch(
      empty.stderr,
      /no repos in context local yet: create one with "datamon repo create/,
    );
    await datamonOk(home, "repo", "create", "--repo", "r", "--description", "line one\nline two");
    const plain = (await datamonOk(home, "repo", "list")).split("\n");
    assertMatch(plain[0], /^NAME\s+CREATED\s+DESCRIPTION\s+CONTRIBUTOR$/);
    assertMatch(plain[1], /^r\s+\S+Z\s+line one\\nline two\s+Test User$/);
    const wide = (await datamonOk(home, "repo", "list", "--wide", "--no-headers")).split("\n");
    assertMatch(wide[0], /^r\s+.*Test User <test@example\.com>$/);
    assertEquals(wide.filter((line) => line !== "").length, 1);
  }));

Deno.test("bundle get shows sizes for people and escapes a message's control characters; --json keeps numbers", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "x".repeat(3000) });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "first\x1b[31m line");
    const shown = await datamonOk(home, "bundle", "get", "--repo", "r");
    assertMatch(shown, /^totalSize: +2\.93 KiB \(3000 bytes\)$/m);
    assertMatch(shown, /^leafSize: +2\.00 MiB$/m);
    assertMatch(shown, /^message: +first\\x1b\[31m line$/m);
    const data = JSON.parse(await datamonOk(home, "bundle", "get", "--repo", "r", "--json"));
    assertEquals([data.totalSize, data.message], [3000, "first\x1b[31m line"]);
  }));

Deno.test("--json on a list that fails prints nothing on stdout; an empty list prints []", () =>
  withTempDir(async (home) => {
    const failed = await datamon(home, "bundle", "list", "--repo", "nope", "--json");
    assertEquals([failed.code, failed.stdout], [3, ""]);
    await datamonOk(home, "repo", "create", "--repo", "r");
    assertEquals(await datamonOk(home, "bundle", "list", "--repo", "r", "--json"), "[]\n");
  }));
