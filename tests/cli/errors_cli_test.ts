/**
 * Bad input: every error a user can cause prints one line on stderr naming the thing, exits
 * with its own code, prints nothing on stdout, and leaves nothing half-written.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { listTree, withTempDir, writeTree } from "../support/fixtures.ts";
import { type CliResult, datamon, datamonOk, upload, uploadArgs } from "../support/cli.ts";

function assertOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  assertEquals(r.code, code, `exit code (stderr: ${r.stderr})`);
  assertEquals(r.stdout, "", "nothing on stdout");
  const lines = r.stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assertMatch(lines[0], /^datamon: /);
  assertMatch(lines[0], pattern);
}

/** A home with repo "r" holding one bundle of src/{a.txt,big.bin}; returns the bundle id. */
async function oneBundle(dir: string): Promise<string> {
  await writeTree(`${dir}/src`, { "a.txt": "a", "big.bin": 200_000 });
  await datamonOk(`${dir}/home`, "repo", "create", "--repo", "r");
  return upload(`${dir}/home`, "r", `${dir}/src`, "m", "--leaf-size", "64K");
}

Deno.test("unknown repo, bundle and label each exit 3 naming what was not found", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await oneBundle(dir);
    assertOneLineError(
      await datamon(home, "bundle", "list", "--repo", "nope"),
      3,
      /repo "nope" not found/,
    );
    assertOneLineError(
      await datamon(
        home,
        "bundle",
        "get",
        "--repo",
        "r",
        "--bundle",
        "2AAAAAAAAAAAAAAAAAAAAAAAAAA",
      ),
      3,
      /bundle 2AAAAAAAAAAAAAAAAAAAAAAAAAA not found in repo "r"/,
    );
    assertOneLineError(
      await datamon(
        home,
        "bundle",
        "download",
        "--repo",
        "r",
        "--label",
        "nolabel",
        "--destination",
        `${dir}/out`,
      ),
      3,
      /label "nolabel" not found/,
    );
    assertOneLineError(
      await datamon(home, "context", "get", "--context", "elsewhere"),
      3,
      /context "elsewhere" not found/,
    );
    assertOneLineError(
      await datamon(
        home,
        "bundle",
        "download",
        "file",
        "--repo",
        "r",
        "--file",
        "missing.txt",
        "--destination",
        `${dir}/one`,
      ),
      3,
      /file "missing.txt" not found/,
    );
  });
});

Deno.test("bad names and values exit 5 naming the value", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    assertOneLineError(
      await datamon(home, "repo", "create", "--repo", "bad/name"),
      5,
      /invalid repo name "bad\/name"/,
    );
    assertOneLineError(
      await datamon(home, "repo", "create", "--repo", "-x"),
      5,
      /invalid repo name/,
    );
    await oneBundle(dir);
    assertOneLineError(
      await datamon(home, "label", "set", "--repo", "r", "--label", "a b"),
      5,
      /invalid label name "a b"/,
    );
    assertOneLineError(
      await datamon(home, "bundle", "get", "--repo", "r", "--bundle", "xyz"),
      5,
      /xyz/,
    );
    assertOneLineError(
      await datamon(
        home,
        ...uploadArgs(`${dir}/src`, "--leaf-size", "12"),
      ),
      5,
      /leaf size 12 is out of range/,
    );
    assertOneLineError(
      await datamon(home, "bundle", "list", "files", "--repo", "r", "--name-filter", "(["),
      5,
      /invalid --name-filter/,
    );
    assertOneLineError(
      await datamon(home, "repo", "list", "--concurrency-factor", "0"),
      5,
      /--concurrency-factor must be a whole number/,
    );
  });
});

Deno.test("creating an existing repo exits 4 and leaves the first repo as it was", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "twice", "--description", "first");
    assertOneLineError(
      await datamon(home, "repo", "create", "--repo", "twice", "--description", "second"),
      4,
      /repo "twice" already exists/,
    );
    const repo = JSON.parse(await datamonOk(home, "repo", "get", "--repo", "twice", "--json"));
    assertEquals(repo.description, "first");
  });
});

Deno.test("a missing or non-directory upload path exits 6 and commits no bundle", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    assertOneLineError(
      await datamon(home, ...uploadArgs(`${dir}/absent`)),
      6,
      /upload path .*absent does not exist/,
    );
    await Deno.writeTextFile(`${dir}/file.txt`, "x");
    assertOneLineError(
      await datamon(home, ...uploadArgs(`${dir}/file.txt`)),
      6,
      /is not a directory/,
    );
    await Deno.mkdir(`${dir}/empty`);
    assertOneLineError(
      await datamon(home, ...uploadArgs(`${dir}/empty`)),
      6,
      /holds no files/,
    );
    assertOneLineError(
      await datamon(home, "bundle", "get", "--repo", "r"),
      3,
      /has no bundles yet/,
    );
  });
});

