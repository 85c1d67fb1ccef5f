/** An opened context on local stores in a temp directory, for core tests. */
import { type Context, contextFromBaseUrl, openContext } from "../../lib/meta/context.ts";
import type { Store } from "../../lib/store/store.ts";
import type { UploadOptions } from "../../lib/core/upload.ts";

/** A context whose five stores live under `dir`. */
export function localContext(dir: string): Context {
  return openContext(contextFromBaseUrl("test", `file://${dir}/stores`));
}

/** Counts the writes that reach a store (puts that stored something). */
export class CountingStore implements Store {
  writes = 0;
  constructor(private readonly inner: Store) {}
  get url() {
    return this.inner.url;
  }
  get(key: string) {
    return this.inner.get(key);
  }
  getInto(key: string, into: Uint8Array) {
    return this.inner.getInto(key, into);
  }
  getRange(key: string, offset: number, length: number) {
    return this.inner.getRange(key, offset, length);
  }
  async put(key: string, bytes: Uint8Array) {
    await this.inner.put(key, bytes);
    this.writes++;
  }
  async putIfAbsent(key: string, bytes: Uint8Array) {
    const created = await this.inner.putIfAbsent(key, bytes);
    if (created) this.writes++;
    return created;
  }
  head(key: string) {
    return this.inner.head(key);
  }
  list(prefix: string, options?: { delimiter?: string }) {
    return this.inner.list(prefix, options);
  }
  delete(key: string) {
    return this.inner.delete(key);
  }
}

/** Upload options for `dir`/src into repo "r" with 64 KiB leaves, plus `extra`. */
export function uploadOptions(dir: string, extra: Partial<UploadOptions> = {}): UploadOptions {
  return {
    repo: "r",
    path: `${dir}/src`,
    message: "m",
    contributor: { name: "t", email: "t@example.com" },
    concurrency: 4,
    leafSize: 65536,
    ...extra,
  };
}
