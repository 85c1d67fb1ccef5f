/**
 * A full disk (a small tmpfs the kernel really fills) where datamon keeps its own files: the
 * config is left as it was with one line and exit 17, and an upload whose cache cannot be
 * written still commits (the cache only saves work).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { manyFiles, untilCacheable, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { fuseTest, run } from "../support/mount.ts";

/**
 * Mounts a 64 KiB tmpfs at `dir` (created), fills it, runs `fn` and unmounts. Mounting needs
 * the same right as a FUSE mount, hence fuseTest.
 */
async function withFullDisk(dir: string, fn: () => Promise<void>): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const mounted = await run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
  assertEquals(mounted.code, 0, mounted.stderr);
  try {
    await run("sh", "-c", `head -c 200000 /dev/zero > '${dir}/fill'`);
    await fn();
  } finally {
    await run("umount", "-l", dir);
  }
}

async function names(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) found.push(entry.name);
  return found.sort();
}

fuseTest(
  "config set on a full disk exits 17 naming the config file and leaves it as it was",
  async (dir) => {
    const home = `${dir}/home`;
    await withFullDisk(home, async () => {
      const before = await names(home);
      const r = await datamon(home, "config", "set", "--name", "Ada");
      assertEquals(r.code, 17, r.stderr);
      assertEquals(
        r.stderr,
        `datamon: no space left (disk full or quota reached) writing ${home}/config.yaml: ` +
          "free some space or choose another place\n",
      );
      assertEquals(await names(home), before, "no temporary left beside the config");
    });
  },
);

fuseTest(
  "an upload whose cache's disk is full still commits, and leaves no half-written cache",
  async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, manyFiles(600, 8));
    await untilCacheable();
    await datamonOk(home, "context", "create", "--context", "c", "--store", `${dir}/store`);
    await datamonOk(home, "context", "use", "c");
    await datamonOk(home, "repo", "create", "--repo", "r");
    await withFullDisk(`${home}/cache`, async () => {
      // 600 files: the cache is written in batches during the upload, not only at its end.
      const id = await upload(home, "r", `${dir}/src`, "m");
      assert(/^\w{27}$/.test(id), id);
      assertEquals(await names(`${home}/cache/uploads`), []);
    });
    // With room again, the next upload writes its cache as usual.
    await upload(home, "r", `${dir}/src`, "n");
    assertEquals((await names(`${home}/cache/uploads`)).length, 1);
  },
);
