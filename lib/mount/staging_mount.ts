/**
 * A mutable mount: an empty writable directory staged on local disk which, once unmounted,
 * is committed as a new bundle exactly as `bundle upload` of the staging directory would.
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
 * before anything is written.
 */
export async function mountStaging(
  ctx: Context,
  options: { mountPoint: string; stagingRoot: string; commit: CommitStagingOptions },
): Promise<StagingMount> {
  const { repo, label } = options.commit;
  openLibfuse();
  await getRepo(ctx, repo);
  if (label !== undefined) validateName("label", label);
  // Refused while a purge runs; the commit holds a writer's lock (uploadBundle takes it).
  await requireNoPurge(ctx.blob);
  const mountPoint = await prepareMountPoint(options.mountPoint);
  await Deno.mkdir(options.stagingRoot, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: options.stagingRoot, prefix: "mount-" });
  const fs = new StagingFs(staging);
  let session: FuseSession;
  try {
    session = FuseSession.mount(mountPoint.path, fs, {
      readOnly: false,
      fsname: `datamon:${repo}/new`,
    });
  } catch (e) {
    await Deno.remove(staging, { recursive: true });
    throw e;
  }
  return {
    path: mountPoint.path,
    staging,
    done: session.done.finally(() => fs.closeAll()),
    unmount: () => session.unmount(),
    commit: () => commitStaging(ctx, staging, options.commit),
  };
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
  staging: string,
  options: CommitStagingOptions,
): Promise<{ upload: UploadResult; label?: LabelRecord }> {
  if (await isEmpty(staging)) {
    await Deno.remove(staging, { recursive: true });
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
  await Deno.remove(staging, { recursive: true });
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
