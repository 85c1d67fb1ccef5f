/**
 * Whole reads and writes of local files: Deno's read and write may move fewer bytes than asked,
 * so every caller that needs all of them loops here, once.
 */

/** Reads until `into` is full or the file ends; returns the bytes read. */
export async function readFull(
  file: Pick<Deno.FsFile, "read">,
  into: Uint8Array,
): Promise<number> {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** readFull(), by sync calls (for small files: see lib/util/atomic_file.ts). */
export function readFullSync(file: Pick<Deno.FsFile, "readSync">, into: Uint8Array): number {
  let filled = 0;
  while (filled < into.length) {
    const n = file.readSync(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}

/** Writes every byte of `bytes` at the file's position. */
export async function writeAll(file: Pick<Deno.FsFile, "write">, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += await file.write(bytes.subarray(done));
}

/** writeAll(), by sync calls. */
export function writeAllSync(file: Pick<Deno.FsFile, "writeSync">, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += file.writeSync(bytes.subarray(done));
}
