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
    env: { DATAMON_HOME: home, DATAMON_CONFIG: `${home}/config.yaml`, NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}
