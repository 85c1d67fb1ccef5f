/**
 * `datamon bundle ...`: the group, and its subcommands in the order help lists them. Each
 * subcommand is built in a file of its own kind: upload, download (and update), read, mount.
 */
import type { Command } from "commander";
import { uploadCommand } from "./bundle_upload.ts";
import { downloadCommand, downloadFileCommand, updateCommand } from "./bundle_download.ts";
import { diffCommand, getCommand, listCommand, listFilesCommand } from "./bundle_read.ts";
import { mountCommands } from "./mount.ts";

/** Adds `bundle` and every subcommand under it. */
export function bundleCommands(program: Command): void {
  const bundle = program.command("bundle").description("upload, download and inspect bundles")
    .enablePositionalOptions();
  uploadCommand(bundle);
  downloadFileCommand(downloadCommand(bundle));
  listFilesCommand(listCommand(bundle));
  getCommand(bundle);
  diffCommand(bundle);
  updateCommand(bundle);
  mountCommands(bundle);
}
