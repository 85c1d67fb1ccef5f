/** The build scripts: one list of the program's permissions, and compile's offline message. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { programPermissions } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";

const root = new URL("../..", import.meta.url).pathname;

Deno.test("deno.json's datamon task runs main.ts with the permissions of scripts/permissions.txt", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  assertEquals(
    config.tasks.datamon,
    [
      'DATAMON_CALLER_DIR="$INIT_CWD" deno run --cached-only',
      ...programPermissions("deno"),
      "main.ts",
    ].join(" "),
  );
});

Deno.test("compile without DENORT_BIN and without network says plainly that denort could not be downloaded", () =>
  withTempDir(async (dir) => {
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      DATAMON_DIST: dir,
      HTTPS_PROXY: "http://127.0.0.1:9",
    };
    delete env.DENORT_BIN;
    const out = await new Deno.Command("bash", {
      args: [`${root}scripts/compile.sh`],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
    assertEquals(out.code, 1);
    assertEquals(stderr.length, 1, stderr.join("\n"));
    assertMatch(stderr[0], /^compile: could not download denort .*set DENORT_BIN=/);
    assert(
      (await Deno.readTextFile(`${dir}/datamon.js`)).includes('"datamon-build:'),
      "the bundle was built before compiling",
    );
  }));

Deno.test("compile with a DENORT_BIN that is not executable says so", async () => {
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/compile.sh`],
    env: { DENORT_BIN: "/nonexistent/denort" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 1);
  assertEquals(
    new TextDecoder().decode(out.stderr).trim(),
    "compile: DENORT_BIN=/nonexistent/denort is not an executable denort binary",
  );
});
