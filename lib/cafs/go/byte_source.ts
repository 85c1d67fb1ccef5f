/**
 * A Go datamon file as a ByteSource: its verified leaves (reader.ts) handed to our writer,
 * so that a migration re-keys Go's bytes to BLAKE3 without a local copy and without trusting
 * a byte Go's keys do not vouch for.
 */
import type { Store } from "../../store/store.ts";
import type { ByteSource } from "../byte_source.ts";
import { type GoStoredFile, readGoFile } from "./reader.ts";

const EMPTY: Uint8Array = new Uint8Array(0);

/** The bytes of `file` in `blob`, each leaf verified with Go's hash before it is read. */
export function goByteSource(blob: Store, file: GoStoredFile, leafSize: number): ByteSource {
  let leaves = readGoFile(blob, file, leafSize);
  let pending = EMPTY;
  return {
    size: () => Promise.resolve(file.size),
    read: async (into) => {
      let filled = 0;
      while (filled < into.length) {
        if (pending.length === 0) {
          const next = await leaves.next();
          if (next.done) break;
          pending = next.value;
        }
        const n = Math.min(pending.length, into.length - filled);
        into.set(pending.subarray(0, n), filled);
        pending = pending.subarray(n);
        filled += n;
      }
      return filled;
    },
    rewind: async () => {
      await leaves.return(undefined);
      leaves = readGoFile(blob, file, leafSize);
      pending = EMPTY;
    },
  };
}
