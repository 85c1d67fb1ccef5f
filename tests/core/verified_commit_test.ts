/**
 * Verified commit: a re-upload never takes a blob as stored from the upload cache or the last
 * bundle alone, so it repairs a deleted or truncated leaf, root object or pack.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { assertSameTree, untilCacheable, withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleEntries } from "../../lib/meta/bundles.ts";
import { packKey } from "../../lib/cafs/layout.ts";
import { readKey } from "../../lib/cafs/root.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { BundleDoc, FileEntry } from "../../lib/model/types.ts";

/** Big: 4 leaves of 64 KiB and a root object; small: packed. */
const TREE = { "big.bin": 4 * 65536 + 10, "small.txt": "small file" };

async function entry(ctx: Context, bundle: BundleDoc, name: string): Promise<FileEntry> {
  for await (const e of bundleEntries(ctx, bundle)) if (e.name === name) return e;
  throw new Error(`no ${name}`);
}

/** The key of leaf `index` of the file whose root object is `rootKey`. */
async function leafKey(ctx: Context, rootKey: string, index: number): Promise<string> {
  return readKey(await ctx.blob.get(rootKey), index * 32);
}

/** Uploads TREE, damages the store with `damage`, re-uploads, and checks the repair. */
async function repairs(
  cached: boolean,
  damage: (ctx: Context, first: BundleDoc) => Promise<string>,
): Promise<void> {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, TREE);
    if (cached) await untilCacheable();
    const options = uploadOptions(dir, cached ? { cacheDir: `${dir}/cache` } : {});
    const first = await uploadBundle(ctx, options);
    const damaged = await damage(ctx, first.bundle);
    const second = await uploadBundle(ctx, options);
    assert(second.leavesStored >= 1, "the re-upload wrote the lost blob again");
    assert(await ctx.blob.head(damaged), `${damaged} is back`);
    await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
}

async function deleteLeaf(ctx: Context, bundle: BundleDoc): Promise<string> {
  const leaf = await leafKey(ctx, (await entry(ctx, bundle, "big.bin")).key, 2);
  await ctx.blob.delete(leaf);
  return leaf;
}

for (const cached of [false, true]) {
  const how = cached ? "with the upload cache" : "without the upload cache";

  Deno.test(`a re-upload ${how} writes again a leaf deleted from the store`, async () => {
    await repairs(cached, deleteLeaf);
  });

  Deno.test(`a re-upload ${how} writes again a truncated leaf`, async () => {
    await repairs(cached, async (ctx, bundle) => {
      const leaf = await leafKey(ctx, (await entry(ctx, bundle, "big.bin")).key, 1);
      await ctx.blob.put(leaf, (await ctx.blob.get(leaf)).subarray(0, 1000));
      return leaf;
    });
  });

  Deno.test(`a re-upload ${how} writes again a deleted root object`, async () => {
    await withTempDir(async (dir) => {
      const ctx = memoryContext();
      await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
      await writeTree(`${dir}/src`, TREE);
      if (cached) await untilCacheable();
      const options = uploadOptions(dir, cached ? { cacheDir: `${dir}/cache` } : {});
      const first = await uploadBundle(ctx, options);
      const root = (await entry(ctx, first.bundle, "big.bin")).key;
      await ctx.blob.delete(root);
      const second = await uploadBundle(ctx, options);
      assert(await ctx.blob.head(root), "the root object is back");
      await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
      await assertSameTree(`${dir}/src`, `${dir}/out`);
    });
  });

  Deno.test(`a re-upload ${how} packs again a file whose pack was truncated`, async () => {
    await withTempDir(async (dir) => {
      const ctx = memoryContext();
      await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
      await writeTree(`${dir}/src`, TREE);
      if (cached) await untilCacheable();
      const options = uploadOptions(dir, cached ? { cacheDir: `${dir}/cache` } : {});
      const first = await uploadBundle(ctx, options);
      const lost = (await entry(ctx, first.bundle, "small.txt")).pack!;
      await ctx.blob.put(packKey(lost.id), new Uint8Array(lost.offset + 1));
      const second = await uploadBundle(ctx, options);
      assertEquals(second.packsStored, 1);
      await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
      await assertSameTree(`${dir}/src`, `${dir}/out`);
    });
  });

  Deno.test(`a re-upload ${how} packs again a file whose pack was deleted`, async () => {
    await withTempDir(async (dir) => {
      const ctx = memoryContext();
      await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
      await writeTree(`${dir}/src`, TREE);
      if (cached) await untilCacheable();
      const options = uploadOptions(dir, cached ? { cacheDir: `${dir}/cache` } : {});
      const first = await uploadBundle(ctx, options);
      const lost = (await entry(ctx, first.bundle, "small.txt")).pack!;
      await ctx.blob.delete(packKey(lost.id));
      const second = await uploadBundle(ctx, options);
      assertEquals(second.packsStored, 1);
      const now = (await entry(ctx, second.bundle, "small.txt")).pack!;
      assert(now.id !== lost.id, "the file names the new pack");
      await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
      await assertSameTree(`${dir}/src`, `${dir}/out`);
    });
  });
}

Deno.test("a re-upload of an intact store checks each distinct blob once and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    await writeTree(`${dir}/src`, { ...TREE, "b.txt": "b" });
    await Deno.copyFile(`${dir}/src/big.bin`, `${dir}/src/copy.bin`);
    await untilCacheable();
    const options = uploadOptions(dir, { cacheDir: `${dir}/cache` });
    await uploadBundle(ctx, options);
    const second = await uploadBundle(ctx, options);
    assertEquals(second.leavesStored, 0);
    assertEquals(second.packsStored, 0);
    // 5 leaf heads (big.bin and copy.bin share them), 1 pack head, the latest bundle's, and the
    // lock protocol's two (a purge lock? its own lock before the commit): never one per file of
    // a pack, never one per copy of a leaf.
    assertEquals(second.requests.operations.head, 7 + 2, JSON.stringify(second.requests));
  });
});
