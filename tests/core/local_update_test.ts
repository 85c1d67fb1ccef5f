/**
 * Local destinations on the local store: download and update never write through a symlink
 * inside the destination (a link is replaced or the run refused, never followed).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { localContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { updateDirectory } from "../../lib/core/update.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import type { BundleDoc } from "../../lib/model/types.ts";
import type { Context } from "../../lib/meta/context.ts";

/** A repo "r" in `dir` with one bundle of `files`. */
async function bundleOf(
  dir: string,
  files: Record<string, string>,
): Promise<{ ctx: Context; bundle: BundleDoc }> {
  const ctx = localContext(`${dir}/store`);
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  await writeTree(`${dir}/src`, files);
  return { ctx, bundle: (await uploadBundle(ctx, uploadOptions(dir))).bundle };
}

/** A directory outside the destination holding precious.txt, the file no run may touch. */
async function outside(dir: string): Promise<string> {
  await writeTree(`${dir}/outside`, { "precious.txt": "p" });
  return `${dir}/outside`;
}

async function assertUntouched(outsideDir: string): Promise<void> {
  const names = await Array.fromAsync(Deno.readDir(outsideDir), (e) => e.name);
  assertEquals(names, ["precious.txt"], "nothing written outside the destination");
  assertEquals(await Deno.readTextFile(`${outsideDir}/precious.txt`), "p");
}

Deno.test("download --force-dest replaces a symlinked file with the bundle's, never writing its target", async () => {
  await withTempDir(async (dir) => {
    const { ctx, bundle } = await bundleOf(dir, { "precious.txt": "from the bundle" });
    const away = await outside(dir);
    await Deno.mkdir(`${dir}/dest`);
    await Deno.symlink(`${away}/precious.txt`, `${dir}/dest/precious.txt`);
    await downloadBundle(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4, force: true });
    assert((await Deno.lstat(`${dir}/dest/precious.txt`)).isFile, "the link was replaced");
    assertEquals(await Deno.readTextFile(`${dir}/dest/precious.txt`), "from the bundle");
    await assertUntouched(away);
  });
});

Deno.test("update replaces a symlinked directory where the bundle has a directory, writing nothing outside", async () => {
  await withTempDir(async (dir) => {
    const { ctx, bundle } = await bundleOf(dir, { "sub/f.txt": "new", "sub/g.txt": "g" });
    const away = await outside(dir);
    await Deno.mkdir(`${dir}/dest`);
    await Deno.symlink(away, `${dir}/dest/sub`);
    const result = await updateDirectory(ctx, bundle, {
      destination: `${dir}/dest`,
      concurrency: 4,
    });
    assertEquals(result, { added: 2, deleted: 1, updated: 0 });
    assert((await Deno.lstat(`${dir}/dest/sub`)).isDirectory, "a real directory now");
    assertEquals(await Deno.readTextFile(`${dir}/dest/sub/f.txt`), "new");
    await assertUntouched(away);
  });
});

Deno.test("update replaces a symlinked file with the bundle's, never writing its target", async () => {
  await withTempDir(async (dir) => {
    const { ctx, bundle } = await bundleOf(dir, { "precious.txt": "from the bundle" });
    const away = await outside(dir);
    await Deno.mkdir(`${dir}/dest`);
    await Deno.symlink(`${away}/precious.txt`, `${dir}/dest/precious.txt`);
    const result = await updateDirectory(ctx, bundle, {
      destination: `${dir}/dest`,
      concurrency: 4,
    });
    assertEquals(result, { added: 0, deleted: 0, updated: 1 });
    assertEquals(await Deno.readTextFile(`${dir}/dest/precious.txt`), "from the bundle");
    await assertUntouched(away);
  });
});

Deno.test("a part file a live download holds locked is kept by the next download and update", async () => {
  await withTempDir(async (dir) => {
    const { ctx, bundle } = await bundleOf(dir, { "f.txt": "f" });
    await Deno.mkdir(`${dir}/dest`);
    const live = `${dir}/dest/.datamon-part-${crypto.randomUUID()}`;
    await Deno.writeTextFile(live, "being written");
    using writer = await Deno.open(live);
    await writer.lock(true);
    await downloadBundle(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4, force: true });
    await updateDirectory(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4 });
    assertEquals(await Deno.readTextFile(live), "being written");
  });
});
