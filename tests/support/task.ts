/** Runs the CLI through `deno task datamon`, as a user of the source tree does. */

const root = new URL("../..", import.meta.url).pathname;

/** Runs `deno task -q datamon ...args` in `cwd` with DATAMON_HOME `home` and more `env`. */
export async function datamonTask(
  cwd: string,
  home: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "--config", `${root}deno.json`, "datamon", ...args],
    cwd,
    // A fresh shell's environment: the suite itself runs under `deno task test`, whose INIT_CWD
    // an inner `deno task` keeps (as npm does) and would read as the caller's directory.
    env: {
      ...shellEnvironment(),
      DATAMON_HOME: home,
      DATAMON_CONFIG: `${home}/config.yaml`,
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

/** This process's environment without what an enclosing task runner set. */
function shellEnvironment(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.INIT_CWD;
  return env;
}
