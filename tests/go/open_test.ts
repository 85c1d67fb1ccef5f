/**
 * Telling a Go datamon context.yaml from ours, finding its buckets beside the config store,
 * and the read-only stores that refuse every write.
 */
import { assertEquals, assertRejectsKind } from "../support/assert.ts";
import { goContextDocIn, goContextStores, GoReadOnlyStore } from "../../lib/meta/go/open.ts";
import { encodeGoContext, type GoContextDoc } from "../../lib/model/go_format.ts";
import { encodeContext } from "../../lib/model/codec.ts";
import { contextFromBaseUrl } from "../../lib/meta/context.ts";
import { MemoryStore } from "../../lib/store/memory.ts";

const GO_DOC: GoContextDoc = {
  name: "prod",
  wal: "team-wal",
  readlog: "team-readlog",
  blob: "team-blob",
  metadata: "team-meta",
  vmetadata: "team-vmeta",
  version: 1,
};

Deno.test("a context.yaml naming buckets is Go's; one naming store URLs or paths is ours", () => {
  assertEquals(goContextDocIn(encodeGoContext(GO_DOC), "go"), GO_DOC);
  const ours = contextFromBaseUrl("prod", "gs://team-data");
  assertEquals(goContextDocIn(encodeContext(ours), "ours"), undefined);
  const paths = { ...contextFromBaseUrl("prod", "/srv/datamon"), name: "prod" };
  assertEquals(goContextDocIn(encodeContext(paths), "paths"), undefined);
  assertEquals(goContextDocIn("not: [yaml", "broken"), undefined);
});

Deno.test("a Go context's buckets sit beside its config store, with its endpoint kept", () => {
  assertEquals(goContextStores("gs://team-config", GO_DOC).blob, "gs://team-blob");
  assertEquals(
    goContextStores("s3://b/pre/config/?endpoint=http://127.0.0.1:9", GO_DOC).metadata,
    "s3://b/pre/team-meta?endpoint=http://127.0.0.1:9",
  );
  const local = goContextStores("file:///srv/go/config", GO_DOC);
  assertEquals(
    [local.name, local.blob, local.metadata, local.vmetadata, local.wal, local.readlog],
    [
      "prod",
      "file:///srv/go/team-blob",
      "file:///srv/go/team-meta",
      "file:///srv/go/team-vmeta",
      "file:///srv/go/team-wal",
      "file:///srv/go/team-readlog",
    ],
  );
});

Deno.test("a Go context's store reads through and refuses every write as read-only", async () => {
  const inner = new MemoryStore();
  await inner.put("k", new Uint8Array([1]));
  const store = new GoReadOnlyStore(inner, "prod");
  assertEquals(await store.get("k"), new Uint8Array([1]));
  await assertRejectsKind("read-only", () => store.put("k", new Uint8Array([2])));
  await assertRejectsKind("read-only", () => store.putIfAbsent("n", new Uint8Array([2])));
  await assertRejectsKind("read-only", () => store.delete("k"));
  assertEquals(await inner.get("k"), new Uint8Array([1]));
  assertEquals(await inner.head("n"), null);
});
