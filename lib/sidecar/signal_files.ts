/**
 * Signal files: how the sidecar and a workflow's main step, two containers that share only a
 * volume, tell each other where they are. Each signal is a small file, written atomically, so
 * its presence means its content is whole.
 */
import { DatamonError } from "../errors.ts";
import { writeFileAtomic } from "../util/atomic_file.ts";

/** The signal files of the sidecar protocol, in the order they appear. */
export const SIGNALS = {
  /** Sidecar: every input is in place; the main step may start. JSON: run id, inputs. */
  ready: "ready",
  /** Main step: it has finished; the text is its exit code. */
  mainDone: "main-done",
  /** Sidecar: every output is uploaded. JSON: run id, the new bundles. */
  done: "done",
  /** Sidecar: it failed; the text is one line saying why. */
  failed: "failed",
} as const;
export type SignalName = typeof SIGNALS[keyof typeof SIGNALS];

/** How often a wait looks for a signal file. */
const POLL_MS = 100;

/** Writes a signal file atomically: a temp file renamed into place. */
export async function writeSignal(dir: string, name: SignalName, text: string): Promise<void> {
  const line = text.endsWith("\n") ? text : `${text}\n`;
  await writeFileAtomic(`${dir}/${name}`, line, { tempPrefix: `.${name}.tmp-` });
}

/** Removes the signal files a previous run may have left, so none is mistaken for this run's. */
export async function clearSignals(dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of Object.values(SIGNALS)) {
    await Deno.remove(`${dir}/${name}`).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

/**
 * Waits until signal `name` appears and returns its text. Fails with "interrupted" when
 * `signal` aborts, and with "timeout" once `timeoutMs` has passed, so no wait lasts forever.
 */
export async function waitForSignal(
  dir: string,
  name: SignalName,
  options: { timeoutMs: number; signal?: AbortSignal; what: string },
): Promise<string> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      return await Deno.readTextFile(`${dir}/${name}`);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    if (options.signal?.aborted) {
      throw new DatamonError(
        "interrupted",
        `stopped by a signal while waiting for ${options.what}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new DatamonError(
        "timeout",
        `${options.what} did not come within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
