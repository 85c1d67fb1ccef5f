/**
 * End-to-end: `bundle upload --path s3://...` and `gs://...` make a bundle of a bucket prefix,
 * its file lists in name order whatever order the bucket lists its keys in.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { freshStoreUrl } from "../support/servers.ts";
import { openStore } from "../../lib/store/open.ts";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Storage } from "@google-cloud/storage";

/**
 * Writes the empty "folder" object a cloud console makes (a key ending in "/"), which no
 * datamon store writes, with the backend's SDK.
 */
async function putFolderMarker(backend: "s3" | "gcs", url: string, name: string) {
  const parsed = new URL(url.replace(/^(s3|gs):/, "http:"));
  const endpoint = parsed.searchParams.get("endpoint")!;
  const bucket = parsed.hostname;
  const key = `${parsed.pathname.slice(1)}/${name}`;
  if (backend === "s3") {
    const client = new S3Client({ region: "us-east-1", endpoint, forcePathStyle: true });
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: new Uint8Array() }));
  } else {
    const storage = new Storage({ apiEndpoint: endpoint, projectId: "datamon-test" });
    await storage.bucket(bucket).file(key).save(new Uint8Array(), { resumable: false });
  }
}

const OBJECTS: Record<string, number> = {
  "a.txt": 5,
  "nested/deeper/b.bin": 3 * 65536 + 17,
  "nested/c.bin": 65536,
  "z.txt": 1,
};

/**
 * Runs `fn` with a fresh bucket prefix on `backend` holding `tree` (also written to
 * `dir`/expected) and a home with repo "r"; removes the prefix after.
 */
async function withBucket(
  backend: "s3" | "gcs",
  tree: Record<string, string | number>,
  fn: (dir: string, home: string, url: string) => Promise<void>,
): Promise<void> {
  const source = await freshStoreUrl(backend);
  try {
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      const store = openStore(source.url);
      await writeTree(`${dir}/expected`, tree);
      for (const name of Object.keys(tree)) {
        await store.put(name, await Deno.readFile(`${dir}/expected/${name}`));
      }
      await datamonOk(home, "repo", "create", "--repo", "r");
      await fn(dir, home, source.url);
    });
  } finally {
    await source.cleanup();
  }
}

/** The names `bundle list files` shows for repo "r"'s latest bundle, in its order. */
async function listedNames(home: string): Promise<string[]> {
  const files = JSON.parse(
    await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
  ) as { name: string }[];
  return files.map((f) => f.name);
}

for (const backend of ["s3", "gcs"] as const) {
  Deno.test(`bundle upload --path ${backend === "s3" ? "s3" : "gs"}://bucket/prefix makes a bundle of the objects under it, folder markers left out`, async () => {
    await withBucket(backend, OBJECTS, async (dir, home, url) => {
      await putFolderMarker(backend, url, "nested/");
      await upload(home, "r", url, "from a bucket", "--leaf-size", "64K");
      await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
      await assertSameTree(`${dir}/expected`, `${dir}/out`);
      assertEquals(await listedNames(home), Object.keys(OBJECTS).sort());
    });
  });
}

/**
 * Names whose code-point order (a bucket's listing) and JavaScript string order (a bundle's
 * file lists) differ: a fullwidth "Ａ" (U+FF21) sorts before an emoji by code point, after it
 * by UTF-16 code unit.
 */
const CROSSED: Record<string, string> = {
  "d/x.txt": "plain",
  "d/\uff21.txt": "fullwidth A",
  "d/\u{1f600}.txt": "grinning face",
  "\uff21/a": "under a fullwidth directory",
  "\u{1f600}/b": "under an emoji directory",
};

for (const backend of ["s3", "gcs"] as const) {
  Deno.test(`a bundle uploaded from ${backend === "s3" ? "an S3" : "a GCS"} bucket lists fullwidth and emoji names in name order, and each downloads`, async () => {
    await withBucket(backend, CROSSED, async (dir, home, url) => {
      await upload(home, "r", url, "crossed names");
      assertEquals(await listedNames(home), Object.keys(CROSSED).sort());
      for (const [name, text] of Object.entries(CROSSED)) {
        const one = `${dir}/one`;
        await datamonOk(
          home,
          ...["bundle", "download", "file", "--repo", "r", "--file", name, "--destination", one],
        );
        assertEquals(await Deno.readTextFile(`${one}/${name}`), text);
        await Deno.remove(one, { recursive: true });
      }
      await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
      await assertSameTree(`${dir}/expected`, `${dir}/out`);
    });
  });
}

Deno.test("bundle upload from an empty bucket prefix exits 6 and commits nothing", async () => {
  const source = await freshStoreUrl("s3");
  try {
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      await datamonOk(home, "repo", "create", "--repo", "r");
      const r = await datamon(
        home,
        ...["bundle", "upload", "--repo", "r", "--path", source.url, "--message", "m"],
      );
      assertEquals(r.code, 6, r.stderr);
      assertMatch(r.stderr, /holds no files: nothing to upload/);
      const list = await datamon(home, "bundle", "list", "--repo", "r", "--json");
      assertEquals(JSON.parse(list.stdout), []);
    });
  } finally {
    await source.cleanup();
  }
});

Deno.test("bundle upload --files with a bucket --path is a usage error", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await Deno.writeTextFile(`${dir}/list.txt`, "a.txt\n");
    const r = await datamon(
      home,
      ...["bundle", "upload", "--repo", "r", "--path", "s3://datamon-test/x", "--message", "m"],
      ...["--files", `${dir}/list.txt`],
    );
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /^datamon: --files selects files of a local --path only/);
  });
});
