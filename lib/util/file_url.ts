/**
 * Local paths as absolute paths and file:// URLs, and file:// URLs back as paths: what
 * node:path's `resolve` and node:url's `pathToFileURL` / `fileURLToPath` give on POSIX, written
 * out because importing either module starts Deno's Node compatibility layer (~45 ms of CPU),
 * which `datamon repo list` on the local store would otherwise pay for three lines of work.
 */

/** Characters a file URL keeps as they are; node:url percent-encodes every other one. */
const KEPT = /[A-Za-z0-9!$&'()*+,\-.:;=@_/]/;

/**
 * `path` made absolute against the working directory, with "." and ".." segments resolved and
 * repeated or trailing slashes dropped (node:path's `resolve`).
 */
export function absolutePath(path: string): string {
  const full = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  const segments: string[] = [];
  for (const segment of full.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** The file:// URL of `path`, made absolute first (without a trailing slash). */
export function fileUrlOf(path: string): string {
  const bytes = new TextEncoder();
  let encoded = "";
  for (const char of absolutePath(path)) {
    if (KEPT.test(char)) {
      encoded += char;
      continue;
    }
    for (const byte of bytes.encode(char)) {
      encoded += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return `file://${encoded}`;
}

/**
 * The local path a file:// URL names (node:url's `fileURLToPath`); throws TypeError, with
 * node:url's messages, for another scheme, a host, or an encoded "/".
 */
export function pathOfFileUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "file:") throw new TypeError("The URL must be of scheme file");
  if (parsed.hostname !== "") {
    throw new TypeError(`File URL host must be "localhost" or empty on ${Deno.build.os}`);
  }
  if (/%2f/i.test(parsed.pathname)) {
    throw new TypeError("File URL path must not include encoded / characters");
  }
  return decodeURIComponent(parsed.pathname);
}
