/**
 * A read-only mount's memory defaults, apart from the mount itself so that the commands that
 * print them (help, the sidecar's settings) need not load FUSE and the read path.
 */

/**
 * Default bytes kept in memory by a mount: verified leaves and pack windows. With a stream's
 * leaves in flight and the runtime, a mount stays under 300 MB.
 */
export const DEFAULT_MOUNT_CACHE_BYTES = 128 * 1024 * 1024;
/** Default leaves loaded ahead of the last one read. */
export const DEFAULT_MOUNT_PREFETCH = 4;
