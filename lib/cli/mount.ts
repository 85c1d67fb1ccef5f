/** `datamon bundle mount`, `bundle mount new` and `bundle unmount`. */
import type { Command } from "commander";
import { DatamonError, type ErrorKind, EXIT_CODES } from "../errors.ts";
import { resolveBundle } from "../meta/bundles.ts";
import {
  DEFAULT_MOUNT_CACHE_BYTES,
  DEFAULT_MOUNT_PREFETCH,
  type Mount,
  mountBundle,
} from "../mount/bundle_mount.ts";
import { commitStaging, mountStaging } from "../mount/staging_mount.ts";
import { absoluteMountPath, prepareMountPoint, unmount } from "../mount/mount_point.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  openContextFrom,
  ownInterrupt,
  parseByteSize,
  readerFrom,
  required,
  selectorOptions,
  settingsFrom,
} from "./common.ts";
import { formatBytes, writeErr, writeOut } from "./output.ts";
import { daemonize } from "./daemonize.ts";
import {
  type MountOutcome,
  MountStatus,
  mountStatusPath,
  readMountState,
  waitForOutcome,
} from "./mount_status.ts";

type MountFlags = ContextFlags & {
  repo?: string;
  mount?: string;
  daemonize?: boolean;
};

/** Adds `mount`, `mount new` and `unmount` to the `bundle` command. */
export function mountCommands(bundle: Command): void {
  const mount = contextOptions(selectorOptions(
    bundle.command("mount")
      .description("mount a bundle read-only; files are fetched as they are read")
      .enablePositionalOptions()
      // Not requiredOption: commander would demand them of `mount new` too.
      .option("--repo <name>", "repo of the bundle (required)")
      .option("--mount <dir>", "empty directory to mount on (required)")
      .option(
        "--cache-size <size>",
        `bytes of verified leaves kept in memory (default ${
          formatBytes(DEFAULT_MOUNT_CACHE_BYTES)
        })`,
      )
      .option("--prefetch <n>", `leaves loaded ahead of a read (default ${DEFAULT_MOUNT_PREFETCH})`)
      .option("--stream <bool>", "false: download the bundle first and serve it from disk", "true")
      .option("--daemonize", "run in the background; return once the mount is ready"),
  )).action(async (
    flags: MountFlags & {
      bundle?: string;
      label?: string;
      cacheSize?: string;
      prefetch?: string;
      stream: string;
    },
  ) => {
    const repo = required(flags.repo, "--repo");
    const dir = required(flags.mount, "--mount");
    const cacheBytes = flags.cacheSize === undefined
      ? DEFAULT_MOUNT_CACHE_BYTES
      : parseByteSize(flags.cacheSize, "--cache-size");
    const prefetch = parseCount(flags.prefetch, "--prefetch", DEFAULT_MOUNT_PREFETCH);
    const stream = parseBool(flags.stream, "--stream");
    await serve(flags, dir, async ({ settings, ctx }) => {
      const doc = await resolveBundle(ctx, repo, flags);
      const reader = await readerFrom(settings, ctx, flags);
      const mounted = await mountBundle(ctx, doc, {
        reader,
        mountPoint: dir,
        cacheBytes,
        prefetch,
        stream,
        concurrency: settings.concurrency,
        signal: interrupt.signal,
        onError: reportOnce(),
      });
      return {
        mounted,
        ready: `mounted bundle ${doc.id} of repo ${repo} (${doc.fileCount} files, ${
          formatBytes(doc.totalSize)
        }) at ${mounted.path}`,
        finish: () => Promise.resolve({ code: 0, stdout: "", stderr: `unmounted ${mounted.path}` }),
      };
    });
  });

  contributorOptions(contextOptions(
    mount.command("new")
      .description("mount an empty writable directory; unmounting commits it as a new bundle")
      .requiredOption("--repo <name>", "repo to commit the new bundle to")
      .requiredOption("--mount <dir>", "empty directory to mount on")
      .requiredOption("--message <text>", "what the new bundle is")
      .option("--label <name>", "set this label on the new bundle")
      .option("--leaf-size <size>", "bytes per leaf, e.g. 2M (default 2M)")
      .option("--daemonize", "run in the background; return once the mount is ready"),
  )).action(async (
    flags: MountFlags & {
      repo: string;
      mount: string;
      message: string;
      label?: string;
      leafSize?: string;
      name?: string;
      email?: string;
    },
  ) => {
    const leafSize = flags.leafSize ? parseByteSize(flags.leafSize, "--leaf-size") : undefined;
    await serve(flags, flags.mount, async ({ settings, ctx }) => {
      const contributor = await actorFrom(settings, ctx.metadata, flags);
      const mounted = await mountStaging(ctx, {
        repo: flags.repo,
        label: flags.label,
        mountPoint: flags.mount,
        stagingRoot: `${settings.home}/staging`,
      });
      return {
        mounted,
        ready: `mounted a new bundle of repo ${flags.repo} at ${mounted.path} ` +
          `(staged in ${mounted.staging}); unmount to commit it`,
        finish: async () => {
          const { upload, label } = await commitStaging(ctx, mounted.staging, {
            repo: flags.repo,
            message: flags.message,
            label: flags.label,
            contributor,
            concurrency: settings.concurrency,
            leafSize,
            run: settings.run,
          });
          const bundle = upload.bundle;
          return {
            code: 0,
            stdout: `${bundle.id}\n`,
            stderr: `committed ${bundle.fileCount} files (${formatBytes(bundle.totalSize)}) ` +
              `of ${mounted.path} to repo ${flags.repo} as bundle ${bundle.id}` +
              (label ? `; label ${label.name} set` : ""),
          };
        },
      };
    });
  });

  contextOptions(
    bundle.command("unmount")
      .description("unmount a datamon mount; a mutable mount then commits and prints its id")
      .argument("<dir>", "the mount point"),
  ).action(async (dir: string, flags: ContextFlags) => {
    const settings = await settingsFrom(flags);
    const statusPath = mountStatusPath(settings.home, await absoluteMountPath(dir));
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
  });
}

/** What a mount command sets up: the mount, its ready line, and what ends it. */
interface Serving {
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
async function serve(
  flags: MountFlags,
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
    const kind = e instanceof DatamonError ? e.kind : undefined;
    await status.done({
      code: kind ? EXIT_CODES[kind] : 1,
      stdout: "",
      stderr: `datamon: ${kind ? "" : "internal error: "}${(e as Error)?.message ?? e}`,
    });
    throw e;
  }
  await status.done(outcome);
  report(outcome);
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

/** Logs each distinct failed read once (a corrupt leaf is read again and again). */
function reportOnce(): (e: unknown) => void {
  const seen = new Set<string>();
  return (e) => {
    const message = (e as Error)?.message ?? String(e);
    if (seen.has(message)) return;
    seen.add(message);
    writeErr(`datamon: a read failed (EIO): ${message}`);
  };
}

function parseCount(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw new DatamonError("invalid-argument", `${flag} "${value}" is not a whole number`);
  }
  return Number(value);
}

function parseBool(value: string, flag: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new DatamonError("invalid-argument", `${flag} "${value}" must be true or false`);
}
