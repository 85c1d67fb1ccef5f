/**
 * The sidecar of a workflow step (Argo, Kubernetes): it places the step's input bundles
 * (mounted or downloaded), signals `ready`, waits for the main step's `main-done`, uploads the
 * step's output directories as new bundles (or as splits of a diamond, one pod of a fan-out)
 * that name the inputs as their lineage, and signals `done`. Any failure is signalled as
 * `failed`, so the main step never waits forever.
 */
import { DatamonError } from "../errors.ts";
import type { BundleDoc, BundleRef, Contributor } from "../model/types.ts";
import type { Reader } from "../meta/audit.ts";
import type { BundleOutput, SidecarParams, SplitOutput } from "../model/sidecar_params.ts";
import type { Context } from "../meta/context.ts";
import { resolveBundle } from "../meta/bundles.ts";
import { downloadBundle } from "../core/download.ts";
import { type Mount, mountBundle } from "../mount/bundle_mount.ts";
import { DEFAULT_MOUNT_CACHE_BYTES, DEFAULT_MOUNT_PREFETCH } from "../mount/mount_defaults.ts";
import { uploadBundle, type UploadOptions } from "../core/upload.ts";
import { addSplit } from "../core/diamond_split.ts";
import { setLabel } from "../meta/labels.ts";
import { clearSignals, SIGNALS, waitForSignal, writeSignal } from "./signal_files.ts";
import { redactSecrets } from "../util/redact.ts";

export interface SidecarOptions {
  /** The run's id (DATAMON_RUN_ID), written into the signals. */
  runId: string;
  contributor: Contributor;
  concurrency: number;
  /** Directory of the upload cache, as for `bundle upload`. */
  cacheDir?: string;
  /** Aborted by SIGTERM/SIGINT: the sidecar stops, unmounts and signals `failed`. */
  signal?: AbortSignal;
  /** One line per step, for the sidecar's log. */
  log: (line: string) => void;
}

/** A bundle a run read, and where. */
export interface PlacedInput extends BundleRef {
  mode: "mount" | "download";
  path: string;
}

/** A bundle a run wrote. */
export interface UploadedBundle extends BundleRef {
  path: string;
  label?: string;
  files: number;
  bytes: number;
}

/** A split of a diamond a run wrote: its id stands where a bundle's would. */
export interface UploadedSplit {
  repo: string;
  diamond: string;
  split: string;
  path: string;
  files: number;
  bytes: number;
}

/** An output a run wrote. */
export type UploadedOutput = UploadedBundle | UploadedSplit;

/** What a finished run did: the content of its `done` signal. */
export interface SidecarResult {
  runId: string;
  inputs: PlacedInput[];
  outputs: UploadedOutput[];
}

/** Runs the whole protocol once; `failed` is signalled (and the error rethrown) on failure. */
export async function runSidecar(
  ctx: Context,
  params: SidecarParams,
  options: SidecarOptions,
): Promise<SidecarResult> {
  const dir = params.signals;
  await clearSignals(dir);
  const mounts: Mount[] = [];
  try {
    const inputs = await placeInputs(ctx, params, options, mounts);
    for (const output of params.outputs) await Deno.mkdir(output.path, { recursive: true });
    await writeSignal(dir, SIGNALS.ready, JSON.stringify({ runId: options.runId, inputs }));
    options.log(`ready: ${inputs.length} inputs in place; waiting for the main step`);
    const mainCode = (await waitForSignal(dir, SIGNALS.mainDone, {
      timeoutMs: params.mainTimeoutMs,
      signal: options.signal,
      what: `the main step's ${SIGNALS.mainDone} signal`,
    })).trim();
    if (mainCode !== "" && mainCode !== "0") {
      throw new DatamonError(
        "failed-step",
        `the main step failed (exit code ${mainCode}): no outputs were uploaded`,
      );
    }
    await unmountAll(mounts);
    const outputs = await uploadOutputs(ctx, params, options, inputs);
    const result = { runId: options.runId, inputs, outputs };
    await writeSignal(dir, SIGNALS.done, JSON.stringify(result));
    options.log(`done: ${outputs.length} outputs uploaded`);
    return result;
  } catch (e) {
    await unmountAll(mounts).catch(() => {});
    // The main step (and whoever reads the shared volume) sees the line: no credentials in it.
    const line = redactSecrets(((e as Error)?.message ?? String(e)).split("\n")[0]);
    await writeSignal(dir, SIGNALS.failed, line).catch(() => {});
    throw e;
  }
}

