/**
 * Quarantine, the first of purge's two phases: an object no bundle needs is moved (copied
 * server-side, then deleted) from its key to quarantine/{purge id}/{key}, so that a wrong
 * purge shows up at the next read as a missing object that can still be brought back. A batch
 * is whole once its record quarantine/{id}.yaml is written (create-only, after the last move);
 * a batch without one was cut short, and the next purge finishes it. Quarantined objects are
 * deleted for good only by a later purge, once their batch is older than the quarantine
 * period. Copy before delete: a killed move leaves the object in both places, never in none.
 * The quarantine is only changed under the purge lock (locks.ts).
 */
import { stringify } from "yaml";
import { DatamonError, isKind } from "../errors.ts";
import { ksuidTime, newKsuid } from "../model/ksuid.ts";
import { copyObject, type Store } from "../store/store.ts";
import { mapOrdered } from "../util/map_ordered.ts";
import {
  QUARANTINE_PREFIX,
  quarantineBatchOf,
  quarantineBatchPrefix,
  quarantinedKey,
  quarantineRecordKey,
} from "./layout.ts";
import { decodeYamlRecord, hostName } from "./locks.ts";

/** What a whole batch's record says. */
export interface QuarantineRecord {
  /** The purge's id (a KSUID: it sorts by time). */
  id: string;
  /** When the purge started moving objects. */
  time: Date;
  /** The context the purge ran from, and the machine. */
  context: string;
  host: string;
  /** Objects moved and their bytes. */
  objects: number;
  bytes: number;
}

/** A batch found in the quarantine: its record, absent while the batch is not whole. */
export interface FoundBatch {
  id: string;
  record?: QuarantineRecord;
}

/** Objects and bytes a quarantine operation moved or deleted. */
export interface QuarantineCounts {
  batches: number;
  objects: number;
  bytes: number;
}

/** One purge's batch, filled by moves, made whole by close(). */
export class QuarantineBatch {
  readonly id: string;
  readonly #store: Store;
  readonly #context: string;
  readonly #time: Date;
  objects = 0;
  bytes = 0;

  /** A new batch of `store` for a purge from `context` starting at `time`. */
  constructor(store: Store, context: string, time = new Date()) {
    this.#store = store;
    this.#context = context;
    this.#time = time;
    this.id = newKsuid(time);
  }

