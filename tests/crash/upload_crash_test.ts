/**
 * A `bundle upload` killed (SIGKILL) before any one of its store writes leaves the context
 * whole, and running the same upload again commits the directory. The upload mixes packed
 * small files, a multi-leaf file and leaves shared with an earlier bundle.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/** Leaves of 4 KiB, so a 20 KiB file has five and packing applies to files up to 4 KiB. */
const LEAF_SIZE = "4K";

/** The upload crash case, under `dir`. */
function uploadCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  return {
    trees,
    newBundleTree: `${dir}/v2`,
    async prepare(home) {
      await writeTree(`${dir}/v1`, { "big": 20_000, "small/a": "a", "small/b": "b" });
      await writeTree(`${dir}/v2`, {
        "big": 20_000,
        "small/a": "a",
        "small/c": "a new small file",
        "more/d": 3000,
        "more/e": 9000,
      });
      await datamonOk(home, "repo", "create", "--repo", "r");
      trees.set(await upload(home, "r", `${dir}/v1`, "v1", "--leaf-size", LEAF_SIZE), `${dir}/v1`);
    },
    command: () => [
      "bundle",
      "upload",
      "--repo",
      "r",
      "--path",
      `${dir}/v2`,
      "--message",
      "v2",
      "--leaf-size",
      LEAF_SIZE,
    ],
    async finished(home) {
      const latest = (await datamonOk(home, "bundle", "get", "--repo", "r", "--format", "{{id}}"))
        .trim();
      assertEquals(trees.has(latest), false, "the upload committed no new bundle");
    },
  };
}

Deno.test("a bundle upload killed before any store write leaves a whole context and its re-run commits", async () => {
  await withTempDir(async (dir) => {
    const report = await runCrashCase(dir, uploadCase(dir));
    console.log(
      `bundle upload: ${report.killPoints.length} kill points of ${report.writes} writes`,
    );
    assertNoFailures("bundle upload", report);
  });
});
