/**
 * The flags that say what an upload reads and how, shared by `bundle upload` and `diamond split
 * add` (one definition, so a split takes every flag an upload does), and what they become.
 */
import type { Command } from "commander";
import type { Context } from "../meta/context.ts";
import type { UploadOptions } from "../core/upload.ts";
import { resolveInput } from "../meta/lineage.ts";
import { parseByteSize } from "./common.ts";

/** The upload-source flags as commander parses them. */
export interface UploadSourceFlags {
  leafSize?: string;
  files?: string;
  skipOnError?: boolean;
  followSymlinks?: boolean;
  input?: string[];
  exclude?: string[];
  cache: boolean;
}

/** The upload options the upload-source flags set. */
type UploadSourceOption =
  | "inputs"
  | "leafSize"
  | "files"
  | "skipOnError"
  | "followSymlinks"
  | "exclude"
  | "cacheDir";

/** A repeatable flag's values, in the order given. */
const repeatable = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the upload-source flags to `command`: leaf size, file list, errors, links, lineage. */
export function uploadSourceOptions(command: Command): Command {
  return command
    .option("--leaf-size <size>", "bytes per leaf, e.g. 2M (default 2M)")
    .option("--files <list>", "upload only the files this text file names, one per line")
    .option("--skip-on-error", "skip files that cannot be read, and list them at the end")
    .option(
      "--follow-symlinks",
      "store what symlinks to files point to, not the links (default: keep links as links)",
    )
    .option(
      "--input <bundle>",
      "a bundle this one is made from, REPO@BUNDLE or REPO:LABEL (repeatable): lineage",
      repeatable,
    )
    .option(
      "--exclude <glob>",
      "leave out what this gitignore-style glob matches (repeatable); " +
        "<path>/.datamonignore adds its own",
      repeatable,
    )
    .option(
      "--no-cache",
      "read and hash every file, even those unchanged since the last upload of this path",
    );
}

/** The upload options the upload-source flags give; `home` holds the upload cache. */
export async function uploadSourceSettings(
  ctx: Context,
  flags: UploadSourceFlags,
  home: string,
): Promise<Pick<UploadOptions, UploadSourceOption>> {
  const inputs = [];
  for (const input of flags.input ?? []) inputs.push(await resolveInput(ctx, input));
  return {
    inputs,
    leafSize: flags.leafSize ? parseByteSize(flags.leafSize, "--leaf-size") : undefined,
    files: flags.files,
    skipOnError: flags.skipOnError,
    followSymlinks: flags.followSymlinks,
    exclude: flags.exclude,
    cacheDir: flags.cache ? `${home}/cache/uploads` : undefined,
  };
}
