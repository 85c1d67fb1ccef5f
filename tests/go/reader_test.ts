/**
 * A context that go_fixture writes in Go datamon's layout reads back byte-exact through the
 * Go reader API, on the local disk, the S3 test server and the GCS emulator.
 */
import { assert } from "../support/assert.ts";
import { readGoFile } from "../../lib/cafs/go/reader.ts";
import { getGoContext, listGoContexts } from "../../lib/meta/go/contexts.ts";
import { getGoRepo, listGoRepos } from "../../lib/meta/go/repos.ts";
import { goBundleEntries, latestGoBundle, listGoBundles } from "../../lib/meta/go/bundles.ts";
import { getGoLabel, listGoLabels } from "../../lib/meta/go/labels.ts";
import { listGoWalEntries } from "../../lib/meta/go/wal.ts";
import { decodeGoFileList } from "../../lib/model/go_format.ts";
import { goFileListKey } from "../../lib/model/go_keys.ts";
import { mapOrdered } from "../../lib/meta/documents.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { patternBytes } from "../support/fixtures.ts";
import {
  type GoFixtureSpec,
  type GoStores,
  openGoStores,
  writeGoContext,
  type WrittenGoBundle,
} from "../support/go_fixture.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";

/**
 * The smallest leaf Go datamon can write with: pkg/cafs/writer.go's Write loops forever on a
 * write larger than a leaf, and io.Copy writes 32 KiB at a time.
 */
const LEAF_SIZE = 32 * 1024;
const MANY_FILES = 1200;
const encoder = new TextEncoder();

/** Two repos: small, multi-leaf, leaf-aligned and empty files; a bundle of 1,200 files. */
function readerSpec(): GoFixtureSpec {
  return {
    context: "go-ctx",
    leafSize: LEAF_SIZE,
    repos: [
      {
        name: "alpha",
        bundles: [
          {
            message: "first",
            labels: ["init"],
            files: [
              { name: "a.txt", bytes: encoder.encode("hello, Go user\n") },
              { name: "dir/multi.bin", bytes: patternBytes(2 * LEAF_SIZE + 452, 7) },
              { name: "dir/exact.bin", bytes: patternBytes(2 * LEAF_SIZE, 8) },
              { name: "empty", bytes: new Uint8Array(0) },
            ],
          },
          {
            message: "many",
            labels: ["latest"],
            files: Array.from({ length: MANY_FILES }, (_, i) => ({
              name: `many/${String(i).padStart(4, "0")}.txt`,
              bytes: encoder.encode(`file ${i}\n`),
            })),
          },
        ],
      },
      {
        name: "beta",
        description: "the second repo",
        bundles: [{
          message: "b",
          labels: ["prod"],
          files: [{ name: "b", bytes: encoder.encode("b") }],
        }],
      },
    ],
    wal: [{ token: newKsuid(), payload: "first entry" }, { token: newKsuid(), payload: "second" }],
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A file's bytes read through readGoFile, and how many chunks (leaves) they came in. */
async function readBack(
  stores: GoStores,
  entry: { name: string; hash: string; size: number },
  leafSize: number,
): Promise<{ bytes: Uint8Array; chunks: number }> {
  const chunks = await collect(readGoFile(stores.blob, entry, leafSize));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return { bytes, chunks: chunks.length };
}

async function assertBundleReadsBack(stores: GoStores, written: WrittenGoBundle) {
  const entries = await collect(goBundleEntries(stores.metadata, written.repo, written.doc));
  assert.deepEqual(entries, written.files.map((f) => f.entry));
  const reads = mapOrdered(
    written.files,
    16,
    (f) => readBack(stores, f.entry, written.doc.leafSize),
  );
  let i = 0;
  for await (const { bytes, chunks } of reads) {
    const file = written.files[i++];
    assert.deepEqual(bytes, file.bytes, file.entry.name);
    assert.equal(chunks, file.objects.leaves.length, file.entry.name);
  }
}

for (const backend of BACKENDS) {
  Deno.test(`${backend}: a Go-layout context reads back byte-exact`, async () => {
    const { url, cleanup } = await freshStoreUrl(backend);
    try {
      const stores = openGoStores(url);
      const spec = readerSpec();
      const { context, bundles } = await writeGoContext(stores, spec);
      const [first, many, beta] = bundles;

      assert.deepEqual(await collect(listGoContexts(stores.config)), ["go-ctx"]);
      assert.deepEqual(await getGoContext(stores.config, "go-ctx"), context);
      assert.deepEqual((await collect(listGoRepos(stores.metadata))).map((r) => r.name), [
        "alpha",
        "beta",
      ]);
      assert.equal((await getGoRepo(stores.metadata, "beta")).description, "the second repo");

      assert.deepEqual(await collect(listGoBundles(stores.metadata, "alpha")), [
        first.doc,
        many.doc,
      ]);
      assert.deepEqual(await latestGoBundle(stores.metadata, "alpha"), many.doc);
      assert.equal(many.doc.fileListCount, 2);
      const list0 = decodeGoFileList(
        new TextDecoder().decode(await stores.metadata.get(goFileListKey("alpha", many.doc.id, 0))),
        "list 0",
      );
      assert.equal(list0.length, 1000);
      for (const written of bundles) await assertBundleReadsBack(stores, written);

      const labels = await collect(listGoLabels(stores.vmetadata, "alpha"));
      assert.deepEqual(labels.map((l) => [l.name, l.bundleId]), [["init", first.doc.id], [
        "latest",
        many.doc.id,
      ]]);
      assert.equal((await getGoLabel(stores.vmetadata, "beta", "prod")).bundleId, beta.doc.id);
      assert.deepEqual(await collect(listGoWalEntries(stores.wal)), spec.wal);
    } finally {
      await cleanup();
    }
  });
}
