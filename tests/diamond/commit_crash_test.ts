/**
 * A `diamond commit` killed (SIGKILL) before any one of its store writes leaves the context
 * whole (no partial bundle visible), and running it again commits the diamond: once the kill
 * came after closed.yaml, as the very bundle that record names.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk } from "../support/cli.ts";
import { writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/** The commit crash case: two splits with one conflict, merged with --with-conflicts. */
function commitCase(dir: string): CrashCase {
  let diamond = "";
  return {
    trees: new Map(),
    newBundleTree: `${dir}/expected`,
    async prepare(home) {
      await writeTree(`${dir}/a`, { "a/big": 20_000, "f": "from a", "same": "s" });
      await writeTree(`${dir}/b`, { "b/small": "b", "f": "from b", "same": "s" });
      await writeTree(`${dir}/expected`, {
        "a/big": 20_000,
        "b/small": "b",
        "f": "from b",
        "same": "s",
        ".conflicts/a/f": "from a",
      });
      await datamonOk(home, "repo", "create", "--repo", "r");
      diamond = (await datamonOk(home, "diamond", "initialize", "--repo", "r")).trim();
      for (const split of ["a", "b"]) {
        const add = ["diamond", "split", "add", "--repo", "r", "--diamond", diamond];
        await datamonOk(
          home,
          ...add,
          "--split",
          split,
          "--path",
          `${dir}/${split}`,
          "--leaf-size",
          "4K",
        );
      }
    },
    command: () => [
      ...["diamond", "commit", "--repo", "r", "--diamond", diamond, "--message", "m"],
      ...["--label", "merged"],
    ],
    async finished(home) {
      const get = ["diamond", "get", "--repo", "r", "--diamond", diamond, "--json"];
      const status = JSON.parse(await datamonOk(home, ...get));
      assertEquals(status.state, "done");
      const bundles = await datamonOk(home, "bundle", "list", "--repo", "r", "--format", "{{id}}");
      assertEquals(bundles.trim().split("\n"), [status.bundle], "one bundle, the recorded one");
      const label = await datamonOk(
        home,
        "label",
        "get",
        "--repo",
        "r",
        "--label",
        "merged",
        "--format",
        "{{bundleId}}",
      );
      assertEquals(label.trim(), status.bundle);
    },
  };
}

Deno.test("a diamond commit killed before any store write leaves a whole context and its re-run commits", async () => {
  const dir = await Deno.makeTempDir({ prefix: "datamon-test-" });
  try {
    const report = await runCrashCase(dir, commitCase(dir));
    console.log(
      `diamond commit: ${report.killPoints.length} kill points of ${report.writes} writes`,
    );
    assertNoFailures("diamond commit", report);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
