/**
 * Ctrl-C: an interrupted upload commits no bundle and an interrupted download leaves no part
 * file; both exit 130 with one line on stderr.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { listTree, manyFiles, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonCommand, datamonOk, upload, uploadArgs } from "../support/cli.ts";

/** Starts `datamon ...args`, sends SIGINT once `ready()` holds, and returns how it ended. */
async function interrupted(home: string, ready: () => Promise<boolean>, ...args: string[]) {
  const child = datamonCommand(home, ...args).spawn();
  const output = child.output();
  let finished = false;
  output.finally(() => (finished = true));
  while (!finished && !await ready()) await new Promise((r) => setTimeout(r, 10));
  const signalled = !finished;
  if (signalled) child.kill("SIGINT");
  const out = await output;
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr), signalled };
}

async function hasEntries(dir: string): Promise<boolean> {
  try {
    for await (const _ of Deno.readDir(dir)) return true;
  } catch {
    // not created yet
  }
  return false;
}

Deno.test("an interrupted download exits 130 and leaves no part file", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, manyFiles(3000, 8192));
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const out = `${dir}/out`;
    const r = await interrupted(
      home,
      () => hasEntries(out),
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      out,
      "--concurrency-factor",
      "2",
    );
    assert(r.signalled, "the download finished before it could be interrupted");
    assertEquals(r.code, 130, r.stderr);
    assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assertMatch(r.stderr, /interrupted/);
    const left = await listTree(out);
    assert(left.length < 3000, "the download stopped early");
    assert(!left.some((n) => n.includes(".datamon-part-")), "no part file left");
  });
});

Deno.test("an interrupted upload exits 130 and commits no bundle", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, manyFiles(3000, 8192));
    await datamonOk(home, "repo", "create", "--repo", "r");
    const blobs = `${home}/data/blob`;
    const r = await interrupted(
      home,
      () => hasEntries(blobs),
      ...uploadArgs(`${dir}/src`, "--concurrency-factor", "2"),
    );
    assert(r.signalled, "the upload finished before it could be interrupted");
    assertEquals(r.code, 130, r.stderr);
    assertEquals(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assertMatch(r.stderr, /upload interrupted: no bundle was committed/);
    const list = JSON.parse(await datamonOk(home, "bundle", "list", "--repo", "r", "--json"));
    assertEquals(list, []);
  });
});
