/**
 * End-to-end tests that run once per backend: the CLI's default context is pointed at a fresh
 * prefix of the local disk, the S3 test server or the GCS emulator.
 */
import { openStore } from "../../lib/store/open.ts";
import { datamonOk } from "./cli.ts";
import { copyTree } from "./crash.ts";
import { withTempDir } from "./fixtures.ts";
import { type Backend, BACKENDS, freshStoreUrl } from "./servers.ts";

/**
 * Registers `${backend}: ${name}` for each backend; `fn` gets a temp dir and a DATAMON_HOME
 * whose default context lives on that backend.
 */
export function backendTest(
  name: string,
  fn: (dir: string, home: string) => Promise<void>,
  options: { ignore?: boolean } = {},
): void {
  for (const backend of BACKENDS) {
    Deno.test(
      { name: `${backend}: ${name}`, ignore: options.ignore },
      () =>
        withTempDir(async (dir) => {
          const home = `${dir}/home`;
          const cleanup = await useBackend(home, backend);
          try {
            await fn(dir, home);
          } finally {
            await cleanup();
          }
        }),
    );
  }
}

/** Makes `backend` the default context of `home`; returns how to remove what it stored. */
export async function useBackend(home: string, backend: Backend): Promise<() => Promise<void>> {
  if (backend === "local") return () => Promise.resolve();
  const { url, cleanup } = await freshStoreUrl(backend);
  await datamonOk(home, "context", "create", "--context", backend, "--store", url);
  await datamonOk(home, "config", "set", "--context", backend);
  return cleanup;
}

/**
 * Homes whose default context is on `backend` and that can be copied whole, store and all, as
 * the crash harness copies a prepared home for each kill point (for local, `cp -a` is enough:
 * the store is in the home). `cleanup` removes every prefix made.
 */
export class CopyableHomes {
  readonly #cleanups: (() => Promise<void>)[] = [];

  constructor(readonly backend: Backend) {}

  /** Makes `home` with its default context on a fresh prefix of the backend. */
  async create(home: string): Promise<void> {
    this.#cleanups.push(await useBackend(home, this.backend));
  }

  /** Copies home `from` to `to`, and its context's objects to a fresh prefix `to` uses. */
  copy = async (from: string, to: string): Promise<void> => {
    await copyTree(from, to);
    if (this.backend === "local") return;
    const contextFile = `${to}/config/contexts/${this.backend}/context.yaml`;
    const context = await Deno.readTextFile(contextFile);
    const fresh = await freshStoreUrl(this.backend);
    this.#cleanups.push(fresh.cleanup);
    const [oldPrefix, newPrefix] = [context, fresh.url].map((text) =>
      /\/(t-[^/?]+)/.exec(text)![1]
    );
    const source = openStore(fresh.url.replace(newPrefix, oldPrefix));
    const target = openStore(fresh.url);
    for await (const entry of source.list("")) {
      if (entry.kind === "object" && !entry.key.endsWith("/")) {
        await target.put(entry.key, await source.get(entry.key));
      }
    }
    await Deno.writeTextFile(contextFile, context.replaceAll(oldPrefix, newPrefix));
  };

  /** Removes what every home made here stored. */
  async cleanup(): Promise<void> {
    for (const cleanup of this.#cleanups.splice(0)) await cleanup();
  }
}

/**
 * Flips a byte in the middle of one blob of exactly `size` bytes (a leaf of that size) in the
 * blob store of `home`'s default context, whichever backend it is on; returns the blob's key.
 */
export async function corruptBlobOfSize(home: string, size: number): Promise<string> {
  const store = openStore(await blobStoreUrl(home));
  for await (const entry of store.list("")) {
    if (entry.kind !== "object" || entry.size !== size) continue;
    const bytes = (await store.get(entry.key)).slice();
    bytes[size >> 1] ^= 0xff;
    await store.put(entry.key, bytes);
    return entry.key;
  }
  throw new Error(`no blob of ${size} bytes in the store of ${home}`);
}

/** The blob store URL of `home`'s default context: its context file's, else the local one's. */
async function blobStoreUrl(home: string): Promise<string> {
  for (const backend of BACKENDS) {
    const file = `${home}/config/contexts/${backend}/context.yaml`;
    const text = await Deno.readTextFile(file).catch(() => "");
    const url = /^blob: (.+)$/m.exec(text)?.[1];
    if (url) return url;
  }
  return `file://${home}/data/blob`;
}
