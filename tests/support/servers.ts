/**
 * The S3 and GCS servers that scripts/test.sh starts for the test run, and fresh, empty
 * store URLs on them. Tests that need a server fail loudly when it was not started.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { openStore } from "../../lib/store/open.ts";
import type { Store } from "../../lib/store/store.ts";

/** Bucket the tests use on both servers (GCS's emulator creates it on first write). */
export const TEST_BUCKET = "datamon-test";

/** Backends the end-to-end tests run once each on: a base URL maker per name. */
export const BACKENDS = ["local", "s3", "gcs"] as const;
export type Backend = typeof BACKENDS[number];

function endpoint(variable: string): string {
  const value = Deno.env.get(variable);
  if (!value) {
    throw new Error(
      `${variable} is not set: run the tests with scripts/test.sh (deno task test), ` +
        "which starts the S3 and GCS test servers",
    );
  }
  return value;
}

/** The S3 test server's endpoint (http://127.0.0.1:PORT). */
export function s3Endpoint(): string {
  return endpoint("DATAMON_TEST_S3_ENDPOINT");
}

/** The GCS emulator's endpoint (http://127.0.0.1:PORT). */
export function gcsEndpoint(): string {
  return endpoint("DATAMON_TEST_GCS_ENDPOINT");
}

let bucketReady: Promise<unknown> | undefined;

/** Creates the S3 test bucket once per process (S3 servers, unlike GCS's emulator, need it). */
export function ensureS3Bucket(): Promise<unknown> {
  bucketReady ??= new S3Client({
    region: "us-east-1",
    endpoint: s3Endpoint(),
    forcePathStyle: true,
  }).send(new CreateBucketCommand({ Bucket: TEST_BUCKET })).catch((e) => {
    if (!/BucketAlready/.test(e?.name ?? "")) throw e;
  });
  return bucketReady;
}

/**
 * A URL under a fresh prefix of `backend`'s test server (or a fresh temp directory for local),
 * plus a cleanup that removes what the test stored there.
 */
export async function freshStoreUrl(
  backend: Backend,
): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (backend === "local") {
    const dir = await Deno.makeTempDir({ prefix: "datamon-store-" });
    return { url: `file://${dir}`, cleanup: () => Deno.remove(dir, { recursive: true }) };
  }
  const prefix = `t-${newKsuid()}`;
  let url: string;
  if (backend === "s3") {
    await ensureS3Bucket();
    url = `s3://${TEST_BUCKET}/${prefix}?endpoint=${s3Endpoint()}`;
  } else {
    url = `gs://${TEST_BUCKET}/${prefix}?endpoint=${gcsEndpoint()}`;
  }
  return { url, cleanup: () => removeAll(openStore(url)) };
}

/**
 * Deletes every object of a store, but for keys no Store may name (the "folder/" markers a test
 * wrote with an SDK): the test servers are discarded after the run anyway.
 */
export async function removeAll(store: Store): Promise<void> {
  const keys: string[] = [];
  for await (const entry of store.list("")) {
    if (entry.kind === "object" && !entry.key.endsWith("/")) keys.push(entry.key);
  }
  for (let i = 0; i < keys.length; i += 32) {
    await Promise.all(keys.slice(i, i + 32).map((key) => store.delete(key)));
  }
}
