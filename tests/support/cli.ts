/**
 * Runs the datamon CLI as a subprocess, as a user would, with the program's scoped permissions.
 * DATAMON_TEST_TARGET=bundle runs dist/datamon.js (built by scripts/test.sh) instead of main.ts,
 * so that a permission or an asset the bundle lacks fails the end-to-end tests.
 */

/** What the tests run: the source tree's main.ts or the bundle. */
export const TEST_TARGET = Deno.env.get("DATAMON_TEST_TARGET") === "bundle" ? "bundle" : "source";

/** The path of what the tests run (main.ts, or the bundle). */
export const program = new URL(
  TEST_TARGET === "bundle" ? "../../dist/datamon.js" : "../../main.ts",
  import.meta.url,
).pathname;

/** The permission flags of scripts/permissions.txt, with `{self}` standing for `self`. */
export function programPermissions(self: string): string[] {
  const text = Deno.readTextFileSync(new URL("../../scripts/permissions.txt", import.meta.url));
  return text.split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((flag) => flag.replaceAll("{self}", self));
}

/**
 * The permissions `deno task datamon` and the compiled binary use; the running deno is named
 * by its path (`bundle mount --daemonize` runs it again), which is what the task's `deno` means.
 */
export const CLI_PERMISSIONS = programPermissions(Deno.execPath());

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The command `datamon ...args` with DATAMON_HOME set to `home`, stdin closed, output piped. */
export function datamonCommand(home: string, ...args: string[]): Deno.Command {
  return datamonCommandWith(home, {}, ...args);
}

/** datamonCommand with more environment variables (DATAMON_RUN_ID, AWS_ENDPOINT_URL_STS). */
export function datamonCommandWith(
  home: string,
  env: Record<string, string>,
  ...args: string[]
): Deno.Command {
  return cliCommand([], home, env, args);
}

/** The CLI's command, run by the `wrapper` command line when one is given. */
function cliCommand(
  wrapper: string[],
  home: string,
  env: Record<string, string>,
  args: string[],
): Deno.Command {
  const deno = [Deno.execPath(), "run", "--quiet", ...CLI_PERMISSIONS, program, ...args];
  const [command, ...commandArgs] = [...wrapper, ...deno];
  return new Deno.Command(command, {
    args: commandArgs,
    env: {
      DATAMON_HOME: home,
      DATAMON_CONFIG: `${home}/config.yaml`,
      NO_COLOR: "1",
      DATAMON_NAME: "Test User",
      DATAMON_EMAIL: "test@example.com",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** How a finished CLI run ended. */
function outcome(out: Deno.CommandOutput): CliResult {
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/**
 * Runs `datamon ...args` subject to file permissions even as root: root's capabilities to
 * override them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH) are dropped with setpriv, so that a
 * chmod 000 file is unreadable for real.
 */
export function datamonWithoutOverride(home: string, ...args: string[]): Promise<CliResult> {
  const drop = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"];
  return datamonUnder(Deno.uid() === 0 ? drop : [], home, ...args);
}

/** Runs `datamon ...args` as the last arguments of the `wrapper` command line. */
export async function datamonUnder(
  wrapper: string[],
  home: string,
  ...args: string[]
): Promise<CliResult> {
  return outcome(await cliCommand(wrapper, home, {}, args).output());
}

/** Runs `datamon ...args` with DATAMON_HOME set to `home` and returns how it ended. */
export function datamon(home: string, ...args: string[]): Promise<CliResult> {
  return datamonWith(home, {}, ...args);
}

/** Runs `datamon ...args` with more environment variables and returns how it ended. */
export async function datamonWith(
  home: string,
  env: Record<string, string>,
  ...args: string[]
): Promise<CliResult> {
  return outcome(await datamonCommandWith(home, env, ...args).output());
}

/** Like datamon() but fails the test with the output when the exit code is not 0. */
export async function datamonOk(home: string, ...args: string[]): Promise<string> {
  const r = await datamon(home, ...args);
  if (r.code !== 0) {
    throw new Error(`datamon ${args.join(" ")} exited ${r.code}\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** Arguments of `datamon bundle upload` of `path` to repo "r" with message "m", then `flags`. */
export function uploadArgs(path: string, ...flags: string[]): string[] {
  return ["bundle", "upload", "--repo", "r", "--path", path, "--message", "m", ...flags];
}

/** `datamon bundle upload` of `path` to `repo` with `message` (and more flags); the new id. */
export async function upload(
  home: string,
  repo: string,
  path: string,
  message: string,
  ...flags: string[]
): Promise<string> {
  const args = ["bundle", "upload", "--repo", repo, "--path", path, "--message", message];
  return (await datamonOk(home, ...args, ...flags)).trim();
}

/**
 * Writes an executable `datamon` into `dir` that runs the program under test with DATAMON_HOME
 * `home`, for tests where a shell (not the test) runs datamon, found on PATH.
 */
export async function writeDatamonOnPath(dir: string, home: string): Promise<void> {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = [Deno.execPath(), "run", "--quiet", ...CLI_PERMISSIONS, program];
  await Deno.writeTextFile(
    `${dir}/datamon`,
    `#!/bin/sh\nDATAMON_HOME=${quote(home)} DATAMON_CONFIG=${quote(`${home}/config.yaml`)} ` +
      `NO_COLOR=1 exec ${command.map(quote).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
}
