/**
 * Whether this process may open the kernel's FUSE device. Deno refuses to stat anything under
 * /dev without --allow-all, so libc's access(2) is asked through FFI (which a mount needs anyway).
 */

/** access(2)'s R_OK | W_OK: the device is opened read-write. */
const READ_WRITE = 4 | 2;

/** The FUSE device's path. */
export const FUSE_DEVICE = "/dev/fuse";

/** True when FUSE_DEVICE exists and this process may open it read-write. */
export function fuseDeviceUsable(): boolean {
  const libc = Deno.dlopen("libc.so.6", {
    access: { parameters: ["buffer", "i32"], result: "i32" },
  });
  try {
    const path = new TextEncoder().encode(`${FUSE_DEVICE}\0`);
    return libc.symbols.access(path, READ_WRITE) === 0;
  } finally {
    libc.close();
  }
}
