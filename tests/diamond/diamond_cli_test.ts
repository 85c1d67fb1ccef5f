/**
 * End-to-end diamonds on every backend: concurrent `diamond split add` processes commit one
 * bundle equal to the union of their directories; a split killed midway; bad input and cancel.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, datamonWith } from "../support/cli.ts";
import { backendTest } from "../support/backends.ts";

/** The four splits' trees: disjoint names, one shared name with the same bytes, big and small. */
const SPLITS: Record<string, Record<string, string | number>> = {
  w1: { "w1/big": 300_000, "w1/a": "a1", "shared.txt": "the same in every split" },
  w2: { "w2/b": "b2", "w2/deep/c": 5000, "shared.txt": "the same in every split" },
  w3: { "w3/x": 70_000, "shared.txt": "the same in every split" },
  w4: { "w4/y": "y4", "w4/z": "", "shared.txt": "the same in every split" },
};

/**
 * stderr but for warnings: on the S3 and GCS test servers each command warns that it cannot
 * learn who the credentials belong to (no STS), before any line of its own.
 */
function withoutWarnings(stderr: string): string {
  return stderr.replace(/^datamon: warning: [^\n]*\n/gm, "");
}

function splitAdd(diamond: string, path: string, ...flags: string[]): string[] {
  return ["diamond", "split", "add", "--repo", "r", "--diamond", diamond, "--path", path, ...flags];
}

backendTest(
  "four concurrent split processes commit one bundle equal to the union of their trees",
  async (dir, home) => {
    await datamonOk(home, "repo", "create", "--repo", "r");
    const diamond = (await datamonOk(home, "diamond", "initialize", "--repo", "r")).trim();
    for (const [name, tree] of Object.entries(SPLITS)) {
      await writeTree(`${dir}/${name}`, tree);
      await writeTree(`${dir}/union`, tree);
    }
    const added = await Promise.all(
      Object.keys(SPLITS).map((name) =>
        datamonOk(home, ...splitAdd(diamond, `${dir}/${name}`, "--split", name))
      ),
    );
    assertEquals(added.map((out) => out.trim()), Object.keys(SPLITS));
    const listed = await datamonOk(
      home,
      "diamond",
      "split",
      "list",
      "--repo",
      "r",
      "--diamond",
      diamond,
      "--format",
      "{{split}} {{state}}",
    );
    assertEquals(listed.trim().split("\n"), Object.keys(SPLITS).map((s) => `${s} done`));
    const bundle = (await datamonOk(
      home,
      ...[
        "diamond",
        "commit",
        "--repo",
        "r",
        "--diamond",
        diamond,
        "--message",
        "m",
        "--label",
        "l",
      ],
    )).trim();
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--label",
      "l",
      "--destination",
      `${dir}/out`,
    );
    await assertSameTree(`${dir}/union`, `${dir}/out`);
    const got = JSON.parse(
      await datamonOk(home, "diamond", "get", "--repo", "r", "--diamond", diamond, "--json"),
    );
    assertEquals([got.state, got.bundle, got.conflicts], ["done", bundle, 0]);
  },
);

/**
 * Lock timing of the processes that judge the killed split: refreshed twice a second, stale in 3
 * (the killed split's lock is stale once waited for; the commit's own stays live under load).
 */
const STALE = { DATAMON_LOCK_REFRESH: "500ms", DATAMON_LOCK_STALE: "3s" };

backendTest(
  "a split killed midway shows dead, and commit refuses it in one line or leaves it out",
  async (dir, home) => {
    await datamonOk(home, "repo", "create", "--repo", "r");
    const diamond = (await datamonOk(home, "diamond", "initialize", "--repo", "r")).trim();
    await writeTree(`${dir}/ok`, { "ok.txt": "ok" });
    await writeTree(`${dir}/killed`, { "a": 100_000, "b": 100_000, "c": 100_000 });
    // Killed (SIGKILL) before its 8th store write: after running.yaml, before done.yaml.
    const killed = await datamonWith(
      home,
      { DATAMON_TEST_CRASH_AT: "8" },
      ...splitAdd(diamond, `${dir}/killed`, "--split", "killed"),
    );
    assertEquals(killed.code, 137, killed.stderr);
    // The wait for the killed lock to go stale overlaps the other split's run.
    const staleAt = Date.now() + 3500;
    await datamonOk(home, ...splitAdd(diamond, `${dir}/ok`, "--split", "ok"));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, staleAt - Date.now())));
    const list = ["diamond", "split", "list", "--repo", "r", "--diamond", diamond];
    const states = await datamonWith(home, STALE, ...list, "--format", "{{split}} {{state}}");
    assertEquals(states.stdout.trim().split("\n"), ["killed dead", "ok done"]);
    const commit = ["diamond", "commit", "--repo", "r", "--diamond", diamond, "--message", "m"];
    const refused = await datamonWith(home, STALE, ...commit);
    assertEquals(refused.code, 14);
    assertMatch(
      withoutWarnings(refused.stderr),
      /^datamon: split killed of diamond \S+ died midway [^\n]*\n$/,
    );
    const excluded = await datamonWith(home, STALE, ...commit, "--exclude-unfinished");
    assertEquals(excluded.code, 0, excluded.stderr);
    assertMatch(excluded.stderr, /splits left out: killed/);
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/ok`, `${dir}/out`);
  },
);

backendTest(
  "unknown diamond, commit twice, split after commit and a cancelled diamond are one line each with distinct exit codes",
  async (dir, home) => {
    await datamonOk(home, "repo", "create", "--repo", "r");
    const init = ["diamond", "initialize", "--repo", "r"];
    const diamond = (await datamonOk(home, ...init)).trim();
    const cancelled = (await datamonOk(home, ...init)).trim();
    await writeTree(`${dir}/a`, { "a": "a" });
    await datamonOk(home, ...splitAdd(diamond, `${dir}/a`));
    const commit = ["diamond", "commit", "--repo", "r", "--message", "m", "--diamond"];
    await datamonOk(home, ...commit, diamond);
    const cancel = ["diamond", "cancel", "--repo", "r", "--diamond", cancelled];
    await datamonOk(home, ...cancel);
    const get = ["diamond", "get", "--repo", "r", "--diamond", cancelled, "--format", "{{state}}"];
    assertEquals((await datamonOk(home, ...get)).trim(), "cancelled");
    const cases: [string[], number, RegExp][] = [
      [[...commit, "2kTgN7nEvKsTBAnQA2E0QzmHfYz"], 3, /diamond \S+ not found in repo "r"/],
      [[...commit, diamond], 4, /is already committed as bundle/],
      [splitAdd(diamond, `${dir}/a`), 5, /it takes no more splits/],
      [[...commit, diamond, "--no-conflicts", "--ignore-conflicts"], 2, /exclude each other/],
      [[...commit, cancelled], 5, /cancelled/],
      [splitAdd(cancelled, `${dir}/a`), 5, /it takes no more splits/],
      [cancel, 5, /cancelled/],
    ];
    for (const [args, code, pattern] of cases) {
      const r = await datamon(home, ...args);
      assertEquals(r.code, code, r.stderr);
      assertMatch(
        withoutWarnings(r.stderr),
        new RegExp(`^datamon: [^\\n]*${pattern.source}[^\\n]*\\n$`),
      );
      assertEquals(r.stdout, "");
    }
  },
);