Deno.test("a non-empty destination exits 7 and writes nothing into it", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await oneBundle(dir);
    await writeTree(`${dir}/dest`, { "mine.txt": "keep" });
    assertOneLineError(
      await datamon(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/dest`),
      7,
      /destination .*dest is not empty.*--force-dest/,
    );
    assertEquals(await listTree(`${dir}/dest`), ["mine.txt"]);
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/dest`,
      "--force-dest",
    );
    assertEquals(await listTree(`${dir}/dest`), ["a.txt", "big.bin", "mine.txt"]);
  });
});

Deno.test("an unusable store exits 8 naming its URL", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await Deno.writeTextFile(`${dir}/not-a-dir`, "x");
    assertOneLineError(
      await datamon(
        home,
        "context",
        "create",
        "--context",
        "broken",
        "--store",
        `file://${dir}/not-a-dir`,
      ),
      8,
      /not-a-dir/,
    );
    assertOneLineError(
      await datamon(home, "repo", "list", "--config", "ftp://example/x"),
      10,
      /unknown store URL scheme/,
    );
  });
});

Deno.test("a corrupted leaf makes download fail with an integrity error and leaves no partial file", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await oneBundle(dir);
    const blobs = `${home}/data/blob`;
    // big.bin has 4 leaves of 64 KiB: damage one of its leaves (not a root object, not a.txt's).
    const sizes = new Map<string, number>();
    for await (const e of Deno.readDir(blobs)) {
      if (e.isFile) sizes.set(e.name, (await Deno.stat(`${blobs}/${e.name}`)).size);
    }
    const leaf = [...sizes].find(([, size]) => size === 64 * 1024)![0];
    const bytes = await Deno.readFile(`${blobs}/${leaf}`);
    bytes[100] ^= 0xff;
    await Deno.writeFile(`${blobs}/${leaf}`, bytes);
    const r = await datamon(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
    );
    assertOneLineError(r, 9, new RegExp(`blob ${leaf}.*corrupt`));
    const left = await listTree(`${dir}/out`);
    assert(!left.includes("big.bin"), "no file under the damaged file's name");
    assert(!left.some((n) => n.includes(".datamon-part-")), `no part files left: ${left}`);
  });
});

Deno.test("latest ignores a bundle whose upload stopped before bundle.yaml", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const committed = await oneBundle(dir);
    // A later upload that wrote its file list but was killed before its commit point.
    const later = `${committed.slice(0, 26)}${committed[26] === "z" ? "y" : "z"}`;
    const meta = `${home}/data/metadata/bundles/r`;
    await Deno.mkdir(`${meta}/${later}`);
    await Deno.copyFile(
      `${meta}/${committed}/bundle-files-0.yaml`,
      `${meta}/${later}/bundle-files-0.yaml`,
    );
    const latest = JSON.parse(await datamonOk(home, "bundle", "get", "--repo", "r", "--json"));
    assertEquals(latest.id, committed);
    const ids = (await datamonOk(home, "bundle", "list", "--repo", "r", "--format", "{{id}}"))
      .trim();
    assertEquals(ids, committed);
    assertOneLineError(
      await datamon(home, "label", "set", "--repo", "r", "--label", "x", "--bundle", later),
      3,
      /not found/,
    );
  });
});

Deno.test("usage errors exit 2 with one line; no arguments prints help", async () => {
  await withTempDir(async (home) => {
    assertOneLineError(
      await datamon(home, "bundle", "upload", "--repo", "r"),
      2,
      /required option/,
    );
    assertOneLineError(
      await datamon(home, "repo", "list", "--bogus"),
      2,
      /unknown option '--bogus'/,
    );
    assertOneLineError(await datamon(home, "nonsense"), 2, /unknown command 'nonsense'/);
    const bare = await datamon(home);
    assertEquals(bare.code, 2);
    assertMatch(bare.stdout + bare.stderr, /Usage: datamon/);
    assertOneLineError(
      await datamon(home, "bundle", "get", "--repo", "r", "--bundle", "x", "--label", "y"),
      2,
      /cannot be used with/,
    );
  });
});

Deno.test("a --files list naming a missing file or a path outside --path is refused", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const uploadWith = async (list: string) => {
      await Deno.writeTextFile(`${dir}/list.txt`, list);
      return await datamon(
        home,
        ...uploadArgs(`${dir}/src`, "--files", `${dir}/list.txt`),
      );
    };
    assertOneLineError(await uploadWith("a.txt\nmissing.txt\n"), 6, /missing.txt.*does not exist/);
    assertOneLineError(await uploadWith("../etc/passwd\n"), 5, /"..\/etc\/passwd"/);
    assertOneLineError(
      await datamon(home, "bundle", "get", "--repo", "r"),
      3,
      /has no bundles yet/,
    );
  });
});
