/**
 * Content sources of a bundle view: leaves fetched on demand through the verifying reader and
 * its leaf cache, or files already downloaded to local disk.
 */
import type { CafsReader } from "../cafs/reader.ts";
import type { BundleFile } from "./bundle_inodes.ts";
import type { ContentReader, ContentSource } from "./bundle_fs.ts";
import { readFull } from "../util/file_io.ts";

/** How many times `prefetch` leaves a handle read front to back loads ahead, like a download. */
const STREAM_FACTOR = 4;
/** How far a read may land from where the handle's previous one ended and still continue it. */
const NEAR_BYTES = 1024 * 1024;

/**
 * Reads through the cafs: every leaf is verified against its key before a byte is served.
 * A handle read front to back loads STREAM_FACTOR x `prefetch` leaves ahead and lets the leaves
 * it passed go; any other read loads `prefetch`. Files about to be walked to are started
 * through `reader.prefetch`.
 */
export function cafsContent(reader: CafsReader, prefetch: number): ContentSource {
  const streaming = prefetch * STREAM_FACTOR;
  return {
    open: (file: BundleFile): ContentReader => {
      /** Where the handle's previous read ended. */
      let next = 0;
      return {
        read(offset, length) {
          const frontToBack = Math.abs(offset - next) <= NEAR_BYTES;
          next = offset + length;
          return reader.readRange(
            file,
            offset,
            length,
            frontToBack ? streaming : prefetch,
            frontToBack,
          );
        },
        close: () => {},
      };
    },
    prefetch: (file) => reader.prefetch(file),
  };
}

/** Reads the files of a bundle downloaded under `dir`. */
export function diskContent(dir: string): ContentSource {
  return {
    async open(file: BundleFile): Promise<ContentReader> {
      const handle = await Deno.open(`${dir}/${file.name}`, { read: true });
      // One position per handle: reads of one handle take turns.
      let turn: Promise<unknown> = Promise.resolve();
      const readAt = async (offset: number, length: number) => {
        const out = new Uint8Array(Math.max(0, Math.min(length, file.size - offset)));
        await handle.seek(offset, Deno.SeekMode.Start);
        return out.subarray(0, await readFull(handle, out));
      };
      return {
        read(offset, length) {
          const result = turn.then(() => readAt(offset, length));
          turn = result.catch(() => {});
          return result;
        },
        close: () => handle.close(),
      };
    },
  };
}
