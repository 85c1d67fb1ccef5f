/** `datamon completion bash|zsh`: a shell completion script built from the command tree. */
import type { Command, Option } from "commander";
import { DatamonError } from "../errors.ts";
import { writeOut } from "./output.ts";

/** Every command path with its options, e.g. ["bundle download file", ["--repo", ...]]. */
function commandTable(cmd: Command, path: string[] = []): [string, string[]][] {
  const rows: [string, string[]][] = [];
  const options = cmd.options.map((o: Option) => o.long).filter((o): o is string => !!o);
  const subs = cmd.commands.map((c) => c.name());
  rows.push([path.join(" "), [...subs, ...options, "--help"]]);
  for (const sub of cmd.commands) rows.push(...commandTable(sub, [...path, sub.name()]));
  return rows;
}

function bashScript(program: Command): string {
  const cases = commandTable(program)
    .map(([path, words]) => `    "${path}") words="${words.join(" ")}" ;;`)
    .join("\n");
  return `# datamon bash completion: eval "$(datamon completion bash)"
_datamon() {
  local cur path="" w words
  cur="\${COMP_WORDS[COMP_CWORD]}"
  for w in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case "$w" in -*) ;; *) [ -n "$path" ] && path="$path $w" || path="$w" ;; esac
  done
  while :; do
    case "$path" in
${cases}
    *) if [ "$path" = "\${path% *}" ]; then path=""; else path="\${path% *}"; fi; continue ;;
    esac
    break
  done
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -o default -F _datamon datamon
`;
}

/** `datamon completion bash|zsh`: a shell completion script. */
export function completionCommand(program: Command): void {
  program.command("completion")
    .description('print a shell completion script: eval "$(datamon completion bash)"')
    .argument("<shell>", "bash or zsh")
    .action((shell: string) => {
      if (shell === "bash") writeOut(bashScript(program));
      else if (shell === "zsh") {
        writeOut(`autoload -U +X bashcompinit && bashcompinit\n${bashScript(program)}`);
      } else {
        throw new DatamonError("invalid-argument", `unknown shell "${shell}": use bash or zsh`);
      }
    });
}