  /** Moves the object at `key` (of `size` bytes) into the batch. */
  async move(key: string, size: number): Promise<void> {
    await copyObject(this.#store, key, quarantinedKey(this.id, key));
    await this.#store.delete(key);
    this.objects++;
    this.bytes += size;
  }

  /** Writes the batch's record, when anything was moved; the record, or undefined. */
  async close(): Promise<QuarantineRecord | undefined> {
    if (this.objects === 0) return undefined;
    const record = {
      id: this.id,
      time: this.#time,
      context: this.#context,
      host: hostName(),
      objects: this.objects,
      bytes: this.bytes,
    };
    await writeRecord(this.#store, record);
    return record;
  }
}

/** Every batch in the quarantine, oldest first. */
export async function* quarantineBatches(store: Store): AsyncGenerator<FoundBatch> {
  // A batch's record "{id}.yaml" lists just before its prefix "{id}/" ("." sorts before "/").
  let pending: FoundBatch | undefined;
  for await (const row of store.list(QUARANTINE_PREFIX, { delimiter: "/" })) {
    const batch = quarantineBatchOf(row.kind === "object" ? row.key : row.prefix);
    if (!batch) continue;
    if (pending && pending.id !== batch.id) yield pending;
    if (!pending || pending.id !== batch.id) pending = { id: batch.id };
    if (batch.record) pending.record = await readRecord(store, batch.id);
  }
  if (pending) yield pending;
}

/** The quarantined objects of batch `id`: each one's original key and size. */
export async function* batchObjects(
  store: Store,
  id: string,
): AsyncGenerator<{ key: string; size: number }> {
  const prefix = quarantineBatchPrefix(id);
  for await (const row of store.list(prefix)) {
    if (row.kind === "object") yield { key: row.key.slice(prefix.length), size: row.size };
  }
}

/** How a purge settles the quarantine before its sweep. */
export interface SettleOptions {
  /** True for an object key some bundle needs: it is restored, never deleted. */
  needed: (key: string) => boolean;
  /** Whole batches recorded before this are deleted for good. */
  expireBefore: Date;
  /** The context the purge runs from, for the record of a batch it finishes. */
  context: string;
  /** Count what would be done; change nothing. */
  dryRun: boolean;
  concurrency: number;
  /** Called for each quarantined object deleted for good (or, dry, that would be). */
  onDelete?: (object: { key: string; size: number }) => void;
}

/** What settling the quarantine did. */
export interface Settled {
  /** Batches a killed purge left without a record, finished. */
  finished: number;
  /** Objects a bundle needs, moved back to their keys. */
  restored: number;
  /** Expired batches, and their objects and bytes deleted for good. */
  expired: QuarantineCounts;
}

/**
 * Goes over every quarantined object once, before a purge sweeps. An object some bundle needs
 * (a context registered since, a bundle restored) is moved back. A batch a killed purge left
 * without a record is finished: a copy whose original is still stored (the delete after the
 * copy never ran) is dropped, so the sweep judges the object again, and the rest is recorded
 * under the batch's own time. A whole batch recorded before `expireBefore` is deleted for
 * good, its record last, so that a killed run is finished by the next.
 */
export async function settleQuarantine(store: Store, options: SettleOptions): Promise<Settled> {
  const settled: Settled = {
    finished: 0,
    restored: 0,
    expired: { batches: 0, objects: 0, bytes: 0 },
  };
  for await (const batch of quarantineBatches(store)) {
    const expired = batch.record !== undefined && batch.record.time < options.expireBefore;
    const kept = { objects: 0, bytes: 0 };
    const fates = mapOrdered(
      batchObjects(store, batch.id),
      options.concurrency,
      (object) => settleObject(store, batch, object, expired, options),
    );
    for await (const { fate, size } of fates) {
      if (fate === "restored") settled.restored++;
      if (fate === "deleted") {
        settled.expired.objects++;
        settled.expired.bytes += size;
      }
      if (fate === "kept") {
        kept.objects++;
        kept.bytes += size;
      }
    }
    if (options.dryRun) continue;
    if (expired) {
      await store.delete(quarantineRecordKey(batch.id));
      settled.expired.batches++;
    } else if (!batch.record) {
      if (kept.objects > 0) {
        await writeRecord(store, {
          id: batch.id,
          time: ksuidTime(batch.id),
          context: options.context,
          host: hostName(),
          ...kept,
        });
      }
      settled.finished++;
    }
  }
  return settled;
}

/** What became of one quarantined object. */
type Fate = "restored" | "dropped" | "deleted" | "kept";

async function settleObject(
  store: Store,
  batch: FoundBatch,
  object: { key: string; size: number },
  expired: boolean,
  options: SettleOptions,
): Promise<{ fate: Fate; size: number }> {
  const held = quarantinedKey(batch.id, object.key);
  let fate: Fate = "kept";
  if (options.needed(object.key)) fate = "restored";
  else if (expired) fate = "deleted";
  else if (!batch.record && await store.head(object.key)) fate = "dropped";
  if (!options.dryRun) {
    if (fate === "restored") await restoreObject(store, batch.id, object.key);
    if (fate === "deleted" || fate === "dropped") await store.delete(held);
  }
  if (fate === "deleted") options.onDelete?.({ key: held, size: object.size });
  return { fate, size: object.size };
}

/** How a restore goes. */
export interface RestoreOptions {
  /** Only this batch (default: every batch). */
  id?: string;
  /** Count what would be restored; move nothing. */
  dryRun: boolean;
  concurrency: number;
  /** Called for each object restored (or, dry, that would be). */
  onRestore?: (object: { key: string; size: number; id: string }) => void;
}

/**
 * Moves quarantined objects back to their keys (an object stored again meanwhile is kept:
 * content addressed, it is the same), then drops each batch's record. Throws "not-found" for
 * an `id` that is no batch.
 */
export async function restoreBatches(
  store: Store,
  options: RestoreOptions,
): Promise<QuarantineCounts> {
  const counts = { batches: 0, objects: 0, bytes: 0 };
  for await (const batch of quarantineBatches(store)) {
    if (options.id !== undefined && batch.id !== options.id) continue;
    const restored = mapOrdered(batchObjects(store, batch.id), options.concurrency, async (o) => {
      if (!options.dryRun) await restoreObject(store, batch.id, o.key);
      options.onRestore?.({ ...o, id: batch.id });
      return o.size;
    });
    for await (const size of restored) {
      counts.objects++;
      counts.bytes += size;
    }
    if (!options.dryRun) await store.delete(quarantineRecordKey(batch.id));
    counts.batches++;
  }
  if (options.id !== undefined && counts.batches === 0) {
    throw new DatamonError(
      "not-found",
      `no quarantined batch of purge ${options.id} in ${store.url}: see "datamon purge list"`,
    );
  }
  return counts;
}

/** Moves `key` back from batch `id`: copied back unless stored again, then dropped there. */
export async function restoreObject(store: Store, id: string, key: string): Promise<void> {
  const held = quarantinedKey(id, key);
  if (!await store.head(key)) await copyObject(store, held, key);
  await store.delete(held);
}

async function writeRecord(store: Store, record: QuarantineRecord): Promise<void> {
  const text = stringify({ ...record, time: record.time.toISOString() });
  // Create-only: a record is never rewritten; one already there is this batch's own.
  await store.putIfAbsent(quarantineRecordKey(record.id), new TextEncoder().encode(text));
}

async function readRecord(store: Store, id: string): Promise<QuarantineRecord | undefined> {
  const key = quarantineRecordKey(id);
  let bytes: Uint8Array;
  try {
    bytes = await store.get(key);
  } catch (e) {
    if (isKind(e, "not-found")) return undefined;
    throw e;
  }
  const doc = decodeYamlRecord(bytes);
  const time = new Date(String(doc?.time));
  const objects = doc?.objects;
  const bytesMoved = doc?.bytes;
  if (
    Number.isNaN(time.getTime()) || !Number.isSafeInteger(objects) ||
    !Number.isSafeInteger(bytesMoved)
  ) {
    throw new DatamonError(
      "integrity",
      `quarantine record ${key} in ${store.url} is malformed: remove it (its batch is then ` +
        "finished again by the next purge)",
    );
  }
  return {
    id,
    time,
    context: String(doc?.context ?? ""),
    host: String(doc?.host ?? ""),
    objects: objects as number,
    bytes: bytesMoved as number,
  };
}

/**
 * Finds which purge holds a missing object, for the messages of readers and fsck: the batches
 * are listed once, on the first look-up; then each look-up is one head per batch.
 */
export class QuarantineLookup {
  readonly #store: Store;
  #batches?: Promise<string[]>;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The id of the purge that holds `key` in quarantine, or undefined when none does. */
  async find(key: string): Promise<string | undefined> {
    this.#batches ??= Array.fromAsync(quarantineBatches(this.#store), (batch) => batch.id);
    for (const id of await this.#batches) {
      if (await this.#store.head(quarantinedKey(id, key))) return id;
    }
    return undefined;
  }
}

/**
 * What a reader that found `key` missing should tell the user: to restore it from quarantine
 * when a purge holds it there, else `otherwise`. A failed look-up only loses the hint.
 */
export async function missingObjectRemedy(
  store: Store,
  key: string,
  otherwise: string,
): Promise<string> {
  const id = await new QuarantineLookup(store).find(key).catch(() => undefined);
  if (id === undefined) return otherwise;
  return `purge ${id} moved it into quarantine: run "datamon purge restore --purge ${id}"`;
}
