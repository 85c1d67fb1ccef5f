/** `bundle mount` on every backend: the same bytes through the kernel's FUSE from S3 and GCS. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { backendTest, corruptBlobOfSize } from "../support/backends.ts";
import { FUSE_MISSING, run, withMount } from "../support/mount.ts";

backendTest(
  "a mounted bundle reads back byte for byte, packed and multi-leaf files alike",
  async (dir, home) => {
    const src = `${dir}/src`;
    await writeTree(src, { "small.txt": "small\n", "d/big.bin": 5 * 65536 + 3, "d/e/f.bin": 9000 });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", src, "m", "--leaf-size", "64K");
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      for (const name of ["small.txt", "d/big.bin", "d/e/f.bin"]) {
        const same = await run("cmp", `${src}/${name}`, `${mnt}/${name}`);
        assertEquals(same.code, 0, `${name}: ${same.stdout}${same.stderr}`);
      }
    });
  },
  { ignore: FUSE_MISSING },
);

backendTest(
  "a corrupted leaf of a multi-leaf file gives EIO through the mount, never its bytes",
  async (dir, home) => {
    const src = `${dir}/src`;
    await writeTree(src, { "big.bin": 5 * 65536 + 3, "small.txt": "fine\n" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", src, "m", "--leaf-size", "64K");
    await corruptBlobOfSize(home, 65536);
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      const bad = await run("cat", `${mnt}/big.bin`);
      assert(bad.code !== 0, "cat of a file with a corrupt leaf fails");
      assertMatch(bad.stderr, /Input\/output error/);
      assertEquals((await run("cat", `${mnt}/small.txt`)).stdout, "fine\n");
    });
  },
  { ignore: FUSE_MISSING },
);
