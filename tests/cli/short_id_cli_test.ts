/** End-to-end: a unique bundle-id prefix of 8+ characters stands for the bundle, as in git. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { EXIT_CODES } from "../../lib/errors.ts";

/** Runs `fn` with a home whose repo "r" has one bundle (of a.txt), and that bundle's id. */
function withFirstBundle(fn: (dir: string, home: string, id: string) => Promise<void>) {
  return withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await fn(dir, home, await upload(home, "r", `${dir}/src`, "first"));
  });
}

Deno.test("a unique 8-character prefix names a bundle for get, label set, download and log", async () => {
  await withFirstBundle(async (dir, home, id) => {
    await writeTree(`${dir}/src`, { "b.txt": "b" });
    await upload(home, "r", `${dir}/src`, "second");
    const short = id.slice(0, 8);
    const got = JSON.parse(
      await datamonOk(home, "bundle", "get", "--repo", "r", "--bundle", short, "--json"),
    );
    assertEquals(got.id, id);
    await datamonOk(home, "label", "set", "--repo", "r", "--label", "v1", "--bundle", short);
    const label = JSON.parse(
      await datamonOk(home, "label", "get", "--repo", "r", "--label", "v1", "--json"),
    );
    assertEquals(label.bundle, id);
    const download = ["bundle", "download", "--repo", "r", "--destination", `${dir}/out`];
    await datamonOk(home, ...download, "--bundle", short);
    assertEquals(await Deno.readTextFile(`${dir}/out/a.txt`), "a");
    const log = JSON.parse(
      await datamonOk(home, "log", "--repo", "r", "--bundle", short, "--json"),
    );
    assertEquals(new Set(log.map((e: { bundle: string }) => e.bundle)), new Set([id]));
  });
});

Deno.test("a short id shorter than 8 characters, or matching nothing, is refused naming it", async () => {
  await withFirstBundle(async (_, home, id) => {
    const get = ["bundle", "get", "--repo", "r", "--bundle"];
    const tooShort = await datamon(home, ...get, id.slice(0, 7));
    assertEquals(tooShort.code, 5, tooShort.stderr);
    assertMatch(tooShort.stderr, /give the 27-character id or its first 8 or more characters/);
    const other = id[0] === "0" ? "1" : "0";
    const none = await datamon(home, ...get, `${other}${id.slice(1, 9)}`);
    assertEquals(none.code, 3, none.stderr);
    assertMatch(none.stderr, /no bundle of repo "r" has an id starting with /);
  });
});

Deno.test("an ambiguous short id lists the bundles it could mean and exits 21", async () => {
  await withFirstBundle(async (_, home, id) => {
    // A second committed bundle whose id shares the first 26 characters (made by copying the
    // first's documents: two real ids sharing 8 characters would take millions of uploads).
    const twin = `${id.slice(0, 26)}${id[26] === "z" ? "y" : "z"}`;
    const bundles = `${home}/data/metadata/bundles/r`;
    await Deno.mkdir(`${bundles}/${twin}`);
    for await (const f of Deno.readDir(`${bundles}/${id}`)) {
      await Deno.copyFile(`${bundles}/${id}/${f.name}`, `${bundles}/${twin}/${f.name}`);
    }
    const r = await datamon(home, "bundle", "get", "--repo", "r", "--bundle", id.slice(0, 10));
    assertEquals(r.code, EXIT_CODES.ambiguous, r.stderr);
    assertMatch(r.stderr, new RegExp(`ambiguous in repo "r": it starts .*${id}`));
    assertMatch(r.stderr, new RegExp(twin));
    assertEquals(r.stderr.trim().split("\n").length, 1);
  });
});
