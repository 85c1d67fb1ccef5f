/**
 * Shell completion, run in the real shells (bash, zsh, fish from apt): subcommands and options
 * from the command tree, and repo, label and context names asked of datamon on the PATH.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload, writeDatamonOnPath } from "../support/cli.ts";

/** Runs `script` in `shell` with the test's datamon first on PATH; its stdout lines. */
async function inShell(shell: string, bin: string, script: string): Promise<string[]> {
  const out = await new Deno.Command(shell, {
    args: ["-c", script],
    env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) throw new Error(`${shell} failed: ${new TextDecoder().decode(out.stderr)}`);
  return text.split("\n").filter((line) => line !== "");
}

/** The words bash's completion offers for `words`, the last one being completed. */
function bashOffers(bin: string, words: string[]): Promise<string[]> {
  const array = words.map((w) => `'${w}'`).join(" ");
  return inShell(
    "bash",
    bin,
    `eval "$(datamon completion bash)"; COMP_WORDS=(${array}); ` +
      `COMP_CWORD=${words.length - 1}; _datamon; printf '%s\\n' "\${COMPREPLY[@]}"`,
  );
}

/** What fish offers for the command line `line` (fish's own `complete -C`). */
function fishOffers(bin: string, line: string): Promise<string[]> {
  return inShell("fish", bin, `datamon completion fish | source; complete -C '${line}'`);
}

/** A home with repos "images" and "models", labels "prod" and "dev" on images. */
async function withNamedRepos(fn: (bin: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    for (const repo of ["images", "models"]) {
      await datamonOk(home, "repo", "create", "--repo", repo);
    }
    const id = await upload(home, "images", `${dir}/src`, "m");
    for (const label of ["prod", "dev"]) {
      await datamonOk(home, "label", "set", "--repo", "images", "--label", label, "--bundle", id);
    }
    await Deno.mkdir(`${dir}/bin`);
    await writeDatamonOnPath(`${dir}/bin`, home);
    await fn(`${dir}/bin`);
  });
}

Deno.test("bash completion offers subcommands, options, and the context's repo and label names", async () => {
  await withNamedRepos(async (bin) => {
    assertEquals((await bashOffers(bin, ["datamon", "bundle", "up"])).sort(), ["update", "upload"]);
    assertEquals(await bashOffers(bin, ["datamon", "bundle", "list", "--repo", ""]), [
      "images",
      "models",
    ]);
    assertEquals(await bashOffers(bin, ["datamon", "bundle", "list", "--repo", "m"]), ["models"]);
    assertEquals(
      await bashOffers(bin, ["datamon", "label", "get", "--repo", "images", "--label", ""]),
      ["dev", "prod"],
    );
    assertEquals(await bashOffers(bin, ["datamon", "repo", "list", "--context", ""]), ["local"]);
    assertEquals(
      await bashOffers(bin, ["datamon", "bundle", "list", "--repo", "images", "--js"]),
      ["--json"],
    );
  });
});

Deno.test("fish completion offers subcommands, options, and the context's repo and label names", async () => {
  await withNamedRepos(async (bin) => {
    assertEquals(await fishOffers(bin, "datamon bundle up"), ["update", "upload"]);
    assertEquals(await fishOffers(bin, "datamon bundle list --repo "), ["images", "models"]);
    assertEquals(await fishOffers(bin, "datamon label get --repo images --label "), [
      "dev",
      "prod",
    ]);
    assertEquals(await fishOffers(bin, "datamon repo list --context "), ["local"]);
  });
});

Deno.test("zsh loads the completion script through bashcompinit and completes with it", async () => {
  await withNamedRepos(async (bin) => {
    const offers = await inShell(
      "zsh",
      bin,
      // bashcompinit's compgen calls the function under `emulate sh`, as done here.
      `autoload -U compinit && compinit -u; eval "$(datamon completion zsh)"; ` +
        `offers() { emulate -L sh; setopt kshglob noshglob braceexpand; ` +
        `COMP_WORDS=(datamon bundle list --repo ''); COMP_CWORD=4; _datamon; ` +
        `printf '%s\\n' "\${COMPREPLY[@]}"; }; offers`,
    );
    assertEquals(offers, ["images", "models"]);
  });
});

Deno.test("completion of names offers nothing, and prints no error, when the context cannot be read", async () => {
  await withTempDir(async (home) => {
    const r = await datamon(home, "__complete", "repos", "--context", "nowhere");
    assertEquals([r.code, r.stdout, r.stderr], [0, "", ""]);
  });
});

Deno.test("completion for an unknown shell names the shells it knows", async () => {
  await withTempDir(async (home) => {
    const r = await datamon(home, "completion", "tcsh");
    assertEquals(r.code, 5);
    assertMatch(r.stderr, /bash, zsh or fish/);
  });
});
