/** `deno task datamon` from the source tree, as a user runs it from their own directory. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { datamonTask } from "../support/task.ts";

Deno.test("deno task datamon reads relative paths from the caller's directory and keeps them absolute", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const create = await datamonTask(dir, home, {}, ...[
      "context",
      "create",
      "--context",
      "here",
      "--store",
      "./stores",
    ]);
    assertEquals(create.code, 0, create.stderr);
    const doc = JSON.parse(
      (await datamonTask(dir, home, {}, "context", "get", "--context", "here", "--json")).stdout,
    );
    assertEquals(doc.blob, `file://${dir}/stores/blob`);
  }));

Deno.test("deno task datamon makes no registry request, even with an empty Deno cache", () =>
  withTempDir(async (dir) => {
    // An unreachable proxy: a registry request would fail or print a Download line.
    const env = { DENO_DIR: `${dir}/deno`, HTTPS_PROXY: "http://127.0.0.1:9" };
    const r = await datamonTask(dir, `${dir}/home`, env, "version");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^datamon /);
    assertEquals(r.stderr, "");
  }));

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
