/**
 * The one assertion module of the tests. `assert` is node's strict assert (JSR's @std/assert is
 * out of reach here): `assert(value)` and every function of node:assert/strict as a method
 * (`assert.equal`, `assert.deepEqual`, `assert.rejects`...). Beside it, the std-style names the
 * end-to-end tests use and the project's own checks: error kinds, bytes, integrity failures.
 */
import nodeAssert from "node:assert/strict";
import { type DatamonError, type ErrorKind, isKind } from "../../lib/errors.ts";

export { default as assert } from "node:assert/strict";

/** Asserts that `actual` and `expected` are deeply and strictly equal. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}

/** Asserts that `actual` matches `pattern`. */
export function assertMatch(actual: string, pattern: RegExp, message?: string): void {
  nodeAssert.match(actual, pattern, message);
}

/** Asserts that `fn` rejects, and returns the error for further checks. */
export async function assertRejects(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new nodeAssert.AssertionError({ message: "expected a rejection, got none" });
}

/** Asserts that `fn` rejects with a DatamonError of `kind`, and returns it. */
export async function assertRejectsKind(
  kind: ErrorKind,
  fn: () => Promise<unknown>,
): Promise<DatamonError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  nodeAssert.ok(isKind(caught, kind), `expected DatamonError "${kind}", got ${caught}`);
  return caught;
}

/** Asserts that `fn` throws a DatamonError of `kind`, and returns it. */
export function assertThrowsKind(kind: ErrorKind, fn: () => unknown): DatamonError {
  try {
    fn();
  } catch (e) {
    nodeAssert.ok(isKind(e, kind), `expected DatamonError "${kind}", got ${e}`);
    return e;
  }
  nodeAssert.fail(`expected DatamonError "${kind}", got no error`);
}

/** Asserts that `promise` rejects with an "integrity" error whose message matches `pattern`. */
export async function assertIntegrity(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  await nodeAssert.rejects(promise, (e) => {
    nodeAssert.ok(isKind(e, "integrity"), `expected an integrity error, got ${e}`);
    nodeAssert.match(e.message, pattern);
    return true;
  });
}

/** Asserts that two byte arrays are equal without printing megabytes on failure. */
export function assertSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  nodeAssert.ok(actual instanceof Uint8Array, "expected a Uint8Array");
  nodeAssert.equal(actual.length, expected.length, "length");
  const at = actual.findIndex((b, i) => b !== expected[i]);
  nodeAssert.equal(at, -1, `bytes differ at offset ${at}`);
}
