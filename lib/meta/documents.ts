/** Reading and writing YAML documents in a store: the one place text meets bytes. */
import type { Store } from "../store/store.ts";

/** Re-exported for the modules that import it from here; it lives in util so cafs can use it. */
export { mapOrdered } from "../util/map_ordered.ts";

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

/** Deletes every object under a prefix; the number deleted. */
export async function deleteUnder(store: Store, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const entry of store.list(prefix)) {
    if (entry.kind !== "object") continue;
    await store.delete(entry.key);
    deleted++;
  }
  return deleted;
}
