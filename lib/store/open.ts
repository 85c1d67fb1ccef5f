/**
 * Picks the backend for a store URL by its scheme: file:// (or a plain path), s3://, gs://.
 */
import { DatamonError } from "../errors.ts";
import { LocalStore } from "./local.ts";
import { openS3Store } from "./s3.ts";
import { openGcsStore } from "./gcs.ts";
import type { Store, StoreOptions } from "./store.ts";
import { fileUrlOf, pathOfFileUrl } from "../util/file_url.ts";

/** Opens the store of one URL scheme; `url` is the whole URL as the user gave it. */
type Opener = (url: string, options: StoreOptions) => Store;

/** One entry per scheme (without "://"). */
const OPENERS: Record<string, Opener> = {
  file: openFileUrl,
  s3: openS3Store,
  gs: openGcsStore,
};

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/**
 * Opens the store at `url`: `file:///abs/path`, a plain absolute or relative path (resolved
 * against the working directory), `s3://bucket/prefix` or `gs://bucket/prefix`.
 * Throws DatamonError "config" for a URL no backend can open.
 */
export function openStore(url: string, options: StoreOptions = {}): Store {
  if (url === "") {
    throw new DatamonError("config", "store URL is empty; use file:///path, s3:// or gs://");
  }
  const scheme = schemeOf(checkedStoreUrl(url));
  if (scheme === null) return new LocalStore(url);
  const opener = OPENERS[scheme.toLowerCase()];
  if (!opener) {
    throw new DatamonError(
      "config",
      `unknown store URL scheme in ${JSON.stringify(url)}; use file://, s3:// or gs://`,
    );
  }
  return opener(url, options);
}

/** A cloud scheme missing a slash or two ("s3:/bucket", "gs:bucket"), taken for a path otherwise. */
const MISTYPED_CLOUD_URL = /^(s3|gs):(?!\/\/)/i;

/** `url` unless it is a cloud URL missing slashes, which would open a local directory by that name. */
function checkedStoreUrl(url: string): string {
  const typo = MISTYPED_CLOUD_URL.exec(url);
  if (typo) {
    throw new DatamonError(
      "invalid-argument",
      `store URL ${JSON.stringify(url)} is missing a slash: write ${
        typo[1].toLowerCase()
      }://bucket/prefix`,
    );
  }
  return url;
}

/**
 * A store URL to keep (in a context or the config file): a plain path becomes an absolute
 * file:// URL, so that it means the same directory from wherever a later command runs.
 */
export function absoluteStoreUrl(url: string): string {
  return schemeOf(checkedStoreUrl(url)) === null ? fileUrlOf(url) : url;
}

/**
 * Appends the sub-prefix `sub` ("blob", "a/b") to a store URL or path:
 * `file:///x/data` + `blob` -> `file:///x/data/blob`, `s3://b/p` + `wal` -> `s3://b/p/wal`,
 * `s3://b?endpoint=E` + `wal` -> `s3://b/wal?endpoint=E`. Segments are percent-encoded in
 * file URLs, as openStore decodes them.
 */
export function joinStoreUrl(base: string, sub: string): string {
  const segments = sub.split("/").filter((segment) => segment !== "");
  if (segments.length === 0 || segments.some((s) => s === "." || s === "..")) {
    throw new DatamonError(
      "invalid-argument",
      `invalid store sub-prefix ${JSON.stringify(sub)}: use "/"-separated names`,
    );
  }
  const isFileUrl = schemeOf(base)?.toLowerCase() === "file";
  const tail = isFileUrl ? segments.map(encodeURIComponent) : segments;
  const queryAt = isFileUrl ? -1 : base.indexOf("?");
  const path = queryAt < 0 ? base : base.slice(0, queryAt);
  const query = queryAt < 0 ? "" : base.slice(queryAt);
  return `${path.endsWith("/") ? path : path + "/"}${tail.join("/")}${query}`;
}

/**
 * Gives an s3:// or gs:// URL the endpoint of an S3-compatible server or emulator
 * (`?endpoint=`), unless it names one already; other URLs come back unchanged.
 */
export function withEndpoint(url: string, endpoint: string | undefined): string {
  const scheme = schemeOf(url)?.toLowerCase();
  if (endpoint === undefined || (scheme !== "s3" && scheme !== "gs")) return url;
  if (/[?&]endpoint=/i.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw new DatamonError(
      "invalid-argument",
      `endpoint ${JSON.stringify(endpoint)} is not a URL; use http(s)://host:port`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new DatamonError(
      "invalid-argument",
      `endpoint ${JSON.stringify(endpoint)} is not an http(s) URL; use http(s)://host:port`,
    );
  }
  return `${url}${url.includes("?") ? "&" : "?"}endpoint=${endpoint}`;
}

/** The scheme of a URL, or null for a plain path. "file:" URLs need not have "//". */
function schemeOf(url: string): string | null {
  if (/^file:/i.test(url)) return "file";
  return SCHEME.exec(url)?.[1] ?? null;
}

function openFileUrl(url: string): Store {
  let path: string;
  try {
    path = pathOfFileUrl(url);
  } catch (e) {
    throw new DatamonError(
      "config",
      `store URL ${JSON.stringify(url)} is not a local file URL (${(e as Error).message}); ` +
        "use file:///absolute/path",
    );
  }
  return new LocalStore(path);
}
