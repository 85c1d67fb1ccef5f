/**
 * End-to-end: names that are not UTF-8 through the CLI. They round-trip byte-exact, and every
 * line printed for people shows their bytes as \xNN, never raw (stdout stays valid UTF-8).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { datamonCommand, datamonOk, uploadArgs } from "../support/cli.ts";

/** Runs a bash script in `dir`; $(n 'caf\xe9') spells a name by its bytes. */
async function sh(dir: string, script: string): Promise<string> {
  const out = await new Deno.Command("bash", {
    args: ["-c", `n() { printf "$1"; }\n${script}`],
    cwd: dir,
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, text);
  return text;
}

/** Runs datamon; stdout and stderr decoded strictly, so a raw invalid byte fails the test. */
async function datamonStrict(
  home: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await datamonCommand(home, ...args).output();
  const strict = new TextDecoder("utf-8", { fatal: true });
  return { code: out.code, stdout: strict.decode(out.stdout), stderr: strict.decode(out.stderr) };
}

Deno.test("list files, diff and warnings show non-UTF-8 bytes as \\xNN; download, update and download file by that form are exact", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await Deno.mkdir(`${dir}/src`);
    await sh(
      `${dir}/src`,
      `printf latin1 > "$(n 'caf\\xe9.txt')"; printf u > café.txt; mkdir "$(n '\\xff\\xfe')"
printf deep > "$(n '\\xff\\xfe')/x"; mkfifo "$(n 'pipe\\xff')"`,
    );
    await datamonOk(home, "repo", "create", "--repo", "r");
    const uploaded = await datamonStrict(home, ...uploadArgs(`${dir}/src`));
    assertEquals(uploaded.code, 0, uploaded.stderr);
    assert(uploaded.stderr.includes("skipped pipe\\xff: a FIFO"), uploaded.stderr);

    const files = await datamonStrict(home, "bundle", "list", "files", "--repo", "r");
    const names = files.stdout.split("\n").slice(1, -1).map((line) => line.split(/\s+/)[0]);
    assertEquals(names, ["café.txt", "caf\\xe9.txt", "\\xff\\xfe/x"]);
    const json = await datamonStrict(home, "bundle", "list", "files", "--repo", "r", "--json");
    assertEquals(JSON.parse(json.stdout)[1].name, "caf\udce9.txt");

    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    await sh(dir, `rm "src/$(n 'pipe\\xff')"; LC_ALL=C diff -r --no-dereference src out`);
    await sh(`${dir}/out`, `printf DEEP > "$(n '\\xff\\xfe')/x"`);
    const diff = await datamonStrict(
      home,
      "bundle",
      "diff",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
    );
    assert(/\\xff\\xfe\/x/.test(diff.stdout), diff.stdout);
    await datamonOk(home, "bundle", "update", "--repo", "r", "--destination", `${dir}/out`);
    await sh(dir, `LC_ALL=C diff -r --no-dereference src out`);
    const args = ["bundle", "download", "file", "--repo", "r", "--destination", `${dir}/one`];
    await datamonOk(home, ...args, "--file", "\\xff\\xfe/x");
    assertEquals(await sh(dir, `cat "one/$(n '\\xff\\xfe')/x"`), "deep");
  });
});
