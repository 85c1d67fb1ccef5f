/**
 * Small files in pack objects (bundle format 2): few requests for many files, dedup of
 * unchanged and identical files, verified reads, and format 1 bundles still readable.
 */
import { assert, assertEquals, assertMatch, assertRejects } from "../support/assert.ts";
import {
  assertSameTree,
  listTree,
  manyFiles,
  untilCacheable,
  withTempDir,
  writeTree,
} from "../support/fixtures.ts";
import {
  localContext,
  memoryContext,
  TEST_CONTRIBUTOR,
  uploadOptions,
} from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { diffBundles, diffLocal } from "../../lib/core/diff.ts";
import { updateDirectory } from "../../lib/core/update.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleEntries } from "../../lib/meta/bundles.ts";
import { createDocument } from "../../lib/meta/documents.ts";
import type { Context } from "../../lib/meta/context.ts";
import { CafsSession } from "../../lib/cafs/session.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";
import { encodeBundle, encodeFileList } from "../../lib/model/codec.ts";
import { bundleKey, fileListKey } from "../../lib/model/keys.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import type { BundleDoc, FileEntry } from "../../lib/model/types.ts";
import { packKey } from "../../lib/cafs/layout.ts";
import { isKind } from "../../lib/errors.ts";

async function entriesOf(ctx: Context, bundle: BundleDoc): Promise<FileEntry[]> {
  return await Array.fromAsync(bundleEntries(ctx, bundle));
}

/**
 * An in-memory context with repo "r", and `files` written under `dir`/src. `onDisk` puts the
 * context's stores under `dir` instead, for a test that reaches into the stored files.
 */
async function repoWith(
  dir: string,
  files: Record<string, Uint8Array | string | number>,
  { onDisk = false } = {},
) {
  const ctx = onDisk ? localContext(dir) : memoryContext();
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  await writeTree(`${dir}/src`, files);
  return ctx;
}

Deno.test("10,000 small files upload and download in requests per pack and list, not per file", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(10_000, 4096));
    const up = await uploadBundle(
      ctx,
      uploadOptions(dir, { concurrency: 16, leafSize: undefined }),
    );
    const lists = up.bundle.fileListCount;
    assertEquals(lists, 10);
    // 41 MB (with the index records) in 8 MiB packs.
    assertEquals(up.packsStored, 5);
    assertEquals(
      up.requests.operations.putIfAbsent,
      up.packsStored + lists + 1 + (lists + 2) + 1,
      "packs, lists, bundle.yaml, the write-ahead records of the start, lists and commit, and " +
        "the context's record",
    );
    assert(
      up.requests.total <= up.packsStored + 2 * lists + 16,
      `with a write-ahead record per list, upload made ${up.requests.total} requests`,
    );

    const down = await downloadBundle(ctx, up.bundle, {
      destination: `${dir}/out`,
      concurrency: 16,
    });
    assertEquals(down.files, 10_000);
    // Runs of at most 4 MiB (64 MiB of read-ahead over 16 at once) and 1024 files: ~10 reads,
    // more where files were packed out of list order (they are packed as they finish).
    const reads = down.requests.operations.getRange;
    assert(reads >= 10 && reads <= 50, `download made ${reads} ranged reads`);
    assert(
      down.requests.total <= reads + lists + 10,
      `download made ${down.requests.total} requests`,
    );
    assertEquals(down.requests.operations.getInto, 0);
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

Deno.test("a re-upload of an unchanged directory stores no pack, with or without the upload cache", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(1500, 100));
    await untilCacheable();
    const packing = { packSize: 64 * 1024, maxPacked: 4096 };
    const first = await uploadBundle(ctx, uploadOptions(dir, packing));
    // 1500 x (100 bytes + a 48-byte index record) in 64 KiB packs.
    assertEquals(first.packsStored, 4);
    const firstEntries = await entriesOf(ctx, first.bundle);
    for (const cacheDir of [undefined, `${dir}/cache`, `${dir}/cache`]) {
      const again = await uploadBundle(ctx, uploadOptions(dir, { ...packing, cacheDir }));
      const what = cacheDir ? "with the cache" : "without the cache";
      assertEquals(again.packsStored, 0, what);
      assertEquals(again.leavesStored, 0, what);
      assertEquals(
        again.requests.operations.putIfAbsent,
        2 + 1 + (2 + 2) + 1,
        `lists, bundle.yaml, write-ahead records of the start, lists and commit, and the ` +
          `context's record ${what}`,
      );
      const heads = again.requests.operations.head;
      assert(
        heads <= 4 + 1 + 2,
        `a head per pack, one for the latest bundle, two for the locks ${what}: ${heads}`,
      );
      const entries = await entriesOf(ctx, again.bundle);
      assertEquals(entries.length, firstEntries.length);
      assert(
        entries.every((e, i) =>
          e.key === firstEntries[i].key && e.pack?.id === firstEntries[i].pack?.id &&
          e.pack?.offset === firstEntries[i].pack?.offset
        ),
        `every entry keeps its pack location ${what}`,
      );
    }
  });
});

