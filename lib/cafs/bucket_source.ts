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
  return inNameOrder(bucketObjects(store));
}

/** The objects of `store` in code-point order of their keys, as the store lists them. */
async function* bucketObjects(store: Store): AsyncGenerator<BucketFile> {
  for await (const entry of store.list("")) {
    if (entry.kind !== "object" || entry.key.endsWith("/")) continue;
    yield { store, name: entry.key, size: entry.size, mode: 0o644, mtime: entry.modified };
  }
}
