/**
 * The context registry of a blob store: each context that writes to a blob store leaves there
 * a create-only record naming its metadata stores (contexts/{hash}.yaml), so that garbage
 * collection, run from any one context, marks what the bundles of every context sharing the
 * store need. A record is written by the first writing command of a context and never changed.
 */
import { parse, stringify } from "yaml";
import { DatamonError, isKind } from "../errors.ts";
import { CONTEXT_RECORDS_PREFIX, contextRecordKey } from "../cafs/layout.ts";
import { type Context, openContext } from "./context.ts";

/** What a context's record in a blob store says. */
export interface ContextRecord {
  /** The record's key in the blob store, for messages. */
  key: string;
  name: string;
  metadata: string;
  vmetadata: string;
}

/**
 * Records `ctx` in its blob store, once: a record already there (this context's, written by
 * an earlier command) is left as it is.
 */
export async function registerContext(ctx: Context): Promise<void> {
  const { name, metadata, vmetadata } = ctx.doc;
  const key = await recordKey(metadata, vmetadata);
  const text = stringify({ name, metadata, vmetadata });
  await ctx.blob.putIfAbsent(key, new TextEncoder().encode(text));
}

/** Every context recorded in the blob store of `ctx`. A damaged record throws "integrity". */
export async function* registeredContexts(ctx: Context): AsyncGenerator<ContextRecord> {
  for await (const entry of ctx.blob.list(CONTEXT_RECORDS_PREFIX)) {
    if (entry.kind !== "object" || !entry.key.endsWith(".yaml")) continue;
    let bytes: Uint8Array;
    try {
      bytes = await ctx.blob.get(entry.key);
    } catch (e) {
      if (isKind(e, "not-found")) continue;
      throw e;
    }
    yield decodeRecord(entry.key, bytes, ctx.blob.url);
  }
}

/** True when `record` is the record of `ctx` itself. */
export function isRecordOf(record: ContextRecord, ctx: Context): boolean {
  return record.metadata === ctx.doc.metadata && record.vmetadata === ctx.doc.vmetadata;
}

/**
 * The context a record names, opened to read its bundles: its own metadata stores, and the
 * blob, wal and readlog stores of `ctx`.
 */
export function openRecorded(ctx: Context, record: ContextRecord): Context {
  return openContext({
    ...ctx.doc,
    name: record.name,
    metadata: record.metadata,
    vmetadata: record.vmetadata,
  });
}

/** The record key of the context with these metadata stores: a hash of their URLs. */
async function recordKey(metadata: string, vmetadata: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${metadata}\n${vmetadata}`),
  );
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0"));
  return contextRecordKey(hex.join("").slice(0, 32));
}

function decodeRecord(key: string, bytes: Uint8Array, store: string): ContextRecord {
  let doc: Record<string, unknown> | undefined;
  try {
    doc = parse(new TextDecoder().decode(bytes));
  } catch {
    doc = undefined;
  }
  const { name, metadata, vmetadata } = doc ?? {};
  if (typeof name !== "string" || typeof metadata !== "string" || typeof vmetadata !== "string") {
    throw new DatamonError(
      "integrity",
      `context record ${key} in ${store} is malformed: fix or remove it, then run again`,
    );
  }
  return { key, name, metadata, vmetadata };
}

/** Whether a context's metadata store holds anything at all (a listing's first entry). */
export async function holdsMetadata(ctx: Context): Promise<boolean> {
  for await (const _ of ctx.metadata.list("")) return true;
  return false;
}
