/** Helpers for tests against the kernel's FUSE: availability, mounts that always go away. */
import { withTempDir } from "./fixtures.ts";
import { datamon, datamonOk } from "./cli.ts";

/**
 * Whether this machine offers FUSE (/dev/fuse). Mount tests are skipped only when it does
 * not; a shell answers because Deno does not let a scoped process look into /dev.
 */
export const FUSE_MISSING = !new Deno.Command("sh", { args: ["-c", "test -c /dev/fuse"] })
  .outputSync().success;

/** Why mount tests are skipped, when they are. */
const FUSE_IGNORE = { ignore: FUSE_MISSING };

/** A test against the kernel's FUSE (skipped without /dev/fuse), given a fresh temp dir. */
export function fuseTest(name: string, fn: (dir: string) => Promise<void>): void {
  Deno.test({ name, ...FUSE_IGNORE, fn: () => withTempDir(fn) });
}

/** Runs a program (cat, cmp, find, sh) and returns how it ended. */
export async function run(
  program: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Detaches whatever is mounted on `dir`, quietly (test teardown). */
export async function clearMount(dir: string): Promise<void> {
  await run("fusermount3", "-uz", dir).catch(() => {});
}

/**
 * Mounts with `datamon ...mountArgs --daemonize` at `dir` (made when absent), runs `fn`, and
 * unmounts (through `bundle unmount`, and fusermount3 -uz if that failed).
 */
export async function withMount<T>(
  home: string,
  dir: string,
  mountArgs: string[],
  fn: () => Promise<T>,
): Promise<T> {
  await Deno.mkdir(dir, { recursive: true });
  await datamonOk(home, ...mountArgs, "--mount", dir, "--daemonize");
  try {
    return await fn();
  } finally {
    const r = await datamon(home, "bundle", "unmount", dir);
    if (r.code !== 0) await clearMount(dir);
  }
}

/** True when `dir` is a mount point (its device differs from its parent's). */
export async function isMounted(dir: string): Promise<boolean> {
  try {
    const info = await Deno.stat(dir);
    const parent = await Deno.stat(`${dir}/..`);
    return info.dev !== parent.dev;
  } catch {
    return true;
  }
}
