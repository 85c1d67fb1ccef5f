/** End-to-end: contexts whose stores are on different backends, and stores that do not answer. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { freshStoreUrl, s3Endpoint, TEST_BUCKET } from "../support/servers.ts";

Deno.test("a context's five stores may be five URLs on local disk, S3 and GCS", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const s3 = await freshStoreUrl("s3");
    const gcs = await freshStoreUrl("gcs");
    try {
      const s3Base = s3.url.replace(/\?.*$/, "");
      await datamonOk(
        home,
        ...["context", "create", "--context", "mixed", "--endpoint", s3Endpoint()],
        ...["--blob", `${s3Base}/blobs`, "--meta", `${gcs.url.replace("?", "/meta?")}`],
        ...["--vmeta", `file://${dir}/vmeta`, "--wal", `${s3Base}/wal`],
        ...["--read-log", `file://${dir}/readlog`],
      );
      const doc = JSON.parse(
        await datamonOk(home, "context", "get", "--context", "mixed", "--json"),
      );
      assertEquals(doc.blob, `${s3Base}/blobs?endpoint=${s3Endpoint()}`, "--endpoint fills in s3");
      assertEquals(doc.metadata, gcs.url.replace("?", "/meta?"), "an explicit endpoint is kept");
      await datamonOk(home, "config", "set", "--context", "mixed");
      await writeTree(`${dir}/src`, { "a.txt": "a", "big.bin": 300_000 });
      await datamonOk(home, "repo", "create", "--repo", "r");
      await upload(home, "r", `${dir}/src`, "m", "--label", "v1");
      await datamonOk(
        home,
        "bundle",
        "download",
        "--repo",
        "r",
        "--label",
        "v1",
        "--destination",
        `${dir}/out`,
      );
      await assertSameTree(`${dir}/src`, `${dir}/out`);
      assert(await Deno.stat(`${dir}/vmeta/labels/r/v1`), "the label lives on local disk");
    } finally {
      await s3.cleanup();
      await gcs.cleanup();
    }
  });
});

Deno.test("context create refuses a store that cannot be reached, naming the store, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closed = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
    listener.close();
    const r = await datamon(
      home,
      ...["context", "create", "--context", "dead", "--store", `s3://${TEST_BUCKET}/x`],
      ...["--endpoint", closed],
    );
    assertEquals(r.code, 8, r.stderr);
    assertMatch(
      r.stderr,
      /^datamon: blob store: store s3:\/\/datamon-test\/x\/blob cannot be reached at http:\/\/127\.0\.0\.1:\d+: /,
    );
    assertEquals(r.stderr.trim().split("\n").length, 1, "one line");
    const list = JSON.parse(await datamonOk(home, "context", "list", "--json"));
    assertEquals(list.map((c: { name: string }) => c.name), ["local"]);
  });
});

Deno.test("a missing bucket is reported as such, with what to do", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const r = await datamon(
      home,
      ...["context", "create", "--context", "nob", "--store", "s3://no-such-bucket-here/x"],
      ...["--endpoint", s3Endpoint()],
    );
    assertEquals(r.code, 8, r.stderr);
    assertMatch(r.stderr, /bucket no-such-bucket-here does not exist; create it or fix the URL/);
  });
});

Deno.test("a bad --endpoint is an invalid argument", async () => {
  await withTempDir(async (dir) => {
    const r = await datamon(
      `${dir}/home`,
      ...["context", "create", "--context", "c", "--store", `gs://${TEST_BUCKET}/x`],
      ...["--endpoint", "ftp://127.0.0.1"],
    );
    assertEquals(r.code, 5, r.stderr);
    assertMatch(r.stderr, /endpoint "ftp:\/\/127\.0\.0\.1" is not an http\(s\) URL/);
  });
});
