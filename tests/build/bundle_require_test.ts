/**
 * The bundle's `require` of Node built-ins (scripts/bundle_require.js): commander's first requests
 * get stand-ins that load the module on first use, every later request the module itself.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { EventEmitter } from "node:events";
import { bundleRequire } from "../../scripts/bundle_require.js";

const builtin = (name: string) =>
  (globalThis as unknown as { process: { getBuiltinModule(n: string): unknown } }).process
    .getBuiltinModule(name);

Deno.test("the first require of node:path is a stand-in that works as the module; the next is the module", () => {
  const first = bundleRequire("node:path") as { join(...parts: string[]): string };
  assert(first !== builtin("node:path"), "the first request got the module itself");
  assertEquals(first.join("a", "b"), "a/b");
  assert("basename" in first);
  assert(bundleRequire("node:path") === builtin("node:path"));
});

Deno.test("a stand-in for node:process reads and writes the real process", () => {
  const stand = bundleRequire("node:process") as { env: unknown; exitCode?: number };
  const real = builtin("node:process") as { env: unknown; exitCode?: number };
  assert(stand.env === real.env);
  const before = real.exitCode;
  stand.exitCode = 3;
  assertEquals(real.exitCode, 3);
  real.exitCode = before;
});

Deno.test("node:events is EventEmitter itself, as CommonJS has it", () => {
  assert(bundleRequire("node:events") === EventEmitter);
  assert(bundleRequire("events") === EventEmitter);
});

Deno.test("a module that is not a built-in fails as createRequire does, so optional probes go on", () => {
  assert.throws(() => bundleRequire("supports-color"), { code: "MODULE_NOT_FOUND" });
  assert(bundleRequire("node:crypto") === builtin("node:crypto"));
});
