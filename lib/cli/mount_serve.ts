/**
 * The process side of a mount command: serving a mount here or in a daemon child until it is
 * unmounted, with its status file saying when it is ready and how it ended; and `bundle
 * unmount`, which waits on that file for the outcome.
 */
import type { Command } from "commander";
import { DatamonError, type ErrorKind, EXIT_CODES } from "../errors.ts";
import type { Mount } from "../mount/bundle_mount.ts";
import { absoluteMountPath, prepareMountPoint, unmount } from "../mount/mount_point.ts";
import {
  type ContextFlags,
  interrupt,
  openContextFrom,
  ownInterrupt,
  settingsFrom,
} from "./common.ts";
import { writeErr, writeOut } from "./output.ts";
import { daemonize } from "./daemonize.ts";
import {
  type MountOutcome,
  MountStatus,
  mountStatusPath,
  readMountState,
  waitForOutcome,
} from "./mount_status.ts";

/** Flags of a command that serves a mount. */
export type ServeFlags = ContextFlags & { daemonize?: boolean };

/** --daemonize: serve the mount from a background process. */
export function daemonizeOption(cmd: Command): Command {
  return cmd.option("--daemonize", "run in the background; return once the mount is ready");
}

/** What a mount command sets up: the mount, its ready line, and what ends it. */
export interface Serving {
  mounted: Mount;
  ready: string;
  /** Runs once the mount is gone (a mutable mount commits here); what to print. */
  finish(): Promise<MountOutcome>;
}

/**
 * Runs a mount command: in a daemon child when --daemonize, else here until the mount is
 * unmounted (SIGINT/SIGTERM or `bundle unmount`), recording readiness and the outcome in the
 * mount's status file either way.
 */
export async function serve(
  flags: ServeFlags,
  dir: string,
  start: (opened: Awaited<ReturnType<typeof openContextFrom>>) => Promise<Serving>,
): Promise<void> {
  const settings = await settingsFrom(flags);
  // Checked before the status file is touched: a live mount's file belongs to its process.
  const { path } = await prepareMountPoint(dir);
  const statusPath = mountStatusPath(settings.home, path);
  if (flags.daemonize) {
    const state = await daemonize(statusPath);
    if (state.done) return report(state.done);
    writeErr(`mounted ${dir} in the background; unmount with "datamon bundle unmount ${dir}"`);
    return;
  }
  ownInterrupt();
  const status = await MountStatus.create(statusPath);
  let outcome: MountOutcome;
  try {
    const serving = await start(await openContextFrom(flags));
    await status.ready();
    writeErr(`${serving.ready}; Ctrl-C or "datamon bundle unmount ${dir}" unmounts it`);
    const stop = () => serving.mounted.unmount();
    interrupt.signal.addEventListener("abort", stop, { once: true });
    if (interrupt.signal.aborted) await stop();
    await serving.mounted.done;
    outcome = await serving.finish();
  } catch (e) {
    await status.done(failure(e));
    throw e;
  }
  await status.done(outcome);
  report(outcome);
}

/** A failed mount command's outcome: its exit code and the line it printed. */
function failure(e: unknown): MountOutcome {
  const kind = e instanceof DatamonError ? e.kind : undefined;
  return {
    code: kind ? EXIT_CODES[kind] : 1,
    stdout: "",
    stderr: `datamon: ${kind ? "" : "internal error: "}${(e as Error)?.message ?? e}`,
  };
}

/**
 * Unmounts `dir`; when a mount process still serves it, waits for that process's outcome and
 * reports it (a mutable mount's new bundle id, or why its commit failed).
 */
export async function unmountServed(home: string, dir: string): Promise<void> {
  const statusPath = mountStatusPath(home, await absoluteMountPath(dir));
  const before = await readMountState(statusPath);
  await unmount(dir);
  if (!before || before.done) {
    writeErr(`unmounted ${dir}`);
    return;
  }
  const after = await waitForOutcome(statusPath);
  await Deno.remove(statusPath).catch(() => {});
  if (!after?.done) {
    throw new DatamonError(
      "bad-path",
      `unmounted ${dir}, but its mount process ended without reporting how`,
    );
  }
  report(after.done);
}

/** Prints a mount's outcome; a failure is rethrown so that it sets the exit code. */
function report(outcome: MountOutcome): void {
  if (outcome.code !== 0) {
    const kind = (Object.keys(EXIT_CODES) as ErrorKind[]).find((k) =>
      EXIT_CODES[k] === outcome.code
    );
    const message = outcome.stderr.replace(/^datamon: /, "");
    if (kind) throw new DatamonError(kind, message);
    throw new Error(message.replace(/^internal error: /, ""));
  }
  if (outcome.stdout) writeOut(outcome.stdout);
  if (outcome.stderr) writeErr(outcome.stderr);
}
