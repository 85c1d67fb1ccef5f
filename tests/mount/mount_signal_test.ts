/**
 * Ending a mount: SIGTERM and SIGINT unmount cleanly (a mutable mount commits), and a stale
 * mount left by a killed process is cleared by the next mount.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamonCommand, datamonOk, upload } from "../support/cli.ts";
import { clearMount, fuseTest, isMounted, withMount } from "../support/mount.ts";

/** Waits until `dir` is a mount point. */
async function mounted(dir: string, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => (exited = true));
  while (!await isMounted(dir)) {
    assert(!exited, "the mount process ended before mounting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function repoWithBundle(dir: string): Promise<string> {
  const home = `${dir}/home`;
  await writeTree(`${dir}/src`, { "f.txt": "content" });
  await datamonOk(home, "repo", "create", "--repo", "r");
  await upload(home, "r", `${dir}/src`, "m");
  await Deno.mkdir(`${dir}/mnt`);
  return home;
}

fuseTest("SIGTERM unmounts a bundle mount and leaves no stale mount", async (dir) => {
  const home = await repoWithBundle(dir);
  const mnt = `${dir}/mnt`;
  try {
    const child = datamonCommand(home, "bundle", "mount", "--repo", "r", "--mount", mnt)
      .spawn();
    await mounted(mnt, child);
    child.kill("SIGTERM");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertMatch(stderr, /unmounted/);
    assert(!await isMounted(mnt), "no mount is left");
  } finally {
    await clearMount(mnt);
  }
});

fuseTest("SIGINT on a mutable mount commits it and prints the bundle id", async (dir) => {
  const home = await repoWithBundle(dir);
  const mnt = `${dir}/mnt`;
  try {
    const child = datamonCommand(
      home,
      ..."bundle mount new --repo r --message m --mount".split(" "),
      mnt,
    ).spawn();
    await mounted(mnt, child);
    await Deno.writeTextFile(`${mnt}/written.txt`, "by a test");
    child.kill("SIGINT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const id = new TextDecoder().decode(out.stdout).trim();
    const files = await datamonOk(
      home,
      "bundle",
      "list",
      "files",
      "--repo",
      "r",
      "--bundle",
      id,
    );
    assertMatch(files, /written\.txt/);
    assert(!await isMounted(mnt));
  } finally {
    await clearMount(mnt);
  }
});

fuseTest("a stale mount left by a killed process is cleared before mounting again", async (dir) => {
  const home = await repoWithBundle(dir);
  const mnt = `${dir}/mnt`;
  try {
    const child = datamonCommand(home, "bundle", "mount", "--repo", "r", "--mount", mnt)
      .spawn();
    await mounted(mnt, child);
    child.kill("SIGKILL");
    await child.output();
    const stale = await Deno.readDir(mnt)[Symbol.asyncIterator]().next()
      .then(() => "", (e) => (e as { code?: string }).code);
    assertEquals(stale, "ENOTCONN", "a killed server leaves a dead mount");
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      assertEquals(await Deno.readTextFile(`${mnt}/f.txt`), "content");
    });
    assert(!await isMounted(mnt));
  } finally {
    await clearMount(mnt);
  }
});
