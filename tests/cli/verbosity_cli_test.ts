/** End-to-end: -q, -v, -vv and --progress json, and summaries that say how long they took. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk } from "../support/cli.ts";

/** A home with repo "r" and a source directory of two files; returns [home, src]. */
async function setUp(dir: string): Promise<[string, string]> {
  const home = `${dir}/home`;
  await writeTree(`${dir}/src`, { "a.txt": "a", "b.bin": 70_000 });
  await datamonOk(home, "repo", "create", "--repo", "r");
  return [home, `${dir}/src`];
}

const uploadOf = (
  src: string,
) => ["bundle", "upload", "--repo", "r", "--path", src, "--message", "m"];

Deno.test("an upload's summary ends with the time it took, and -q (before or after the command) quiets it", async () => {
  await withTempDir(async (dir) => {
    const [home, src] = await setUp(dir);
    const args = uploadOf(src);
    const loud = await datamon(home, ...args);
    assertEquals(loud.code, 0, loud.stderr);
    assertMatch(loud.stderr, /^uploaded 2 files .*; took \d+\.\d\ds\n$/);
    for (const quiet of [[...args, "-q"], ["-q", ...args]]) {
      const r = await datamon(home, ...quiet);
      assertEquals([r.code, r.stderr], [0, ""]);
      assertMatch(r.stdout, /^\w{27}\n$/);
    }
  });
});

Deno.test("-v says how long the command took and what it asked the stores; -vv each request", async () => {
  await withTempDir(async (dir) => {
    const [home] = await setUp(dir);
    const v = await datamon(home, "-v", "repo", "list");
    assertEquals(v.code, 0, v.stderr);
    assertMatch(
      v.stderr,
      /^datamon: repo list took \d+\.\d\ds; 2 requests \(get 1, list 1\); 0 B sent, \d+ B received\n$/,
    );
    const vv = await datamon(home, "repo", "list", "-vv");
    const lines = vv.stderr.trim().split("\n");
    assertMatch(lines[0], /^datamon: \d+\.\d\ds list file:\/\/\S+\/metadata repos\/$/);
    assertMatch(lines[1], /^datamon: \d+\.\d\ds get file:\/\/\S+\/metadata repos\/r\/repo\.yaml$/);
    assertMatch(lines[2], /^datamon: repo list took /);
  });
});

Deno.test("--progress json writes progress events to stderr, one JSON object a line, ending with done", async () => {
  await withTempDir(async (dir) => {
    const [home, src] = await setUp(dir);
    const r = await datamon(
      home,
      ...uploadOf(src),
      ...["--progress", "json", "-q"],
    );
    assertEquals(r.code, 0, r.stderr);
    const events = r.stderr.trim().split("\n").map((line) => JSON.parse(line));
    const done = events.at(-1);
    assertEquals(
      [done.event, done.verb, done.files, done.bytes, done.totalFiles, done.totalBytes],
      ["done", "uploading", 2, 70_001, 2, 70_001],
    );
    assert(events.every((e) => typeof e.elapsedMs === "number"));
    const bad = await datamon(home, ...uploadOf(src), "--progress", "xml");
    assertEquals(bad.code, 2);
  });
});
