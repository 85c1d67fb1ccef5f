/**
 * Downloads hand on a leaf only once a hashing Worker verified it, on every backend: a
 * corrupted leaf fails the download with the integrity code and leaves nothing under the
 * file's name.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { listTree, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { backendTest, corruptBlobOfSize } from "../support/backends.ts";

backendTest(
  "a corrupted leaf fails the download with the integrity code and writes nothing under its name",
  async (dir, home) => {
    await writeTree(`${dir}/src`, { "big.bin": 6 * 65536 + 5, "small.txt": "fine\n" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K");
    const leaf = await corruptBlobOfSize(home, 65536);
    const out = `${dir}/out`;
    const r = await datamon(home, "bundle", "download", "--repo", "r", "--destination", out);
    assertEquals(r.code, 9, `exit code (stderr: ${r.stderr})`);
    assertMatch(r.stderr, new RegExp(`blob ${leaf.split("/").pop()}.*corrupt`));
    const left: string[] = await listTree(out).catch(() => []);
    assert(!left.includes("big.bin"), `no file under the damaged file's name: ${left}`);
    assert(!left.some((n) => n.includes(".datamon-part-")), `no part files left: ${left}`);
  },
);
