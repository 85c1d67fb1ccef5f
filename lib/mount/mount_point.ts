/**
 * Mount points: checking a directory before mounting on it, clearing a stale FUSE mount a
 * crashed process left behind, and unmounting through fusermount3.
 */
import { DatamonError } from "../errors.ts";

const FUSERMOUNT = "fusermount3";

/** The absolute form of `dir`, resolved without touching `dir` itself (it may be a dead mount). */
export async function absoluteMountPath(dir: string): Promise<string> {
  const trimmed = dir.replace(/\/+$/, "") || "/";
  const slash = trimmed.lastIndexOf("/");
  const parent = slash < 0 ? "." : trimmed.slice(0, slash) || "/";
  const base = trimmed.slice(slash + 1);
  let realParent: string;
  try {
    realParent = await Deno.realPath(parent);
  } catch {
    throw new DatamonError("bad-path", `mount point ${dir} does not exist: create it first`);
  }
  return `${realParent.replace(/\/$/, "")}/${base}`;
}

/**
 * Whether `path` (absolute) is a mount point: "live" when its device differs from its
 * parent's, "stale" when a dead FUSE mount answers ENOTCONN (to a stat, or to a listing when
 * the kernel still caches its attributes), else "none".
 */
async function mountState(path: string): Promise<"none" | "live" | "stale"> {
  const notConnected = (e: unknown) => (e as { code?: string }).code === "ENOTCONN";
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    return notConnected(e) ? "stale" : "none";
  }
  const parent = await Deno.stat(path.slice(0, path.lastIndexOf("/")) || "/");
  if (info.dev === parent.dev) return "none";
  try {
    for await (const _ of Deno.readDir(path)) break;
  } catch (e) {
    if (notConnected(e)) return "stale";
  }
  return "live";
}

/** Runs fusermount3 with `args`; the exit code and its stderr. */
async function fusermount(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const out = await new Deno.Command(FUSERMOUNT, { args, stdout: "null", stderr: "piped" })
      .output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DatamonError(
        "fuse-unavailable",
        `${FUSERMOUNT} not found: install fuse3 (e.g. apt-get install fuse3)`,
      );
    }
    throw e;
  }
}

/**
 * Checks `dir` before a mount: it must be an existing, empty directory and no live mount; a
 * stale FUSE mount left by a crash (its stat fails with ENOTCONN) is cleared first. Returns
 * the absolute path and its owner, whom the mounted files are shown as owned by.
 */
export async function prepareMountPoint(
  dir: string,
): Promise<{ path: string; uid: number; gid: number }> {
  const path = await absoluteMountPath(dir);
  const state = await mountState(path);
  if (state === "live") {
    throw new DatamonError(
      "destination-not-empty",
      `${dir} is already a mount point: unmount it first ("datamon bundle unmount ${dir}")`,
    );
  }
  if (state === "stale") await fusermount("-uz", path);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DatamonError("bad-path", `mount point ${dir} does not exist: create it first`);
    }
    throw new DatamonError(
      "bad-path",
      `mount point ${dir} cannot be used: ${(e as Error).message}`,
    );
  }
  if (!info.isDirectory) {
    throw new DatamonError("bad-path", `mount point ${dir} is not a directory: give a directory`);
  }
  for await (const _ of Deno.readDir(path)) {
    throw new DatamonError(
      "destination-not-empty",
      `mount point ${dir} is not empty: mount on an empty directory`,
    );
  }
  return { path, uid: info.uid ?? 0, gid: info.gid ?? 0 };
}

/**
 * Unmounts `dir` (fusermount3 -u): the process serving it sees its session end and finishes
 * (a mutable mount commits its bundle then).
 */
export async function unmount(dir: string): Promise<void> {
  const path = await absoluteMountPath(dir);
  if (await mountState(path) === "none") {
    throw new DatamonError("bad-path", `${dir} is not mounted: nothing to unmount`);
  }
  const out = await fusermount("-u", path);
  if (out.code === 0) return;
  if (/busy/i.test(out.stderr)) {
    throw new DatamonError(
      "bad-path",
      `${dir} is busy: close the files and shells using it, then unmount again`,
    );
  }
  throw new DatamonError("bad-path", `cannot unmount ${dir}: ${out.stderr}`);
}
