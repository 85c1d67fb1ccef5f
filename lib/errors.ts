/**
 * The one error type every layer throws for conditions a user can cause or fix.
 * Its kind decides the process exit code, so scripts can tell failures apart.
 */
export type ErrorKind =
  | "usage"
  | "not-found"
  | "already-exists"
  | "invalid-argument"
  | "bad-path"
  | "destination-not-empty"
  | "unreachable"
  | "integrity"
  | "config"
  | "cancelled"
  | "fuse-unavailable"
  | "timeout"
  | "failed-step"
  | "unhealthy"
  | "locked"
  | "no-space"
  | "permission-denied"
  | "read-only"
  | "vanished"
  | "ambiguous"
  | "interrupted";

/** Exit code of each error kind; 1 is reserved for unexpected (internal) errors. */
export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = {
  "usage": 2,
  "not-found": 3,
  "already-exists": 4,
  "invalid-argument": 5,
  "bad-path": 6,
  "destination-not-empty": 7,
  "unreachable": 8,
  "integrity": 9,
  "config": 10,
  "cancelled": 11,
  "fuse-unavailable": 12,
  "timeout": 13,
  "failed-step": 14,
  "unhealthy": 15,
  "locked": 16,
  "no-space": 17,
  "permission-denied": 18,
  "read-only": 19,
  "vanished": 20,
  "ambiguous": 21,
  "interrupted": 130,
};

/** An error with a one-line message that names the thing and says what to do. */
export class DatamonError extends Error {
  constructor(readonly kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DatamonError";
  }
}

/** True when `e` is a DatamonError of the given kind. */
export function isKind(e: unknown, kind: ErrorKind): e is DatamonError {
  return e instanceof DatamonError && e.kind === kind;
}

/** Exit code when stdout was closed by its reader: 128 + SIGPIPE, as coreutils end. */
export const EXIT_BROKEN_PIPE = 141;

/** True for a write to a pipe whose reader is gone (EPIPE), however it was wrapped. */
export function isBrokenPipe(e: unknown): boolean {
  for (let at = e; at instanceof Error; at = at.cause) {
    if (at instanceof Deno.errors.BrokenPipe || (at as { code?: string }).code === "EPIPE") {
      return true;
    }
  }
  return false;
}
