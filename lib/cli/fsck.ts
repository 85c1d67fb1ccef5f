/** `datamon fsck`: are every bundle's file lists, objects and packs stored and sound. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { type Damage, emptyTotals, fsck } from "../core/fsck.ts";
import { getRepo } from "../meta/repo.ts";
import {
  type ContextFlags,
  contextOptions,
  openContextFrom,
  outputOptions,
  quietOption,
} from "./common.ts";
import { count, formatBytes, type OutputFlags, printRows, writeErr } from "./output.ts";
import { Progress } from "./progress.ts";
import { writeSummary } from "./verbosity.ts";

type Flags = ContextFlags & OutputFlags & {
  repo?: string;
  deep?: boolean;
  repair?: boolean;
  quiet?: boolean;
};

export function fsckCommand(program: Command): void {
  quietOption(outputOptions(contextOptions(
    program.command("fsck")
      .description(
        "check that every bundle's file lists, objects and packs are stored (--deep: and " +
          "re-hash every byte); lists each damaged file; exit 9 when anything is damaged",
      )
      .option("--repo <name>", "only this repo (default: every repo of the context)")
      .option("--deep", "read back every file and re-hash each leaf and packed file")
      .option(
        "--repair",
        "move back the missing objects a purge holds in quarantine (takes the purge lock)",
      ),
  ))).action(async (flags: Flags) => {
    const { settings, ctx } = await openContextFrom(flags);
    if (flags.repo !== undefined) await getRepo(ctx, flags.repo);
    const progress = new Progress("checking", {}, flags.quiet ?? false);
    const totals = emptyTotals();
    const damages = fsck(ctx, {
      repo: flags.repo,
      deep: flags.deep,
      repair: flags.repair,
      concurrency: settings.concurrency,
      onProgress: progress.add,
    }, totals);
    await printRows(damages, [
      { header: "REPO", value: (d: Damage) => d.repo },
      { header: "BUNDLE", value: (d: Damage) => d.bundle },
      {
        header: "PATH",
        value: (d: Damage) => d.path ?? (d.label ? `(label ${d.label})` : "(bundle metadata)"),
      },
      { header: "PROBLEM", value: (d: Damage) => d.problem },
    ], flags).finally(() => progress.done());
    if (totals.unverified > 0) {
      writeErr(
        `${
          count(totals.unverified, "bundle")
        } written before datamon recorded file-list checksums: their file lists are unverified`,
      );
    }
    const checked = `${count(totals.bundles, "bundle")}, ${count(totals.files, "file")} ` +
      `(${formatBytes(totals.bytes)})${flags.deep ? ", every byte re-hashed" : ""}`;
    if (totals.restoredObjects > 0) {
      writeErr(
        `restored ${count(totals.restoredObjects, "object")} from quarantine: ` +
          `${count(totals.restored, "damaged file is", "damaged files are")} whole again`,
      );
    }
    const damaged = totals.damaged - totals.restored;
    if (damaged > 0) {
      const quarantined = totals.quarantined - totals.restored;
      throw new DatamonError(
        "integrity",
        `fsck found ${
          count(damaged, "damaged file, bundle or label", "damaged files, bundles or labels")
        } ` +
          `in ${checked}: ` + (quarantined > 0
            ? `${quarantined} of them name objects a purge holds in quarantine: run ` +
              '"datamon fsck --repair" to move them back; restore the others'
            : "restore the objects named above") +
          " from a backup or upload them again",
      );
    }
    writeSummary(`checked ${checked}: ${totals.restored > 0 ? "no damage left" : "no damage"}`);
  });
}
