/** `repo delete files`: a logged redaction that reads honour; bundle history stays auditable. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { exists, withTempDir, writeTree } from "../support/fixtures.ts";

/** Repo "r" with one bundle of a, b and sub/pii.csv; its id. */
async function bundleWithPii(home: string): Promise<string> {
  await writeTree(`${home}/src`, { "a": 3, "b": 4, "sub/pii.csv": "secret\n" });
  await datamonOk(home, "repo", "create", "--repo", "r");
  return await upload(home, "r", `${home}/src`, "m");
}

const names = (home: string, repo = "r") =>
  datamonOk(home, "bundle", "list", "files", "--repo", repo, "--format", "{{.Name}}");

Deno.test("repo delete files redacts a file: list files, download and download file leave it out", () =>
  withTempDir(async (home) => {
    const id = await bundleWithPii(home);
    const redact = ["repo", "delete", "files", "--repo", "r", "--file", "sub/pii.csv"];
    const unconfirmed = await datamon(home, ...redact);
    assertEquals(unconfirmed.code, 11);
    assertEquals(await names(home), "a\nb\nsub/pii.csv\n");
    const r = await datamon(home, ...redact, "--force-yes");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /^redacted 1 file from repo r \(record \w+\)/);
    const listed = await datamon(
      home,
      "bundle",
      "list",
      "files",
      "--repo",
      "r",
      "--format",
      "{{.Name}}",
    );
    assertEquals(listed.stdout, "a\nb\n");
    assertEquals(
      listed.stderr,
      "datamon: warning: left out 1 redacted file (datamon repo delete files)\n",
    );
    const download = await datamon(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${home}/out`,
    );
    assertEquals(download.code, 0, download.stderr);
    assertEquals(await exists(`${home}/out/sub/pii.csv`), false);
    assertEquals(await exists(`${home}/out/a`), true);
    assertMatch(download.stderr, /left out 1 redacted file/);
    const one = await datamon(
      home,
      ...[
        "bundle",
        "download",
        "file",
        "--repo",
        "r",
        "--file",
        "sub/pii.csv",
        "--destination",
        `${home}/one`,
      ],
    );
    assertEquals(one.code, 3);
    assertMatch(one.stderr, /file "sub\/pii.csv" was redacted from repo "r"/);
    // The bundle itself is as committed, and the redaction is in the write-ahead log.
    assertMatch(
      await datamonOk(home, "bundle", "get", "--repo", "r", "--format", "{{fileCount}}"),
      /^3\n$/,
    );
    const log = await datamonOk(
      home,
      "log",
      "--repo",
      "r",
      "--kind",
      "write",
      "--format",
      "{{operation}} {{key}}",
    );
    assertMatch(log, /^redact file redactions\/r\/\w+\.json$/m);
    assertEquals(
      (await datamonOk(home, "bundle", "list", "--repo", "r", "--format", "{{id}}")).trim(),
      id,
    );
  }));

Deno.test("repo delete files --files redacts each listed name; a later upload of the name is served", () =>
  withTempDir(async (home) => {
    await bundleWithPii(home);
    await Deno.writeTextFile(`${home}/list.txt`, "a\n\n/sub/pii.csv\n");
    await datamonOk(
      home,
      "repo",
      "delete",
      "files",
      "--repo",
      "r",
      "--files",
      `${home}/list.txt`,
      "--force-yes",
    );
    assertEquals(await names(home), "b\n");
    await upload(home, "r", `${home}/src`, "again");
    assertEquals(await names(home), "a\nb\nsub/pii.csv\n");
  }));

Deno.test("a renamed repo keeps its redactions; one created again under the name has none", () =>
  withTempDir(async (home) => {
    await bundleWithPii(home);
    await datamonOk(home, "repo", "delete", "files", "--repo", "r", "--file", "a", "--force-yes");
    await datamonOk(home, "repo", "rename", "r2", "--repo", "r");
    assertEquals(await names(home, "r2"), "b\nsub/pii.csv\n");
    await datamonOk(home, "repo", "delete", "--repo", "r2", "--force-yes");
    await datamonOk(home, "repo", "create", "--repo", "r2");
    await upload(home, "r2", `${home}/src`, "fresh");
    assertEquals(await names(home, "r2"), "a\nb\nsub/pii.csv\n");
  }));

Deno.test("repo delete files needs exactly one of --file and --files", () =>
  withTempDir(async (home) => {
    await bundleWithPii(home);
    const none = await datamon(home, "repo", "delete", "files", "--repo", "r", "--force-yes");
    assertEquals([none.code, none.stderr], [2, "datamon: give one of --file or --files\n"]);
  }));
