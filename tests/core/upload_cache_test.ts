/** The upload cache: unchanged files reuse their key, changed or purged ones are stored again. */
import { assert, assertEquals } from "../support/assert.ts";
import { untilCacheable, withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleEntries } from "../../lib/meta/bundles.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { BundleDoc } from "../../lib/model/types.ts";

async function keys(ctx: Context, bundle: BundleDoc): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of bundleEntries(ctx, bundle)) out[e.name] = e.key;
  return out;
}

async function cacheText(dir: string): Promise<string> {
  const [cacheFile] = await Array.fromAsync(Deno.readDir(`${dir}/cache`));
  return await Deno.readTextFile(`${dir}/cache/${cacheFile.name}`);
}

async function setup(dir: string) {
  const ctx = memoryContext();
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  await writeTree(`${dir}/src`, { "a.bin": 100_000, "b.txt": "bee", "c/d.txt": "dee" });
  await untilCacheable();
  const options = uploadOptions(dir, { cacheDir: `${dir}/cache` });
  const first = await uploadBundle(ctx, options);
  return { ctx, options, first: await keys(ctx, first.bundle) };
}

Deno.test("a re-upload takes an unchanged file's key from the cache without hashing it", async () => {
  await withTempDir(async (dir) => {
    const { ctx, options, first } = await setup(dir);
    // Point b.txt's cache line at d.txt's key: only a cache hit can put that key in the bundle.
    const [cacheFile] = await Array.fromAsync(Deno.readDir(`${dir}/cache`));
    const path = `${dir}/cache/${cacheFile.name}`;
    const text = await Deno.readTextFile(path);
    await Deno.writeTextFile(path, text.replace(first["b.txt"], first["c/d.txt"]));
    const second = await keys(ctx, (await uploadBundle(ctx, options)).bundle);
    assertEquals(second["b.txt"], first["c/d.txt"]);
    assertEquals(second["a.bin"], first["a.bin"]);
  });
});

Deno.test("a file changed since the last upload is hashed again, even at the same size", async () => {
  await withTempDir(async (dir) => {
    const { ctx, options, first } = await setup(dir);
    await Deno.writeTextFile(`${dir}/src/b.txt`, "BEE");
    const second = await keys(ctx, (await uploadBundle(ctx, options)).bundle);
    assert(second["b.txt"] !== first["b.txt"], "b.txt got a new key");
    assertEquals(second["c/d.txt"], first["c/d.txt"]);
  });
});

Deno.test("a cached key whose blob was removed from the store is stored again", async () => {
  await withTempDir(async (dir) => {
    const { ctx, options, first } = await setup(dir);
    await ctx.blob.delete(first["a.bin"]);
    const second = await uploadBundle(ctx, options);
    assertEquals((await keys(ctx, second.bundle))["a.bin"], first["a.bin"]);
    assert(await ctx.blob.head(first["a.bin"]), "the root object is back");
    assertEquals(second.leavesStored, 0, "its leaves were still stored");
  });
});

Deno.test("a failed upload keeps the previous cache", async () => {
  await withTempDir(async (dir) => {
    const { ctx, options } = await setup(dir);
    const before = await Array.fromAsync(Deno.readDir(`${dir}/cache`));
    const text = await Deno.readTextFile(`${dir}/cache/${before[0].name}`);
    await Deno.remove(`${dir}/src`, { recursive: true });
    await Deno.mkdir(`${dir}/src`);
    await uploadBundle(ctx, options).catch(() => {});
    const after = await Array.fromAsync(Deno.readDir(`${dir}/cache`));
    assertEquals(after.map((e) => e.name), before.map((e) => e.name));
    assertEquals(await Deno.readTextFile(`${dir}/cache/${after[0].name}`), text);
  });
});

Deno.test("a file changed in the seconds before an upload is not cached: the next upload reads it again", async () => {
  await withTempDir(async (dir) => {
    const { ctx, options } = await setup(dir);
    await Deno.writeTextFile(`${dir}/src/b.txt`, "BEE");
    await uploadBundle(ctx, options);
    const text = await cacheText(dir);
    assert(!text.includes('"b.txt"'), "a file changed just before the upload is left out");
    assert(text.includes('"c/d.txt"'), "an older file is recorded");
  });
});
