/**
 * Mounting a bundle: a read-only FUSE view whose files are fetched as they are read, every
 * leaf verified before it is served (or, without streaming, downloaded first and served from
 * local disk).
 */
import type { BundleDoc } from "../model/types.ts";
import { openLibfuse } from "./fuse_ffi.ts";
import { prepareMountPoint } from "./mount_point.ts";
import { BundleInodes } from "./bundle_inodes.ts";
import { BundleFs, type ContentSource } from "./bundle_fs.ts";
import { cafsContent, diskContent } from "./content.ts";
import { FuseSession } from "./session.ts";
import { CafsSession } from "../cafs/session.ts";
import { bundleRangeReader } from "../core/bundle_blobs.ts";
import type { Context } from "../meta/context.ts";
import { bundleTreeList, bundleTreeLists } from "../meta/bundles.ts";
import { ListProbe } from "./list_probe.ts";
import { redactedNames } from "../meta/redactions.ts";
import { downloadBundle } from "../core/download.ts";
import { logRead, type Reader } from "../meta/audit.ts";

export interface MountBundleOptions {
  /** An existing, empty directory. */
  mountPoint: string;
  /** Bytes of leaves the cache keeps. */
  cacheBytes: number;
  /** Leaves loaded ahead of a read. */
  prefetch: number;
  /** False: download the bundle into a temporary directory first and serve it from there. */
  stream: boolean;
  /** Files downloaded at once when not streaming. */
  concurrency: number;
  signal?: AbortSignal;
  /** Who mounts: the mount is recorded in the read log before it appears. */
  reader?: Reader;
  /** Called with each failed read that is not a plain errno, e.g. a corrupt leaf (EIO). */
  onError?: (e: unknown) => void;
}

/** A mounted bundle being served. */
export interface Mount {
  /** The mount point's absolute path. */
  path: string;
  /** Settles once the mount is gone and everything it used is released. */
  done: Promise<void>;
  /** Detaches the mount; `done` settles once open requests are answered. */
  unmount(): Promise<void>;
}

/** A mounted bundle, with the files its view leaves out. */
export interface BundleMount extends Mount {
  /** Files left out because their names were redacted from the repo. */
  redacted: number;
}

/**
 * Mounts `bundle` read-only on `options.mountPoint`; resolves once it is ready to read, which
 * is before its file list is read: a lookup or listing waits for the part of the list it
 * needs, and gets EIO if the list cannot be read that far (`options.onError` is told why).
 */
export async function mountBundle(
  ctx: Context,
  bundle: BundleDoc,
  options: MountBundleOptions,
): Promise<BundleMount> {
  openLibfuse();
  const mountPoint = await prepareMountPoint(options.mountPoint);
  const blobs = await CafsSession.open(ctx.blob);
  let downloaded: string | undefined;
  const stopFilling = new AbortController();
  const release = async () => {
    stopFilling.abort();
    blobs[Symbol.dispose]();
    if (downloaded) await Deno.remove(downloaded, { recursive: true }).catch(() => {});
  };
  try {
    let content: ContentSource;
    if (options.stream) {
      const reader = bundleRangeReader(ctx, blobs, bundle, options.cacheBytes, options.prefetch);
      content = cafsContent(reader, options.prefetch);
    } else {
      downloaded = await Deno.makeTempDir({ prefix: "datamon-mount-" });
      await downloadBundle(ctx, bundle, {
        destination: downloaded,
        concurrency: options.concurrency,
        signal: options.signal,
      });
      content = diskContent(downloaded);
    }
    let redacted = 0;
    // The mount is served while its file list streams in, except in a repo with redactions:
    // there the list is read first, so that the files left out are counted when it appears
    // (and no lookup needs a probe, which would see the redacted names).
    const withRedactions = (await redactedNames(ctx, bundle.repo)).size > 0;
    const inodes = new BundleInodes(
      bundle.timestamp.getTime(),
      mountPoint,
      bundle.fileCount,
      withRedactions ? undefined : listProbe(ctx, bundle),
    );
    const fill = () =>
      inodes.fill(bundleTreeLists(ctx, bundle, () => redacted++), stopFilling.signal);
    if (withRedactions) {
      await fill();
      if (inodes.failure !== undefined) throw inodes.failure;
    }
    // Recorded before the mount appears: nothing is read unrecorded.
    if (options.reader) {
      await logRead(ctx, options.reader, {
        bundle: { repo: bundle.repo, bundle: bundle.id },
        method: "mount",
        selection: "all",
      });
    }
    const session = FuseSession.mount(mountPoint.path, new BundleFs(inodes, content), {
      readOnly: true,
      fsname: `datamon:${bundle.repo}/${bundle.id}`,
      onError: options.onError,
    });
    // The stream starts once the mount is up: its work on the one thread would slow the setup,
    // and a lookup meanwhile is answered by the probe (or waits for the stream, without one).
    if (!withRedactions) {
      fill().then(() => inodes.failure !== undefined && options.onError?.(inodes.failure));
    }
    return {
      path: mountPoint.path,
      done: session.done.finally(release),
      unmount: () => session.unmount(),
      redacted,
    };
  } catch (e) {
    await release();
    throw e;
  }
}

/**
 * What finds a name in the bundle's lists before the stream reaches it; none for a Go datamon
 * bundle, whose lists are in upload order (its entries are gathered and sorted to be read).
 */
function listProbe(ctx: Context, bundle: BundleDoc): ListProbe | undefined {
  if (ctx.go) return undefined;
  return new ListProbe(
    bundle.fileListCount,
    (index) => bundleTreeList(ctx, bundle, index),
    `bundle ${bundle.id} in repo "${bundle.repo}"`,
  );
}
