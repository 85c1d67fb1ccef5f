/**
 * Runs the CLI as a user of the source tree does: through `deno task datamon`, or through the
 * launcher bin/datamon linked onto PATH.
 */

const root = new URL("../..", import.meta.url).pathname;

/** What a run printed and how it ended. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A way to run datamon from the source tree: `...args` in `cwd`, DATAMON_HOME `home`, more `env`. */
export type SourceRunner = (
  cwd: string,
  home: string,
  env: Record<string, string>,
  ...args: string[]
) => Promise<RunResult>;

/** Runs `deno task -q datamon ...args` in `cwd` with DATAMON_HOME `home` and more `env`. */
export const datamonTask: SourceRunner = (cwd, home, env, ...args) =>
  runAsUser(Deno.execPath(), ["task", "-q", "--config", `${root}deno.json`, "datamon", ...args], {
    cwd,
    home,
    env,
  });

/**
 * Runs bin/datamon as `datamon` found on PATH: `home`/bin/datamon is a relative symlink to a
 * symlink to the launcher, as `ln -s ~/src/datamon/bin/datamon ~/bin/datamon` makes.
 */
export const datamonLauncher: SourceRunner = async (cwd, home, env, ...args) => {
  await Deno.mkdir(`${home}/bin`, { recursive: true });
  await Deno.mkdir(`${home}/links`, { recursive: true });
  await Deno.symlink(`${root}bin/datamon`, `${home}/links/datamon`).catch(() => {});
  await Deno.symlink("../links/datamon", `${home}/bin/datamon`).catch(() => {});
  const deno = Deno.execPath().replace(/\/[^/]*$/, "");
  const path = `${home}/bin:${deno}:${Deno.env.get("PATH")}`;
  return await runAsUser("datamon", args, { cwd, home, env: { PATH: path, ...env } });
};

/** Runs `command args` in a fresh shell's environment with DATAMON_HOME `home` and more `env`. */
async function runAsUser(
  command: string,
  args: string[],
  { cwd, home, env }: { cwd: string; home: string; env: Record<string, string> },
): Promise<RunResult> {
  const out = await new Deno.Command(command, {
    args,
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
