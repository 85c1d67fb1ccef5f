/** `datamon sidecar --params params.yaml`: the sidecar of a workflow step (see lib/core/sidecar.ts). */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { decodeSidecarParams, type SidecarParams } from "../model/sidecar_params.ts";
import { isKsuid, newKsuid } from "../model/ksuid.ts";
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

/** The variable that names a run; every bundle and record a run writes carries it. */
export const RUN_ID_VARIABLE = "DATAMON_RUN_ID";

async function readParams(path: string): Promise<SidecarParams> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new DatamonError("bad-path", `cannot read params file ${path}: ${(e as Error).message}`);
  }
  return decodeSidecarParams(text, `params file ${path}`);
}

/**
 * The run's id: DATAMON_RUN_ID when the workflow set one, else a new ksuid, set in this
 * process's environment so that whatever records the run's writes finds it.
 */
function runId(): string {
  const given = Deno.env.get(RUN_ID_VARIABLE);
  if (given !== undefined && given !== "") {
    if (!isKsuid(given)) {
      throw new DatamonError("invalid-argument", `${RUN_ID_VARIABLE} "${given}" is not a ksuid`);
    }
    return given;
  }
  const id = newKsuid();
  Deno.env.set(RUN_ID_VARIABLE, id);
  return id;
}

/** Adds `datamon sidecar`. */
export function sidecarCommand(program: Command): void {
  outputOptions(contributorOptions(contextOptions(
    program.command("sidecar")
      .description(
        "run beside a workflow step: place its input bundles, signal ready, wait for the step, " +
          "upload its outputs as bundles, signal done (or failed)",
      )
      .requiredOption(
        "--params <file>",
        "params.yaml: inputs, outputs, signals directory, timeouts",
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
    const id = runId();
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
      for (const o of result.outputs) writeOut(`${o.repo}\t${o.bundle}\t${o.path}\n`);
    }
  });
}
