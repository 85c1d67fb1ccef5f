/**
 * What every backend checks before it touches storage: keys, list prefixes and byte ranges,
 * plus the order in which object stores list keys.
 */
import { DatamonError } from "../errors.ts";

const KEY_RULES = 'keys are "/"-separated names with no empty, "." or ".." segment';

/** Returns `key` when it is a valid object key; throws DatamonError "invalid-argument" otherwise. */
export function checkKey(key: string): string {
  if (key === "") throw invalidKey(key, "it is empty");
  checkCharacters(key);
  if (key.startsWith("/") || key.endsWith("/")) {
    throw invalidKey(key, 'it starts or ends with "/"');
  }
  checkSegments(key, key.split("/"));
  return key;
}

/**
 * Returns `prefix` when it may be listed: "" (everything), whole segments with an optional
 * trailing "/", or a partial last segment ("bundles/re" matches "bundles/repo1/...").
 * Throws DatamonError "invalid-argument" otherwise.
 */
export function checkPrefix(prefix: string): string {
  if (prefix === "") return prefix;
  checkCharacters(prefix);
  if (prefix.startsWith("/")) throw invalidKey(prefix, 'it starts with "/"');
  const segments = prefix.split("/");
  // The last piece is either "" (trailing "/") or a partial name: any start of a valid name,
  // "." and ".." included (they begin ".hidden" and "..x").
  checkSegments(prefix, segments.slice(0, -1));
  return prefix;
}

/**
 * The listing delimiter of `options` ("" for none) when backends support it: only "/".
 * Throws DatamonError "invalid-argument" naming the store otherwise.
 */
export function checkDelimiter(delimiter: string | undefined, storeUrl: string): "" | "/" {
  if (delimiter === undefined || delimiter === "" || delimiter === "/") return delimiter ?? "";
  throw new DatamonError(
    "invalid-argument",
    `delimiter ${JSON.stringify(delimiter)} is not supported by ${storeUrl}; use "/"`,
  );
}

/** Throws DatamonError "invalid-argument" unless offset and length are non-negative integers. */
export function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new DatamonError(
      "invalid-argument",
      `invalid range offset ${offset}: use an integer >= 0`,
    );
  }
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new DatamonError(
      "invalid-argument",
      `invalid range length ${length}: use an integer >= 0`,
    );
  }
}

/**
 * Orders keys by their UTF-8 bytes, which is the order S3 and GCS list in. Plain `<` compares
 * UTF-16 code units and puts characters above U+FFFF before U+E000..U+FFFF.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (U+D800..U+DFFF) above U+E000..U+FFFF so code units sort as code points. */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function checkCharacters(key: string): void {
  if (key.includes("\0")) throw invalidKey(key, "it contains a NUL character");
  if (key.includes("\\")) throw invalidKey(key, "it contains a backslash");
}

function checkSegments(key: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === "") throw invalidKey(key, "it has an empty segment");
    if (segment === "." || segment === "..") {
      throw invalidKey(key, `it has a "${segment}" segment`);
    }
  }
}

function invalidKey(key: string, why: string): DatamonError {
  return new DatamonError(
    "invalid-argument",
    `invalid store key ${JSON.stringify(key)}: ${why}; ${KEY_RULES}`,
  );
}
