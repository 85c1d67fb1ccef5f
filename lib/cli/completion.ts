/**
 * `datamon completion bash|zsh|fish`: a shell completion script built from the command tree.
 * Subcommands and options come from the tree; the values of --repo, --label and --context are
 * asked of datamon itself at completion time (`datamon __complete KIND`), so that the names of
 * the context on the command line (or the current one) are offered.
 */
import type { Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import { listContexts } from "../meta/context.ts";
import { listLabels } from "../meta/labels.ts";
import { listRepos } from "../meta/repo.ts";
import { type ContextFlags, contextOptions, openContextFrom, settingsFrom } from "./common.ts";
import { writeOut } from "./output.ts";

/** The options whose values are names datamon can list, and what each lists. */
const NAME_OPTIONS = { "--repo": "repos", "--label": "labels", "--context": "contexts" } as const;

type NameKind = (typeof NAME_OPTIONS)[keyof typeof NAME_OPTIONS];

/**
 * The options that say which context (and repo) the names are asked of. The bash script also
 * runs in zsh (bashcompinit calls it under `emulate sh`, arrays from 0), so it keeps to what
 * both shells read alike, and avoids zsh's special names (`path` is zsh's PATH array).
 */
const SCOPE_OPTIONS = ["--context", "--config", "--repo"];

/** Every command path with the words that may follow it, e.g. ["bundle", ["upload", ...]]. */
function commandTable(cmd: Command, path: string[] = []): [string, string[]][] {
  const options = cmd.options.map((o: Option) => o.long).filter((o): o is string => !!o);
  const subs = cmd.commands.filter((c) => !isHidden(c)).map((c) => c.name());
  const rows: [string, string[]][] = [[path.join(" "), [...subs, ...options, "--help"]]];
  for (const sub of cmd.commands) {
    if (!isHidden(sub)) rows.push(...commandTable(sub, [...path, sub.name()]));
  }
  return rows;
}

/** Commander keeps a command's `hidden` flag private; its help leaves such commands out. */
function isHidden(cmd: Command): boolean {
  return (cmd as unknown as { _hidden?: boolean })._hidden === true;
}

/** The `case` arms of the bash script: each command path and its words. */
function bashCases(program: Command): string {
  return commandTable(program)
    .map(([path, words]) => `    "${path}") offers="${words.join(" ")}" ;;`)
    .join("\n");
}

/** The `case` arms mapping a name option to what `datamon __complete` lists. */
function nameCases(indent: string, shellCase: (option: string, kind: string) => string): string {
  return Object.entries(NAME_OPTIONS)
    .map(([option, kind]) => indent + shellCase(option, kind))
    .join("\n");
}

function bashScript(program: Command): string {
  const nameArms = nameCases(
    "    ",
    (option, kind) =>
      `${option}) offers="$(datamon __complete ${kind} \${scope[@]+"\${scope[@]}"} 2>/dev/null)" ;;`,
  );
  return `# datamon bash completion: eval "$(datamon completion bash)"
_datamon() {
  local cur prev cmd="" w offers scope=() i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i + 1 < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${SCOPE_OPTIONS.join("|")}) scope+=("\${COMP_WORDS[i]}" "\${COMP_WORDS[i+1]}") ;;
    esac
  done
  case "$prev" in
${nameArms}
    *)
      for ((i = 1; i < COMP_CWORD; i++)); do
        w="\${COMP_WORDS[i]}"
        case "$w" in -*) ;; *) [ -n "$cmd" ] && cmd="$cmd $w" || cmd="$w" ;; esac
      done
      while :; do
        case "$cmd" in
${bashCases(program).replaceAll("\n", "\n    ").replace(/^/, "    ")}
        *) if [ "$cmd" = "\${cmd% *}" ]; then cmd=""; else cmd="\${cmd% *}"; fi; continue ;;
        esac
        break
      done
      ;;
  esac
  local IFS=$'\\n'
  COMPREPLY=( $(IFS=$' \\n'; compgen -W "$offers" -- "$cur") )
}
complete -o default -F _datamon datamon
`;
}

function fishScript(program: Command): string {
  const cases = commandTable(program)
    .map(([path, words]) => `        case '${path}'\n            printf '%s\\n' ${words.join(" ")}`)
    .join("\n");
  return `# datamon fish completion: datamon completion fish | source
function __datamon_candidates
    set -l words (commandline -opc)
    set -e words[1]
    set -l scope
    for i in (seq (count $words))
        switch $words[$i]
            case ${SCOPE_OPTIONS.join(" ")}
                test $i -lt (count $words); and set -a scope $words[$i] $words[(math $i + 1)]
        end
    end
    switch "$words[-1]"
${
    nameCases("        ", (option, kind) =>
      `case ${option}\n            datamon __complete ${kind} $scope 2>/dev/null; return`)
  }
    end
    set -l path (string match -v -- '-*' $words)
    while true
        switch (string join ' ' $path)
${cases.replaceAll("\n", "\n    ")}
            case '*'
                set -e path[-1]
                continue
        end
        return
    end
end
complete -c datamon -f -a '(__datamon_candidates)'
`;
}

/** The names of `kind` in the context (and repo) the flags name. */
async function* namesOf(kind: NameKind, flags: ContextFlags & { repo?: string }) {
  if (kind === "contexts") {
    for await (const doc of listContexts(await settingsFrom(flags))) yield doc.name;
    return;
  }
  const { ctx } = await openContextFrom(flags);
  if (kind === "repos") {
    for await (const repo of listRepos(ctx)) yield repo.name;
  } else if (flags.repo) {
    for await (const label of listLabels(ctx, flags.repo)) yield label.name;
  }
}

/** `datamon completion bash|zsh|fish`, and the hidden `__complete` the scripts call. */
export function completionCommand(program: Command): void {
  program.command("completion")
    .description('print a shell completion script: eval "$(datamon completion bash)"')
    .argument("<shell>", "bash, zsh or fish")
    .action((shell: string) => {
      if (shell === "bash") writeOut(bashScript(program));
      else if (shell === "zsh") {
        writeOut(`autoload -U +X bashcompinit && bashcompinit\n${bashScript(program)}`);
      } else if (shell === "fish") writeOut(fishScript(program));
      else {
        throw new DatamonError(
          "invalid-argument",
          `unknown shell "${shell}": use bash, zsh or fish`,
        );
      }
    });
  contextOptions(
    program.command("__complete", { hidden: true })
      .argument("<kind>", Object.values(NAME_OPTIONS).join(", "))
      .option("--repo <name>", "the repo whose labels are listed"),
  ).action(async (kind: string, flags: ContextFlags & { repo?: string }) => {
    if (!Object.values(NAME_OPTIONS).includes(kind as NameKind)) return;
    try {
      for await (const name of namesOf(kind as NameKind, flags)) writeOut(`${name}\n`);
    } catch {
      // A completion offers nothing rather than print an error into the user's command line.
    }
  });
}
