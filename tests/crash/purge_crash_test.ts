/**
 * A `purge` killed (SIGKILL) before any one of its store writes (deletes included) leaves
 * every bundle whole, and running the same purge again finishes it.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk, datamonWith, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/** The purge: no grace, so everything no bundle needs goes in this run. */
const PURGE = ["purge", "--grace", "0s", "--unsafe-grace", "--remove-stale-locks", "--json"];
/**
 * Locks go stale after 8 s and are never refreshed within a run (so every run makes the same
 * writes); a dead purge's lock blocks the re-run until stale, as the README says.
 */
const STALE_MS = 8000;
const LOCK_TIMING = { DATAMON_LOCK_REFRESH: "1h", DATAMON_LOCK_STALE: `${STALE_MS}ms` };

/** Runs the purge; the re-run after a kill (no crash variable) first waits for its lock to go stale. */
async function runPurge(home: string, env: Record<string, string>) {
  const rerun = !("DATAMON_TEST_CRASH_AT" in env) && !("DATAMON_TEST_CRASH_COUNT" in env);
  if (rerun) await new Promise((r) => setTimeout(r, STALE_MS));
  return await datamonWith(home, { ...env, ...LOCK_TIMING }, ...PURGE);
}

/** Repo "keep" with a bundle, and the blobs and a pack of a deleted repo's bundle to purge. */
function purgeCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  return {
    trees,
    async prepare(home) {
      await writeTree(`${dir}/kept`, { "big": 20_000, "small/a": "a", "shared": 6000 });
      await writeTree(`${dir}/gone`, { "big": 12_000, "small/b": "b", "small/c": "c" });
      await datamonOk(home, "repo", "create", "--repo", "keep");
      await datamonOk(home, "repo", "create", "--repo", "gone");
      trees.set(await upload(home, "keep", `${dir}/kept`, "k", "--leaf-size", "4K"), `${dir}/kept`);
      await upload(home, "gone", `${dir}/gone`, "g", "--leaf-size", "4K");
      await datamonOk(home, "repo", "delete", "--repo", "gone", "--force-yes");
    },
    command: () => PURGE,
    run: runPurge,
    async finished(home) {
      const again = JSON.parse(
        await datamonOk(home, "purge", "--dry-run", "--grace", "0s", "--unsafe-grace", "--json"),
      );
      assertEquals(again.deleted, 0, "a purge after the finished one still finds garbage");
    },
  };
}

Deno.test({
  name: "a purge killed before any store write leaves every bundle whole and its re-run " +
    "finishes once the dead purge's lock is stale",
  fn: () =>
    withTempDir(async (dir) => {
      const report = await runCrashCase(dir, purgeCase(dir));
      console.log(`purge: ${report.killPoints.length} kill points of ${report.writes} writes`);
      assertNoFailures("purge", report);
    }),
});
