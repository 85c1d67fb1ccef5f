/**
 * End-to-end metadata integrity: a file list edited to name another stored blob is refused by
 * download and found by fsck; a malformed bundle.yaml or label record is reported for that
 * item and passed over by the commands that list or resolve, which go on with the others.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { patternBytes, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";

interface Entry {
  name: string;
  key: string;
}

Deno.test("a file list edited to name another stored blob: download exits 9 writing no wrong bytes, fsck finds it", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, {
      "a.bin": patternBytes(200_000, 1),
      "b.bin": patternBytes(200_000, 2),
    });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K");
    const entries = JSON.parse(
      await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
    ) as Entry[];
    const [a, b] = entries;
    const list = `${home}/data/metadata/bundles/r/${id}/bundle-files-0.yaml`;
    const text = await Deno.readTextFile(list);
    await Deno.writeTextFile(list, text.replace(a.key, b.key));

    const download = await datamon(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
    );
    assertEquals(download.code, 9, download.stderr);
    assertMatch(download.stderr, /file list 0 of bundle \w{27} in repo "r" .*does not match/);
    const written = await Array.fromAsync(Deno.readDir(`${dir}/out`)).catch(() => []);
    assertEquals(written.filter((e) => e.name.endsWith(".bin")), [], "no file written");

    for (const deep of [[], ["--deep"]]) {
      const fsck = await datamon(home, "fsck", ...deep);
      assertEquals(fsck.code, 9, fsck.stderr);
      assertMatch(
        fsck.stdout,
        new RegExp(`r +${id} +\\(bundle metadata\\) +file list 0 .*does not match`),
      );
    }
    const listing = await datamon(home, "bundle", "list", "files", "--repo", "r");
    assertEquals(listing.code, 9, listing.stderr);
  });
});

Deno.test("a malformed bundle.yaml is warned of and skipped by bundle list and latest, reported by fsck", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const older = await upload(home, "r", `${dir}/src`, "m");
    const newer = await upload(home, "r", `${dir}/src`, "m");
    await Deno.writeTextFile(`${home}/data/metadata/bundles/r/${newer}/bundle.yaml`, "id: [\n");

    const list = await datamon(home, "bundle", "list", "--repo", "r", "--json");
    assertEquals(list.code, 0, list.stderr);
    assertEquals((JSON.parse(list.stdout) as { id: string }[]).map((b) => b.id), [older]);
    assertMatch(
      list.stderr,
      new RegExp(`^datamon: warning: skipped bundle ${newer} of repo "r": malformed`),
    );
    const files = await datamon(home, "bundle", "list", "files", "--repo", "r");
    assertEquals(files.code, 0, files.stderr);
    assertMatch(files.stderr, /warning: skipped bundle/);
    const download = await datamon(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
    );
    assertEquals(download.code, 0, download.stderr);
    assertEquals(await Deno.readTextFile(`${dir}/out/a.txt`), "a");

    const fsck = await datamon(home, "fsck");
    assertEquals(fsck.code, 9, fsck.stderr);
    assertMatch(fsck.stdout, new RegExp(`r +${newer} +\\(bundle metadata\\) +malformed`));
  });
});

Deno.test("a malformed label record is warned of and skipped by label list, which lists the others", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    for (const label of ["a", "b", "c"]) {
      await datamonOk(home, "label", "set", "--repo", "r", "--label", label);
    }
    const dirB = `${home}/data/vmetadata/labels/r/b`;
    const [record] = await Array.fromAsync(Deno.readDir(dirB));
    await Deno.writeTextFile(`${dirB}/${record.name}`, "name: [\n");
    const list = await datamon(home, "label", "list", "--repo", "r", "--json");
    assertEquals(list.code, 0, list.stderr);
    assertEquals((JSON.parse(list.stdout) as { name: string }[]).map((l) => l.name), ["a", "c"]);
    assertMatch(list.stderr, /^datamon: warning: skipped label "b" of repo "r": malformed/);
  });
});

Deno.test("an edited bundle.yaml is found by fsck and passed over by latest", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const older = await upload(home, "r", `${dir}/src`, "m");
    const newer = await upload(home, "r", `${dir}/src`, "m");
    const key = `${home}/data/metadata/bundles/r/${newer}/bundle.yaml`;
    await Deno.writeTextFile(
      key,
      (await Deno.readTextFile(key)).replace("filecount: 1", "filecount: 2"),
    );
    const get = await datamon(home, "bundle", "get", "--repo", "r", "--json");
    assertEquals(get.code, 0, get.stderr);
    assertEquals((JSON.parse(get.stdout) as { id: string }).id, older);
    assertMatch(get.stderr, /warning: skipped bundle .*does not match the checksum it ends with/);
    const fsck = await datamon(home, "fsck");
    assertEquals(fsck.code, 9, fsck.stderr);
    assertMatch(fsck.stdout, new RegExp(`r +${newer} +\\(bundle metadata\\) +.*does not match`));
  });
});

Deno.test("a bundle written before checksums downloads, and fsck says its file lists are unverified", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m");
    const key = `${home}/data/metadata/bundles/r/${id}/bundle.yaml`;
    const lines = (await Deno.readTextFile(key)).split("\n");
    const old = lines.filter((l) =>
      !/^(checksum|bundleentrieschecksums):|^ *- [0-9a-f]{64}$/.test(l)
    );
    await Deno.writeTextFile(key, old.join("\n"));
    const fsck = await datamon(home, "fsck");
    assertEquals(fsck.code, 0, fsck.stderr);
    assertMatch(
      fsck.stderr,
      /^1 bundle written before datamon recorded file-list checksums: their file lists are unverified$/m,
    );
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    assertEquals(await Deno.readTextFile(`${dir}/out/a.txt`), "a");
  });
});
