/**
 * Errors of the local file system that a user causes or fixes (a full disk, a file without
 * read rights, a read-only destination, a path removed while datamon worked) as one-line
 * DatamonErrors naming the path, instead of "internal error".
 */
import { DatamonError } from "../errors.ts";

/** What datamon was doing at the path when it failed. */
export interface FsErrorContext {
  doing: "reading" | "writing" | "using";
  /**
   * The path was seen to exist (listed by a walk, or stat'ed before being read): ENOENT and
   * ENOTDIR then mean it vanished or was replaced while datamon worked.
   */
  existed?: boolean;
}

/**
 * The DatamonError for `e` raised at `path` when a user can fix its cause, else `e` itself
 * (DatamonErrors pass unchanged).
 */
export function fsError(e: unknown, path: string, context: FsErrorContext): Error {
  if (e instanceof DatamonError || !(e instanceof Error)) return e as Error;
  const kind = userKind((e as { code?: string }).code, context);
  return kind ? new DatamonError(kind, userMessage(kind, path, context), { cause: e }) : e;
}

/**
 * The DatamonError for a file-system error that reached the top without a caller naming its
 * path (a config, cache or staging write): a user still gets one line and the kind's exit code,
 * with the path Deno's message names, if any. Undefined for errors a user cannot fix.
 */
export function unmappedFsError(e: unknown): DatamonError | undefined {
  if (e instanceof DatamonError || !(e instanceof Error)) return undefined;
  const kind = userKind((e as { code?: string }).code, {});
  if (!kind) return undefined;
  // Deno ends the message with the operation and path: "...(os error 28): writefile '/a/b'".
  const named = /\): (\w+) '(.*)'$/.exec(e.message);
  const path = named ? named[2] : "a file";
  const doing = !named
    ? "writing"
    : /^(read|stat|lstat|readdir|realpath)/.test(named[1])
    ? "reading"
    : named[1] === "open"
    ? "using"
    : "writing";
  return new DatamonError(kind, userMessage(kind, path, { doing }), { cause: e });
}

type FsErrorKind = "no-space" | "permission-denied" | "read-only" | "vanished";

function userKind(
  code: string | undefined,
  context: { existed?: boolean },
): FsErrorKind | undefined {
  switch (code) {
    case "ENOSPC":
    case "EDQUOT":
      return "no-space";
    case "EACCES":
    case "EPERM":
      return "permission-denied";
    case "EROFS":
      return "read-only";
    case "ENOENT":
    case "ENOTDIR":
      return context.existed ? "vanished" : undefined;
  }
  return undefined;
}

function userMessage(kind: FsErrorKind, path: string, { doing }: FsErrorContext): string {
  switch (kind) {
    case "no-space":
      return `no space left (disk full or quota reached) ${doing} ${path}: ` +
        "free some space or choose another place";
    case "permission-denied":
      return `permission denied ${doing} ${path}: change its permissions or run as a user ` +
        `who may ${{ reading: "read", writing: "write", using: "use" }[doing]} it`;
    case "read-only":
      return `cannot write ${path}: its file system is read-only: choose a writable place`;
    case "vanished":
      return `${path} vanished or was replaced while datamon was ${doing} it: ` +
        "run again once nothing moves it";
  }
}
