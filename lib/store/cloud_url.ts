/**
 * The parts of an object-store URL, `s3://bucket/prefix?endpoint=...&region=...` or
 * `gs://bucket/prefix?endpoint=...`: what the S3 and GCS backends share before their SDKs differ.
 */
import { DatamonError } from "../errors.ts";

/** A parsed bucket URL. `prefix` is "" or ends with "/"; keys are appended to it. */
export interface CloudUrl {
  /** The URL without its query, as shown in messages. */
  display: string;
  bucket: string;
  prefix: string;
  /** Query parameters (endpoint, region, ...), lower-case names. */
  params: Map<string, string>;
}

const BUCKET_URL = /^(s3|gs):\/\//i;

/** Whether a path names a bucket prefix (s3:// or gs://) rather than a local directory. */
export function isBucketUrl(path: string): boolean {
  return BUCKET_URL.test(path);
}

/** Lower-case bucket rules both S3 and GCS accept: 3-63 of a-z 0-9 . - _, alphanumeric ends. */
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

/**
 * Parses `scheme://bucket/prefix[?name=value&...]`, allowing only the query parameters in
 * `allowed`. Throws DatamonError "config" naming the URL and what to fix.
 */
export function parseCloudUrl(url: string, scheme: string, allowed: readonly string[]): CloudUrl {
  const fail = (why: string) =>
    new DatamonError("config", `store URL ${JSON.stringify(url)}: ${why}`);
  const head = `${scheme}://`;
  if (!url.toLowerCase().startsWith(head)) throw fail(`expected ${head}bucket/prefix`);
  const [path, query = ""] = splitOnce(url.slice(head.length), "?");
  const [bucket, rest = ""] = splitOnce(path, "/");
  if (!BUCKET.test(bucket)) {
    throw fail(`${JSON.stringify(bucket)} is not a bucket name (3-63 of a-z 0-9 . - _)`);
  }
  const segments = rest.split("/").filter((s) => s !== "");
  if (segments.some((s) => s === "." || s === "..")) {
    throw fail('the prefix may not contain "." or ".." segments');
  }
  const params = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(query)) {
    const key = name.toLowerCase();
    if (!allowed.includes(key)) {
      throw fail(
        `unknown parameter ${JSON.stringify(name)}; ${scheme}:// URLs take ${allowed.join(", ")}`,
      );
    }
    params.set(key, value);
  }
  const prefix = segments.length === 0 ? "" : `${segments.join("/")}/`;
  return {
    display: `${head}${bucket}${prefix === "" ? "" : `/${prefix.slice(0, -1)}`}`,
    bucket,
    prefix,
    params,
  };
}

function splitOnce(text: string, separator: string): [string, string?] {
  const at = text.indexOf(separator);
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + 1)];
}
