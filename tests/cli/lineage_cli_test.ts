/** End-to-end lineage: --input, DATAMON_RUN_ID, and `datamon lineage` across three repos. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, datamonWith, upload } from "../support/cli.ts";

interface Graph {
  nodes: { repo: string; bundle: string; missing?: boolean }[];
  edges: { from: { repo: string }; to: { repo: string } }[];
}

Deno.test("lineage follows --input and the bundles a run read across three repos, both ways", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    for (const repo of ["raw", "clean", "model"]) {
      await datamonOk(home, "repo", "create", "--repo", repo);
      await writeTree(`${dir}/${repo}`, { [`${repo}.txt`]: repo });
    }
    const raw = await upload(home, "raw", `${dir}/raw`, "raw", "--label", "prod");
    const clean = await upload(home, "clean", `${dir}/clean`, "clean", "--input", "raw:prod");
    // A training run downloads clean and uploads the model under the same run id.
    const run = { DATAMON_RUN_ID: "train-7" };
    const down = await datamonWith(
      home,
      run,
      ...["bundle", "download", "--repo", "clean", "--destination", `${dir}/in`],
    );
    assertEquals(down.code, 0, down.stderr);
    const up = await datamonWith(
      home,
      run,
      ...["bundle", "upload", "--repo", "model", "--path", `${dir}/model`, "--message", "m"],
    );
    assertEquals(up.code, 0, up.stderr);
    const model = up.stdout.trim();

    const bundle = JSON.parse(await datamonOk(home, "bundle", "get", "--repo", "model", "--json"));
    assertEquals(bundle.inputs, [{ repo: "clean", bundle: clean }]);
    const upstream = JSON.parse(
      await datamonOk(home, "lineage", "--repo", "model", "--format", "json"),
    ) as Graph;
    assertEquals(upstream.nodes.map((n) => `${n.repo}@${n.bundle}`), [
      `model@${model}`,
      `clean@${clean}`,
      `raw@${raw}`,
    ]);
    assertEquals(upstream.edges.map((e) => `${e.from.repo}>${e.to.repo}`), [
      "clean>model",
      "raw>clean",
    ]);
    const downstream = JSON.parse(
      await datamonOk(home, "lineage", "--repo", "raw", "--downstream", "--json"),
    ) as Graph;
    assertEquals(downstream.nodes.map((n) => n.repo), ["raw", "clean", "model"]);
    const tree = await datamonOk(home, "lineage", "--repo", "model");
    assertMatch(tree, new RegExp(`^model@${model} .*\\n  clean@${clean} .*\\n    raw@${raw} `));
    const dot = await datamonOk(
      home,
      "lineage",
      "--repo",
      "raw",
      "--downstream",
      "--output",
      "dot",
    );
    assert(dot.startsWith("digraph lineage {"), dot);
    assert(dot.includes(`"raw@${raw}" -> "clean@${clean}";`), dot);
    const reads = JSON.parse(
      await datamonOk(home, "log", "--repo", "clean", "--kind", "read", "--json"),
    );
    assertEquals(reads[0].run, "train-7");
  });
});

Deno.test("an --input that names no bundle is refused before anything is uploaded", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    const args = ["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m"];
    assertEquals((await datamon(home, ...args, "--input", "nonsense")).code, 2);
    assertEquals((await datamon(home, ...args, "--input", "r:nolabel")).code, 3);
    assertEquals((await datamon(home, ...args, "--input", "nope@x")).code, 3);
    const log = JSON.parse(await datamonOk(home, "log", "--repo", "r", "--json"));
    assertEquals(log.length, 1, "only the repo's creation");
  });
});
