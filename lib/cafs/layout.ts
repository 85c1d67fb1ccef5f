/**
 * The blob store's layout, the one place that knows it:
 * ```
 * {hex key}                 a leaf or a root object, flat, under the BLAKE3 of its bytes
 * packs/{ksuid}             a pack of small blobs (pack.ts)
 * locks/purge.yaml          the one purge's exclusive lock (locks.ts)
 * locks/writers/{id}.yaml   each writer's lock (locks.ts)
 * contexts/{hash}.yaml      a context writing here: its metadata stores (meta/registry.ts)
 * quarantine/{id}/{key}     an object purge `id` moved out of its key (quarantine.ts)
 * quarantine/{id}.yaml      the record of purge `id`'s batch, written once it is whole
 * ```
 * Locks, context records and quarantined objects are no blobs: never swept. Nor is any other key: garbage
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

/** Where purges move the objects no bundle needs, one batch per purge. */
export const QUARANTINE_PREFIX = "quarantine/";

/** The prefix of purge `id`'s batch of quarantined objects. */
export function quarantineBatchPrefix(id: string): string {
  return `${QUARANTINE_PREFIX}${id}/`;
}

/** Where purge `id` keeps the object it moved out of `key`. */
export function quarantinedKey(id: string, key: string): string {
  return `${quarantineBatchPrefix(id)}${key}`;
}

/** The key of the record of purge `id`'s batch. */
export function quarantineRecordKey(id: string): string {
  return `${QUARANTINE_PREFIX}${id}.yaml`;
}

/**
 * The purge id of a row of a grouped listing of QUARANTINE_PREFIX: a batch's prefix or its
 * record; undefined for anything else.
 */
export function quarantineBatchOf(row: string): { id: string; record: boolean } | undefined {
  if (!row.startsWith(QUARANTINE_PREFIX)) return undefined;
  const rest = row.slice(QUARANTINE_PREFIX.length);
  const m = /^([0-9A-Za-z]+)(\/|\.yaml)$/.exec(rest);
  if (!m || !isKsuid(m[1])) return undefined;
  return { id: m[1], record: m[2] === ".yaml" };
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
