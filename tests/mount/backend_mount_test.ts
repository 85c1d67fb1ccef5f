/** `bundle mount` on every backend: the same bytes through the kernel's FUSE from S3 and GCS. */
import { assertEquals } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { backendTest } from "../support/backends.ts";
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
