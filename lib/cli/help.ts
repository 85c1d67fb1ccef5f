/**
 * The conventions every command's help and flags follow: a command's own options first and the
 * shared ones under "Global options:", required options marked, examples at the end, and global
 * options accepted before the subcommand (`datamon --context X repo list`).
 */
import { type Command, Help, type Option } from "commander";
import { DatamonError } from "../errors.ts";
import { EXAMPLES } from "./examples.ts";
import { commandPath, GLOBAL_OPTIONS_HEADING } from "./common.ts";

/** True for an option every command that has it shares (listed under the global heading). */
function isGlobal(option: Option): boolean {
  return option.helpGroupHeading === GLOBAL_OPTIONS_HEADING;
}

/**
 * Help that lists a command's own options before the global ones, and marks a required option
 * as such whatever its description says.
 */
class DatamonHelp extends Help {
  override groupItems<T extends Command | Option>(
    unsortedItems: T[],
    visibleItems: T[],
    getGroup: (item: T) => string,
  ): Map<string, T[]> {
    const groups = super.groupItems(unsortedItems, visibleItems, getGroup);
    const shared = groups.get(GLOBAL_OPTIONS_HEADING);
    if (shared === undefined) return groups;
    groups.delete(GLOBAL_OPTIONS_HEADING);
    return groups.set(GLOBAL_OPTIONS_HEADING, shared);
  }

  override optionDescription(option: Option): string {
    const text = super.optionDescription(option);
    return option.mandatory && !text.includes("(required)") ? `${text} (required)` : text;
  }
}

/** The help text after the options: the command's examples, if it has any. */
export function examplesText(cmd: Command): string {
  const examples = EXAMPLES[commandPath(cmd)];
  if (!examples) return "";
  const lines = examples.map(([line, what]) => `  $ ${line}\n      ${what}`);
  return `\nExamples:\n${lines.join("\n")}\n`;
}

/** Applies the help conventions to `cmd` (not to its subcommands). */
export function applyHelpConventions(cmd: Command): void {
  cmd.createHelp = () => Object.assign(new DatamonHelp(), cmd.configureHelp());
  const examples = examplesText(cmd);
  if (examples) cmd.addHelpText("after", examples);
}

/**
 * Gives the command about to run the global options given before its name: one it takes as a
 * global option (and was not also given after its name) gets the value; one it does not take
 * is a usage error, never silently ignored.
 */
export function inheritGlobalOptions(program: Command, action: Command): void {
  if (action === program) return;
  for (const option of program.options) {
    const key = option.attributeName();
    if (program.getOptionValueSource(key) !== "cli") continue;
    const target = action.options.find((o) => o.attributeName() === key && isGlobal(o));
    if (!target) {
      throw new DatamonError(
        "usage",
        `${option.long} does not apply to "datamon ${commandPath(action)}": see its --help`,
      );
    }
    if (action.getOptionValueSource(key) === "cli") continue;
    action.setOptionValueWithSource(key, program.getOptionValue(key), "cli");
  }
}

/**
 * `help bundle upload` as `bundle upload --help`: commander's help command reaches one level
 * down only (and says so of an unknown command, so `help NAME` stays its own).
 */
export function helpArgs(args: string[]): string[] {
  return args[0] === "help" && args.length > 2 ? [...args.slice(1), "--help"] : args;
}
