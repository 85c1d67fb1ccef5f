/** A mounted bundle leaves out the files redacted from its repo (`repo delete files`). */
import { assertEquals } from "../support/assert.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { writeTree } from "../support/fixtures.ts";
import { fuseTest, withMount } from "../support/mount.ts";

fuseTest("a mount of a bundle leaves out the files redacted from its repo", async (home) => {
  await writeTree(`${home}/src`, { "a": 3, "sub/pii.csv": "secret\n", "sub/ok.csv": 5 });
  await datamonOk(home, "repo", "create", "--repo", "r");
  await upload(home, "r", `${home}/src`, "m");
  await datamonOk(
    home,
    "repo",
    "delete",
    "files",
    "--repo",
    "r",
    "--file",
    "sub/pii.csv",
    "--force-yes",
  );
  const names = await withMount(
    home,
    `${home}/mnt`,
    ["bundle", "mount", "--repo", "r"],
    async () => {
      const found: string[] = [];
      for await (const e of Deno.readDir(`${home}/mnt/sub`)) found.push(e.name);
      return found.sort();
    },
  );
  assertEquals(names, ["ok.csv"]);
});
