/** `datamon sidecar --params params.yaml`: the sidecar of a workflow step (see lib/sidecar/sidecar.ts). */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { decodeSidecarParams, type SidecarParams } from "../model/sidecar_params.ts";
import { joinOrStartRun } from "../meta/settings.ts";
import { runSidecar } from "../sidecar/sidecar.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  outputOptions,
  ownInterrupt,
} from "./common.ts";
import { type OutputFlags, printRecord, writeErr, writeOut } from "./output.ts";

async function readParams(path: string): Promise<SidecarParams> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new DatamonError("bad-path", `cannot read params file ${path}: ${(e as Error).message}`);
  }
  return decodeSidecarParams(text, `params file ${path}`);
}

/** Adds `datamon sidecar`. */
export function sidecarCommand(program: Command): void {
  outputOptions(contributorOptions(contextOptions(
    program.command("sidecar")
      .description(
        "run beside a workflow step: place its input bundles, signal ready, wait for the step, " +
          "upload its outputs as bundles (or splits of a diamond), signal done (or failed)",
      )
      .requiredOption(
        "--params <file>",
        "params.yaml: inputs, outputs (bundles or diamond splits), signals directory, timeouts",
      ),
  ))).action(async (
    flags: ContextFlags & OutputFlags & {
      params: string;
      name?: string;
      email?: string;
      skipAuth?: boolean;
    },
  ) => {
    const params = await readParams(flags.params);
    // The workflow's DATAMON_RUN_ID, else a new run: every bundle and record it writes names it.
    const id = joinOrStartRun();
    // SIGTERM (the pod ends) stops the wait, unmounts and signals failed: this command ends
    // itself, with no grace period cutting the cleanup short.
    ownInterrupt();
    const { settings, ctx } = await openContextFrom({
      ...flags,
      context: flags.context ?? params.context,
    });
    const contributor = await actorFrom(settings, ctx.metadata, flags);
    const result = await runSidecar(ctx, params, {
      runId: id,
      contributor,
      concurrency: settings.concurrency,
      cacheDir: `${settings.home}/cache/uploads`,
      signal: interrupt.signal,
      log: (line) => writeErr(`sidecar ${id}: ${line}`),
    });
    if (flags.json || flags.format !== undefined) {
      printRecord(result, flags);
    } else {
      // A split's id stands where a bundle's would: the commit step makes the bundle.
      for (const o of result.outputs) {
        writeOut(`${o.repo}\t${"split" in o ? o.split : o.bundle}\t${o.path}\n`);
      }
    }
  });
}
