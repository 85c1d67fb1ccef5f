/**
 * A password in a store's endpoint URL is never printed or served: not by `context get`
 * (text and --json), `context list`, `doctor`, an error message, nor the web API.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk, datamonWith } from "../support/cli.ts";
import { startWeb, stopWeb } from "../support/web.ts";
import { withTempDir } from "../support/fixtures.ts";

const SECRET = "hunter2";

/** A home whose context "c" has stores on an S3 endpoint with a password (no server there). */
async function contextWithPassword(dir: string): Promise<string> {
  const home = `${dir}/home`;
  await datamonOk(home, "context", "create", "--context", "c", "--store", `file://${dir}/c`);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closed = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  const url = (role: string) =>
    `s3://datamon-test/x/${role}?endpoint=http://minio:${SECRET}@${closed}`;
  // Written as a user or a script would, straight into the config store.
  await Deno.writeTextFile(
    `${home}/config/contexts/c/context.yaml`,
    ["blob", "metadata", "vmetadata", "wal", "readlog"]
      .reduce((text, role) => `${text}${role}: ${url(role)}\n`, "name: c\n"),
  );
  return home;
}

function assertNoSecret(where: string, text: string): void {
  assert(!text.includes(SECRET), `${where} shows the password: ${text}`);
}

Deno.test("context get, context list, doctor and errors print no password of an endpoint", async () => {
  await withTempDir(async (dir) => {
    const home = await contextWithPassword(dir);
    const text = await datamonOk(home, "context", "get", "--context", "c");
    assertNoSecret("context get", text);
    assertMatch(text, /blob: +s3:\/\/datamon-test\/x\/blob\?endpoint=http:\/\/minio:\*\*\*@127/);
    const doc = JSON.parse(await datamonOk(home, "context", "get", "--context", "c", "--json"));
    assertMatch(doc.metadata, /endpoint=http:\/\/minio:\*\*\*@127/);
    assertNoSecret("context get --json", JSON.stringify(doc));
    assertNoSecret("context list", await datamonOk(home, "context", "list"));
    assertNoSecret("context list --json", await datamonOk(home, "context", "list", "--json"));
    assertNoSecret(
      "context create --json",
      (await datamon(
        home,
        ...["context", "create", "--context", "d", "--json", "--skip-auth"],
        ...["--store", `s3://datamon-test/y?endpoint=http://minio:${SECRET}@127.0.0.1:1`],
      )).stderr,
    );
    const doctor = await datamon(home, "doctor", "--context", "c");
    assertMatch(doctor.stdout, /minio:\*\*\*@/);
    assertNoSecret("doctor", doctor.stdout + doctor.stderr);
    assertNoSecret(
      "doctor --json",
      (await datamon(home, "doctor", "--context", "c", "--json")).stdout,
    );
    const failed = await datamon(home, "repo", "list", "--context", "c");
    assert(failed.code !== 0, "the store is unreachable");
    assertNoSecret("an error", failed.stdout + failed.stderr);
  });
});

Deno.test("the web API serves no password of an endpoint, in contexts or in errors", async () => {
  await withTempDir(async (dir) => {
    const home = await contextWithPassword(dir);
    const { base, child } = await startWeb(home);
    try {
      const contexts = await (await fetch(`${base}api/contexts`)).text();
      assertMatch(contexts, /minio:\*\*\*@/);
      assertNoSecret("/api/contexts", contexts);
      const repos = await fetch(`${base}api/contexts/c/repos`);
      assertEquals(repos.ok, false);
      assertNoSecret("an API error", await repos.text());
    } finally {
      await stopWeb(child);
    }
  });
});

Deno.test("the sidecar's failed signal names the store without its password", async () => {
  await withTempDir(async (dir) => {
    const home = await contextWithPassword(dir);
    const signals = `${dir}/signals`;
    await Deno.writeTextFile(
      `${dir}/params.yaml`,
      `signals: ${signals}\ninputs:\n  - repo: raw\n    path: ${dir}/in\noutputs: []\n`,
    );
    const side = await datamonWith(
      home,
      { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test", AWS_REGION: "us-east-1" },
      ...["sidecar", "--params", `${dir}/params.yaml`, "--context", "c", "--skip-auth"],
    );
    assert(side.code !== 0, "the store is unreachable");
    const failed = await Deno.readTextFile(`${signals}/failed`);
    assertMatch(failed, /minio:\*\*\*@/);
    assertNoSecret("the failed signal", failed);
  });
});
