/**
 * --json and --format are checked before a command does anything: a bad template writes
 * nothing (no bundle, label, repo, context or file) and exits with its own code.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { exists, withTempDir, writeTree } from "../support/fixtures.ts";
import { type CliResult, datamon, datamonOk, upload, uploadArgs } from "../support/cli.ts";
import { buildProgram } from "../../lib/cli/app.ts";
import { commandPath } from "../../lib/cli/common.ts";
import { OUTPUT_FIELDS } from "../../lib/cli/output_fields.ts";

function assertRefused(r: CliResult, code: number, pattern: RegExp): void {
  assertEquals(r.code, code, `exit code (stderr: ${r.stderr})`);
  assertEquals(r.stdout, "", "nothing on stdout");
  assertMatch(r.stderr, pattern);
}

const BAD_FIELD = /--format names "nope", which this output does not have/;

Deno.test("a bundle upload with a bad --format commits no bundle and sets no label", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    assertRefused(
      await datamon(home, ...uploadArgs(`${dir}/src`, "--label", "l", "--format", "{{nope}}")),
      5,
      BAD_FIELD,
    );
    assertRefused(
      await datamon(home, ...uploadArgs(`${dir}/src`, "--format", "{{bundle.nope}}")),
      5,
      /--format names "bundle.nope"/,
    );
    assertRefused(
      await datamon(home, ...uploadArgs(`${dir}/src`, "--format", "{{bundle.id")),
      5,
      /has a "\{\{" or "\}\}" that is not a field/,
    );
    assertEquals(await datamonOk(home, "bundle", "list", "--repo", "r", "--json"), "[]\n");
    assertEquals(await datamonOk(home, "label", "list", "--repo", "r", "--json"), "[]\n");
  });
});

Deno.test("label set, repo create, context create and download with a bad --format write nothing", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    assertRefused(
      await datamon(home, "label", "set", "--repo", "r", "--label", "l", "--format", "{{nope}}"),
      5,
      BAD_FIELD,
    );
    assertEquals(await datamonOk(home, "label", "list", "--repo", "r", "--json"), "[]\n");
    assertRefused(
      await datamon(home, "repo", "create", "--repo", "r2", "--format", "{{nope}}"),
      5,
      BAD_FIELD,
    );
    assertEquals((await datamon(home, "repo", "get", "--repo", "r2")).code, 3);
    assertRefused(
      await datamon(
        home,
        "context",
        "create",
        "--context",
        "c2",
        "--store",
        `${dir}/c2`,
        "--format",
        "{{nope}}",
      ),
      5,
      BAD_FIELD,
    );
    assertEquals((await datamon(home, "context", "get", "--context", "c2")).code, 3);
    const out = `${dir}/out`;
    assertRefused(
      await datamon(
        home,
        "bundle",
        "download",
        "--repo",
        "r",
        "--destination",
        out,
        "--format",
        "{{nope}}",
      ),
      5,
      BAD_FIELD,
    );
    assert(!(await exists(out)), "no destination made");
  });
});

Deno.test("--json and --format together are a usage error before anything runs", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    assertRefused(
      await datamon(home, "repo", "create", "--repo", "r", "--json", "--format", "{{name}}"),
      2,
      /give --json or --format, not both/,
    );
    assertEquals((await datamon(home, "repo", "get", "--repo", "r")).code, 3);
  });
});

Deno.test("every field bundle upload --json prints is accepted by --format, and an unset label prints empty", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    // schemaVersion versions the JSON document; templates fill in the record's fields.
    const { schemaVersion: _, ...record } = JSON.parse(
      await datamonOk(home, ...uploadArgs(`${dir}/src`, "--json")),
    );
    const template = leafPaths(record).map((p) => `{{${p}}}`).join(" ");
    await datamonOk(home, ...uploadArgs(`${dir}/src`, "--format", template));
    const line = await datamonOk(
      home,
      ...uploadArgs(`${dir}/src`, "--format", "{{id}}|{{label}}"),
    );
    assertMatch(line, /^\w{27}\|\n$/);
  });
});

/** The dotted paths of every scalar in a JSON value. */
function leafPaths(value: unknown, prefix = ""): string[] {
  if (value === null || typeof value !== "object") return [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

Deno.test("every command that takes --format has its output fields declared", async () => {
  type Cmd = Awaited<ReturnType<typeof buildProgram>>;
  const withFormat: string[] = [];
  const visit = (cmd: Cmd) => {
    // lineage's --format picks tree, json or dot, and is checked by lineage itself.
    if (cmd.options.some((o) => o.long === "--format") && commandPath(cmd) !== "lineage") {
      withFormat.push(commandPath(cmd));
    }
    cmd.commands.forEach(visit);
  };
  visit(await buildProgram());
  assertEquals(withFormat.sort(), Object.keys(OUTPUT_FIELDS).sort());
});
