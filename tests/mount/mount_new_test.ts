/**
 * `bundle mount new`: a writable mount staged on local disk that, once unmounted, commits a
 * bundle exactly as `bundle upload` of the same files would.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { listTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { clearMount, fuseTest, isMounted, run } from "../support/mount.ts";

/** Makes the same tree in `root` with create, write, truncate, rename, mkdir, unlink, rmdir. */
function shapeTree(root: string): string {
  return [
    `mkdir -p ${root}/d/sub ${root}/gone-dir`,
    `printf hello > ${root}/d/sub/f.txt`,
    `head -c 300000 /dev/zero | tr '\\0' 'a' > ${root}/big.txt`,
    `printf 'to be truncated' > ${root}/t.txt`,
    `truncate -s 5 ${root}/t.txt`,
    `printf moved > ${root}/tmp.txt`,
    `mv ${root}/tmp.txt ${root}/d/renamed.txt`,
    `mv ${root}/d/sub ${root}/d/sub2`,
    `printf x > ${root}/unlinked`,
    `rm ${root}/unlinked`,
    `rmdir ${root}/gone-dir`,
    `printf more >> ${root}/d/sub2/f.txt`,
  ].join(" && ");
}

function startMountNew(home: string, mnt: string, ...flags: string[]) {
  return datamonOk(
    home,
    "bundle",
    "mount",
    "new",
    "--repo",
    "r",
    "--mount",
    mnt,
    "--message",
    "staged",
    "--daemonize",
    ...flags,
  );
}

type Listed = Array<{ name: string; size: number; mode: string; key: string }>;

async function listFiles(home: string, ...selector: string[]): Promise<Listed> {
  const json = await datamonOk(
    home,
    "bundle",
    "list",
    "files",
    "--repo",
    "r",
    "--json",
    ...selector,
  );
  return (JSON.parse(json) as Listed).map(({ name, size, mode, key }) => ({
    name,
    size,
    mode,
    key,
  }));
}

fuseTest(
  "a mutable mount commits on unmount the bundle that bundle upload makes of the same files",
  async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    try {
      await startMountNew(home, mnt, "--label", "staged-label");
      const shaped = await run("sh", "-c", shapeTree(mnt));
      assertEquals(shaped.code, 0, shaped.stderr);
      assertEquals((await run("cat", `${mnt}/d/sub2/f.txt`)).stdout, "hellomore");
      const unmounted = await datamon(home, "bundle", "unmount", mnt);
      assertEquals(unmounted.code, 0, unmounted.stderr);
      const id = unmounted.stdout.trim();
      assertMatch(id, /^[0-9A-Za-z]{27}$/);
      assertMatch(unmounted.stderr, /label staged-label set/);
      assert(!await isMounted(mnt));

      const local = `${dir}/local`;
      await Deno.mkdir(local);
      assertEquals((await run("sh", "-c", shapeTree(local))).code, 0);
      const uploadedId = await upload(home, "r", local, "same files");
      const fromMount = await listFiles(home, "--bundle", id);
      assertEquals(fromMount, await listFiles(home, "--bundle", uploadedId));
      assertEquals(fromMount.map((e) => e.name), [
        "big.txt",
        "d/renamed.txt",
        "d/sub2/f.txt",
        "t.txt",
      ]);
      const label = await datamonOk(
        home,
        "label",
        "get",
        "--repo",
        "r",
        "--label",
        "staged-label",
        "--json",
      );
      assertEquals(JSON.parse(label).bundle, id);
      assertEquals(await listTree(`${home}/staging`), [], "the staging directory is removed");
    } finally {
      await clearMount(mnt);
    }
  },
);

fuseTest("a mutable mount left empty commits nothing and says so", async (dir) => {
  const home = `${dir}/home`;
  await datamonOk(home, "repo", "create", "--repo", "r");
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  try {
    await startMountNew(home, mnt);
    const r = await datamon(home, "bundle", "unmount", mnt);
    assertEquals(r.code, 6, r.stderr);
    assertMatch(r.stderr, /nothing was written to the mount: no bundle committed/);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
  } finally {
    await clearMount(mnt);
  }
});

fuseTest("a failed commit keeps the staging directory and says how to retry", async (dir) => {
  const home = `${dir}/home`;
  await datamonOk(home, "repo", "create", "--repo", "r");
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  try {
    await startMountNew(home, mnt);
    await Deno.writeTextFile(`${mnt}/kept.txt`, "keep me");
    // The repo vanishing under the mount makes its commit fail.
    await datamonOk(home, "repo", "delete", "--repo", "r", "--force-yes");
    const r = await datamon(home, "bundle", "unmount", mnt);
    assertEquals(r.code, 3, r.stderr);
    const match = /kept in (\S+): retry with datamon bundle upload --repo r --path (\S+)/
      .exec(r.stderr);
    assert(match, r.stderr);
    assertEquals(await Deno.readTextFile(`${match[1]}/kept.txt`), "keep me");
  } finally {
    await clearMount(mnt);
  }
});
