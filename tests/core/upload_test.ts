/** Core upload behaviour on in-memory stores: dedup, small files packed, interruption. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { manyFiles, withTempDir, writeTree } from "../support/fixtures.ts";
import {
  CountingStore,
  memoryContext,
  TEST_CONTRIBUTOR,
  uploadOptions,
} from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { latestBundle, listBundles } from "../../lib/meta/bundles.ts";
import { isKind } from "../../lib/errors.ts";
import { meteredContext } from "../../lib/meta/context.ts";
import { RequestMeter } from "../../lib/store/metered.ts";

/** Writes of an upload to the blob store beside its blobs: its lock, and its context's record. */
const PROTOCOL_WRITES = 2;

Deno.test("a second upload of the same data writes no new leaf", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    const blob = new CountingStore(ctx.blob);
    ctx.blob = blob;
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "big.bin": 5 * 65536 + 3, "small.txt": "s", "x/y.bin": 70000 });
    const options = uploadOptions(dir);
    const first = await uploadBundle(ctx, options);
    // big: 6 leaves + root; small: packed (one pack); y: 2 leaves + root. Plus the writer's
    // lock and the context's record in the registry (PROTOCOL_WRITES).
    assertEquals(first.leavesStored, 9);
    assertEquals(blob.writes, 11 + PROTOCOL_WRITES);
    assertEquals(first.packsStored, 1);
    const writesBefore = blob.writes;
    const second = await uploadBundle(ctx, options);
    assertEquals(blob.writes, writesBefore + 1, "no blob written by the re-upload: its lock only");
    assertEquals(second.leavesStored, 0);
    assertEquals(second.leavesDeduplicated, 9);
    assert(second.bundle.id > first.bundle.id);
  });
});

Deno.test("small files cost one pack object between them, not one object each", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    const blob = new CountingStore(ctx.blob);
    ctx.blob = blob;
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    const files: Record<string, number> = {};
    for (let i = 0; i < 50; i++) files[`f${i}`] = 4096 + i;
    await writeTree(`${dir}/src`, files);
    await uploadBundle(ctx, {
      repo: "r",
      path: `${dir}/src`,
      message: "m",
      contributor: TEST_CONTRIBUTOR,
      concurrency: 8,
    });
    assertEquals(blob.writes, 1 + PROTOCOL_WRITES);
  });
});

Deno.test("an upload interrupted by its signal commits no bundle", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, manyFiles(1200, 100));
    const controller = new AbortController();
    let seen = 0;
    const error = await assertRejects(() =>
      uploadBundle(ctx, {
        repo: "r",
        path: `${dir}/src`,
        message: "m",
        contributor: TEST_CONTRIBUTOR,
        concurrency: 4,
        signal: controller.signal,
        onProgress: (d) => {
          seen += d.files;
          if (seen === 1100) controller.abort();
        },
      })
    );
    assert(isKind(error, "interrupted"), String(error));
    assertEquals(await Array.fromAsync(listBundles(ctx, "r")), []);
    const latest = await assertRejects(() => latestBundle(ctx, "r"));
    assert(isKind(latest, "not-found"));
  });
});

Deno.test("a changed big file re-uploads only its changed leaves, checking each unchanged one by one head", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "big.bin": 20 * 65536 });
    await uploadBundle(ctx, uploadOptions(dir));
    // A new copy elsewhere (no upload cache applies) with one leaf changed.
    await Deno.mkdir(`${dir}/v2`);
    const bytes = await Deno.readFile(`${dir}/src/big.bin`);
    bytes.fill(7, 5 * 65536, 5 * 65536 + 100);
    await Deno.writeFile(`${dir}/v2/big.bin`, bytes);
    const second = await uploadBundle(ctx, uploadOptions(dir, { path: `${dir}/v2` }));
    assertEquals(second.leavesStored, 1);
    assertEquals(second.leavesDeduplicated, 19);
    // A head per leaf (the previous bundle vouches for none), those of the repo and latest
    // bundle, and of the purge lock and its own lock (before the commit).
    assert(second.requests.operations.head <= 20 + 5, JSON.stringify(second.requests));
  });
});

Deno.test("an upload through a metered context counts each request once, in the context's meter", async () => {
  await withTempDir(async (dir) => {
    const meter = new RequestMeter();
    const ctx = meteredContext(memoryContext(), meter);
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { "a.txt": "a", "b.bin": 70000 });
    const before = meter.counts();
    const up = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(up.requests, meter.since(before));
    assert(up.requests.total > 0);
  });
});
