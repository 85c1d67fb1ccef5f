/** `datamon version`: version, Deno version and build of the program under test. */
import { assert, assertEquals } from "../support/assert.ts";
import { datamonOk, TEST_TARGET } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";
import { VERSION } from "../../lib/version.ts";

Deno.test("version reports datamon's version, the Deno it runs on and how it was built", () =>
  withTempDir(async (home) => {
    const info = JSON.parse(await datamonOk(home, "version", "--json"));
    assertEquals(info.version, VERSION);
    assertEquals(info.deno, Deno.version.deno);
    assertEquals(info.buildKind, TEST_TARGET);
    if (TEST_TARGET === "source") assertEquals(info.build, "source");
    else assert(info.build !== "source" && info.build !== "", "the bundle carries its build");
    const line = await datamonOk(home, "version");
    assert(line.startsWith(`datamon ${VERSION} (build ${info.build}, ${TEST_TARGET}; deno `), line);
  }));
