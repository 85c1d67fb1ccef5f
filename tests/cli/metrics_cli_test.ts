/**
 * Metrics reach the Prometheus Pushgateway that scripts/test.sh starts. The CLI's group of a
 * command is fixed (job, command, host), and the suite's second pass (against the bundle) pushes
 * to the same groups as the first: the test deletes its groups first, and checks the push time,
 * which only this run can produce.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, datamonWith } from "../support/cli.ts";

function pushgateway(): string {
  const url = Deno.env.get("DATAMON_TEST_PUSHGATEWAY");
  if (!url) {
    throw new Error("DATAMON_TEST_PUSHGATEWAY is not set: run the tests with scripts/test.sh");
  }
  return url;
}

/** The instance label of this host's pushes, as lib/cli/metrics.ts sets it. */
const INSTANCE = Deno.hostname();

/** The Pushgateway's group of `command`, as lib/cli/metrics.ts names it. */
function groupUrl(command: string): string {
  return `${pushgateway()}/metrics/job/datamon/command/${command}/instance/` +
    encodeURIComponent(INSTANCE);
}

/** Deletes what an earlier run pushed to the groups of `commands`. */
async function clearGroups(...commands: string[]): Promise<void> {
  for (const command of commands) {
    const response = await fetch(groupUrl(command), { method: "DELETE" });
    await response.body?.cancel();
    assert(response.ok, `DELETE ${groupUrl(command)}: HTTP ${response.status}`);
  }
}

/** Asserts that `command` pushed its metrics at `since` (seconds since the epoch) or later. */
async function assertPushedSince(command: string, since: number): Promise<void> {
  const at = await pushed("datamon_command_last_run_timestamp_seconds", command);
  assert(at !== undefined && at >= since, `${command} last pushed at ${at}, before ${since}`);
}

/** The value of `metric` in the group of `command` on the Pushgateway, or undefined. */
async function pushed(metric: string, command: string): Promise<number | undefined> {
  const text = await (await fetch(`${pushgateway()}/metrics`)).text();
  const line = text.split("\n").find((l) =>
    l.startsWith(`${metric}{`) && l.includes(`command="${command}"`) &&
    l.includes(`instance="${INSTANCE}"`)
  );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("--metrics pushes a command's duration, bytes and leaves to a real Pushgateway", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a", "big.bin": 300_000 });
    await clearGroups("repo_create", "bundle_upload", "bundle_download");
    const started = Math.floor(Date.now() / 1000);
    await datamonOk(home, "repo", "create", "--repo", "r", "--metrics", pushgateway());
    await assertPushedSince("repo_create", started);
    assertEquals(await pushed("datamon_command_exit_code", "repo_create"), 0);
    await datamonOk(
      home,
      ...["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m"],
      ...["--leaf-size", "64K", "--metrics", pushgateway()],
    );
    await assertPushedSince("bundle_upload", started);
    assertEquals(await pushed("datamon_leaves_stored", "bundle_upload"), 6);
    assertEquals(await pushed("datamon_leaves_deduplicated", "bundle_upload"), 0);
    assert((await pushed("datamon_store_bytes_written", "bundle_upload"))! > 300_000);
    assert((await pushed("datamon_command_duration_seconds", "bundle_upload"))! > 0);
    // DATAMON_METRICS is the flag's environment variable; a failed command is pushed too.
    const failed = await datamonWith(
      home,
      { DATAMON_METRICS: pushgateway() },
      ...["bundle", "download", "--repo", "nope", "--destination", `${dir}/out`],
    );
    assertEquals(failed.code, 3);
    await assertPushedSince("bundle_download", started);
    assertEquals(await pushed("datamon_command_exit_code", "bundle_download"), 3);
    assertEquals(
      await pushed("datamon_store_bytes_read", "bundle_download"),
      0,
    );
  });
});

Deno.test("a Pushgateway that cannot be reached is a warning, never a failed command", async () => {
  await withTempDir(async (dir) => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const r = await datamon(`${dir}/home`, "repo", "create", "--repo", "r", "--metrics", closed);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, new RegExp(`datamon: warning: metrics not pushed to ${closed}: `));
  });
});
