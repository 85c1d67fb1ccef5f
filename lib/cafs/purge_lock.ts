/**
 * The purge lock: one create-only object in the blob store, held by the one purge running.
 * It lives here, not in the metadata layer, because it is part of the blob store's layout
 * (sweep must know it is no blob) and of its garbage collection protocol.
 */
import { isKind } from "../errors.ts";
import { decodePurgeLock, encodePurgeLock } from "../model/codec.ts";
import type { PurgeLock } from "../model/types.ts";
import type { Store } from "../store/store.ts";
import { purgeLockKey } from "./layout.ts";

/** The lock another purge holds. */
export interface HeldLock {
  /** Its record, when it could be read. */
  holder?: PurgeLock;
  /** The lock object and its store, for messages. */
  where: string;
}

/**
 * Creates the lock object holding `lock`; with `force`, a lock already there (left by a purge
 * that died) is removed first. Returns undefined once the lock is taken, else the lock that
 * another purge holds.
 */
export async function takePurgeLock(
  store: Store,
  lock: PurgeLock,
  force: boolean,
): Promise<HeldLock | undefined> {
  if (force) await store.delete(purgeLockKey);
  const text = encodePurgeLock(lock);
  if (await store.putIfAbsent(purgeLockKey, new TextEncoder().encode(text))) return undefined;
  const where = `${purgeLockKey} in ${store.url}`;
  try {
    const held = decodePurgeLock(new TextDecoder().decode(await store.get(purgeLockKey)), where);
    return { holder: held, where };
  } catch (e) {
    if (!isKind(e, "not-found") && !isKind(e, "integrity")) throw e;
    return { where };
  }
}

/** Removes the lock this purge took. */
export async function releasePurgeLock(store: Store): Promise<void> {
  await store.delete(purgeLockKey);
}
