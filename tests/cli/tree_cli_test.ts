/** End-to-end: faithful trees through the CLI (links, FIFOs, --follow-symlinks, --keep-setid). */
import { assert, assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, uploadArgs } from "../support/cli.ts";

Deno.test("upload warns once per FIFO and lists it under skipped in --json", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/src/pipe`] }).output();
    assertEquals(made.code, 0);
    await datamonOk(home, "repo", "create", "--repo", "r");
    const r = await datamon(home, ...uploadArgs(`${dir}/src`, "--json"));
    assertEquals(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assertEquals(result.skipped, [{ name: "pipe", reason: "a FIFO: special files are not kept" }]);
    assertEquals(r.stderr.split("\n").filter((l) => l.includes("pipe")).length, 1, r.stderr);
  });
});

Deno.test("a link is downloaded as a link, or as its file with --follow-symlinks", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    await Deno.symlink("f.txt", `${dir}/src/l`);
    await datamonOk(home, "repo", "create", "--repo", "r");
    await datamonOk(home, ...uploadArgs(`${dir}/src`));
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/a`);
    assertEquals(await Deno.readLink(`${dir}/a/l`), "f.txt");
    await datamonOk(home, ...uploadArgs(`${dir}/src`, "--follow-symlinks"));
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/b`);
    assert((await Deno.lstat(`${dir}/b/l`)).isFile);
  });
});

Deno.test("download restores setuid bits only with --keep-setid", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "tool": "#!/bin/sh\n" });
    await Deno.chmod(`${dir}/src/tool`, 0o4755);
    await datamonOk(home, "repo", "create", "--repo", "r");
    await datamonOk(home, ...uploadArgs(`${dir}/src`));
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/a`);
    assertEquals((await Deno.stat(`${dir}/a/tool`)).mode! & 0o7777, 0o755);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/b`, "--keep-setid"];
    await datamonOk(home, ...args);
    assertEquals((await Deno.stat(`${dir}/b/tool`)).mode! & 0o7777, 0o4755);
  });
});

Deno.test("list files shows every entry a download makes: files, links with their target, empty directories", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    await Deno.symlink("f.txt", `${dir}/src/l`);
    await Deno.mkdir(`${dir}/src/empty`);
    await datamonOk(home, "repo", "create", "--repo", "r");
    await datamonOk(home, ...uploadArgs(`${dir}/src`));
    const list = ["bundle", "list", "files", "--repo", "r"];
    const json = JSON.parse(await datamonOk(home, ...list, "--json"));
    assertEquals(json.map((e: { name: string; kind?: string }) => [e.name, e.kind ?? "file"]), [
      ["empty/", "dir"],
      ["f.txt", "file"],
      ["l", "symlink"],
    ]);
    assertEquals(json[2].target, "f.txt");
    const table = await datamonOk(home, ...list, "--no-headers");
    assert(/^l\s+-> f\.txt\s/m.test(table), table);
    assert(/^empty\/\s+dir\s/m.test(table), table);
  });
});
