/** The build scripts: one list of the program's permissions, and compile's offline message. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { programPermissions } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";
import { V8_FLAGS } from "../../lib/cli/daemonize.ts";

const root = new URL("../..", import.meta.url).pathname;

Deno.test("deno.json's datamon task runs main.ts with the permissions of scripts/permissions.txt", async () => {
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  assertEquals(
    config.tasks.datamon,
    [
      'DATAMON_CALLER_DIR="$INIT_CWD" deno run --cached-only',
      ...programPermissions("deno"),
      "main.ts",
    ].join(" "),
  );
});

Deno.test("a mount run again under deno by --daemonize gets the V8 flag of scripts/permissions.txt", () => {
  assertEquals(programPermissions("deno").filter((flag) => flag.startsWith("--v8-flags")), [
    V8_FLAGS,
  ]);
});

/** True when a .js file of the bundle in `dir` carries a build stamp other than "source". */
async function bundleIsStamped(dir: string): Promise<boolean> {
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".js")) continue;
    const text = await Deno.readTextFile(`${dir}/${entry.name}`);
    if (text.includes('"datamon-build:') && !text.includes('"datamon-build:source"')) return true;
  }
  return false;
}

/** Runs scripts/bundle.sh into `dir`: exit code and stderr. */
async function bundle(dir: string): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/bundle.sh`],
    env: { DATAMON_DIST: dir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("the bundle is datamon.js and its chunks; a rebuild removes the previous build's files and no others", () =>
  withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/chunk-STALE.js`, "");
    await Deno.writeTextFile(`${dir}/notes.txt`, "");
    await Deno.writeTextFile(`${dir}/.datamon-bundle-files`, "chunk-STALE.js\n");
    const { code, stderr } = await bundle(dir);
    assertEquals(code, 0, stderr);
    const names = new Set<string>();
    for await (const entry of Deno.readDir(dir)) names.add(entry.name);
    assert(!names.has("chunk-STALE.js"), "the previous build's chunk was left");
    assert(names.has("notes.txt"), "a file the bundle did not write was removed");
    const listed = (await Deno.readTextFile(`${dir}/.datamon-bundle-files`)).trim().split("\n");
    assert(listed.includes("datamon.js") && listed.length > 10, listed.join(" "));
    for (const name of listed) assert(names.has(name), `${name} is listed but missing`);
    assert(await bundleIsStamped(dir), "the bundle carries no build stamp");
  }));

/** Runs scripts/compile.sh with `env` (the whole environment when `clearEnv`): exit code and stderr lines. */
async function compile(
  env: Record<string, string>,
  clearEnv = false,
): Promise<{ code: number; stderr: string[] }> {
  const out = await new Deno.Command("bash", {
    args: [`${root}scripts/compile.sh`],
    env,
    clearEnv,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim().split("\n") };
}

Deno.test("compile without DENORT_BIN and without network says plainly that denort could not be downloaded", () =>
  withTempDir(async (dir) => {
    const env: Record<string, string> = {
      ...Deno.env.toObject(),
      DATAMON_DIST: dir,
      HTTPS_PROXY: "http://127.0.0.1:9",
    };
    delete env.DENORT_BIN;
    const { code, stderr } = await compile(env, true);
    assertEquals(code, 1);
    assertEquals(stderr.length, 1, stderr.join("\n"));
    assertMatch(stderr[0], /^compile: could not download denort .*set DENORT_BIN=/);
    assert(await bundleIsStamped(dir), "the bundle was built before compiling");
  }));

Deno.test("compile with a DENORT_BIN that is not executable says so", async () => {
  const { code, stderr } = await compile({ DENORT_BIN: "/nonexistent/denort" });
  assertEquals(code, 1);
  assertEquals(stderr, [
    "compile: DENORT_BIN=/nonexistent/denort is not an executable denort binary",
  ]);
});

Deno.test("compile with a full deno as DENORT_BIN refuses it in one line and leaves no binary", () =>
  withTempDir(async (dir) => {
    const { code, stderr } = await compile({ DENORT_BIN: Deno.execPath(), DATAMON_DIST: dir });
    assertEquals(code, 1);
    assertEquals(stderr.length, 1, stderr.join("\n"));
    assertMatch(stderr[0], /^compile: DENORT_BIN=.* is a full deno, not denort: .*set DENORT_BIN/);
    const left = [];
    for await (const entry of Deno.readDir(dir)) left.push(entry.name);
    // Only the bundle is left: its entry, its chunks and their list.
    assertEquals(left.filter((name) => !name.endsWith(".js")), [".datamon-bundle-files"]);
    assert(left.includes("datamon.js"), left.join(" "));
  }));
