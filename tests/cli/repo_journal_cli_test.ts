/** End-to-end journaled repo commands: an unfinished rename is finished by running it again. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";

Deno.test("repo rename run again after a kill finishes it; other repo commands are refused meanwhile", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m");
    const { incarnation } = JSON.parse(
      await datamonOk(home, "repo", "get", "--repo", "r", "--json"),
    );
    // What a rename killed just after its first write leaves: its intent record.
    const intents = `${home}/data/metadata/intents/repos`;
    await Deno.mkdir(intents, { recursive: true });
    const intent = { operation: "rename", repo: "r", to: "s", incarnation };
    await Deno.writeTextFile(`${intents}/r.yaml`, JSON.stringify(intent));
    const refused = await datamon(home, "repo", "delete", "--repo", "r", "--force-yes");
    assertEquals(refused.code, 16);
    assertMatch(refused.stderr.trim(), /^[^\n]*unfinished rename to "s"[^\n]*$/);
    await datamonOk(home, "repo", "rename", "s", "--repo", "r");
    const list = JSON.parse(await datamonOk(home, "repo", "list", "--json")) as { name: string }[];
    assertEquals(list.map((r) => r.name), ["s"]);
    const bundles = JSON.parse(await datamonOk(home, "bundle", "list", "--repo", "s", "--json"));
    assertEquals(bundles.map((b: { id: string }) => b.id), [id]);
  });
});
