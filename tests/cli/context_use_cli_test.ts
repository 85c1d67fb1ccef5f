/** End-to-end: contexts as kubectl has them (use, current, delete, the current one marked). */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { datamon, datamonOk, datamonWith } from "../support/cli.ts";

/** A home with a second context "team" on local disk. */
async function withTeamContext(fn: (home: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "context", "create", "--context", "team", "--store", `file://${dir}/t`);
    await fn(home);
  });
}

Deno.test("context use switches the default, says from what, and context current and list show it", async () => {
  await withTeamContext(async (home) => {
    assertEquals(await datamonOk(home, "context", "current"), "local\n");
    const r = await datamon(home, "context", "use", "team");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /the default context changes from local to team/);
    assertEquals(await datamonOk(home, "context", "current"), "team\n");
    const list = JSON.parse(await datamonOk(home, "context", "list", "--json"));
    assertEquals(
      list.map((c: { name: string; current: boolean }) => [c.name, c.current]),
      [["local", false], ["team", true]],
    );
    assertMatch(await datamonOk(home, "context", "list"), /^\*\s+team/m);
    const quiet = await datamon(home, "context", "use", "local", "-q");
    assertEquals([quiet.code, quiet.stderr], [0, ""], "-q: no note of what changed");
  });
});

Deno.test("config set --context refuses a context that does not exist and keeps the default", async () => {
  await withTeamContext(async (home) => {
    const r = await datamon(home, "config", "set", "--context", "tema", "--name", "Ada");
    assertEquals(r.code, 3, r.stderr);
    assertMatch(r.stderr, /context "tema" not found/);
    assertEquals(await datamonOk(home, "context", "current"), "local\n");
    const ok = await datamon(home, "config", "set", "--context", "team");
    assertMatch(ok.stderr, /the default context changes from local to team/);
  });
});

Deno.test("context delete removes a context, warns when it was the current one, and keeps local", async () => {
  await withTeamContext(async (home) => {
    await datamonOk(home, "context", "use", "team");
    const r = await datamon(home, "context", "delete", "team");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /warning: team was the current context: pick another/);
    const list = JSON.parse(
      await datamonOk(home, "context", "list", "--context", "local", "--json"),
    );
    assertEquals(list.map((c: { name: string }) => c.name), ["local"]);
    assertEquals((await datamon(home, "context", "delete", "team")).code, 3, "gone");
    const builtIn = await datamon(home, "context", "delete", "local");
    assertEquals(builtIn.code, 5);
    assertMatch(builtIn.stderr, /context "local" is built in and cannot be deleted/);
  });
});

Deno.test("config get shows where each setting comes from: flag, env, file or default", async () => {
  await withTeamContext(async (home) => {
    await datamonOk(home, "config", "set", "--context", "team");
    const rows = async (env: Record<string, string>, ...args: string[]) => {
      const r = await datamonWith(home, env, "config", "get", "--json", ...args);
      assertEquals(r.code, 0, r.stderr);
      return Object.fromEntries(
        JSON.parse(r.stdout).map((s: { key: string }) => [s.key, s]),
      ) as Record<string, { value: unknown; source: string; from: string | null }>;
    };
    const file = await rows({});
    assertEquals(file.context.value, "team");
    assertEquals([file.context.source, file.context.from], ["file", `${home}/config.yaml`]);
    assertEquals(file.name.source, "env", "the test environment sets DATAMON_NAME");
    assertEquals(file.concurrency.source, "default");
    const env = await rows({ DATAMON_CONTEXT: "local" });
    assertEquals([env.context.value, env.context.source, env.context.from], [
      "local",
      "env",
      "DATAMON_CONTEXT",
    ]);
    const flag = await rows({ DATAMON_CONTEXT: "local" }, "--context", "team");
    assertEquals([flag.context.value, flag.context.source], ["team", "flag"]);
    const before = await datamonWith(
      home,
      {},
      "--concurrency-factor",
      "3",
      "config",
      "get",
      "--json",
    );
    const concurrency = JSON.parse(before.stdout).find((s: { key: string }) =>
      s.key === "concurrency"
    );
    assertEquals([concurrency.value, concurrency.source], [3, "flag"], "given before the command");
    assert(!(await datamonOk(home, "config", "get")).includes("undefined"));
  });
});
