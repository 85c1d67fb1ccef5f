/**
 * Opened contexts for core tests: in memory, where a test is about core logic, or on local
 * stores in a temp directory, where it is about what lands on disk.
 */
import {
  type Context,
  contextFromBaseUrl,
  openContext,
  STORE_ROLES,
} from "../../lib/meta/context.ts";
import { MemoryStore } from "../../lib/store/memory.ts";
import { DelegatingStore } from "../../lib/store/delegating.ts";
import type { UploadOptions } from "../../lib/core/upload.ts";

/** Who the core tests' repos and bundles are by. */
export const TEST_CONTRIBUTOR = { name: "t", email: "t@example.com" };

/** A context whose five stores live under `dir`. */
export function localContext(dir: string): Context {
  return openContext(contextFromBaseUrl("test", `file://${dir}/stores`));
}

/** A context whose five stores are fresh, empty MemoryStores, named mem://test/{role}. */
export function memoryContext(): Context {
  const ctx = { doc: contextFromBaseUrl("test", "mem://test") } as Context;
  for (const role of STORE_ROLES) ctx[role] = new MemoryStore(ctx.doc[role]);
  return ctx;
}

/** Counts the writes that reach a store (puts that stored something). */
export class CountingStore extends DelegatingStore {
  writes = 0;
  override async put(key: string, bytes: Uint8Array) {
    await super.put(key, bytes);
    this.writes++;
  }
  override async putIfAbsent(key: string, bytes: Uint8Array) {
    const created = await super.putIfAbsent(key, bytes);
    if (created) this.writes++;
    return created;
  }
  override get copy() {
    const copy = super.copy;
    return copy && (async (from: string, to: string) => {
      await copy(from, to);
      this.writes++;
    });
  }
}

/** Upload options for `dir`/src into repo "r" with 64 KiB leaves, plus `extra`. */
export function uploadOptions(dir: string, extra: Partial<UploadOptions> = {}): UploadOptions {
  return {
    repo: "r",
    path: `${dir}/src`,
    message: "m",
    contributor: TEST_CONTRIBUTOR,
    concurrency: 4,
    leafSize: 65536,
    ...extra,
  };
}
