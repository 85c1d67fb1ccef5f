/**
 * Uploads and downloads through a network that fails 1 request in 10 (refused, applied but
 * answered 500, body cut short): retries carry them through, and no bundle is ever visible
 * whose blobs are missing.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { assertSameTree, withTempDir, writeTree } from "../support/fixtures.ts";
import { TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { startFaultProxy } from "../support/fault_proxy.ts";
import { freshStoreUrl, gcsEndpoint, s3Endpoint } from "../support/servers.ts";
import { contextFromBaseUrl, openContext } from "../../lib/meta/context.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { listBundles } from "../../lib/meta/bundles.ts";

for (const backend of ["s3", "gcs"] as const) {
  Deno.test(`${backend}: an upload and download through a network failing 1 request in 10 complete correctly`, async () => {
    const { url, cleanup } = await freshStoreUrl(backend);
    const upstream = backend === "s3" ? s3Endpoint() : gcsEndpoint();
    await using proxy = startFaultProxy(upstream, 10);
    try {
      await withTempDir(async (dir) => {
        const faulty = openContext(contextFromBaseUrl("faulty", url.replace(upstream, proxy.url)));
        const direct = openContext(contextFromBaseUrl("direct", url));
        const files: Record<string, number> = {};
        for (let i = 0; i < 40; i++) files[`small/${i}.txt`] = 100 + i;
        for (let i = 0; i < 6; i++) files[`big/${i}.bin`] = 3 * 65536 + i * 1000;
        await writeTree(`${dir}/src`, files);
        await createRepo(faulty, "r", "", TEST_CONTRIBUTOR);
        const uploaded = await uploadBundle(faulty, uploadOptions(dir));
        const visible = await Array.fromAsync(listBundles(direct, "r"));
        assertEquals(visible.map((b) => b.id), [uploaded.bundle.id]);
        await downloadBundle(faulty, uploaded.bundle, {
          destination: `${dir}/out`,
          concurrency: 4,
        });
        await assertSameTree(`${dir}/src`, `${dir}/out`);
        await downloadBundle(direct, visible[0], { destination: `${dir}/again`, concurrency: 4 });
        await assertSameTree(`${dir}/src`, `${dir}/again`);
        for (const [fault, count] of Object.entries(proxy.stats.faults)) {
          assert(count > 0, `no "${fault}" fault was injected: ${JSON.stringify(proxy.stats)}`);
        }
      });
    } finally {
      await cleanup();
    }
  });
}
