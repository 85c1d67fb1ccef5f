/**
 * The Go reader API on damaged or partial Go-layout contexts (local stores): every failure is
 * one DatamonError line of the right kind that names what is wrong.
 */
import { assert } from "../support/assert.ts";
import { type DatamonError, type ErrorKind, isKind } from "../../lib/errors.ts";
import { readGoFile } from "../../lib/cafs/go/reader.ts";
import { getGoContext } from "../../lib/meta/go/contexts.ts";
import { getGoRepo } from "../../lib/meta/go/repos.ts";
import {
  getGoBundle,
  goBundleEntries,
  latestGoBundle,
  listGoBundles,
} from "../../lib/meta/go/bundles.ts";
import { getGoLabel } from "../../lib/meta/go/labels.ts";
import { encodeGoFileList, type GoFileEntry } from "../../lib/model/go_format.ts";
import { goFileListKey } from "../../lib/model/go_keys.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { patternBytes, withTempDir } from "../support/fixtures.ts";
import {
  type GoStores,
  openGoStores,
  writeGoContext,
  type WrittenGoBundle,
} from "../support/go_fixture.ts";

/**
 * The smallest leaf Go datamon can write with: pkg/cafs/writer.go's Write loops forever on a
 * write larger than a leaf, and io.Copy writes 32 KiB at a time.
 */
const LEAF_SIZE = 32 * 1024;
const encoder = new TextEncoder();

/** A local Go context with one bundle of a 3-leaf file and a small file, labelled "v1". */
async function withGoContext(fn: (stores: GoStores, bundle: WrittenGoBundle) => Promise<void>) {
  await withTempDir(async (dir) => {
    const stores = openGoStores(dir);
    const { bundles } = await writeGoContext(stores, {
      context: "c",
      leafSize: LEAF_SIZE,
      repos: [{
        name: "r",
        bundles: [{
          message: "m",
          labels: ["v1"],
          files: [
            { name: "dir/multi.bin", bytes: patternBytes(2 * LEAF_SIZE + 452, 3) },
            { name: "small.txt", bytes: encoder.encode("small") },
          ],
        }],
      }],
    });
    await fn(stores, bundles[0]);
  });
}

async function drain(items: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of items) { /* consume */ }
}

/** Asserts that `run` fails with a one-line DatamonError of `kind` matching every pattern. */
async function assertFails(run: () => Promise<unknown>, kind: ErrorKind, ...patterns: RegExp[]) {
  await assert.rejects(run, (e) => {
    const message = (e as DatamonError).message;
    assert.ok(isKind(e, kind), `expected ${kind}, got ${String(e)}`);
    assert.ok(!message.includes("\n"), message);
    for (const pattern of patterns) assert.match(message, pattern);
    return true;
  });
}

Deno.test("readGoFile refuses a corrupt leaf, naming the file and the leaf", async () => {
  await withGoContext(async (stores, bundle) => {
    const file = bundle.files[0];
    const leaf = file.objects.leaves[1];
    const damaged = leaf.bytes.slice();
    damaged[10] ^= 0xff;
    await stores.blob.put(leaf.key, damaged);
    await assertFails(
      () => drain(readGoFile(stores.blob, file.entry, LEAF_SIZE)),
      "integrity",
      /"dir\/multi.bin"/,
      /leaf 1/,
    );
  });
});

Deno.test("readGoFile refuses a missing leaf or root object", async () => {
  await withGoContext(async (stores, bundle) => {
    const [multi, small] = bundle.files;
    await stores.blob.delete(multi.objects.leaves[2].key);
    await assertFails(
      () => drain(readGoFile(stores.blob, multi.entry, LEAF_SIZE)),
      "integrity",
      /leaf 2/,
      /missing/,
    );
    await stores.blob.delete(small.objects.root.key);
    await assertFails(
      () => drain(readGoFile(stores.blob, small.entry, LEAF_SIZE)),
      "integrity",
      /"small.txt"/,
      /root object/,
    );
  });
});

