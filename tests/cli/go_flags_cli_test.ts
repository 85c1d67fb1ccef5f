/** The commands, flags and settings Go datamon users type, as the CLI accepts them. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { relative } from "node:path";
import { datamon, datamonOk, datamonWith, upload } from "../support/cli.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";

/** A repo "r" with two bundles of `src` (3 + 5 bytes), both labelled "L" in turn. */
async function twoLabelledBundles(home: string): Promise<[string, string]> {
  await writeTree(`${home}/src`, { "a.txt": 3, "b/c.txt": 5 });
  await datamonOk(home, "repo", "create", "--repo", "r", "--description", "d");
  const first = await upload(home, "r", `${home}/src`, "first", "--label", "L");
  const second = await upload(home, "r", `${home}/src`, "second", "--label", "L");
  return [first.split("\n")[0], second.split("\n")[0]];
}

Deno.test("config create is config set under the name Go datamon users type", () =>
  withTempDir(async (home) => {
    await datamonOk(home, "config", "create", "--name", "Go User");
    assertMatch(await Deno.readTextFile(`${home}/config.yaml`), /name: Go User/);
  }));

Deno.test("--format fills Go template fields, nested fields and printf of the fields", () =>
  withTempDir(async (home) => {
    const [first, second] = await twoLabelledBundles(home);
    const list = await datamonOk(
      home,
      ...["bundle", "list", "--repo", "r", "--format", "{{.ID}} {{ .Message }}"],
    );
    assertEquals(list, `${first} first\n${second} second\n`);
    const repo = await datamonOk(
      home,
      ...["repo", "get", "--repo", "r", "--format", "{{.Name}},{{.Contributor.Email}}"],
    );
    assertEquals(repo, "r,test@example.com\n");
    const label = await datamonOk(
      home,
      ...["label", "get", "--repo", "r", "--label", "L", "--format", "{{.BundleID}}"],
    );
    assertEquals(label, `${second}\n`);
    const fields = await datamonOk(
      home,
      ...["repo", "get", "--repo", "r", "--format", '{{ printf "%#v" . }}'],
    );
    assertMatch(fields, /^\{name:"r", description:"d", time:"[^"]+", contributors:\[\{name:/);
  }));

Deno.test("--format refuses an action it cannot fill rather than printing it back", () =>
  withTempDir(async (home) => {
    await datamonOk(home, "repo", "create", "--repo", "r");
    const r = await datamon(home, "repo", "list", "--format", "{{range .}}{{.Name}}{{end}}");
    assertEquals(r.code, 5);
    assertEquals(r.stdout, "");
    assertMatch(r.stderr, /^datamon: --format action \{\{range \.\}\} is not supported: use/);
  }));

Deno.test("repo list and repo get --with-size add up the bytes of every bundle", () =>
  withTempDir(async (home) => {
    await twoLabelledBundles(home);
    const listed = JSON.parse(await datamonOk(home, "repo", "list", "--with-size", "--json"));
    assertEquals(listed.map((r: { name: string; size: number }) => [r.name, r.size]), [
      ["r", 16],
    ]);
    assertMatch(await datamonOk(home, "repo", "list", "--with-size"), /\bSIZE\n.*\b16 B\n$/);
    const got = await datamonOk(home, "repo", "get", "--repo", "r", "--with-size");
    assertMatch(got, /^size: +16$/m);
  }));

Deno.test("label list --with-versions lists every bundle a label pointed at, newest first", () =>
  withTempDir(async (home) => {
    const [first, second] = await twoLabelledBundles(home);
    const args = ["label", "list", "--repo", "r", "--format", "{{.Name}} {{.BundleID}}"];
    assertEquals(await datamonOk(home, ...args), `L ${second}\n`);
    assertEquals(await datamonOk(home, ...args, "--with-versions"), `L ${second}\nL ${first}\n`);
  }));

Deno.test("--loglevel and --batch-size are accepted; a level that is none of Go's is refused", () =>
  withTempDir(async (home) => {
    await datamonOk(home, "repo", "create", "--repo", "r");
    for (const level of ["none", "error", "warn", "info", "debug"]) {
      const out = await datamonOk(
        home,
        ...["repo", "list", "--loglevel", level, "--batch-size", "1024", "--format", "{{.Name}}"],
      );
      assertEquals(out, "r\n");
    }
    const bad = await datamon(home, "repo", "list", "--loglevel", "loud");
    assertEquals(bad.code, 5);
    assertEquals(
      bad.stderr,
      'datamon: --loglevel "loud" is not a level: use one of none, error, warn, info, debug\n',
    );
    const badBatch = await datamon(home, "repo", "list", "--batch-size", "0");
    assertEquals(badBatch.code, 5);
    assertMatch(badBatch.stderr, /--batch-size must be a whole number >= 1/);
    assertEquals((await datamon(home, "version", "--loglevel", "error")).code, 0);
  }));

Deno.test("--loglevel error hides the warnings that info shows", () =>
  withTempDir(async (home) => {
    const [first] = await twoLabelledBundles(home);
    // A damaged bundle.yaml is passed over with a warning.
    await Deno.writeTextFile(`${home}/data/metadata/bundles/r/${first}/bundle.yaml`, "damaged");
    const args = ["bundle", "list", "--repo", "r", "--format", "{{.Message}}"];
    const warned = await datamon(home, ...args);
    assertEquals([warned.code, warned.stdout], [0, "second\n"]);
    assertMatch(warned.stderr, /^datamon: warning: skipped bundle/);
    const quiet = await datamon(home, ...args, "--loglevel", "error");
    assertEquals([quiet.code, quiet.stdout, quiet.stderr], [0, "second\n", ""]);
  }));

Deno.test("--config without a scheme is refused unless it is a local path", () =>
  withTempDir(async (home) => {
    const r = await datamon(home, "repo", "list", "--config", "my-bucket");
    assertEquals(r.code, 10);
    assertEquals(
      r.stderr,
      'datamon: --config "my-bucket" has no scheme: write gs://my-bucket for a bucket, or ' +
        "file://, or ./my-bucket for a local directory\n",
    );
    for (const path of [`${home}/cfg`, relative(Deno.cwd(), `${home}/cfg2`)]) {
      const args = ["--context", "c", "--config", path];
      await datamonOk(home, "context", "create", ...args, "--store", `${home}/store`);
      assertEquals(
        await datamonOk(home, "context", "get", ...args, "--format", "{{.Name}}"),
        "c\n",
      );
    }
  }));

/** `config get --json`'s rows as one record: each setting's value by its key. */
function settingsOf(result: { stdout: string }): Record<string, unknown> {
  const rows = JSON.parse(result.stdout) as { key: string; value: unknown }[];
  return Object.fromEntries(rows.map((row) => [row.key, row.value]));
}

Deno.test("DATAMON_GLOBAL_CONFIG names the config store when DATAMON_CONFIG_STORE is unset", () =>
  withTempDir(async (home) => {
    const shown = async (env: Record<string, string>) =>
      settingsOf(await datamonWith(home, env, "config", "get", "--json")).config;
    assertEquals(await shown({ DATAMON_GLOBAL_CONFIG: "go-bucket" }), "gs://go-bucket");
    assertEquals(await shown({ DATAMON_GLOBAL_CONFIG: "s3://b/p" }), "s3://b/p");
    assertEquals(
      await shown({ DATAMON_GLOBAL_CONFIG: "go-bucket", DATAMON_CONFIG_STORE: "s3://ours" }),
      "s3://ours",
    );
  }));

Deno.test("Go datamon's ~/.datamon2/datamon.yaml is read when datamon's config file is absent", () =>
  withTempDir(async (home) => {
    await Deno.mkdir(`${home}/.datamon2`);
    await Deno.writeTextFile(
      `${home}/.datamon2/datamon.yaml`,
      "config: go-config-bucket\ncontext: dev\ncredential: /x/creds.json\nname: Go User\n" +
        "metrics:\n  enabled: true\n  url: http://influx:8086\n",
    );
    const env = { HOME: home, DATAMON_NAME: "", DATAMON_EMAIL: "" };
    const goSettings = settingsOf(await datamonWith(home, env, "config", "get", "--json"));
    assertEquals(
      [goSettings.config, goSettings.context, goSettings.name],
      ["gs://go-config-bucket", "dev", "Go User"],
    );
    await Deno.writeTextFile(`${home}/config.yaml`, "context: ours\n");
    const ours = settingsOf(await datamonWith(home, env, "config", "get", "--json"));
    assertEquals([ours.context, ours.name], ["ours", null]);
  }));

Deno.test("config get names Go datamon's config file and DATAMON_GLOBAL_CONFIG as the sources of their values", () =>
  withTempDir(async (home) => {
    await Deno.mkdir(`${home}/.datamon2`);
    const goFile = `${home}/.datamon2/datamon.yaml`;
    await Deno.writeTextFile(goFile, "config: go-config-bucket\ncontext: dev\n");
    const env = { HOME: home };
    const sources = async (more: Record<string, string> = {}) => {
      const r = await datamonWith(home, { ...env, ...more }, "config", "get", "--json");
      const rows = JSON.parse(r.stdout) as { key: string; source: string; from: string | null }[];
      return Object.fromEntries(rows.map((row) => [row.key, `${row.source} ${row.from}`]));
    };
    const fromGoFile = await sources();
    assertEquals([fromGoFile.config, fromGoFile.context], [`file ${goFile}`, `file ${goFile}`]);
    const fromGoEnv = await sources({ DATAMON_GLOBAL_CONFIG: "go-bucket" });
    assertEquals(fromGoEnv.config, "env DATAMON_GLOBAL_CONFIG");
    const table = await datamonWith(home, env, "config", "get");
    assertMatch(table.stdout, new RegExp(`^context +dev +file ${goFile}$`, "m"));
  }));
