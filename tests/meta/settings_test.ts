/** Settings precedence: flag > environment > config file > default; the run id's one rule. */
import { assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import {
  joinOrStartRun,
  loadSettings,
  runIdFromEnv,
  setConfigValue,
} from "../../lib/meta/settings.ts";
import { isKsuid } from "../../lib/model/ksuid.ts";
import { isKind } from "../../lib/errors.ts";

async function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void>) {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  };
  apply(vars);
  try {
    await fn();
  } finally {
    apply(saved);
  }
}

const clean = {
  DATAMON_CONFIG: undefined,
  DATAMON_CONTEXT: undefined,
  DATAMON_CONFIG_STORE: undefined,
  DATAMON_CONCURRENCY: undefined,
  DATAMON_NAME: undefined,
  DATAMON_EMAIL: undefined,
};

Deno.test("settings take the flag over the environment over the config file over the default", async () => {
  await withTempDir(async (home) => {
    await withEnv({ ...clean, DATAMON_HOME: home }, async () => {
      const defaults = await loadSettings();
      assertEquals(defaults.context, "local");
      assertEquals(defaults.configStore, `file://${home}/config`);
      assertEquals(defaults.concurrency, 16);
      await setConfigValue(`${home}/config.yaml`, "context", "from-file");
      await setConfigValue(`${home}/config.yaml`, "concurrency", "3");
      assertEquals((await loadSettings()).context, "from-file");
      assertEquals((await loadSettings()).concurrency, 3);
      await withEnv({ DATAMON_CONTEXT: "from-env", DATAMON_CONCURRENCY: "5" }, async () => {
        assertEquals((await loadSettings()).context, "from-env");
        assertEquals((await loadSettings()).concurrency, 5);
        const flagged = await loadSettings({ context: "from-flag", concurrencyFactor: 7 });
        assertEquals([flagged.context, flagged.concurrency], ["from-flag", 7]);
      });
    });
  });
});

Deno.test("a malformed config file or unknown key is a config error naming the file or key", async () => {
  await withTempDir(async (home) => {
    await withEnv({ ...clean, DATAMON_HOME: home }, async () => {
      await Deno.writeTextFile(`${home}/config.yaml`, "contxt: typo\n");
      const error = await assertRejects(() => loadSettings());
      assertEquals(isKind(error, "config"), true);
      assertMatch(error.message, /config\.yaml/);
      const key = await assertRejects(() => setConfigValue(`${home}/other.yaml`, "colour", "x"));
      assertMatch(key.message, /unknown config key "colour"/);
    });
  });
});

Deno.test("DATAMON_RUN_ID is the run when it is a name; a sidecar without one starts a run", async () => {
  const run = () => Promise.resolve().then(runIdFromEnv);
  const joined = () => Promise.resolve().then(joinOrStartRun);
  await withEnv({ DATAMON_RUN_ID: "train-7" }, async () => {
    assertEquals(await run(), "train-7");
    assertEquals(await joined(), "train-7");
  });
  await withEnv({ DATAMON_RUN_ID: "../x" }, async () => {
    const error = await assertRejects(run);
    assertEquals(isKind(error, "invalid-argument"), true);
    await assertRejects(joined);
  });
  await withEnv({ DATAMON_RUN_ID: "" }, async () => {
    assertEquals(await run(), undefined);
    const started = await joined();
    assertEquals(isKsuid(started), true);
    assertEquals(Deno.env.get("DATAMON_RUN_ID"), started);
  });
});
