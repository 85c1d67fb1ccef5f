/**
 * A reader that closes the pipe early (`datamon ... | head -1`) ends the command quietly:
 * nothing on stderr, exit 141 (128 + SIGPIPE), as coreutils end.
 */
import { assertEquals } from "../support/assert.ts";
import { manyFiles, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk, datamonUnder, upload } from "../support/cli.ts";

Deno.test("bundle list files piped into head -1 ends quietly with exit 141", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, manyFiles(300, 1));
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    // Lines of ~1 KiB: far more than a pipe holds, so writes go on after head has left.
    const wide = Array(10).fill("{{key}}").join(" ");
    const r = await datamonUnder(
      ["bash", "-c", '"$@" | head -1 >/dev/null; echo "${PIPESTATUS[0]}"', "bash"],
      home,
      ...["bundle", "list", "files", "--repo", "r", "--format", wide],
    );
    assertEquals(r.stderr, "");
    assertEquals(r.stdout, "141\n");
  });
});
