/**
 * Local files a user cannot read or write end a command with one line naming the path and
 * exit 18 (permission denied), never "internal error"; --skip-on-error skips and lists them.
 * Run as root, the CLI drops root's override of file permissions, so the denials are real.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamonOk, datamonWithoutOverride, upload, uploadArgs } from "../support/cli.ts";

/**
 * Uploads `dir`/src holding a.txt and `locked` (a file or a directory, made unreadable): the
 * upload fails naming it with exit 18; with --skip-on-error it is skipped and listed as
 * `shown`, and the bundle holds a.txt alone.
 */
async function assertUnreadableRefused(dir: string, locked: string, shown: string): Promise<void> {
  const home = `${dir}/home`;
  await datamonOk(home, "repo", "create", "--repo", "r");
  await Deno.chmod(`${dir}/src/${locked}`, 0o000);
  try {
    const failed = await datamonWithoutOverride(home, ...uploadArgs(`${dir}/src`, "-q"));
    assertEquals(failed.code, 18, failed.stderr);
    assertEquals(
      failed.stderr,
      `datamon: permission denied reading ${dir}/src/${locked}: ` +
        "change its permissions or run as a user who may read it\n",
    );
    const skipped = await datamonWithoutOverride(
      home,
      ...uploadArgs(`${dir}/src`, "-q", "--skip-on-error"),
    );
    assertEquals(skipped.code, 0, skipped.stderr);
    assertMatch(skipped.stderr, new RegExp(`skipped ${shown}: permission denied reading `));
  } finally {
    await Deno.chmod(`${dir}/src/${locked}`, 0o700);
  }
  const list = ["bundle", "list", "files", "--repo", "r", "--format", "{{name}}"];
  assertEquals(await datamonOk(home, ...list), "a.txt\n");
}

Deno.test("an unreadable file fails an upload naming it with exit 18, or is skipped and listed", async () => {
  await withTempDir(async (dir) => {
    await writeTree(`${dir}/src`, { "a.txt": "a", "secret.txt": "s" });
    await assertUnreadableRefused(dir, "secret.txt", "secret\\.txt");
  });
});

Deno.test("an unreadable directory fails an upload naming it with exit 18, or is skipped and listed", async () => {
  await withTempDir(async (dir) => {
    await writeTree(`${dir}/src`, { "a.txt": "a", "locked/b.txt": "b" });
    await assertUnreadableRefused(dir, "locked", "locked/");
  });
});

Deno.test("a download into a directory without write rights exits 18 naming the file", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    await Deno.mkdir(`${dir}/out`, { mode: 0o555 });
    await Deno.chmod(`${dir}/out`, 0o555);
    const r = await datamonWithoutOverride(
      home,
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
      "-q",
    );
    await Deno.chmod(`${dir}/out`, 0o755);
    assertEquals(r.code, 18, r.stderr);
    assertEquals(
      r.stderr,
      `datamon: permission denied writing ${dir}/out/a.txt: ` +
        "change its permissions or run as a user who may write it\n",
    );
  });
});
