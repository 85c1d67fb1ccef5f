/** `datamon doctor`: what it finds on a healthy local context, a store that does not enforce create-only, and a broken config. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";
import { freshStoreUrl } from "../support/servers.ts";
import { EXIT_CODES } from "../../lib/errors.ts";
import type { Check } from "../../lib/core/doctor.ts";

function byName(checks: Check[], pattern: RegExp): Check[] {
  return checks.filter((c) => pattern.test(c.name));
}

Deno.test("doctor passes on the local context: every store reachable, writable and create-only enforced", () =>
  withTempDir(async (home) => {
    const report = JSON.parse(await datamonOk(home, "doctor", "--json"));
    assertEquals(report.ok, true);
    const createOnly = byName(report.checks, /store .*: create-only$/);
    assertEquals(createOnly.length, 5);
    for (const check of createOnly) assertEquals(check.detail, "create-only enforced");
    assertEquals(
      byName(report.checks, /store .*: writable$/).map((c) => c.status),
      Array(5).fill("ok"),
    );
    assert(byName(report.checks, /^FUSE device$/).length === 1, "FUSE is checked");
    assert(byName(report.checks, /^libfuse$/).length === 1, "libfuse is checked");
    for await (const role of Deno.readDir(`${home}/data`)) {
      for await (const entry of Deno.readDir(`${home}/data/${role.name}`)) {
        assert(entry.name !== "doctor", `the probes are removed from ${role.name}`);
      }
    }
  }));

Deno.test("doctor reports create-only NOT enforced on the S3 test server and exits non-zero", () =>
  withTempDir(async (home) => {
    const { url, cleanup } = await freshStoreUrl("s3");
    try {
      await datamonOk(home, "context", "create", "--context", "s3", "--store", url);
      const r = await datamon(home, "doctor", "--context", "s3");
      assertEquals(r.code, EXIT_CODES.unhealthy);
      assertEquals(
        r.stderr,
        "datamon: doctor found 5 problems: see the checks marked FAIL and their fixes\n",
      );
      assertMatch(r.stdout, /^ok {4}blob store s3:\/\/.*: writable: /m);
      assertMatch(
        r.stdout,
        /^FAIL {2}blob store s3:\/\/.*: create-only: create-only NOT enforced: a second create of the same key succeeded\n {6}fix: use a store that honours conditional writes/m,
      );
    } finally {
      await cleanup();
    }
  }));

Deno.test("doctor reports a config file that does not parse, with what to fix", () =>
  withTempDir(async (home) => {
    await Deno.writeTextFile(`${home}/config.yaml`, "context: [unclosed\n");
    const r = await datamon(home, "doctor", "--json");
    assertEquals(r.code, EXIT_CODES.unhealthy);
    const report = JSON.parse(r.stdout);
    assertEquals(report.ok, false);
    assertEquals(report.checks[0].name, "config");
    assertEquals(report.checks[0].status, "fail");
    assertMatch(report.checks[0].detail, /config file .*config.yaml/);
    assert(report.checks[0].fix, "says what to fix");
  }));

/** A TCP endpoint that drops every connection it accepts, counting them. */
function droppingEndpoint(): { url: string; connections: () => number; close: () => void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })().catch(() => {});
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    connections: () => connections,
    close: () => listener.close(),
  };
}

Deno.test("doctor tries a store that drops every connection a few times, not a whole backoff", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "context", "create", "--context", "c", "--store", `file://${dir}/c`);
    const endpoint = droppingEndpoint();
    try {
      // Written straight into the config store, as a user with a wrong endpoint would have it.
      await Deno.writeTextFile(
        `${home}/config/contexts/c/context.yaml`,
        ["blob", "metadata", "vmetadata", "wal", "readlog"].reduce(
          (text, role) => `${text}${role}: s3://datamon-test/x/${role}?endpoint=${endpoint.url}\n`,
          "name: c\n",
        ),
      );
      const r = await datamon(home, "doctor", "--context", "c", "--json");
      assertEquals(r.code, EXIT_CODES.unhealthy);
      const reachable = byName(JSON.parse(r.stdout).checks, /store .*: reachable$/);
      assertEquals(reachable.map((c) => c.status), Array(5).fill("fail"));
      // Three tries a store; the default policy's ten would take about a minute here.
      assert(endpoint.connections() >= 5, `${endpoint.connections()} connections`);
      assert(endpoint.connections() <= 15, `${endpoint.connections()} connections`);
    } finally {
      endpoint.close();
    }
  }));
