/**
 * Uploading straight from a bucket: `bundle upload --path s3://bucket/prefix` (or gs://) makes
 * a bundle of the objects under the prefix, named by their keys below it, with no local copy.
 */
import { openStore } from "../store/open.ts";
import type { Store } from "../store/store.ts";
import { inNameOrder } from "../util/name_order.ts";

/** An object under the source prefix, uploaded as the file `name`. */
export interface BucketFile {
  store: Store;
  /** Its key in `store`, which is also its name in the bundle. */
  name: string;
  size: number;
  mode: number;
  mtime: Date;
}

/** Opens the bucket prefix `url` as a store with at most `maxRequests` requests in flight. */
export function openBucketSource(url: string, maxRequests: number): Store {
  return openStore(url, { maxRequests });
}

/**
 * The objects of `store` in name order (JavaScript string order, the order bundles keep; a
 * listing comes in code-point order, re-sorted as it streams by inNameOrder). Keys ending in
 * "/" are the empty "folder" markers consoles create, not files: they are passed over.
 */
export function walkBucket(store: Store): AsyncGenerator<BucketFile> {
  return inNameOrder(bucketObjects(store), (prefix) => aboveBmpUnder(store, prefix));
}

/**
 * True unless `store` shows that no key starts with `prefix` + a character above U+FFFF: one
 * page listed after `prefix` + U+10000, the least such character, and a head of that key
 * itself. S3 and GCS list in UTF-8 byte order, where such keys come first after it: a page
 * without a key under `prefix` proves there are none. A server that compares otherwise (the
 * S3 test server, by UTF-16 code unit) shows the U+E000..U+FFFF names under `prefix` there
 * too, which only makes the answer true. A store that cannot list after a key has some.
 */
export async function aboveBmpUnder(store: Store, prefix: string): Promise<boolean> {
  if (!store.listAfter) return true;
  const least = `${prefix}\u{10000}`;
  const page = await store.listAfter(least);
  return page.objects.some(({ key }) => key.startsWith(prefix)) || await store.head(least) !== null;
}

/** The objects of `store` in code-point order of their keys, as the store lists them. */
async function* bucketObjects(store: Store): AsyncGenerator<BucketFile> {
  for await (const entry of store.list("")) {
    if (entry.kind !== "object" || entry.key.endsWith("/")) continue;
    yield { store, name: entry.key, size: entry.size, mode: 0o644, mtime: entry.modified };
  }
}
