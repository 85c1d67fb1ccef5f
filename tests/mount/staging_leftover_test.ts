/**
 * What a killed writable mount leaves in the staging root is dealt with by the next mount:
 * an empty staging directory is removed, one holding files is kept and named with how to
 * commit it. A mount's process holds its staging directory's lock file locked, so a live
 * mount's directory is never taken for a leftover.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { exists } from "../support/fixtures.ts";
import { datamon, datamonCommand, datamonOk } from "../support/cli.ts";
import { clearMount, fuseTest, isMounted, run } from "../support/mount.ts";

/** `bundle mount new` of repo r on `mnt`, with more flags. */
function mountNewArgs(mnt: string, ...flags: string[]): string[] {
  return ["bundle", "mount", "new", "--repo", "r", "--mount", mnt, "--message", "m", ...flags];
}

/** Waits until `dir` is a mount point; fails with the mount's output if it ends first. */
async function untilMounted(dir: string, mount: Deno.ChildProcess): Promise<void> {
  let ended = false;
  mount.status.then(() => ended = true);
  while (!ended && !await isMounted(dir)) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (ended) {
    const out = await mount.output();
    throw new Error(`the mount ended: ${new TextDecoder().decode(out.stderr)}`);
  }
}

fuseTest(
  "the next mount removes an empty staging directory a killed mount left and names one holding files",
  async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    const killedMount = `${dir}/killed`;
    const nextMount = `${dir}/next`;
    const viaDaemon = `${dir}/daemon`;
    for (const mnt of [killedMount, nextMount, viaDaemon]) await Deno.mkdir(mnt);
    try {
      await datamonOk(home, ...mountNewArgs(killedMount, "--daemonize"));
      assertEquals((await run("sh", "-c", `printf kept > ${killedMount}/f.txt`)).code, 0);
      const [leftover] = await Array.fromAsync(Deno.readDir(`${home}/staging`), (e) => e.name)
        .then((names) => names.filter((name) => !name.endsWith(".lock")));
      const [status] = await Array.fromAsync(Deno.readDir(`${home}/mounts`), (e) => e.name);
      const { pid } = JSON.parse(
        (await Deno.readTextFile(`${home}/mounts/${status}`)).split("\n")[0],
      );
      assertEquals((await run("kill", "-KILL", String(pid))).code, 0);
      await clearMount(killedMount);
      const path = `${home}/staging/${leftover}`;
      const named = new RegExp(`warning: ${path} holds the files of a writable mount that`);
      // With --daemonize the line is printed by the command, not by the daemon (whose stderr
      // is discarded).
      const daemonized = await datamon(home, ...mountNewArgs(viaDaemon, "--daemonize"));
      assertEquals(daemonized.code, 0, daemonized.stderr);
      assertMatch(daemonized.stderr, named);
      assertEquals((await datamon(home, "bundle", "unmount", viaDaemon)).code, 6);
      // A mount killed before anything was written leaves its staging directory empty.
      const empty = `${home}/staging/mount-${crypto.randomUUID()}`;
      await Deno.mkdir(empty);
      await Deno.writeTextFile(`${empty}.lock`, "");

      const next = datamonCommand(home, ...mountNewArgs(nextMount)).spawn();
      await untilMounted(nextMount, next);
      const unmounted = await datamon(home, "bundle", "unmount", nextMount);
      const out = await next.output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(unmounted.code, 6, unmounted.stderr); // nothing written: nothing committed
      assertMatch(stderr, named);
      assertMatch(stderr, new RegExp(`datamon bundle upload --repo REPO --path ${path} `));
      assertEquals(await Deno.readTextFile(`${path}/f.txt`), "kept");
      assert(!await exists(empty), "the empty leftover is removed");
      assert(!await exists(`${empty}.lock`), "with its lock file");
    } finally {
      for (const mnt of [killedMount, nextMount, viaDaemon]) await clearMount(mnt);
    }
  },
);

fuseTest("a live mount's empty staging directory is left alone by the next mount", async (dir) => {
  const home = `${dir}/home`;
  await datamonOk(home, "repo", "create", "--repo", "r");
  const first = `${dir}/first`;
  const second = `${dir}/second`;
  await Deno.mkdir(first);
  await Deno.mkdir(second);
  try {
    await datamonOk(home, ...mountNewArgs(first, "--daemonize"));
    await datamonOk(home, ...mountNewArgs(second, "--daemonize"));
    const dirs = await Array.fromAsync(Deno.readDir(`${home}/staging`), (e) => e.name);
    assertEquals(dirs.filter((name) => !name.endsWith(".lock")).length, 2, String(dirs));
    assertEquals((await run("sh", "-c", `printf x > ${first}/f.txt`)).code, 0);
    const committed = await datamon(home, "bundle", "unmount", first);
    assertEquals(committed.code, 0, committed.stderr);
    assertEquals((await datamon(home, "bundle", "unmount", second)).code, 6);
    assertEquals(await Array.fromAsync(Deno.readDir(`${home}/staging`)), []);
  } finally {
    await clearMount(first);
    await clearMount(second);
  }
});
