/**
 * Whether FUSE is usable here, as `datamon doctor` check rows: the kernel's device can be
 * opened and a libfuse of a verified version loads. Only mounts need FUSE, so a miss is a
 * warning, not a failure.
 */
import { type Check, errorLine } from "../core/doctor.ts";
import { openLibfuse } from "./fuse_ffi.ts";
import { FUSE_DEVICE, fuseDeviceUsable } from "./fuse_device.ts";

/** The FUSE device check, then the libfuse check. */
export function* fuseChecks(): Generator<Check> {
  yield* deviceChecks();
  yield libfuseCheck();
}

/** The device's row: ok, or a warning when it is unusable or this process may not ask. */
function* deviceChecks(): Generator<Check> {
  let device: boolean;
  try {
    device = fuseDeviceUsable();
  } catch (e) {
    yield {
      name: "FUSE device",
      status: "warn",
      detail: `cannot check ${FUSE_DEVICE}: ${errorLine(e)}`,
      fix: "run with --allow-ffi (the mount commands need it too)",
    };
    return;
  }
  if (device) {
    yield { name: "FUSE device", status: "ok", detail: `${FUSE_DEVICE} can be opened` };
  } else {
    yield {
      name: "FUSE device",
      status: "warn",
      detail: `${FUSE_DEVICE} is missing or not readable and writable: bundle mount will fail`,
      fix: "load the fuse module, or in a container add /dev/fuse and CAP_SYS_ADMIN",
    };
  }
}

/** libfuse3 loads and its version is one the FFI layouts were verified against. */
function libfuseCheck(): Check {
  try {
    const { version } = openLibfuse();
    return { name: "libfuse", status: "ok", detail: `libfuse ${version} loads` };
  } catch (e) {
    return {
      name: "libfuse",
      status: "warn",
      detail: `${errorLine(e)}: bundle mount will fail`,
      fix: "apt-get install fuse3 libfuse3-3 (libfuse 3.14)",
    };
  }
}
