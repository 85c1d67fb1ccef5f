/**
 * The `require` of the bundle's CommonJS packages. scripts/bundle.sh copies this file into the
 * bundle and points esbuild's `__require` at it, in place of the `createRequire(import.meta.url)`
 * of node:module that deno bundle puts there. Only Node's built-ins are left to require in a
 * bundle (esbuild bundles every package), and those come from process.getBuiltinModule.
 *
 * Why not createRequire: commander, which every command loads, requires node:process,
 * node:child_process, node:fs and node:path as it is evaluated, and node:module and those start
 * Deno's Node compatibility layer: ~35 ms of CPU, a third of `datamon version`, for paths datamon
 * never takes (executable subcommands, process.argv when no arguments are given). So the first
 * request for each of those four, commander's at start-up, gets a stand-in that loads the module
 * on first use; later ones (the cloud SDKs, when a command loads them) get the module itself.
 * node:events is loaded at once: commander's Command extends its EventEmitter.
 */
import EventEmitter from "node:events";

/** Modules whose first request gets a stand-in that loads them on first use. */
const deferred = new Set(["node:process", "node:child_process", "node:fs", "node:path"]);

/**
 * Node's built-in module `name`, as a CommonJS `require` returns it.
 * @param {string} name
 * @returns {unknown}
 */
export function bundleRequire(name) {
  if (name === "node:events" || name === "events") return EventEmitter;
  if (deferred.delete(name)) return loadedOnFirstUse(name);
  return builtin(name);
}

/**
 * @param {string} name
 * @returns {object}
 */
function builtin(name) {
  const module = globalThis.process.getBuiltinModule(name);
  if (module === undefined) {
    // As createRequire fails: packages probe optional dependencies (e.g. supports-color).
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
  }
  return module;
}

/**
 * A stand-in for built-in `name`: reading, writing or testing a property loads the module.
 * @param {string} name
 * @returns {object}
 */
function loadedOnFirstUse(name) {
  /** @type {object | undefined} */
  let module;
  const real = () => (module ??= builtin(name));
  return new Proxy({}, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
  });
}