Deno.test("readGoFile refuses a truncated leaf, a foreign root object and a wrong size", async () => {
  await withGoContext(async (stores, bundle) => {
    const [multi, small] = bundle.files;
    const read = (entry: GoFileEntry) => drain(readGoFile(stores.blob, entry, LEAF_SIZE));
    await assertFails(
      () => read({ ...multi.entry, size: multi.entry.size + 1 }),
      "integrity",
      /leaf 2 .* 452 bytes, expected 453/,
    );
    await assertFails(
      () => read({ ...multi.entry, size: 3 * LEAF_SIZE + 1 }),
      "integrity",
      /lists 3 leaves/,
    );
    await stores.blob.put(small.objects.root.key, multi.objects.root.bytes);
    await assertFails(() => read(small.entry), "integrity", /"small.txt"/, /trailing key/);
  });
});

Deno.test("unknown context, repo, bundle and label are not-found", async () => {
  await withGoContext(async (stores) => {
    await assertFails(() => getGoContext(stores.config, "nope"), "not-found", /context "nope"/);
    await assertFails(() => getGoRepo(stores.metadata, "nope"), "not-found", /repo "nope"/);
    await assertFails(
      () => drain(listGoBundles(stores.metadata, "nope")),
      "not-found",
      /repo "nope"/,
    );
    const id = newKsuid();
    await assertFails(() => getGoBundle(stores.metadata, "r", id), "not-found", new RegExp(id));
    await assertFails(() => getGoLabel(stores.vmetadata, "r", "nope"), "not-found", /label "nope"/);
  });
});

Deno.test("a bundle whose upload never wrote bundle.yaml is neither listed nor latest", async () => {
  await withGoContext(async (stores, bundle) => {
    const unfinished = newKsuid();
    await stores.metadata.put(
      goFileListKey("r", unfinished, 0),
      encoder.encode(encodeGoFileList([])),
    );
    const ids = [];
    for await (const doc of listGoBundles(stores.metadata, "r")) ids.push(doc.id);
    assert.deepEqual(ids, [bundle.doc.id]);
    assert.equal((await latestGoBundle(stores.metadata, "r")).id, bundle.doc.id);
  });
});

Deno.test("file lists may be short anywhere (Go's repo delete files) but not over 1000 or missing", async () => {
  await withGoContext(async (stores, bundle) => {
    const [multi, small] = bundle.files.map((f) => f.entry);
    const doc = { ...bundle.doc, fileListCount: 2 };
    const put = (i: number, entries: GoFileEntry[]) =>
      stores.metadata.put(goFileListKey("r", doc.id, i), encoder.encode(encodeGoFileList(entries)));
    await put(0, [multi]);
    await put(1, [small]);
    const names = [];
    for await (const entry of goBundleEntries(stores.metadata, "r", doc)) names.push(entry.name);
    assert.deepEqual(names, ["dir/multi.bin", "small.txt"]);
    await put(1, Array.from({ length: 1001 }, () => small));
    await assertFails(
      () => drain(goBundleEntries(stores.metadata, "r", doc)),
      "integrity",
      /1001 entries/,
    );
    await stores.metadata.delete(goFileListKey("r", doc.id, 1));
    await assertFails(
      () => drain(goBundleEntries(stores.metadata, "r", doc)),
      "integrity",
      /bundle-files-1.yaml is missing/,
    );
  });
});

Deno.test("a damaged document is one integrity line naming its key", async () => {
  await withGoContext(async (stores, bundle) => {
    const key = goFileListKey("r", bundle.doc.id, 0);
    await stores.metadata.put(key, encoder.encode("BundleEntries:\n- hash: 12\n"));
    await assertFails(
      () => drain(goBundleEntries(stores.metadata, "r", bundle.doc)),
      "integrity",
      new RegExp(key),
      /hash/,
    );
  });
});
