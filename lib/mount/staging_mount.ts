/**
 * A mutable mount: an empty writable directory staged on local disk which, once unmounted,
 * is committed as a new bundle exactly as `bundle upload` of the staging directory would.
 * What killed mounts left in the staging root is cleaned, or offered for recovery, at the next.
 */
import { DatamonError } from "../errors.ts";
import type { Contributor, LabelRecord } from "../model/types.ts";
import { validateName } from "../model/names.ts";
import { openLibfuse } from "./fuse_ffi.ts";
import { prepareMountPoint } from "./mount_point.ts";
import { StagingFs } from "./staging_fs.ts";
import { FuseSession } from "./session.ts";
import type { Context } from "../meta/context.ts";
import { getRepo } from "../meta/repo.ts";
import { uploadBundle, type UploadResult } from "../core/upload.ts";
import { setLabel } from "../meta/labels.ts";
import { requireNoPurge } from "../cafs/locks.ts";
import type { Mount } from "./bundle_mount.ts";
import { changedBeforeStart, UUID_PATTERN } from "../util/leftovers.ts";

/** A mutable mount being served, where its files are staged, and how they become a bundle. */
export interface StagingMount extends Mount {
  staging: string;
  /**
   * Once the mount is gone: uploads the staged files as the new bundle mountStaging was told
   * of, sets the label, and removes the staging directory (kept when the upload fails).
   */
  commit(): Promise<{ upload: UploadResult; label?: LabelRecord }>;
}

/**
 * Mounts an empty, writable directory on `mountPoint` whose files are staged in a new
 * directory under `stagingRoot`, to be committed as `commit` says. The repo (and label name)
 * are checked first, and that no purge runs, so a mount that cannot be committed is refused
 * before anything is written. Staging directories killed mounts left are removed when empty,
 * else named through `onLeftover` (one line each, saying how to commit them): they hold files
 * never committed.
 */
export async function mountStaging(
  ctx: Context,
  options: {
    mountPoint: string;
    stagingRoot: string;
    commit: CommitStagingOptions;
    onLeftover?: (line: string) => void;
  },
): Promise<StagingMount> {
  const { repo, label } = options.commit;
  openLibfuse();
  await getRepo(ctx, repo);
  if (label !== undefined) validateName("label", label);
  // Refused while a purge runs; the commit holds a writer's lock (uploadBundle takes it).
  await requireNoPurge(ctx.blob);
  const mountPoint = await prepareMountPoint(options.mountPoint);
  await Deno.mkdir(options.stagingRoot, { recursive: true });
  await recoverStaging(options.stagingRoot, options.onLeftover ?? (() => {}));
  const staging = await StagingDir.create(options.stagingRoot);
  const fs = new StagingFs(staging.path);
  let session: FuseSession;
  try {
    session = FuseSession.mount(mountPoint.path, fs, {
      readOnly: false,
      fsname: `datamon:${repo}/new`,
    });
  } catch (e) {
    await staging.remove();
    throw e;
  }
  return {
    path: mountPoint.path,
    staging: staging.path,
    done: session.done.finally(() => fs.closeAll()),
    unmount: () => session.unmount(),
    commit: () => commitStaging(ctx, staging, options.commit).finally(() => staging.release()),
  };
}

/** A staging directory's name: `mount-` and a random UUID. */
const STAGING_NAME = new RegExp(`^mount-${UUID_PATTERN}$`);

/**
 * A staging directory, and the lock file beside it (its name and `.lock`) that its mount
 * process holds locked while it serves and commits: a kill releases the lock, so the next
 * mount can tell a killed mount's directory from a live one.
 */
class StagingDir {
  private constructor(readonly path: string, private readonly lock: Deno.FsFile) {}

  /** Locks a new lock file, then makes the directory: never is one seen unlocked. */
  static async create(root: string): Promise<StagingDir> {
    const path = `${root}/mount-${crypto.randomUUID()}`;
    const lock = await Deno.open(`${path}.lock`, { write: true, createNew: true, mode: 0o600 });
    await lock.lock(true);
    await Deno.mkdir(path, { mode: 0o700 });
    return new StagingDir(path, lock);
  }