Deno.test("a changed small file is packed anew while its unchanged neighbours keep their place", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(50, 100));
    const first = await entriesOf(ctx, (await uploadBundle(ctx, uploadOptions(dir))).bundle);
    await Deno.writeTextFile(`${dir}/src/d3/f00003`, "changed");
    const second = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(second.packsStored, 1);
    assertEquals(second.leavesStored, 1);
    const entries = await entriesOf(ctx, second.bundle);
    for (const [i, e] of entries.entries()) {
      if (e.name === "d3/f00003") assert(e.pack!.id !== first[i].pack!.id, "changed: new pack");
      else assertEquals(e.pack, first[i].pack, `${e.name} keeps its location`);
    }
    await downloadBundle(ctx, second.bundle, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

Deno.test("identical small files in one upload share one location", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, string> = { "other.txt": "something else" };
    for (let i = 0; i < 20; i++) files[`same/${i}.txt`] = "the very same bytes";
    const ctx = await repoWith(dir, files);
    const up = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(up.leavesStored, 2);
    assertEquals(up.leavesDeduplicated, 19);
    assertEquals(up.bytesStored, "something else".length + "the very same bytes".length);
    const same = (await entriesOf(ctx, up.bundle)).filter((e) => e.name.startsWith("same/"));
    assertEquals(new Set(same.map((e) => `${e.pack!.id}@${e.pack!.offset}`)).size, 1);
    await downloadBundle(ctx, up.bundle, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

Deno.test("a bundle of big and small files packs only the small ones and round-trips", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, {
      "big.bin": 3 * 65536 + 5,
      "leaf.bin": 65536,
      "empty": 0,
      "small/a": 10,
      "small/b": 65535,
      "small/c": 1,
    });
    const up = await uploadBundle(ctx, uploadOptions(dir, { maxPacked: 65536 }));
    const packed = (await entriesOf(ctx, up.bundle)).map((e) => [e.name, e.pack !== undefined]);
    assertEquals(packed, [
      ["big.bin", false],
      ["empty", false],
      ["leaf.bin", true],
      ["small/a", true],
      ["small/b", true],
      ["small/c", true],
    ]);
    assertEquals(up.bundle.formatVersion, 2);
    await downloadBundle(ctx, up.bundle, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

/** Flips one byte of the named file's bytes inside its pack. */
async function corruptPacked(dir: string, entry: FileEntry): Promise<void> {
  const path = `${dir}/stores/blob/${packKey(entry.pack!.id)}`;
  const bytes = await Deno.readFile(path);
  bytes[entry.pack!.offset + (entry.size >> 1)] ^= 0x20;
  await Deno.writeFile(path, bytes);
}

async function assertFailedDownload(
  ctx: Context,
  bundle: BundleDoc,
  out: string,
  name: string,
  pattern: RegExp,
) {
  const error = await assertRejects(() =>
    downloadBundle(ctx, bundle, { destination: out, concurrency: 2 })
  );
  assert(isKind(error, "integrity"), String(error));
  assertMatch(error.message, pattern);
  const left = await listTree(out);
  assert(!left.includes(name), `no file under the damaged file's name: ${left}`);
  assert(!left.some((n) => n.includes(".datamon-part-")), `no part files left: ${left}`);
}

Deno.test("a corrupted byte inside a pack fails that file's download with integrity and writes no partial file", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(30, 1000), { onDisk: true });
    const up = await uploadBundle(ctx, uploadOptions(dir));
    const victim = (await entriesOf(ctx, up.bundle))[12];
    await corruptPacked(dir, victim);
    await assertFailedDownload(
      ctx,
      up.bundle,
      `${dir}/out`,
      victim.name,
      new RegExp(
        `file ${victim.name} \\(1000 bytes at ${victim.pack!.offset} of pack .* is corrupt`,
      ),
    );
  });
});

Deno.test("a missing pack fails the download with integrity naming a file it held", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(5, 1000));
    const up = await uploadBundle(ctx, uploadOptions(dir));
    const [first] = await entriesOf(ctx, up.bundle);
    await ctx.blob.delete(packKey(first.pack!.id));
    await assertFailedDownload(
      ctx,
      up.bundle,
      `${dir}/out`,
      first.name,
      new RegExp(`pack ${first.pack!.id} holding file ${first.name} is missing`),
    );
  });
});

