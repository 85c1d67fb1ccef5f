/**
 * Commands that run at the same time must not lose data: an upload racing a `repo delete` (and
 * the repo's re-creation) commits no bundle the re-created repo would adopt, and a purge in one context never deletes
 * what another context sharing its blob store needs.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { datamon, datamonCommand, datamonOk, upload, uploadArgs } from "../support/cli.ts";
import { manyFiles, withTempDir, writeTree } from "../support/fixtures.ts";

/** True once `dir` holds an entry. */
async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch {
    // not created yet
  }
  return false;
}

/** The non-empty lines of `text`. */
function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

Deno.test({
  name: "an upload racing a repo delete and re-create leaves no bundle the new repo adopts",
  fn: () =>
    withTempDir(async (dir) => {
      const home = `${dir}/home`;
      await writeTree(`${dir}/src`, manyFiles(2000, 8192));
      await datamonOk(home, "repo", "create", "--repo", "r");
      const uploading = datamonCommand(
        home,
        ...uploadArgs(`${dir}/src`, "--concurrency-factor", "2"),
      ).output();
      let finished = false;
      uploading.finally(() => (finished = true));
      while (!finished && !await hasEntries(`${home}/data/blob`)) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert(!finished, "the upload finished before the repo could be deleted");
      await datamonOk(home, "repo", "delete", "--repo", "r", "--force-yes");
      await datamonOk(home, "repo", "create", "--repo", "r");
      await uploading;
      const bundles = await datamonOk(home, "bundle", "list", "--repo", "r", "--format", "{{id}}");
      assertEquals(lines(bundles), [], "the re-created repo shows the racing upload's bundle");
      await datamonOk(home, "fsck", "--deep");
    }),
});

Deno.test({
  name: "a purge in one context keeps the blobs of another context sharing its blob store",
  fn: () =>
    withTempDir(async (dir) => {
      const home = `${dir}/home`;
      const blob = `file://${dir}/shared-blob`;
      for (const name of ["a", "b"]) {
        await datamonOk(
          home,
          ...["context", "create", "--context", name, "--blob", blob],
          ...["--meta", `file://${dir}/${name}/meta`, "--vmeta", `file://${dir}/${name}/vmeta`],
          ...["--wal", `file://${dir}/${name}/wal`, "--read-log", `file://${dir}/${name}/log`],
        );
      }
      await writeTree(`${dir}/src`, { "big": 20_000, "small/a": "a", "small/b": "b" });
      await datamonOk(home, "repo", "create", "--repo", "r", "--context", "b");
      await upload(home, "r", `${dir}/src`, "m", "--context", "b", "--leaf-size", "4K");
      await datamonOk(home, "purge", "--context", "a", "--grace", "0s", "--unsafe-grace");
      const fsck = await datamon(home, "fsck", "--context", "b", "--deep");
      assertEquals(fsck.code, 0, `context b lost data to a purge of context a:\n${fsck.stdout}`);
    }),
});
