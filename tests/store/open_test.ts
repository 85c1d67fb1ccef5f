import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { assert, assertThrowsKind } from "../support/assert.ts";
import { LocalStore } from "../../lib/store/local.ts";
import { joinStoreUrl, openStore, withEndpoint } from "../../lib/store/open.ts";
import { S3Store } from "../../lib/store/s3.ts";
import { GcsStore } from "../../lib/store/gcs.ts";

Deno.test("openStore opens a file URL as a local store at its path", () => {
  const store = openStore("file:///tmp/datamon%20data/store");
  assert.ok(store instanceof LocalStore);
  assert.equal(store.root, "/tmp/datamon data/store");
  assert.equal(store.url, "file:///tmp/datamon%20data/store");
});

Deno.test("openStore opens plain absolute and relative paths as local stores", () => {
  const absolute = openStore("/var/tmp/datamon");
  assert.ok(absolute instanceof LocalStore);
  assert.equal(absolute.url, "file:///var/tmp/datamon");
  const relative = openStore("some/relative dir");
  assert.ok(relative instanceof LocalStore);
  assert.equal(relative.root, resolve("some/relative dir"));
  assert.equal(relative.url, pathToFileURL(resolve("some/relative dir")).href);
});

Deno.test("openStore opens s3:// and gs:// URLs with their backends, shown without the query", () => {
  const s3 = openStore("s3://bucket/a/b?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  assert.ok(s3 instanceof S3Store);
  assert.equal(s3.url, "s3://bucket/a/b");
  const gs = openStore("gs://bucket/c?endpoint=http://127.0.0.1:9001");
  assert.ok(gs instanceof GcsStore);
  assert.equal(gs.url, "gs://bucket/c");
});

Deno.test("joinStoreUrl puts the sub-prefix before a bucket URL's query", () => {
  assert.equal(joinStoreUrl("s3://b?endpoint=http://h:1", "wal"), "s3://b/wal?endpoint=http://h:1");
  assert.equal(joinStoreUrl("gs://b/p/", "blob"), "gs://b/p/blob");
});

Deno.test("withEndpoint fills in the endpoint of s3:// and gs:// URLs that name none", () => {
  assert.equal(withEndpoint("s3://b/p", "http://h:1"), "s3://b/p?endpoint=http://h:1");
  assert.equal(withEndpoint("gs://b?x=1", "http://h:1"), "gs://b?x=1&endpoint=http://h:1");
  assert.equal(
    withEndpoint("s3://b?endpoint=http://o:2", "http://h:1"),
    "s3://b?endpoint=http://o:2",
  );
  assert.equal(withEndpoint("file:///x", "http://h:1"), "file:///x");
  assert.equal(withEndpoint("s3://b", undefined), "s3://b");
  assertThrowsKind("invalid-argument", () => withEndpoint("s3://b", "not a url"));
  assertThrowsKind("invalid-argument", () => withEndpoint("s3://b", "ftp://h"));
});

Deno.test("openStore rejects an unknown scheme with a config error", () => {
  const e = assertThrowsKind("config", () => openStore("http://example.com/store"));
  assert.equal(
    e.message,
    'unknown store URL scheme in "http://example.com/store"; use file://, s3:// or gs://',
  );
  assertThrowsKind("config", () => openStore("ftp://host/x"));
});

Deno.test("openStore rejects a file URL with a remote host and an empty URL", () => {
  const e = assertThrowsKind("config", () => openStore("file://otherhost/data"));
  assert.match(e.message, /use file:\/\/\/absolute\/path/);
  assertThrowsKind("config", () => openStore(""));
});

Deno.test("joinStoreUrl appends a sub-prefix to any store URL", () => {
  assert.equal(joinStoreUrl("file:///x/data", "blob"), "file:///x/data/blob");
  assert.equal(joinStoreUrl("file:///x/data/", "blob"), "file:///x/data/blob");
  assert.equal(joinStoreUrl("file:///", "blob"), "file:///blob");
  assert.equal(joinStoreUrl("s3://b/p", "wal"), "s3://b/p/wal");
  assert.equal(joinStoreUrl("s3://b", "wal"), "s3://b/wal");
  assert.equal(joinStoreUrl("gs://b/p/", "vmetadata"), "gs://b/p/vmetadata");
  assert.equal(joinStoreUrl("/abs/dir", "meta/v1"), "/abs/dir/meta/v1");
  assert.equal(joinStoreUrl("rel", "/readlog/"), "rel/readlog");
});

Deno.test("joinStoreUrl percent-encodes file URL segments so openStore reads them back", () => {
  const url = joinStoreUrl("file:///x/my%20data", "a b/c#d");
  assert.equal(url, "file:///x/my%20data/a%20b/c%23d");
  assert.equal((openStore(url) as LocalStore).root, "/x/my data/a b/c#d");
});

Deno.test("joinStoreUrl rejects an empty or climbing sub-prefix", () => {
  assertThrowsKind("invalid-argument", () => joinStoreUrl("s3://b/p", ""));
  assertThrowsKind("invalid-argument", () => joinStoreUrl("s3://b/p", "/"));
  assertThrowsKind("invalid-argument", () => joinStoreUrl("file:///x", "../y"));
});

Deno.test("a store opened from a joined URL keeps its objects under the sub-prefix", async () => {
  const dir = await Deno.makeTempDir({ prefix: "datamon-open-" });
  try {
    const base = pathToFileURL(dir).href;
    const blob = openStore(joinStoreUrl(base, "blob"));
    await blob.put("k", new Uint8Array([7]));
    assert.deepEqual(await Deno.readFile(`${dir}/blob/k`), new Uint8Array([7]));
    const whole = openStore(base);
    assert.deepEqual(await whole.get("blob/k"), new Uint8Array([7]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
