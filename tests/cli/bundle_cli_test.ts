/** End-to-end: the CLI as a subprocess on the embedded default context. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload, uploadArgs } from "../support/cli.ts";
import { backendTest } from "../support/backends.ts";

const LEAF = 64 * 1024;

backendTest(
  "upload then download round-trips sizes around the leaf boundary, deep paths and unicode names",
  async (dir, home) => {
    const src = `${dir}/src`;
    await writeTree(src, {
      "empty.bin": 0,
      "one.bin": 1,
      "leaf-minus-one.bin": LEAF - 1,
      "leaf.bin": LEAF,
      "leaf-plus-one.bin": LEAF + 1,
      "three-leaves-plus-seven.bin": 3 * LEAF + 7,
      "a/b/c/d/e/f/g/deep.txt": "deep\n",
      "données/日本語 ファイル.txt": "unicode\n",
      "with space/and'quote.txt": "q",
    });
    await datamonOk(home, "repo", "create", "--repo", "r1", "--description", "test");
    const id = await upload(home, "r1", src, "m", "--leaf-size", "64K");
    assertMatch(id, /^[0-9A-Za-z]{27}$/);
    await datamonOk(home, "bundle", "download", "--repo", "r1", "--destination", `${dir}/out`);
    await assertSameTree(src, `${dir}/out`);
    const files = JSON.parse(
      await datamonOk(home, "bundle", "list", "files", "--repo", "r1", "--json"),
    ) as { name: string; size: number }[];
    assertEquals(files.length, 9);
    assertEquals(files.map((f) => f.name), [...files.map((f) => f.name)].sort());
    const bundle = JSON.parse(await datamonOk(home, "bundle", "get", "--repo", "r1", "--json"));
    assertEquals(bundle.id, id);
    assertEquals(bundle.leafSize, LEAF);
    assertEquals(bundle.contributors, [{ name: "Test User", email: "test@example.com" }]);
  },
);

Deno.test("a bundle of 1,500 files is split into file lists of 1000 and downloads whole", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) files[`d${i % 7}/f${i}.txt`] = `file ${i}\n`;
    await writeTree(`${dir}/src`, files);
    await datamonOk(home, "repo", "create", "--repo", "many");
    const id = await upload(home, "many", `${dir}/src`, "many");
    const lists: string[] = [];
    for await (const e of Deno.readDir(`${home}/data/metadata/bundles/many/${id}`)) {
      lists.push(e.name);
    }
    assertEquals(lists.sort(), ["bundle-files-0.yaml", "bundle-files-1.yaml", "bundle.yaml"]);
    await datamonOk(home, "bundle", "download", "--repo", "many", "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

backendTest(
  "labels select bundles and keep their history; --name-filter narrows a download",
  async (dir, home) => {
    await writeTree(`${dir}/v1`, { "a.csv": "1", "b.txt": "1" });
    await writeTree(`${dir}/v2`, { "a.csv": "2", "b.txt": "2" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const up = (v: string, label: string) => upload(home, "r", `${dir}/${v}`, v, "--label", label);
    const first = await up("v1", "prod");
    const second = await up("v2", "next");
    await datamonOk(home, "label", "set", "--repo", "r", "--label", "prod", "--bundle", second);
    await datamonOk(home, "label", "set", "--repo", "r", "--label", "prod", "--bundle", first);
    const history = JSON.parse(
      await datamonOk(
        home,
        "label",
        "get",
        "--repo",
        "r",
        "--label",
        "prod",
        "--history",
        "--json",
      ),
    ) as { bundle: string; contributors: { name: string }[] }[];
    assertEquals(history.map((h) => h.bundle), [first, second, first]);
    assertEquals(history[0].contributors[0].name, "Test User");
    const labels = JSON.parse(await datamonOk(home, "label", "list", "--repo", "r", "--json"));
    assertEquals(labels.map((l: { name: string; bundle: string }) => [l.name, l.bundle]), [
      ["next", second],
      ["prod", first],
    ]);
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--label",
      "prod",
      "--destination",
      `${dir}/out`,
      "--name-filter",
      "\\.csv$",
    );
    assertEquals(await Deno.readTextFile(`${dir}/out/a.csv`), "1");
    assert(!(await Deno.stat(`${dir}/out/b.txt`).then(() => true, () => false)));
    const list = await datamonOk(home, "bundle", "list", "--repo", "r", "--format", "{{id}}");
    assertEquals(list.trim().split("\n"), [first, second]);
  },
);

backendTest(
  "diff reports added, deleted and updated files, and update makes a directory match",
  async (dir, home) => {
    await writeTree(`${dir}/v1`, { "keep.txt": "same", "change.txt": "old", "gone/x.txt": "x" });
    await writeTree(`${dir}/v2`, { "keep.txt": "same", "change.txt": "new!", "new.txt": "n" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const first = await upload(home, "r", `${dir}/v1`, "1");
    const second = await upload(home, "r", `${dir}/v2`, "2");
    const changes = JSON.parse(
      await datamonOk(
        home,
        "bundle",
        "diff",
        "--repo",
        "r",
        "--bundle",
        first,
        "--with-bundle",
        second,
        "--json",
      ),
    ) as { kind: string; name: string }[];
    assertEquals(changes.map((c) => `${c.kind} ${c.name}`), [
      "changed change.txt",
      "removed gone/x.txt",
      "added new.txt",
    ]);
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--bundle",
      first,
      "--destination",
      `${dir}/work`,
    );
    const local = JSON.parse(
      await datamonOk(
        home,
        "bundle",
        "diff",
        "--repo",
        "r",
        "--destination",
        `${dir}/work`,
        "--json",
      ),
    ) as { kind: string; name: string }[];
    assertEquals(local.map((c) => `${c.kind} ${c.name}`), [
      "changed change.txt",
      "only-in-directory gone/x.txt",
      "only-in-bundle new.txt",
    ]);
    await datamonOk(home, "bundle", "update", "--repo", "r", "--destination", `${dir}/work`);
    await assertSameTree(`${dir}/v2`, `${dir}/work`);
    const after = await datamon(
      home,
      "bundle",
      "diff",
      "--repo",
      "r",
      "--destination",
      `${dir}/work`,
    );
    assertEquals(after.code, 0);
    assertMatch(after.stderr, /no differences/);
  },
);

backendTest("download file fetches one file of a labelled bundle", async (dir, home) => {
  await writeTree(`${dir}/src`, { "x/one.txt": "one", "two.txt": "two" });
  await datamonOk(home, "repo", "create", "--repo", "r");
  await upload(home, "r", `${dir}/src`, "m", "--label", "l");
  await datamonOk(
    home,
    "bundle",
    "download",
    "file",
    "--repo",
    "r",
    "--label",
    "l",
    "--file",
    "x/one.txt",
    "--destination",
    `${dir}/out`,
  );
  assertEquals(await Deno.readTextFile(`${dir}/out/x/one.txt`), "one");
  assertEquals((await Array.fromAsync(Deno.readDir(`${dir}/out`))).length, 1);
});

Deno.test("repo list, get, rename and delete keep bundles and labels with the repo", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "f.txt": "f" });
    await datamonOk(home, "repo", "create", "--repo", "old", "--description", "d");
    await datamonOk(home, "repo", "create", "--repo", "other");
    const id = await upload(home, "old", `${dir}/src`, "m", "--label", "l");
    await datamonOk(home, "repo", "rename", "--repo", "old", "new");
    const repos = JSON.parse(await datamonOk(home, "repo", "list", "--json"));
    assertEquals(repos.map((r: { name: string }) => r.name), ["new", "other"]);
    const label = JSON.parse(
      await datamonOk(home, "label", "get", "--repo", "new", "--label", "l", "--json"),
    );
    assertEquals(label.bundle, id);
    const repo = JSON.parse(await datamonOk(home, "repo", "get", "--repo", "new", "--json"));
    assertEquals(repo.description, "d");
    await datamonOk(home, "repo", "delete", "--repo", "new", "--force-yes");
    const gone = await datamon(home, "repo", "get", "--repo", "new");
    assertEquals(gone.code, 3);
    const refused = await datamon(home, "repo", "delete", "--repo", "other");
    assertEquals(refused.code, 11, "delete without --force-yes and no terminal is refused");
    await datamonOk(home, "repo", "get", "--repo", "other");
  });
});

Deno.test("context create, get and list; config set changes the default context", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(
      home,
      "context",
      "create",
      "--context",
      "team",
      "--store",
      `file://${dir}/team`,
    );
    const ctx = JSON.parse(await datamonOk(home, "context", "get", "--context", "team", "--json"));
    assertEquals(ctx.blob, `file://${dir}/team/blob`);
    const names = JSON.parse(await datamonOk(home, "context", "list", "--json"))
      .map((c: { name: string }) => c.name);
    assertEquals(names, ["local", "team"]);
    await datamonOk(home, "config", "set", "--context", "team");
    await datamonOk(home, "repo", "create", "--repo", "in-team");
    assert(await Deno.stat(`${dir}/team/metadata/repos/in-team/repo.yaml`));
    const again = await datamon(
      home,
      "context",
      "create",
      "--context",
      "team",
      "--store",
      `file://${dir}/x`,
    );
    assertEquals(again.code, 4);
  });
});

Deno.test("version prints datamon's version, and completion prints a bash script", async () => {
  await withTempDir(async (home) => {
    assertMatch(await datamonOk(home, "version"), /^datamon \d+\.\d+\.\d+/);
    assertMatch(await datamonOk(home, "completion", "bash"), /complete -o default -F _datamon/);
  });
});

Deno.test("upload --files uploads only the listed files", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "keep/a.txt": "a", "b.txt": "b", "skip.txt": "s" });
    await Deno.writeTextFile(`${dir}/list.txt`, "b.txt\n./keep/a.txt\n\nb.txt\n");
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m", "--files", `${dir}/list.txt`);
    const files = JSON.parse(
      await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
    );
    assertEquals(files.map((f: { name: string }) => f.name), ["b.txt", "keep/a.txt"]);
  });
});

Deno.test("a DATAMON_HOME whose path has spaces, % and # holds the default context", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/my home #1 100%`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    assert(await Deno.stat(`${home}/data/metadata/repos/r/repo.yaml`));
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

Deno.test("upload and download --json report their requests; the summary lines count them", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`f${i}.txt`] = `file ${i}\n`;
    await writeTree(`${dir}/src`, files);
    await datamonOk(home, "repo", "create", "--repo", "r");
    const up = await datamon(home, ...uploadArgs(`${dir}/src`, "--json"));
    assertEquals(up.code, 0, up.stderr);
    const uploaded = JSON.parse(up.stdout);
    assertEquals(uploaded.packsStored, 1);
    assert(
      uploaded.requests.total < 20,
      `upload of 300 files: ${uploaded.requests.total} requests`,
    );
    assertEquals(
      uploaded.requests.operations.putIfAbsent,
      3 + 3 + 1,
      "a pack, a file list, bundle.yaml, the write-ahead records of the start, list and commit, " +
        "and the context's record in the blob store's registry (its first upload)",
    );
    assertMatch(
      up.stderr,
      new RegExp(`1 pack\\), 0 already stored; ${uploaded.requests.total} requests`),
    );
    const down = await datamon(
      home,
      ..."bundle download --repo r --json --destination".split(" "),
      `${dir}/out`,
    );
    assertEquals(down.code, 0, down.stderr);
    const downloaded = JSON.parse(down.stdout);
    assertEquals(downloaded.files, 300);
    assertEquals(downloaded.requests.operations.getRange, 1);
    assertMatch(down.stderr, new RegExp(`in ${downloaded.requests.total} requests`));
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});
