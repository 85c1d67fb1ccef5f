/**
 * The blob store's layout, the one place that knows it:
 * ```
 * {hex key}                 a leaf or a root object, flat, under the BLAKE3 of its bytes
 * packs/{ksuid}             a pack of small blobs (pack.ts)
 * locks/purge.yaml          the one purge's exclusive lock (locks.ts)
 * locks/writers/{id}.yaml   each writer's lock (locks.ts)
 * contexts/{hash}.yaml      a context writing here: its metadata stores (meta/registry.ts)
 * ```
 * Locks and context records are no blobs: never swept. Nor is any other key: garbage
 * collection leaves it alone. A store's own temporary files are not keys at all: stores do not list them, and purge has the store
 * remove the stale ones (Store.removeStaleTemporaries).
 */
import { isKsuid } from "../model/ksuid.ts";
import { isKey } from "./root.ts";

const PACKS_PREFIX = "packs/";
const LOCKS_PREFIX = "locks/";

/** The key of the object that the one purge running holds. */
export const purgeLockKey = `${LOCKS_PREFIX}purge.yaml`;

/** Where writers' locks are. */
export const WRITER_LOCKS_PREFIX = `${LOCKS_PREFIX}writers/`;

/** The key of writer `id`'s lock. */
export function writerLockKey(id: string): string {
  return `${WRITER_LOCKS_PREFIX}${id}.yaml`;
}

/** Where the records of the contexts writing to the store are. */
export const CONTEXT_RECORDS_PREFIX = "contexts/";

/** The key of the record of the context whose metadata stores hash to `hash`. */
export function contextRecordKey(hash: string): string {
  return `${CONTEXT_RECORDS_PREFIX}${hash}.yaml`;
}

/** The blob store key of pack `id`. */
export function packKey(id: string): string {
  return `${PACKS_PREFIX}${id}`;
}

/** What a key of the blob store holds, when it is a blob or a pack. */
export type BlobStoreObject = { kind: "blob"; key: string } | { kind: "pack"; id: string };

/** What the object under `key` is, or undefined for a key that is neither blob nor pack. */
export function objectAt(key: string): BlobStoreObject | undefined {
  if (key.startsWith(PACKS_PREFIX)) {
    const id = key.slice(PACKS_PREFIX.length);
    return isKsuid(id) ? { kind: "pack", id } : undefined;
  }
  return isKey(key) ? { kind: "blob", key } : undefined;
}
