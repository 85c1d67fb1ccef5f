/**
 * A download, or a local store, on a read-only file system (a bundle's own read-only mount,
 * where the kernel answers every write with EROFS) exits 19 with one line naming the path.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { fuseTest, withMount } from "../support/mount.ts";

fuseTest(
  "a download or a local store on a read-only file system exits 19 naming the path",
  async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const mnt = `${dir}/mnt`;
    const download = ["bundle", "download", "--repo", "r", "-q", "--destination"];
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      const fresh = await datamon(home, ...download, `${mnt}/out`);
      assertEquals(fresh.code, 19, fresh.stderr);
      assertEquals(
        fresh.stderr,
        `datamon: cannot write ${mnt}/out: its file system is read-only: choose a writable place\n`,
      );
      const store = await datamon(
        home,
        "context",
        "create",
        "--context",
        "ro",
        "--store",
        `${mnt}/s`,
      );
      assertEquals(store.code, 19, store.stderr);
      assertMatch(
        store.stderr,
        /^datamon: .*cannot write store \S+\/mnt\/s\S*: its file system is read-only/,
      );
      const over = await datamon(home, ...download, mnt, "--force-dest");
      assertEquals(over.code, 19, over.stderr);
      assertEquals(
        over.stderr,
        `datamon: cannot write ${mnt}/a.txt: its file system is read-only: choose a writable place\n`,
      );
    });
  },
);
