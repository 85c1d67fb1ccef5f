/**
 * Re-uploads on the S3 and GCS test servers: the stored leaves of a file's last version are
 * found by listing their key range, not by a head each, and a leaf the listing does not show
 * is written again.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { assertSameTree, patternBytes, untilCacheable, withTempDir } from "../support/fixtures.ts";
import { TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { freshStoreUrl, gcsEndpoint, s3Endpoint } from "../support/servers.ts";
import { type Context, contextFromBaseUrl, openContext } from "../../lib/meta/context.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleEntries } from "../../lib/meta/bundles.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { readKey } from "../../lib/cafs/root.ts";
import type { BundleDoc } from "../../lib/model/types.ts";

const LEAF = 65536;
/** Leaves of the big file: more than a listing page must settle to go on listing. */
const LEAVES = 64;

/** Runs `fn` with a context on a fresh prefix of `backend`, reached through a request counter. */
async function onServer(
  backend: "s3" | "gcs",
  fn: (ctx: Context, requests: () => number, dir: string) => Promise<void>,
): Promise<void> {
  const { url, cleanup } = await freshStoreUrl(backend);
  const upstream = backend === "s3" ? s3Endpoint() : gcsEndpoint();
  await using counter = startFaultProxy(upstream, Infinity);
  try {
    await withTempDir(async (dir) => {
      const ctx = openContext(contextFromBaseUrl("t", url.replace(upstream, counter.url)));
      await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
      await Deno.mkdir(`${dir}/src`);
      await Deno.writeFile(`${dir}/src/big.bin`, patternBytes(LEAVES * LEAF));
      await fn(ctx, () => counter.stats.requests, dir);
    });
  } finally {
    await cleanup();
  }
}

/** The key of leaf `index` of the file `name` of `bundle`. */
async function leafKey(ctx: Context, bundle: BundleDoc, name: string, index: number) {
  for await (const e of bundleEntries(ctx, bundle)) {
    if (e.name === name) return readKey(await ctx.blob.get(e.key), index * 32);
  }
  throw new Error(`no ${name}`);
}

for (const backend of ["s3", "gcs"] as const) {
  Deno.test(`${backend}: a re-upload of a file with one leaf changed lists its ${LEAVES} stored leaves instead of a head each`, async () => {
    await onServer(backend, async (ctx, requests, dir) => {
      await uploadBundle(ctx, uploadOptions(dir));
      const file = await Deno.open(`${dir}/src/big.bin`, { write: true });
      await file.seek(10 * LEAF + 5, Deno.SeekMode.Start);
      await file.write(new Uint8Array(100).fill(7));
      file.close();
      const before = requests();
      const second = await uploadBundle(ctx, uploadOptions(dir));
      const sent = requests() - before;
      assertEquals([second.leavesStored, second.leavesDeduplicated], [1, LEAVES - 1]);
      const { head, list } = second.requests.operations;
      assert(head <= 4, `heads: ${JSON.stringify(second.requests)}`);
      assert(list <= 6, `listings: ${JSON.stringify(second.requests)}`);
      // The bundle's own documents and the lock protocol take ~20; a head per leaf would add 64.
      assert(sent < 40, `${sent} requests: ${JSON.stringify(second.requests)}`);
    });
  });

  for (const cached of [false, true]) {
    const how = cached ? "with the upload cache" : "without the upload cache";
    Deno.test(`${backend}: a re-upload ${how} writes again a leaf deleted from the store, though the others are listed`, async () => {
      await onServer(backend, async (ctx, _requests, dir) => {
        if (cached) await untilCacheable();
        const options = uploadOptions(dir, cached ? { cacheDir: `${dir}/cache` } : {});
        const first = await uploadBundle(ctx, options);
        const lost = await leafKey(ctx, first.bundle, "big.bin", 20);
        await ctx.blob.delete(lost);
        const second = await uploadBundle(ctx, options);
        assertEquals(second.leavesStored, 1);
        assert(await ctx.blob.head(lost), `${lost} is back`);
        await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
        await assertSameTree(`${dir}/src`, `${dir}/out`);
      });
    });
  }
}
