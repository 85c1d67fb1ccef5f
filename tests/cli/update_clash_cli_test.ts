/**
 * `bundle update` where the destination and the bundle disagree on what a name is: a directory
 * of the user's is replaced by the bundle's file only with --force-dest; a file of the user's
 * where the bundle has a directory is deleted and named, like any file the bundle lacks.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";

/** Every name under `root`, directories ending in "/", sorted. */
async function names(root: string, prefix = ""): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    const name = `${prefix}${e.name}${e.isDirectory ? "/" : ""}`;
    found.push(name, ...e.isDirectory ? await names(root, name) : []);
  }
  return found.sort();
}

const update = (home: string, destination: string, ...flags: string[]) =>
  datamon(home, "bundle", "update", "--repo", "r", "--destination", destination, ...flags);

Deno.test("update and its dry run refuse a directory of the user's where the bundle has a file, naming it; --force-dest replaces it, naming each file it held", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a": "the bundle's a", "b.txt": "b" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m");
    await writeTree(`${dir}/work`, { "a/mine.txt": "the user's", "a/deep/x": "x" });
    const before = await names(`${dir}/work`);
    const refusal = `datamon: ${dir}/work/a is a directory where bundle ${id} has a file: ` +
      "move it away, or pass --force-dest to replace it (each file it holds is deleted and named)\n";
    for (const flags of [["--dry-run"], []]) {
      const refused = await update(home, `${dir}/work`, ...flags);
      assertEquals([refused.code, refused.stderr], [7, refusal], flags.join(" "));
      assertEquals(await names(`${dir}/work`), before);
    }
    const plan = await update(home, `${dir}/work`, "--force-dest", "--dry-run");
    assertEquals(plan.stdout.trim().split("\n"), [
      "would add a",
      "would delete a/deep/x",
      "would delete a/mine.txt",
      "would add b.txt",
    ]);
    const forced = await update(home, `${dir}/work`, "--force-dest");
    assertEquals(forced.code, 0, forced.stderr);
    assertEquals(forced.stderr.split("\n").filter((line) => line.startsWith("deleted ")), [
      `deleted a/deep/x (not in bundle ${id})`,
      `deleted a/mine.txt (not in bundle ${id})`,
    ]);
    assertEquals(await names(`${dir}/work`), ["a", "b.txt"]);
    assertEquals(await Deno.readTextFile(`${dir}/work/a`), "the bundle's a");
  }));

Deno.test("update replaces an empty directory where the bundle has a link, and a file of the user's where the bundle has a directory", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "d/f": "f", "t": "t" });
    await Deno.symlink("t", `${dir}/src/link`);
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m");
    await writeTree(`${dir}/work`, { "d": "the user's d" });
    await Deno.mkdir(`${dir}/work/link`);
    const r = await update(home, `${dir}/work`);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stderr.split("\n").filter((line) => line.startsWith("deleted ")), [
      `deleted d (not in bundle ${id})`,
      `deleted link/ (not in bundle ${id})`,
    ]);
    assertMatch(r.stderr, /3 added, 0 replaced, 2 deleted/);
    assertEquals(await names(`${dir}/work`), ["d/", "d/f", "link", "t"]);
    assertEquals(await Deno.readLink(`${dir}/work/link`), "t");
  }));