  /** Removes the directory with what it holds, and its lock file. */
  async remove(): Promise<void> {
    await Deno.remove(this.path, { recursive: true });
    await Deno.remove(`${this.path}.lock`).catch(() => {});
  }

  /** Releases the lock (a directory kept after a failed commit is a leftover from now on). */
  release(): void {
    this.lock.close();
  }
}

/** What the bundle a mutable mount commits is: its repo, message, label and contributor. */
export interface CommitStagingOptions {
  repo: string;
  message: string;
  label?: string;
  contributor: Contributor;
  concurrency: number;
  leafSize?: number;
  /** The run (DATAMON_RUN_ID) the mount belongs to: bundles it read become inputs. */
  run?: string;
  signal?: AbortSignal;
}

/**
 * Uploads the staging directory as a new bundle, sets the label, and removes the staging
 * directory. On failure the staging directory is kept and the error says how to retry.
 */
async function commitStaging(
  ctx: Context,
  stagingDir: StagingDir,
  options: CommitStagingOptions,
): Promise<{ upload: UploadResult; label?: LabelRecord }> {
  const staging = stagingDir.path;
  if (await isEmpty(staging)) {
    await stagingDir.remove();
    throw new DatamonError("bad-path", "nothing was written to the mount: no bundle committed");
  }
  let upload: UploadResult;
  try {
    upload = await uploadBundle(ctx, { ...options, path: staging });
  } catch (e) {
    const retry =
      `datamon bundle upload --repo ${options.repo} --path ${staging} --message ${
        JSON.stringify(options.message)
      }` + (options.label === undefined ? "" : ` --label ${options.label}`);
    const message = `${(e as Error)?.message ?? e}; the mount's files are kept in ${staging}: ` +
      `retry with ${retry}`;
    throw e instanceof DatamonError
      ? new DatamonError(e.kind, message, { cause: e })
      : new Error(message, { cause: e });
  }
  await stagingDir.remove();
  if (options.label === undefined) return { upload };
  const id = upload.bundle.id;
  try {
    return {
      upload,
      label: await setLabel(ctx, options.repo, options.label, id, options.contributor),
    };
  } catch (e) {
    if (!(e instanceof DatamonError)) throw e;
    throw new DatamonError(
      e.kind,
      `${e.message}; bundle ${id} was committed: set the label with ` +
        `datamon label set --repo ${options.repo} --label ${options.label} --bundle ${id}`,
      { cause: e },
    );
  }
}

async function isEmpty(dir: string): Promise<boolean> {
  for await (const _ of Deno.readDir(dir)) return false;
  return true;
}

/**
 * Looks at what killed mounts left under `stagingRoot` (nothing when it is absent): a staging directory whose lock no
 * process holds is removed when empty (with its lock file); one holding files is kept and
 * named through `onLeftover` with how to commit it.
 */
export async function recoverStaging(
  stagingRoot: string,
  onLeftover: (line: string) => void,
): Promise<void> {
  const entries = await Array.fromAsync(Deno.readDir(stagingRoot)).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  });
  for (const entry of entries) {
    if (!entry.isDirectory || !STAGING_NAME.test(entry.name)) continue;
    const path = `${stagingRoot}/${entry.name}`;
    using lock = await openIfPresent(`${path}.lock`);
    // Without its lock file (removed by hand), only age tells a leftover.
    const left = lock ? await lock.tryLock(true) : changedBeforeStart(await Deno.lstat(path));
    if (!left) continue;
    if (await isEmpty(path)) {
      await Deno.remove(path);
      await Deno.remove(`${path}.lock`).catch(() => {});
    } else {
      onLeftover(
        `${path} holds the files of a writable mount that was never committed: commit them ` +
          `with datamon bundle upload --repo REPO --path ${path} --message MESSAGE, then remove it`,
      );
    }
  }
}

/** The file at `path` opened for writing (so that it can be locked); undefined when absent. */
async function openIfPresent(path: string): Promise<Deno.FsFile | undefined> {
  try {
    return await Deno.open(path, { write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}