Deno.test("an upload whose pack cannot be stored commits no bundle", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(20, 100));
    const blob = ctx.blob;
    ctx.blob = Object.assign(Object.create(null), {
      url: blob.url,
      get: (k: string) => blob.get(k),
      getInto: (k: string, into: Uint8Array) => blob.getInto(k, into),
      getRange: (k: string, o: number, n: number) => blob.getRange(k, o, n),
      put: (k: string, b: Uint8Array) => blob.put(k, b),
      putIfAbsent: (k: string, b: Uint8Array) =>
        k.startsWith("packs/") ? Promise.reject(new Error("disk full")) : blob.putIfAbsent(k, b),
      head: (k: string) => blob.head(k),
      list: (p: string, o?: { delimiter?: string }) => blob.list(p, o),
      delete: (k: string) => blob.delete(k),
    });
    await assertRejects(() => uploadBundle(ctx, uploadOptions(dir)));
    const bundles = await Array.fromAsync(ctx.metadata.list("bundles/r/"));
    assert(
      !bundles.some((e) => e.kind === "object" && e.key.endsWith("bundle.yaml")),
      "no bundle.yaml",
    );
  });
});

/** Writes a format 1 bundle of `dir`/src exactly as datamon did before packs. */
async function uploadFormat1(ctx: Context, dir: string, leafSize: number): Promise<BundleDoc> {
  using blobs = await CafsSession.open(ctx.blob);
  const writer = blobs.writer(chunkingOf(leafSize), 4);
  const entries: FileEntry[] = [];
  for (const name of await listTree(`${dir}/src`)) {
    const path = `${dir}/src/${name}`;
    const info = await Deno.stat(path);
    const put = await writer.putFile(path);
    entries.push({
      name,
      size: put.size,
      mode: info.mode! & 0o7777,
      mtime: info.mtime!,
      key: put.key,
    });
  }
  const id = newKsuid();
  await createDocument(ctx.metadata, fileListKey("r", id, 0), encodeFileList(entries));
  const bundle: BundleDoc = {
    id,
    repo: "r",
    message: "v1",
    timestamp: new Date(),
    contributors: [TEST_CONTRIBUTOR],
    leafSize,
    deduplication: "blake3",
    formatVersion: 1,
    fileListCount: 1,
    fileCount: entries.length,
    totalSize: entries.reduce((n, e) => n + e.size, 0),
  };
  await createDocument(ctx.metadata, bundleKey("r", id), encodeBundle(bundle));
  return bundle;
}

Deno.test("a format 1 bundle still downloads, diffs and updates; the next upload packs its small files", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, { "big.bin": 3 * 65536 + 1, "a.txt": "a", "d/b.txt": 5000 });
    const v1 = await uploadFormat1(ctx, dir, 65536);
    assert((await entriesOf(ctx, v1)).every((e) => e.pack === undefined));
    await downloadBundle(ctx, v1, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);

    using blobs = await CafsSession.open(ctx.blob);
    const hashing = blobs.writer(chunkingOf(v1.leafSize), 4);
    const keyOf = (path: string) => hashing.keyOfFile(path);
    assertEquals(await Array.fromAsync(diffLocal(ctx, `${dir}/out`, v1, keyOf, 4)), []);

    await Deno.writeTextFile(`${dir}/out/a.txt`, "changed");
    await Deno.writeTextFile(`${dir}/out/extra.txt`, "extra");
    const updated = await updateDirectory(ctx, v1, { destination: `${dir}/out`, concurrency: 4 });
    assertEquals(updated, { added: 0, deleted: 1, updated: 1 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);

    const v2 = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(v2.bundle.formatVersion, 2);
    assertEquals(v2.packsStored, 1);
    assertEquals(await Array.fromAsync(diffBundles(ctx, v1, v2.bundle)), [], "same keys");
  });
});

Deno.test("update fetches the packed files it adds and replaces, verified", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoWith(dir, manyFiles(200, 300));
    const up = await uploadBundle(ctx, uploadOptions(dir));
    await Deno.mkdir(`${dir}/out`);
    await writeTree(`${dir}/out`, { "d0/f00000": "stale", "gone.txt": "x" });
    const updated = await updateDirectory(ctx, up.bundle, {
      destination: `${dir}/out`,
      concurrency: 4,
    });
    assertEquals(updated, { added: 199, deleted: 1, updated: 1 });
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});
