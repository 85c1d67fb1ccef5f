/** `diamond split add` reads its source as `bundle upload` does: the same flags, meaning the same. */
import type { Command } from "commander";
import { assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk } from "../support/cli.ts";
import { buildProgram } from "../../lib/cli/app.ts";

/** The long flags of the command at `path`. */
async function flagsOf(...path: string[]): Promise<string[]> {
  const cmd = path.reduce(
    (parent: Command, name) => parent.commands.find((c) => c.name() === name)!,
    await buildProgram(),
  );
  return cmd.options.map((o) => o.long!);
}

Deno.test("diamond split add takes every flag of bundle upload but the message and the label", async () => {
  const split = await flagsOf("diamond", "split", "add");
  const missing = (await flagsOf("bundle", "upload"))
    .filter((flag) => !["--message", "--label"].includes(flag) && !split.includes(flag));
  assertEquals(missing, []);
});

Deno.test("a split leaves out what --exclude and .datamonignore name, and stores what a link points to with --follow-symlinks", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, {
      "keep.txt": "k",
      "skip.tmp": "t",
      "cache/x": "x",
      ".datamonignore": "cache/\n",
    });
    await Deno.symlink("keep.txt", `${dir}/src/link.txt`);
    await datamonOk(home, "repo", "create", "--repo", "r");
    const diamond = (await datamonOk(home, "diamond", "initialize", "--repo", "r")).trim();
    const add = `diamond split add --repo r --diamond ${diamond} --path ${dir}/src`;
    await datamonOk(home, ...add.split(" "), "--exclude", "*.tmp", "--follow-symlinks");
    await datamonOk(home, ...`diamond commit --repo r --diamond ${diamond} --message m`.split(" "));
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    const names = [];
    for await (const entry of Deno.readDir(`${dir}/out`)) names.push(entry.name);
    assertEquals(names.sort(), [".datamonignore", "keep.txt", "link.txt"]);
    assertEquals((await Deno.lstat(`${dir}/out/link.txt`)).isFile, true);
  }));
