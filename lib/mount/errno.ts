/** Linux error numbers a filesystem answers with, and turning thrown errors into one. */
import { DatamonError } from "../errors.ts";

/** The error numbers datamon's filesystems reply with (Linux values). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EBADF: 9,
  EACCES: 13,
  EEXIST: 17,
  EXDEV: 18,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EFBIG: 27,
  ENOSPC: 28,
  EROFS: 30,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
} as const;

type ErrnoName = keyof typeof ERRNO;

/** A failure a filesystem operation reports to the kernel as `errno`. */
export class FuseError extends Error {
  constructor(readonly errno: number, message = `errno ${errno}`) {
    super(message);
    this.name = "FuseError";
  }
}

/**
 * The errno for a thrown error: a FuseError's own, a local-disk error's code (Deno errors
 * carry it as `code`), and EIO for everything else, a leaf that fails verification included:
 * a reader gets an error, never wrong bytes.
 */
export function errnoOf(e: unknown): number {
  if (e instanceof FuseError) return e.errno;
  if (e instanceof DatamonError) return ERRNO.EIO;
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && code in ERRNO) return ERRNO[code as ErrnoName];
  return ERRNO.EIO;
}