/** Resolves every input first (a missing bundle fails before anything is placed), then places each. */
async function placeInputs(
  ctx: Context,
  params: SidecarParams,
  options: SidecarOptions,
  mounts: Mount[],
): Promise<PlacedInput[]> {
  const docs: BundleDoc[] = [];
  for (const input of params.inputs) docs.push(await resolveBundle(ctx, input.repo, input));
  const placed: PlacedInput[] = [];
  // Each input is a read of the run: in the read log, and a lineage source of the outputs.
  const reader: Reader = { actor: options.contributor, run: options.runId };
  for (const [i, input] of params.inputs.entries()) {
    const doc = docs[i];
    if (options.signal?.aborted) {
      throw new DatamonError("interrupted", "stopped by a signal while placing the inputs");
    }
    if (input.mode === "mount") {
      await Deno.mkdir(input.path, { recursive: true });
      mounts.push(
        await mountBundle(ctx, doc, {
          mountPoint: input.path,
          cacheBytes: DEFAULT_MOUNT_CACHE_BYTES,
          prefetch: DEFAULT_MOUNT_PREFETCH,
          stream: true,
          concurrency: options.concurrency,
          signal: options.signal,
          reader,
        }),
      );
    } else {
      await downloadBundle(ctx, doc, {
        destination: input.path,
        concurrency: options.concurrency,
        signal: options.signal,
        reader,
      });
    }
    options.log(
      `${
        input.mode === "mount" ? "mounted" : "downloaded"
      } bundle ${doc.id} of repo ${doc.repo} at ${input.path}`,
    );
    placed.push({ repo: doc.repo, bundle: doc.id, mode: input.mode, path: input.path });
  }
  return placed;
}

async function unmountAll(mounts: Mount[]): Promise<void> {
  while (mounts.length > 0) {
    const mount = mounts.pop()!;
    await mount.unmount();
    await mount.done;
  }
}

/**
 * Uploads each output directory as a bundle, or adds it as a split of its diamond; either names
 * the run's inputs as its lineage.
 */
async function uploadOutputs(
  ctx: Context,
  params: SidecarParams,
  options: SidecarOptions,
  inputs: PlacedInput[],
): Promise<UploadedOutput[]> {
  const upload: OutputUpload = {
    contributor: options.contributor,
    concurrency: options.concurrency,
    cacheDir: options.cacheDir,
    inputs: inputs.map(({ repo, bundle }) => ({ repo, bundle })),
    run: options.runId,
    signal: options.signal,
  };
  const uploaded: UploadedOutput[] = [];
  for (const output of params.outputs) {
    uploaded.push(
      "diamond" in output
        ? await addOutputSplit(ctx, output, upload, options.log)
        : await uploadOutputBundle(ctx, output, upload, options.log),
    );
  }
  return uploaded;
}

/** How every output of a run is uploaded, bundle or split: as the run, from its inputs. */
type OutputUpload = Pick<
  UploadOptions,
  "contributor" | "concurrency" | "cacheDir" | "inputs" | "run" | "signal"
>;

/** Uploads one output directory as a new bundle, and labels it. */
async function uploadOutputBundle(
  ctx: Context,
  output: BundleOutput,
  upload: OutputUpload,
  log: (line: string) => void,
): Promise<UploadedBundle> {
  const { bundle } = await uploadBundle(ctx, {
    ...upload,
    repo: output.repo,
    path: output.path,
    message: output.message,
  });
  if (output.label) {
    await setLabel(ctx, output.repo, output.label, bundle.id, upload.contributor);
  }
  log(`uploaded ${output.path} to repo ${output.repo} as bundle ${bundle.id}`);
  return {
    repo: output.repo,
    bundle: bundle.id,
    path: output.path,
    ...(output.label ? { label: output.label } : {}),
    files: bundle.fileCount,
    bytes: bundle.totalSize,
  };
}

/** Adds one output directory as a split of its diamond (`diamond split add`). */
async function addOutputSplit(
  ctx: Context,
  output: SplitOutput,
  upload: OutputUpload,
  log: (line: string) => void,
): Promise<UploadedSplit> {
  const result = await addSplit(ctx, {
    ...upload,
    repo: output.repo,
    diamond: output.diamond,
    split: output.split,
    tag: output.splitTag,
    path: output.path,
  });
  log(
    `uploaded ${output.path} to repo ${output.repo} as split ${result.split} of diamond ` +
      output.diamond,
  );
  return {
    repo: output.repo,
    diamond: output.diamond,
    split: result.split,
    path: output.path,
    files: result.committed.fileCount,
    bytes: result.committed.totalSize,
  };
}
