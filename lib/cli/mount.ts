/** `datamon bundle mount`, `bundle mount new` and `bundle unmount`: flags in, a mount served. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { resolveBundle } from "../meta/bundles.ts";
import { DEFAULT_MOUNT_CACHE_BYTES, DEFAULT_MOUNT_PREFETCH } from "../mount/mount_defaults.ts";
import {
  actorFrom,
  type ContextFlags,
  contextOptions,
  contributorOptions,
  interrupt,
  parseByteSize,
  readerFrom,
  required,
  selectorOptions,
  settingsFrom,
} from "./common.ts";
import { count, formatBytes, writeErr, writeWarning } from "./output.ts";
import { daemonizeOption, serve, type ServeFlags, unmountServed } from "./mount_serve.ts";

/** Adds `mount`, `mount new` and `unmount` to the `bundle` command. */
export function mountCommands(bundle: Command): void {
  mountNewCommand(mountCommand(bundle));
  unmountCommand(bundle);
}

type MountFlags = ServeFlags & {
  repo?: string;
  mount?: string;
  bundle?: string;
  label?: string;
  cacheSize?: string;
  prefetch?: string;
  stream: string;
};

/** Adds `bundle mount`; returns it, for `mount new` to be added under it. */
function mountCommand(bundle: Command): Command {
  return contextOptions(selectorOptions(daemonizeOption(
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
      .option("--stream <bool>", "false: download the bundle first and serve it from disk", "true"),
  ))).action(mountReadOnly);
}

/** Serves the selected bundle read-only until it is unmounted. */
async function mountReadOnly(flags: MountFlags): Promise<void> {
  const repo = required(flags.repo, "--repo");
  const dir = required(flags.mount, "--mount");
  const cacheBytes = flags.cacheSize === undefined
    ? DEFAULT_MOUNT_CACHE_BYTES
    : parseByteSize(flags.cacheSize, "--cache-size");
  const prefetch = parseCount(flags.prefetch, "--prefetch", DEFAULT_MOUNT_PREFETCH);
  const stream = parseBool(flags.stream, "--stream");
  // FUSE and the read path load when a mount is made, not with the bundle group.
  const { mountBundle } = await import("../mount/bundle_mount.ts");
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
      }) at ${mounted.path}${
        mounted.redacted ? `; ${count(mounted.redacted, "redacted file")} left out` : ""
      }`,
      finish: () => Promise.resolve({ code: 0, stdout: "", stderr: `unmounted ${mounted.path}` }),
    };
  });
}

type MountNewFlags = ServeFlags & {
  repo: string;
  mount: string;
  message: string;
  label?: string;
  leafSize?: string;
  name?: string;
  email?: string;
};

/** Adds `bundle mount new` under `bundle mount`. */
function mountNewCommand(mount: Command): void {
  contributorOptions(contextOptions(daemonizeOption(
    mount.command("new")
      .description("mount an empty writable directory; unmounting commits it as a new bundle")
      .requiredOption("--repo <name>", "repo to commit the new bundle to")
      .requiredOption("--mount <dir>", "empty directory to mount on")
      .requiredOption("--message <text>", "what the new bundle is")
      .option("--label <name>", "set this label on the new bundle")
      .option("--leaf-size <size>", "bytes per leaf, e.g. 2M (default 2M)"),
  ))).action(mountNew);
}

/** Where writable mounts stage their files. */
function stagingRoot(home: string): string {
  return `${home}/staging`;
}

/** Serves an empty writable directory; once it is unmounted, commits it as a new bundle. */
async function mountNew(flags: MountNewFlags): Promise<void> {
  const leafSize = flags.leafSize ? parseByteSize(flags.leafSize, "--leaf-size") : undefined;
  const { mountStaging, recoverStaging } = await import("../mount/staging_mount.ts");
  if (flags.daemonize) {
    // The daemon's stderr goes nowhere: what killed mounts left is named here, where it is seen.
    await recoverStaging(stagingRoot((await settingsFrom(flags)).home), writeWarning);
  }
  await serve(flags, flags.mount, async ({ settings, ctx }) => {
    const contributor = await actorFrom(settings, ctx.metadata, flags);
    const mounted = await mountStaging(ctx, {
      mountPoint: flags.mount,
      stagingRoot: stagingRoot(settings.home),
      onLeftover: writeWarning,
      commit: {
        repo: flags.repo,
        message: flags.message,
        label: flags.label,
        contributor,
        concurrency: settings.concurrency,
        leafSize,
        run: settings.run,
      },
    });
    return {
      mounted,
      ready: `mounted a new bundle of repo ${flags.repo} at ${mounted.path} ` +
        `(staged in ${mounted.staging}); unmount to commit it`,
      finish: async () => {
        const { upload, label } = await mounted.commit();
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
}

/** Adds `bundle unmount`. */
function unmountCommand(bundle: Command): void {
  contextOptions(
    bundle.command("unmount")
      .description("unmount a datamon mount; a mutable mount then commits and prints its id")
      .argument("<dir>", "the mount point"),
  ).action(async (dir: string, flags: ContextFlags) => {
    const settings = await settingsFrom(flags);
    await unmountServed(settings.home, dir);
  });
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

/** A --prefetch style count: a whole number, or `fallback` when the flag is absent. */
function parseCount(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) {
    throw new DatamonError("invalid-argument", `${flag} "${value}" is not a whole number`);
  }
  return Number(value);
}

/** A --stream style flag: exactly "true" or "false". */
function parseBool(value: string, flag: string): boolean {
  if (value === "true") return true;
  if (value === "false") return false;
  throw new DatamonError("invalid-argument", `${flag} "${value}" must be true or false`);
}
