/** bin/datamon, the source tree's launcher, run as a user runs it: through a symlink on PATH. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";

const launcher = new URL("../../bin/datamon", import.meta.url).pathname;

/**
 * Runs `datamon ...args` found on PATH in `dir`/bin, a symlink to a symlink to bin/datamon (as
 * `ln -s ~/src/datamon/bin/datamon ~/bin/datamon` makes), from `cwd`, with DATAMON_HOME `home`.
 */
async function viaSymlink(
  dir: string,
  cwd: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  await Deno.mkdir(`${dir}/bin`, { recursive: true });
  await Deno.mkdir(`${dir}/links`, { recursive: true });
  await Deno.symlink(launcher, `${dir}/links/datamon`).catch(() => {});
  await Deno.symlink("../links/datamon", `${dir}/bin/datamon`).catch(() => {});
  const deno = Deno.execPath().replace(/\/[^/]*$/, "");
  const out = await new Deno.Command("datamon", {
    args,
    cwd,
    env: {
      PATH: `${dir}/bin:${deno}:/usr/bin:/bin`,
      HOME: Deno.env.get("HOME") ?? dir,
      DATAMON_HOME: `${dir}/home`,
      DATAMON_CONFIG: `${dir}/home/config.yaml`,
      NO_COLOR: "1",
      ...env,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

Deno.test("bin/datamon through a symlink prints only datamon's output: no Task line, no registry request", () =>
  withTempDir(async (dir) => {
    // An empty Deno cache and an unreachable proxy: a registry request would fail or print.
    const env = { DENO_DIR: `${dir}/deno`, HTTPS_PROXY: "http://127.0.0.1:9" };
    const r = await viaSymlink(dir, dir, env, "version");
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /^datamon /);
    assertEquals(r.stderr, "");
  }));

Deno.test("bin/datamon reads relative paths from the caller's directory, whatever a task runner set", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/work`);
    // A directory an enclosing `deno task datamon` would pass on: the launcher keeps its own cwd.
    const env = { DATAMON_CALLER_DIR: "/" };
    const create = await viaSymlink(dir, `${dir}/work`, env, ...[
      "context",
      "create",
      "--context",
      "here",
      "--store",
      "./stores",
    ]);
    assertEquals(create.code, 0, create.stderr);
    const get = await viaSymlink(dir, `${dir}/work`, env, "context", "get", "--context", "here");
    assertEquals(get.code, 0, get.stderr);
    assertMatch(get.stdout, new RegExp(`file://${dir}/work/stores/blob`));
  }));
