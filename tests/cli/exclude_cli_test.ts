/** End-to-end: choosing what an upload takes with --exclude and a .datamonignore file. */
import { assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk, upload } from "../support/cli.ts";

/** The names of the files of the latest bundle of repo "r". */
async function bundleNames(home: string): Promise<string[]> {
  const files = JSON.parse(
    await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
  );
  return files.map((f: { name: string }) => f.name).sort();
}

Deno.test("upload leaves out what --exclude globs and the top .datamonignore match, gitignore-style", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, {
      ".datamonignore": "# scratch\n*.tmp\n!keep.tmp\ncache/\n/top.log\n",
      "a.txt": "a",
      "b.tmp": "b",
      "keep.tmp": "k",
      "top.log": "t",
      "sub/top.log": "s",
      "sub/c.bak": "c",
      "cache/big.bin": 1000,
      "sub/cache/x": "x",
    });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m", "--exclude", "*.bak", "--exclude", "sub/cache/");
    assertEquals(await bundleNames(home), [".datamonignore", "a.txt", "keep.tmp", "sub/top.log"]);
  });
});

Deno.test("--exclude also applies to the files a --files list names", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a", "b.tmp": "b", "c.txt": "c" });
    await Deno.writeTextFile(`${dir}/list`, "a.txt\nb.tmp\n");
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m", "--files", `${dir}/list`, "--exclude", "*.tmp");
    assertEquals(await bundleNames(home), ["a.txt"]);
  });
});
