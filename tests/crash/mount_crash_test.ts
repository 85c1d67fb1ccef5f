/**
 * A writable mount's commit killed (SIGKILL, in the mount's daemon, which `bundle unmount`
 * sets committing) before any one of its store writes leaves a whole context, and mounting,
 * filling and unmounting again commits the files.
 */
import { assertEquals } from "../support/assert.ts";
import { type CliResult, datamonOk, datamonWith, upload } from "../support/cli.ts";
import { writeTree } from "../support/fixtures.ts";
import { clearMount, fuseTest, run } from "../support/mount.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/** What `bundle unmount` says when the mount's daemon died without reporting its commit. */
const DAEMON_DIED = /ended without reporting how/;

/** `bundle mount new` on `dir`/mnt, the files of `dir`/v2 copied in, then `bundle unmount`. */
async function mountCommit(
  home: string,
  dir: string,
  env: Record<string, string>,
): Promise<CliResult> {
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt, { recursive: true });
  const mounted = await datamonWith(
    home,
    env,
    ...["bundle", "mount", "new", "--repo", "r", "--mount", mnt, "--message", "mounted"],
    ...["--leaf-size", "4K", "--daemonize"],
  );
  if (mounted.code !== 0) return mounted;
  try {
    const copied = await run("cp", "-r", `${dir}/v2/.`, `${mnt}/`);
    if (copied.code !== 0) throw new Error(`cp into the mount failed: ${copied.stderr}`);
  } catch (e) {
    await clearMount(mnt);
    throw e;
  }
  const unmounted = await datamonWith(home, {}, "bundle", "unmount", mnt);
  if (unmounted.code !== 0) await clearMount(mnt);
  // The kill hits the daemon; the unmount only learns that it died.
  return unmounted.code !== 0 && DAEMON_DIED.test(unmounted.stderr)
    ? { ...unmounted, code: 137 }
    : unmounted;
}

/** The mount crash case: repo "r" with one bundle; the mount commits the tree of `dir`/v2. */
function mountCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  return {
    trees,
    newBundleTree: `${dir}/v2`,
    async prepare(home) {
      await writeTree(`${dir}/v1`, { "big": 20_000, "small/a": "a" });
      await writeTree(`${dir}/v2`, { "big": 20_000, "small/a": "a", "small/b": "b", "c": 9000 });
      await datamonOk(home, "repo", "create", "--repo", "r");
      trees.set(await upload(home, "r", `${dir}/v1`, "v1", "--leaf-size", "4K"), `${dir}/v1`);
    },
    command: () => ["bundle", "mount", "new", "(then files copied in, then bundle unmount)"],
    run: (home, env) => mountCommit(home, dir, env),
    async finished(home) {
      const latest = (await datamonOk(home, "bundle", "get", "--repo", "r", "--format", "{{id}}"))
        .trim();
      assertEquals(trees.has(latest), false, "the mount committed no new bundle");
    },
  };
}

fuseTest(
  "a writable mount's commit killed before any store write leaves a whole context and a new mount commits",
  async (dir) => {
    const report = await runCrashCase(dir, mountCase(dir));
    console.log(`mount commit: ${report.killPoints.length} kill points of ${report.writes} writes`);
    assertNoFailures("mount commit", report);
  },
);
