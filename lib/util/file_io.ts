/** Reading local files into caller-owned buffers (shared by the local store and the cafs). */

/** Reads until `into` is full or the file ends; returns the bytes read. */
export async function readFull(file: Deno.FsFile, into: Uint8Array): Promise<number> {
  let filled = 0;
  while (filled < into.length) {
    const n = await file.read(into.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return filled;
}
