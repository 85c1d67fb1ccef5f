/** Reading a store's listing in tests. */
import type { ListOptions, Store } from "../../lib/store/store.ts";

/** Object keys and prefixes (which end in "/") that a listing yields, in order. */
export async function listed(
  store: Store,
  prefix: string,
  options?: ListOptions,
): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of store.list(prefix, options)) {
    names.push(entry.kind === "object" ? entry.key : entry.prefix);
  }
  return names;
}
