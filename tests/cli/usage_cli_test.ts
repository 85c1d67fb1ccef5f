/** `datamon usage` writes the command reference; `datamon upgrade` answers in one line. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";

Deno.test("usage --target-dir writes one markdown page per command of the command tree", () =>
  withTempDir(async (home) => {
    await Deno.mkdir(`${home}/docs`);
    const r = await datamon(home, "usage", "--target-dir", `${home}/docs`);
    assertEquals(r.code, 0, r.stderr);
    const pages = (await Array.fromAsync(Deno.readDir(`${home}/docs`))).map((e) => e.name);
    for (
      const name of [
        "datamon.md",
        "datamon_repo_squash.md",
        "datamon_context_squash.md",
        "datamon_bundle_download_file.md",
        "datamon_usage.md",
        "datamon_upgrade.md",
      ]
    ) assert(pages.includes(name), `${name} in ${pages.join(" ")}`);
    assertEquals(r.stderr, `wrote ${pages.length} pages into ${home}/docs\n`);
    const squash = await Deno.readTextFile(`${home}/docs/datamon_repo_squash.md`);
    assertMatch(squash, /^## datamon repo squash\n/);
    assertMatch(squash, /--retain-n-latest <n>/);
    assertMatch(squash, /\* \[datamon repo\]\(datamon_repo\.md\): /);
    const missing = await datamon(home, "usage", "--target-dir", `${home}/nowhere`);
    assertEquals(missing.code, 6);
  }));

Deno.test("upgrade says in one line that a release binary replaces datamon", () =>
  withTempDir(async (home) => {
    const out = await datamonOk(home, "upgrade", "--check-version");
    assertMatch(out, /^datamon does not replace itself: download a release binary[^\n]*\n$/);
  }));
