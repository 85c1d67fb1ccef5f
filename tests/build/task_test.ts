/**
 * Running from the source tree, as a user does from their own directory: `deno task datamon`,
 * and the launcher bin/datamon linked onto PATH.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { datamonLauncher, datamonTask, type SourceRunner } from "../support/task.ts";

const RUNNERS: [string, SourceRunner][] = [
  ["deno task datamon", datamonTask],
  ["bin/datamon through a symlink", datamonLauncher],
];

for (const [how, run] of RUNNERS) {
  Deno.test(`${how} reads relative paths from the caller's directory and keeps them absolute`, () =>
    withTempDir(async (dir) => {
      const home = `${dir}/home`;
      await Deno.mkdir(`${dir}/work`);
      // A directory an enclosing task runner passed on: the caller's own directory wins.
      const env = { DATAMON_CALLER_DIR: "/" };
      const create = await run(`${dir}/work`, home, env, ...[
        "context",
        "create",
        "--context",
        "here",
        "--store",
        "./stores",
      ]);
      assertEquals(create.code, 0, create.stderr);
      const doc = JSON.parse(
        (await run(dir, home, env, "context", "get", "--context", "here", "--json")).stdout,
      );
      assertEquals(doc.blob, `file://${dir}/work/stores/blob`);
    }));

  Deno.test(`${how} prints only datamon's output and makes no registry request, even with an empty Deno cache`, () =>
    withTempDir(async (dir) => {
      // An unreachable proxy: a registry request would fail or print a Download line.
      const env = { DENO_DIR: `${dir}/deno`, HTTPS_PROXY: "http://127.0.0.1:9" };
      const r = await run(dir, `${dir}/home`, env, "version");
      assertEquals(r.code, 0, r.stderr);
      assertMatch(r.stdout, /^datamon /);
      assertEquals(r.stderr, "");
    }));
}

Deno.test("a store URL missing a slash is refused instead of naming a local directory", () =>
  withTempDir(async (dir) => {
    const r = await datamonTask(dir, `${dir}/home`, {}, ...[
      "context",
      "create",
      "--context",
      "typo",
      "--store",
      "s3:/bucket/x",
    ]);
    assertEquals(r.code, 5, r.stderr);
    assertEquals(
      r.stderr,
      'datamon: store URL "s3:/bucket/x" is missing a slash: write s3://bucket/prefix\n',
    );
    for await (const _ of Deno.readDir(dir)) {
      assert(_.name !== "s3:", "no directory named after the typo");
    }
  }));
