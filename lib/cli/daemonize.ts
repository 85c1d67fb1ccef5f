/**
 * `--daemonize`: runs this same command again as a detached background process and returns
 * once that process reports the mount ready (or reports why it failed).
 */
import { DatamonError } from "../errors.ts";
import { type MountState, readMountState } from "./mount_status.ts";

const POLL_MS = 20;

/**
 * The V8 flag of scripts/permissions.txt (tests/build/build_test.ts checks they agree), which
 * no process can read back from its own: a mount run again under deno is given it here.
 */
export const V8_FLAGS = "--v8-flags=--max-semi-space-size=8";

/** Whether this process holds a permission (the child gets no more than its parent). */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/**
 * This same command minus `--daemonize`: a compiled binary runs itself with the user's
 * arguments (its permissions are built in); under `deno run` the main module runs again with
 * those of the permissions a mount uses that this process holds.
 */
function childArgs(): string[] {
  const args = Deno.args.filter((arg) => arg !== "--daemonize");
  if (Deno.build.standalone) return args;
  // Cloud stores need the network and system information (the SDKs' auth and user agent).
  const flags = (["read", "write", "env", "ffi", "net", "sys"] as const)
    .filter((name) => granted({ name }))
    .map((name) => `--allow-${name}`);
  if (!granted({ name: "sys" }) && granted({ name: "sys", kind: "hostname" })) {
    flags.push("--allow-sys=hostname");
  }
  const commands = ["git", "fusermount3"].filter((command) => granted({ name: "run", command }));
  if (commands.length > 0) flags.push(`--allow-run=${commands.join(",")}`);
  return ["run", "--quiet", "--cached-only", ...flags, V8_FLAGS, Deno.mainModule, ...args];
}

/**
 * The program that runs this same command again: this Deno (or binary) by its path, unless only
 * `deno` on PATH may be run (deno.json's task allows `deno`, and an npm-installed `deno` on PATH
 * is a symlink whose target, the path this process knows itself by, is another name).
 */
function selfCommand(): string {
  const self = Deno.execPath();
  if (Deno.build.standalone || granted({ name: "run", command: self })) return self;
  return granted({ name: "run", command: "deno" }) ? "deno" : self;
}

/**
 * Starts the mount in a detached child whose status goes to `statusPath`, and waits until it
 * is ready (state.ready) or has ended (state.done holds what it printed and its exit code).
 */
export async function daemonize(statusPath: string): Promise<MountState> {
  await Deno.remove(statusPath).catch(() => {});
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(selfCommand(), {
      args: childArgs(),
      stdin: "null",
      stdout: "null",
      stderr: "null",
      detached: true,
    }).spawn();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotCapable)) throw e;
    throw new DatamonError(
      "usage",
      `--daemonize runs ${selfCommand()} again, which this process may not: add it to --allow-run, or mount without --daemonize`,
    );
  }
  let exited: Deno.CommandStatus | undefined;
  child.status.then((status) => (exited = status));
  for (;;) {
    const state = await readMountState(statusPath);
    const mine = state?.pid === child.pid;
    if (mine && (state.ready || state.done)) {
      if (state.ready) child.unref();
      return state;
    }
    if (exited) {
      throw new DatamonError(
        "fuse-unavailable",
        `the mount process exited with code ${exited.code} before the mount was ready: run the same command without --daemonize to see why`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
