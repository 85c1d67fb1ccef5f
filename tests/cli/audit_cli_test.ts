/** End-to-end: the write-ahead log, the read log and `datamon log`, on every backend. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { backendTest } from "../support/backends.ts";

interface LogRow {
  kind: "write" | "read";
  id: string;
  operation?: string;
  method?: string;
  selection?: string;
  target?: string;
  key?: string;
  bundle?: string;
  host?: string;
  actor: { name: string; email: string; identity?: string };
}

async function auditLog(home: string, ...flags: string[]): Promise<LogRow[]> {
  return JSON.parse(await datamonOk(home, "log", "--repo", "r", "--json", ...flags));
}

backendTest(
  "repo create, upload, label, download and download file each append their record, newest first",
  async (dir, home) => {
    await writeTree(`${dir}/src`, { "a.txt": "a", "big.bin": 200_000 });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K", "--label", "p");
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
    await datamonOk(
      home,
      ...["bundle", "download", "--repo", "r", "--destination", `${dir}/f`, "--name-filter", "a"],
    );
    await datamonOk(
      home,
      ...["bundle", "download", "file", "--repo", "r", "--file", "a.txt", "--destination"],
      `${dir}/one`,
    );
    const rows = await auditLog(home);
    const shown = rows.map((r) => r.kind === "write" ? r.operation : `${r.method} ${r.selection}`);
    assertEquals(shown, [
      "download file file",
      "download filter",
      "download all",
      "set label",
      "commit bundle",
      "write file list",
      "start upload",
      "create repo",
    ]);
    assertEquals(rows.map((r) => r.id), rows.map((r) => r.id).sort().reverse(), "newest first");
    assertEquals(rows[0].target, "a.txt");
    assertEquals(rows[1].target, "a");
    assert(rows.slice(0, 7).every((r) => r.bundle === id), "every record names the bundle");
    assertEquals(rows[4].key, `bundles/r/${id}/bundle.yaml`);
    assert(rows.every((r) => r.actor.email === "test@example.com"));
    assert(rows.slice(0, 3).every((r) => typeof r.host === "string" && r.host !== ""));
    assertEquals((await auditLog(home, "--kind", "read")).length, 3);
    assertEquals((await auditLog(home, "--kind", "write", "--limit", "2")).length, 2);
  },
);

Deno.test("a failed upload leaves its start and file list records in the log and no commit record", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    const names: string[] = [];
    for (let i = 0; i < 1100; i++) {
      const name = `f${String(i).padStart(4, "0")}.txt`;
      files[name] = `${i}`;
      names.push(name);
    }
    await writeTree(`${dir}/src`, files);
    await Deno.writeTextFile(`${dir}/list`, [...names, "zz-missing.txt"].join("\n"));
    await datamonOk(home, "repo", "create", "--repo", "r");
    const r = await datamon(
      home,
      ...["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m"],
      ...["--files", `${dir}/list`],
    );
    assertEquals(r.code, 6, r.stderr);
    const operations = (await auditLog(home)).map((row) => row.operation);
    assertEquals(operations, ["write file list", "start upload", "create repo"]);
    const bundles = JSON.parse(await datamonOk(home, "bundle", "list", "--repo", "r", "--json"));
    assertEquals(bundles, []);
  });
});

Deno.test("log pages with --limit and --before, filters by --bundle and --since, and checks its flags", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const first = await upload(home, "r", `${dir}/src`, "one");
    await upload(home, "r", `${dir}/src`, "two");
    const all = await auditLog(home);
    const page = await datamon(home, "log", "--repo", "r", "--json", "--limit", "3");
    assertMatch(page.stderr, new RegExp(`--before ${all[2].id}`));
    const next = await auditLog(home, "--limit", "3", "--before", all[2].id);
    assertEquals(next.map((r) => r.id), all.slice(3, 6).map((r) => r.id));
    const ofFirst = await auditLog(home, "--bundle", first);
    assertEquals(ofFirst.map((r) => r.operation), [
      "commit bundle",
      "write file list",
      "start upload",
    ]);
    assertEquals(await auditLog(home, "--since", "2150-01-01T00:00:00Z"), []);
    assertEquals((await auditLog(home, "--since", "1h")).length, all.length);
    assertEquals((await datamon(home, "log", "--repo", "r", "--kind", "other")).code, 2);
    assertEquals((await datamon(home, "log", "--repo", "r", "--since", "yesterday")).code, 5);
    assertEquals((await datamon(home, "log", "--repo", "nope")).code, 3);
  });
});

Deno.test("repo rename and delete are written ahead to the log of each name", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await datamonOk(home, "repo", "rename", "s", "--repo", "r");
    await datamonOk(home, "repo", "delete", "--repo", "s", "--force-yes");
    await datamonOk(home, "repo", "create", "--repo", "r");
    const rows = await auditLog(home);
    assertEquals(rows.map((r) => r.operation), ["create repo", "delete repo", "create repo"]);
    await datamonOk(home, "repo", "create", "--repo", "s");
    const s = JSON.parse(await datamonOk(home, "log", "--repo", "s", "--json")) as LogRow[];
    assertEquals(s.map((r) => r.operation), ["create repo", "delete repo", "rename repo"]);
  });
});
