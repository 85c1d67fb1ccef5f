/**
 * A `diamond commit` killed (SIGKILL) before any one of its store writes leaves the context
 * whole (no partial bundle visible), and running it again commits the diamond: once the kill
 * came after closed.yaml, as the very bundle that record names. On the local store every write
 * is a kill point; S3 and GCS share them out (odd writes on S3, even on GCS), which keeps each
 * commit point covered on a remote store at half the cost.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk } from "../support/cli.ts";
import { writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";
import { CopyableHomes } from "../support/backends.ts";
import { type Backend, BACKENDS } from "../support/servers.ts";

/** The kill points each backend takes. */
const KEEP: Record<Backend, (write: number) => boolean> = {
  local: () => true,
  s3: (write) => write % 2 === 1,
  gcs: (write) => write % 2 === 0,
};

/** The commit crash case: two splits with one conflict, merged with --with-conflicts. */
function commitCase(dir: string, homes: CopyableHomes): CrashCase {
  let diamond = "";
  return {
    trees: new Map(),
    newBundleTree: `${dir}/expected`,
    copy: homes.copy,
    keep: KEEP[homes.backend],
    async prepare(home) {
      await homes.create(home);
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

for (const backend of BACKENDS) {
  Deno.test(`${backend}: a diamond commit killed before a store write leaves a whole context and its re-run commits`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "datamon-test-" });
    const homes = new CopyableHomes(backend);
    try {
      const report = await runCrashCase(dir, commitCase(dir, homes));
      console.log(
        `diamond commit on ${backend}: ${report.killPoints.length} kill points of ${report.writes} writes`,
      );
      assertNoFailures(`diamond commit on ${backend}`, report);
    } finally {
      await homes.cleanup();
      await Deno.remove(dir, { recursive: true });
    }
  });
}
