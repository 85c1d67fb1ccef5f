/**
 * A `purge` killed (SIGKILL) before any one of its store writes (copies and deletes included)
 * leaves every bundle whole, and running the same purge again finishes it: the killed purge
 * both deletes an expired quarantine batch and moves new garbage into a batch of its own.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { datamonOk, datamonWith, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/**
 * The purge: no grace, so everything no bundle needs goes into quarantine in this run, and no
 * quarantine period, so the batch of the purge before is deleted for good.
 */
const NO_GRACE = ["--grace", "0s", "--unsafe-grace", "--quarantine", "0s", "--unsafe-quarantine"];
const PURGE = ["purge", ...NO_GRACE, "--remove-stale-locks", "--json"];
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

/**
 * Repo "keep" with a bundle; a deleted repo's blobs and pack already quarantined by a purge;
 * and the blobs and a pack of another deleted repo's bundle to purge.
 */
function purgeCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  return {
    trees,
    async prepare(home) {
      await writeTree(`${dir}/kept`, { "big": 20_000, "small/a": "a", "shared": 6000 });
      await writeTree(`${dir}/gone`, { "big": 12_000, "small/b": "b", "small/c": "c" });
      await writeTree(`${dir}/older`, { "big": 9_000, "small/d": "d", "small/e": "e" });
      await datamonOk(home, "repo", "create", "--repo", "keep");
      trees.set(await upload(home, "keep", `${dir}/kept`, "k", "--leaf-size", "4K"), `${dir}/kept`);
      for (const repo of ["older", "gone"]) {
        await datamonOk(home, "repo", "create", "--repo", repo);
        await upload(home, repo, `${dir}/${repo}`, repo, "--leaf-size", "4K");
        await datamonOk(home, "repo", "delete", "--repo", repo, "--force-yes");
        // The older repo's objects go into quarantine now; the purge under test deletes them.
        if (repo === "older") await datamonOk(home, "purge", ...NO_GRACE, "--quiet");
      }
    },
    command: () => PURGE,
    run: runPurge,
    async finished(home) {
      const again = JSON.parse(await datamonOk(home, "purge", "--dry-run", ...NO_GRACE, "--json"));
      assertEquals(again.quarantined, 0, "a purge after the finished one still finds garbage");
      const batches = JSON.parse(await datamonOk(home, "purge", "list", "--json"));
      // A killed purge's batch was finished by the re-run (or, whole, deleted by it: 0s).
      for (const batch of batches) assert(batch.whole, `batch ${batch.id} left unfinished`);
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
