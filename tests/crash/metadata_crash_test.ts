/**
 * Metadata commands killed (SIGKILL) before any one of their store writes: `label set`,
 * `repo rename` and `repo delete` each leave a whole context, and running the same command
 * again finishes it.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { assertNoFailures, type CrashCase, runCrashCase } from "../support/crash.ts";

/** The bundles a prepared home holds: repo "r" (two bundles, label "prod") and repo "other". */
interface Prepared {
  first: string;
  second: string;
  other: string;
}

/** Makes repo "r" with two bundles and label "prod" on the first, and repo "other". */
async function prepareRepos(
  home: string,
  dir: string,
  trees: Map<string, string>,
): Promise<Prepared> {
  await writeTree(`${dir}/v1`, { "big": 20_000, "small/a": "a" });
  await writeTree(`${dir}/v2`, { "big": 20_000, "small/b": "b" });
  await writeTree(`${dir}/o`, { "o": 5000 });
  await datamonOk(home, "repo", "create", "--repo", "r");
  await datamonOk(home, "repo", "create", "--repo", "other");
  const first = await upload(home, "r", `${dir}/v1`, "v1", "--leaf-size", "4K");
  const second = await upload(home, "r", `${dir}/v2`, "v2", "--leaf-size", "4K");
  const other = await upload(home, "other", `${dir}/o`, "o", "--leaf-size", "4K");
  await datamonOk(home, "label", "set", "--repo", "r", "--label", "prod", "--bundle", first);
  trees.set(first, `${dir}/v1`).set(second, `${dir}/v2`).set(other, `${dir}/o`);
  return { first, second, other };
}

/** The repos of the context, sorted. */
async function repos(home: string): Promise<string[]> {
  const out = await datamonOk(home, "repo", "list", "--format", "{{name}}");
  return out.split("\n").filter((line) => line !== "").sort();
}

/** The bundle a label points at. */
async function labelTarget(home: string, repo: string, label: string): Promise<string> {
  return (await datamonOk(
    home,
    "label",
    "get",
    "--repo",
    repo,
    "--label",
    label,
    "--format",
    "{{bundleId}}",
  )).trim();
}

/** Runs a crash case in a fresh temp dir and fails with every kill point that went wrong. */
async function crashTest(name: string, makeCase: (dir: string) => CrashCase): Promise<void> {
  await withTempDir(async (dir) => {
    const report = await runCrashCase(dir, makeCase(dir));
    console.log(`${name}: ${report.killPoints.length} kill points of ${report.writes} writes`);
    assertNoFailures(name, report);
  });
}

Deno.test("a label set killed before any store write leaves a whole context and its re-run moves the label", async () => {
  await crashTest("label set", (dir) => {
    const trees = new Map<string, string>();
    let prepared: Prepared;
    return {
      trees,
      prepare: async (home) => void (prepared = await prepareRepos(home, dir, trees)),
      command: () => [
        "label",
        "set",
        "--repo",
        "r",
        "--label",
        "prod",
        "--bundle",
        prepared.second,
      ],
      finished: async (home) => assertEquals(await labelTarget(home, "r", "prod"), prepared.second),
    };
  });
});

/** Crash case of `repo rename --repo r renamed`: once finished, "renamed" has it all. */
function renameCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  let prepared: Prepared;
  return {
    trees,
    prepare: async (home) => void (prepared = await prepareRepos(home, dir, trees)),
    command: () => ["repo", "rename", "--repo", "r", "renamed"],
    async finished(home) {
      assertEquals(await repos(home), ["other", "renamed"]);
      assertEquals(await labelTarget(home, "renamed", "prod"), prepared.first);
      const ids = await datamonOk(
        home,
        "bundle",
        "list",
        "--repo",
        "renamed",
        "--format",
        "{{id}}",
      );
      assertEquals(
        ids.split("\n").filter((l) => l).sort(),
        [prepared.first, prepared.second].sort(),
      );
    },
  };
}

Deno.test({
  name: "a repo rename killed before any store write leaves a whole context and its re-run " +
    "finishes the rename",
  fn: () => crashTest("repo rename", renameCase),
});

/** Crash case of `repo delete --repo r`: once finished, only "other" is left, whole. */
function deleteCase(dir: string): CrashCase {
  const trees = new Map<string, string>();
  return {
    trees,
    prepare: async (home) => void await prepareRepos(home, dir, trees),
    command: () => ["repo", "delete", "--repo", "r", "--force-yes"],
    finished: async (home) => assertEquals(await repos(home), ["other"]),
  };
}

Deno.test("a repo delete killed before any store write leaves a whole context and its re-run deletes the repo", async () => {
  await crashTest("repo delete", deleteCase);
});
