/**
 * End-to-end identity on S3: the test server has no STS, so a fake STS server answers
 * GetCallerIdentity (AWS_ENDPOINT_URL_STS), as the test names say.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk, datamonWith } from "../support/cli.ts";
import { serveFake } from "../support/fake_http.ts";
import { freshStoreUrl } from "../support/servers.ts";

const ARN = "arn:aws:iam::123456789012:role/trainer";

Deno.test("on S3 the caller's ARN (fake STS server) is recorded on the repo, bundle, label, WAL and read log", async () => {
  await withTempDir(async (dir) => {
    await using sts = serveFake(() =>
      new Response(
        `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>${ARN}</Arn>` +
          `</GetCallerIdentityResult></GetCallerIdentityResponse>`,
        { headers: { "content-type": "text/xml" } },
      )
    );
    const home = `${dir}/home`;
    const { url, cleanup } = await freshStoreUrl("s3");
    try {
      const env = { AWS_ENDPOINT_URL_STS: sts.url, DATAMON_CONTEXT: "s3" };
      const ok = async (...args: string[]) => {
        const r = await datamonWith(home, env, ...args);
        assertEquals(r.code, 0, r.stderr);
        assert(!r.stderr.includes("warning"), r.stderr);
        return r.stdout;
      };
      await ok("context", "create", "--context", "s3", "--store", url);
      await ok("repo", "create", "--repo", "r");
      await writeTree(`${dir}/src`, { "a.txt": "a" });
      const id = (await ok(
        ...["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m"],
        ...["--label", "l"],
      )).trim();
      await ok("bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
      const identity = { name: "Test User", email: "test@example.com", identity: ARN };
      assertEquals(
        JSON.parse(await ok("repo", "get", "--repo", "r", "--json")).contributors,
        [identity],
      );
      assertEquals(
        JSON.parse(await ok("bundle", "get", "--repo", "r", "--bundle", id, "--json")).contributors,
        [identity],
      );
      assertEquals(
        JSON.parse(await ok("label", "get", "--repo", "r", "--label", "l", "--json")).contributors,
        [identity],
      );
      const log = JSON.parse(await ok("log", "--repo", "r", "--json")) as { actor: unknown }[];
      assert(log.length >= 5);
      for (const row of log) assertEquals(row.actor, identity);
    } finally {
      await cleanup();
    }
  });
});

Deno.test("on S3 without an STS endpoint the configured name is recorded with a warning; --skip-auth asks nothing", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const { url, cleanup } = await freshStoreUrl("s3");
    try {
      await datamonOk(home, "context", "create", "--context", "s3", "--store", url, "--skip-auth");
      const env = { DATAMON_CONTEXT: "s3" };
      const warned = await datamonWith(home, env, "repo", "create", "--repo", "r");
      assertEquals(warned.code, 0, warned.stderr);
      assertMatch(warned.stderr, /^datamon: warning: cannot learn who the credentials of s3:/);
      assertMatch(warned.stderr, /recording Test User <test@example\.com> as configured/);
      const skipped = await datamonWith(home, env, "repo", "create", "--repo", "q", "--skip-auth");
      assertEquals(skipped.code, 0, skipped.stderr);
      assert(!skipped.stderr.includes("warning"), skipped.stderr);
      const repo = JSON.parse(
        (await datamonWith(home, env, "repo", "get", "--repo", "r", "--json")).stdout,
      );
      assertEquals(repo.contributors, [{ name: "Test User", email: "test@example.com" }]);
    } finally {
      await cleanup();
    }
  });
});
