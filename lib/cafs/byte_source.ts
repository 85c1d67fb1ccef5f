/**
 * Where the bytes of a file being stored come from: a local file, or an object of another
 * store (an upload straight from a bucket). Read front to back into the writer's leaf buffers,
 * so memory stays one leaf per file whatever the source.
 */
import { readFull, readFullSync } from "../util/file_io.ts";
import type { OpenFile } from "../util/byte_fs.ts";
import type { Store } from "../store/store.ts";

/** Sequential bytes of one file. */
export interface ByteSource {
  /** Bytes the source holds now (a local file may have changed since it was listed). */
  size(): Promise<number>;
  /** Fills `into` as far as the source goes; fewer bytes only at its end. */
  read(into: Uint8Array): Promise<number>;
  /** Starts over from the first byte. */
  rewind(): Promise<void>;
}

/**
 * An open local file as a ByteSource; the caller closes the file. A `small` one is read by sync
 * calls: an async call is a round trip to Deno's blocking threads, which for thousands of small
 * files costs more than the reads themselves.
 */
export function fileByteSource(file: OpenFile, small = false): ByteSource {
  return {
    size: async () => (small ? file.statSync() : await file.stat()).size,
    read: (into) => small ? Promise.try(() => readFullSync(file, into)) : readFull(file, into),
    rewind: async () => {
      await file.seek(0, Deno.SeekMode.Start);
    },
  };
}

/**
 * The object `key` of `store`, `size` bytes long as listed, read with one ranged request per
 * buffer filled. An object that shrank reads short; one that grew is cut at `size`.
 */
export function objectByteSource(store: Store, key: string, size: number): ByteSource {
  let offset = 0;
  return {
    size: () => Promise.resolve(size),
    read: async (into) => {
      const length = Math.min(into.length, size - offset);
      if (length <= 0) return 0;
      const bytes = await store.getRange(key, offset, length);
      into.set(bytes);
      offset += bytes.length;
      return bytes.length;
    },
    rewind: () => {
      offset = 0;
      return Promise.resolve();
    },
  };
}
