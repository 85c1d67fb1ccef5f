/** Reading and writing YAML documents in a store: the one place text meets bytes. */
import type { Store } from "../store/store.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads a document and decodes it; the store's not-found error passes through. */
export async function readDocument<T>(
  store: Store,
  key: string,
  decode: (text: string, what: string) => T,
): Promise<T> {
  return decode(decoder.decode(await store.get(key)), `${key} in ${store.url}`);
}

/** Create-only write of a document; false when the key already exists. */
export function createDocument(store: Store, key: string, text: string): Promise<boolean> {
  return store.putIfAbsent(key, encoder.encode(text));
}

/** Names of the direct "sub-directories" of a prefix, in key order. */
export async function* childNames(store: Store, prefix: string): AsyncGenerator<string> {
  for await (const entry of store.list(prefix, { delimiter: "/" })) {
    if (entry.kind === "prefix") yield entry.prefix.slice(prefix.length, -1);
  }
}

/**
 * Maps an async source with up to `limit` calls in flight, yielding results in source order.
 * Memory stays bounded by `limit` pending results.
 */
export async function* mapOrdered<T, R>(
  source: AsyncIterable<T> | Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  try {
    for await (const item of source) {
      const p = fn(item);
      p.catch(() => {}); // observed below, in order; avoids an unhandled rejection meanwhile
      pending.push(p);
      if (pending.length >= limit) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.allSettled(pending);
  }
}
