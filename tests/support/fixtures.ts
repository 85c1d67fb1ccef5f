/** Test fixtures: temp directories, generated files, and tree comparison. */
import { assert, assertEquals } from "./assert.ts";
import { RACY_MARGIN_MS } from "../../lib/core/upload_cache.ts";

/** Deterministic pseudo-random bytes (xorshift), so a failing case can be reproduced. */
export function patternBytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** Writes files given as name -> content (bytes, text, or a size for pattern bytes). */
export async function writeTree(
  root: string,
  files: Record<string, Uint8Array | string | number>,
): Promise<void> {
  let seed = 1;
  for (const [name, content] of Object.entries(files)) {
    const path = `${root}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const bytes = typeof content === "number"
      ? patternBytes(content, seed++)
      : typeof content === "string"
      ? new TextEncoder().encode(content)
      : content;
    await Deno.writeFile(path, bytes);
  }
}

/** `count` files of `size` pattern bytes each (each different), named d{i % 10}/f{i:05}. */
export function manyFiles(count: number, size: number): Record<string, number> {
  const files: Record<string, number> = {};
  for (let i = 0; i < count; i++) files[`d${i % 10}/f${String(i).padStart(5, "0")}`] = size;
  return files;
}

/** True when something (a dangling link included) is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Relative names of every file under root, sorted. */
export async function listTree(root: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) names.push(...await listTree(root, name));
    else names.push(name);
  }
  return names.sort();
}

/** Asserts two directory trees hold the same names with the same bytes. */
export async function assertSameTree(expected: string, actual: string): Promise<void> {
  const a = await listTree(expected);
  const b = await listTree(actual);
  assertEquals(b, a, "file names differ");
  for (const name of a) {
    const x = await Deno.readFile(`${expected}/${name}`);
    const y = await Deno.readFile(`${actual}/${name}`);
    assert(x.length === y.length && x.every((v, i) => v === y[i]), `content of ${name} differs`);
  }
}

/** Runs `fn` with a fresh temp directory, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "datamon-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Waits until the files written so far are old enough for the upload cache to record them: it
 * leaves out files changed in the seconds before an upload (lib/core/upload_cache.ts), and Deno
 * gives ctime in whole seconds.
 */
export function untilCacheable(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, RACY_MARGIN_MS + 1200));
}
