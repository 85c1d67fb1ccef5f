/** Metrics reach the Prometheus Pushgateway that scripts/test.sh starts. */
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

/** The value of `metric` in the group of `command` on the Pushgateway, or undefined. */
async function pushed(metric: string, command: string): Promise<number | undefined> {
  const text = await (await fetch(`${pushgateway()}/metrics`)).text();
  const line = text.split("\n").find((l) =>
    l.startsWith(`${metric}{`) && l.includes(`command="${command}"`)
  );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("--metrics pushes a command's duration, bytes and leaves to a real Pushgateway", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a", "big.bin": 300_000 });
    await datamonOk(home, "repo", "create", "--repo", "r", "--metrics", pushgateway());
    assertEquals(await pushed("datamon_command_exit_code", "repo_create"), 0);
    await datamonOk(
      home,
      ...["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m"],
      ...["--leaf-size", "64K", "--metrics", pushgateway()],
    );
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
