/** BundleWriter: file lists of FILE_LIST_SIZE entries as they fill, bundle.yaml last. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { localContext } from "../support/context.ts";
import { BundleWriter } from "../../lib/meta/bundle_writer.ts";
import { bundleEntries, getBundle } from "../../lib/meta/bundles.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { auditTrail } from "../../lib/meta/audit.ts";
import { FILE_LIST_SIZE } from "../../lib/model/keys.ts";
import type { FileEntry } from "../../lib/model/types.ts";
import { isKind } from "../../lib/errors.ts";

const who = { name: "t", email: "t@example.com" };

function entry(i: number): FileEntry {
  return {
    name: `f${String(i).padStart(5, "0")}`,
    size: i,
    mode: 0o644,
    mtime: new Date(0),
    key: "ab".repeat(32),
  };
}

Deno.test("a bundle's entries go to full lists as they come, and the bundle is visible only once committed", async () => {
  await withTempDir(async (dir) => {
    const ctx = localContext(dir);
    await createRepo(ctx, "r", "", who);
    const writer = await BundleWriter.start(ctx, "r", who);
    const count = 2 * FILE_LIST_SIZE + 1;
    for (let i = 0; i < count; i++) await writer.add(entry(i));
    assertEquals(writer.fileCount, count);
    const early = await assertRejects(() => getBundle(ctx, "r", writer.ref.bundle));
    assert(isKind(early, "not-found"), early.message);
    const bundle = await writer.commit({ message: "m", leafSize: 65536, inputs: [] });
    assertEquals([bundle.fileListCount, bundle.fileCount], [3, count]);
    assertEquals(bundle.totalSize, (count * (count - 1)) / 2);
    assertEquals(await getBundle(ctx, "r", bundle.id), bundle);
    assertEquals((await Array.fromAsync(bundleEntries(ctx, bundle))).length, count);
    const page = auditTrail(ctx, { repo: "r", kind: "write", limit: 0 });
    const operations = (await Array.fromAsync(page.entries)).map((e) =>
      e.kind === "write" ? e.operation : e.kind
    );
    assertEquals(operations, [
      "commit bundle",
      "write file list",
      "write file list",
      "write file list",
      "start upload",
      "create repo",
    ]);
  });
});
