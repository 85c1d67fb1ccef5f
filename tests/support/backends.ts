/**
 * End-to-end tests that run once per backend: the CLI's default context is pointed at a fresh
 * prefix of the local disk, the S3 test server or the GCS emulator.
 */
import { datamonOk } from "./cli.ts";
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
async function useBackend(home: string, backend: Backend): Promise<() => Promise<void>> {
  if (backend === "local") return () => Promise.resolve();
  const { url, cleanup } = await freshStoreUrl(backend);
  await datamonOk(home, "context", "create", "--context", backend, "--store", url);
  await datamonOk(home, "config", "set", "--context", backend);
  return cleanup;
}
