/** End-to-end repair: re-uploading a directory writes back a leaf lost from the blob store. */
import { assertEquals } from "../support/assert.ts";
import {
  assertSameTree,
  patternBytes,
  untilCacheable,
  withTempDir,
  writeTree,
} from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";

for (const cache of [["--no-cache"], []]) {
  const how = cache.length > 0 ? "with --no-cache" : "with its upload cache";
  Deno.test(`bundle upload ${how} after a leaf was deleted writes it back`, async () => {
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      const blob = `${home}/data/blob`;
      await writeTree(`${dir}/src`, { "big.bin": patternBytes(300_000, 7), "a.txt": "a" });
      if (cache.length === 0) await untilCacheable();
      await datamonOk(home, "repo", "create", "--repo", "r");
      await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K");
      const entries = JSON.parse(
        await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
      ) as { name: string; key: string }[];
      const root = await Deno.readFile(`${blob}/${entries.find((e) => e.name === "big.bin")!.key}`);
      const leaf = Array.from(root.subarray(32, 64), (b) => b.toString(16).padStart(2, "0"));
      await Deno.remove(`${blob}/${leaf.join("")}`);
      const id = await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K", ...cache);
      // The leaf is back under its key, so both bundles are whole again.
      assertEquals((await datamon(home, "fsck", "--deep")).code, 0);
      await datamonOk(
        home,
        "bundle",
        "download",
        "--repo",
        "r",
        "--bundle",
        id,
        "--destination",
        `${dir}/out`,
      );
      await assertSameTree(`${dir}/src`, `${dir}/out`);
    });
  });
}
