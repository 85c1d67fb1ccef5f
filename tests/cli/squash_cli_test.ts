/** `repo squash` and `context squash`: older bundles' metadata removed, safely and logged. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";

/** Four bundles of repo `repo`, bundle i labelled Li; their ids, oldest first. */
async function fourBundles(home: string, repo = "r"): Promise<string[]> {
  await datamonOk(home, "repo", "create", "--repo", repo);
  const ids: string[] = [];
  for (let i = 1; i <= 4; i++) {
    await writeTree(`${home}/src-${repo}`, { [`f${i}`]: 100 * i });
    ids.push(await upload(home, repo, `${home}/src-${repo}`, `m${i}`, "--label", `L${i}`));
  }
  return ids;
}

const bundleIds = async (home: string, repo = "r") =>
  (await datamonOk(home, "bundle", "list", "--repo", repo, "--format", "{{.ID}}")).split("\n")
    .filter((line) => line !== "");

const labels = async (home: string) =>
  await datamonOk(home, "label", "list", "--repo", "r", "--format", "{{.Name}}={{.BundleID}}");

Deno.test("repo squash --dry-run lists the bundles it would remove and changes nothing", () =>
  withTempDir(async (home) => {
    const ids = await fourBundles(home);
    const r = await datamon(home, "repo", "squash", "--repo", "r", "--dry-run", "--json");
    assertEquals(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout);
    assertEquals(rows.map((b: { id: string }) => b.id), ids.slice(0, 3));
    assertEquals(rows[0].labels, ["L1"]);
    assertMatch(r.stderr, /dry run: squash would remove 3 bundles of 1 repo and 3 labels/);
    assertEquals(await bundleIds(home), ids);
  }));

Deno.test("repo squash keeps the N latest, removes older bundles and their labels, logged", () =>
  withTempDir(async (home) => {
    const ids = await fourBundles(home);
    const r = await datamon(home, "repo", "squash", "--repo", "r", "--retain-n-latest", "2", "-y");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /squashed: removed 2 bundles, kept 2; their blobs go with the next/);
    assertEquals(await bundleIds(home), ids.slice(2));
    assertEquals(await labels(home), `L3=${ids[2]}\nL4=${ids[3]}\n`);
    const log = await datamonOk(
      home,
      ...["log", "--repo", "r", "--kind", "write", "--format", "{{operation}} {{key}}"],
    );
    for (const id of ids.slice(0, 2)) {
      assert(log.includes(`delete bundle bundles/r/${id}/bundle.yaml`), log);
    }
    assertMatch(log, /^delete label labels\/r\/L1\/$/m);
    const download = await datamon(
      home,
      ...["bundle", "download", "--repo", "r", "--bundle", ids[0], "--destination", `${home}/d`],
    );
    assertEquals(download.code, 3, download.stderr);
  }));

Deno.test("repo squash --retain-tags keeps labelled bundles; --retain-semver-tags only semver", () =>
  withTempDir(async (home) => {
    const ids = await fourBundles(home);
    await datamonOk(home, "label", "set", "--repo", "r", "--label", "v1.2.0", "--bundle", ids[1]);
    const dry = async (...flags: string[]) =>
      JSON.parse(
        await datamonOk(home, "repo", "squash", "--repo", "r", "--dry-run", "--json", ...flags),
      )
        .map((b: { id: string }) => b.id);
    assertEquals(await dry("--retain-tags"), []);
    assertEquals(await dry("--retain-semver-tags"), [ids[0], ids[2]]);
    await datamonOk(home, "repo", "squash", "--repo", "r", "--retain-semver-tags", "--force-yes");
    assertEquals(await bundleIds(home), [ids[1], ids[3]]);
    assertEquals(await labels(home), `L2=${ids[1]}\nL4=${ids[3]}\nv1.2.0=${ids[1]}\n`);
  }));

Deno.test("repo squash without a terminal asks for --force-yes and changes nothing", () =>
  withTempDir(async (home) => {
    const ids = await fourBundles(home);
    const r = await datamon(home, "repo", "squash", "--repo", "r");
    assertEquals(r.code, 11);
    assertMatch(r.stderr, /^datamon: Remove 3 bundles of 1 repo .* pass --force-yes to confirm\n$/);
    assertEquals(await bundleIds(home), ids);
    const zero = await datamon(home, "repo", "squash", "--repo", "r", "--retain-n-latest", "0");
    assertEquals(zero.code, 5);
  }));

Deno.test("context squash squashes every repo of the context", () =>
  withTempDir(async (home) => {
    const first = await fourBundles(home, "a");
    const second = await fourBundles(home, "b");
    await datamonOk(home, "context", "squash", "--retain-n-latest", "3", "--yes");
    assertEquals(await bundleIds(home, "a"), first.slice(1));
    assertEquals(await bundleIds(home, "b"), second.slice(1));
  }));
