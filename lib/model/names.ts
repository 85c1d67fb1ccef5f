/** Validation of the names users give things and of the names stored in metadata. */

import { DatamonError } from "../errors.ts";
import { isKsuid } from "./ksuid.ts";

/** What a user-chosen name names. */
export type NameKind = "repo" | "label" | "context" | "run id" | "split";

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `name` is 1-64 ASCII letters, digits, '.', '_' or '-', led by a letter or digit. */
export function isValidName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

/**
 * Returns `name` when it is a valid repo, label or context name. Names become key segments, so
 * the rule excludes '/', "..", spaces and anything a store or shell might treat specially.
 */
export function validateName(kind: NameKind, name: string): string {
  if (!isValidName(name)) {
    throw new DatamonError(
      "invalid-argument",
      `invalid ${kind} name "${name}": use 1-64 letters, digits, '.', '_' or '-', ` +
        "starting with a letter or digit",
    );
  }
  return name;
}

/** Returns `id` when it is a well-formed bundle id (a ksuid). */
export function validateBundleId(id: string): string {
  if (!isKsuid(id)) {
    throw new DatamonError(
      "invalid-argument",
      `invalid bundle id "${id}": a bundle id is 27 letters and digits (see "bundle list")`,
    );
  }
  return id;
}

/**
 * Returns `name` when it is a safe file entry name: a relative '/'-separated path with no empty,
 * "." or ".." segment and no NUL. A bad name in a stored file list means damaged metadata, and
 * rejecting it keeps a download inside its destination.
 */
export function validateEntryName(name: string): string {
  const problem = entryNameProblem(name);
  if (problem !== null) {
    throw new DatamonError(
      "integrity",
      `invalid file entry name ${JSON.stringify(name)}: ${problem}`,
    );
  }
  return name;
}

const SLASH = 0x2f;
const DOT = 0x2e;

// One pass over the characters, no split: every entry of every file list read is checked.
function entryNameProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.charCodeAt(0) === SLASH) return "it must be relative (no leading '/')";
  if (name.includes("\0")) return "it contains a NUL character";
  let start = 0;
  for (let i = 0; i <= name.length; i++) {
    if (i < name.length && name.charCodeAt(i) !== SLASH) continue;
    const problem = segmentProblem(name, start, i);
    if (problem !== null) return problem;
    start = i + 1;
  }
  return null;
}

/** What is wrong with the path segment `name[start, end)`, or null. */
function segmentProblem(name: string, start: number, end: number): string | null {
  const length = end - start;
  if (length === 0) return "it has an empty path segment";
  if (length > 2 || name.charCodeAt(start) !== DOT) return null;
  if (length === 1) return `it has a "." path segment`;
  return name.charCodeAt(start + 1) === DOT ? `it has a ".." path segment` : null;
}
