/**
 * Which of many blob keys are stored now, and at what sizes, for few requests: a listing of
 * the key range they span where the store lists by pages (S3, GCS) and the keys lie close
 * together in it, as the leaves of one file's last version do in a store of a few thousand
 * blobs; a head per key, many in flight, where they do not (a store of millions of blobs, a
 * local store). Every answer comes from a request made by this call: nothing is assumed.
 */
import { compareKeys } from "../store/keys.ts";
import type { ListPage, Store } from "../store/store.ts";
import { mapOrdered } from "../util/map_ordered.ts";

/** Heads in flight at once: they are tiny, so only the round trip counts. */
const HEADS_IN_FLIGHT = 32;
/**
 * Fewest keys one listing page must settle to be worth another: a page of up to 1000 rows
 * costs about as much as this many heads sent together (one round trip, ~100 KB of answer).
 */
const KEYS_PER_PAGE = 16;

/** The stored size of each of `keys` that is present; absent keys are not in the map. */
export async function storedSizes(
  store: Store,
  keys: Iterable<string>,
): Promise<Map<string, number>> {
  const wanted = [...new Set(keys)].sort(compareKeys);
  const found = new Map<string, number>();
  let next = 0;
  if (store.listAfter && wanted.length >= KEYS_PER_PAGE) {
    next = await listWanted(store.listAfter.bind(store), wanted, found);
  }
  await headEach(store, wanted.slice(next), found);
  return found;
}

/**
 * Settles wanted keys (sorted) by listing pages from the first of them while each page settles
 * KEYS_PER_PAGE keys at least; returns the index of the first key left unsettled.
 */
async function listWanted(
  listAfter: (after: string) => Promise<ListPage>,
  wanted: readonly string[],
  found: Map<string, number>,
): Promise<number> {
  let next = 0;
  // A proper prefix of the first key sorts before it: the listing starts at or before it.
  let after = wanted[0].slice(0, -1);
  while (next < wanted.length) {
    const page = await listAfter(after);
    const sizes = new Map(page.objects.map((o) => [o.key, o.size]));
    const last = page.objects.at(-1)?.key;
    const start = next;
    while (
      next < wanted.length &&
      (page.complete || (last !== undefined && compareKeys(wanted[next], last) <= 0))
    ) {
      const size = sizes.get(wanted[next]);
      if (size !== undefined) found.set(wanted[next], size);
      next++;
    }
    if (page.complete || last === undefined || next - start < KEYS_PER_PAGE) break;
    after = last;
  }
  return next;
}

/** Settles each of `keys` by a head, HEADS_IN_FLIGHT at a time. */
async function headEach(store: Store, keys: readonly string[], found: Map<string, number>) {
  const heads = mapOrdered(
    keys,
    HEADS_IN_FLIGHT,
    async (key) => ({ key, info: await store.head(key) }),
  );
  for await (const { key, info } of heads) if (info) found.set(key, info.size);
}
