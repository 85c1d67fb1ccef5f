import { assert, assertRejectsKind } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import { GcsStore } from "../../lib/store/gcs.ts";
import { storeContract } from "./contract.ts";
import { type RecordedRequest, serveFake } from "../support/fake_http.ts";
import { freshStoreUrl } from "../support/servers.ts";
import { listed } from "../support/store.ts";

/** The create-only test against a fake that enforces the precondition, as GCS does. */
const PRECONDITION_TEST =
  "gcs putIfAbsent sends ifGenerationMatch=0 and maps 412 to false (fake server: the emulator ignores the precondition)";

// The emulator started by scripts/test.sh ignores ifGenerationMatch=0: the contract's
// create-only cases are registered ignored, and PRECONDITION_TEST covers them. A small page
// size makes the contract's listings span many pages.
storeContract("gcs", async () => {
  const { url, cleanup } = await freshStoreUrl("gcs");
  return { store: new GcsStore(url, { pageSize: 100 }), cleanup };
}, {
  createOnlyIgnored:
    `the test server does not enforce ifGenerationMatch=0; covered by the fake-server test "${PRECONDITION_TEST}"`,
});

const QUICK_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** A GcsStore on a fake server, with short retries. */
function fakeStore(endpoint: string, prefix = "p"): GcsStore {
  return new GcsStore(`gs://bucket/${prefix}?endpoint=${endpoint}`, { retry: QUICK_RETRY });
}

function gcsError(status: number, message: string): Response {
  const body = { error: { code: status, message, errors: [{ message, reason: "test" }] } };
  return Response.json(body, { status });
}

/** What the JSON API answers to an upload: the new object's metadata. */
function uploaded(req: RecordedRequest): Response {
  return Response.json({
    kind: "storage#object",
    bucket: "bucket",
    name: req.url.searchParams.get("name"),
    size: String(uploadedBytes(req).length),
    generation: "1",
    updated: new Date().toISOString(),
  });
}

function isUpload(req: RecordedRequest): boolean {
  return req.method === "POST" && req.url.pathname === "/upload/storage/v1/b/bucket/o";
}

/** The object bytes of a simple (multipart/related) upload: the part after the metadata. */
function uploadedBytes(req: RecordedRequest): Uint8Array {
  const boundary = /boundary=([^;]+)/.exec(req.headers.get("content-type") ?? "")?.[1];
  assert.ok(boundary, "a multipart upload");
  const text = Array.from(req.body, (byte) => String.fromCharCode(byte)).join("");
  const parts = text.split(`--${boundary}`);
  const media = parts[2];
  const body = media.slice(media.indexOf("\r\n\r\n") + 4, media.lastIndexOf("\r\n"));
  return Uint8Array.from(body, (c) => c.charCodeAt(0));
}

Deno.test(PRECONDITION_TEST, async () => {
  const stored = new Set<string>();
  await using fake = serveFake((req) => {
    if (!isUpload(req)) return gcsError(400, "unexpected request");
    const name = req.url.searchParams.get("name") ?? "";
    if (req.url.searchParams.get("ifGenerationMatch") === "0" && stored.has(name)) {
      return gcsError(412, "At least one of the pre-conditions you specified did not hold.");
    }
    stored.add(name);
    return uploaded(req);
  });
  const store = fakeStore(fake.url);
  assert.equal(await store.putIfAbsent("a/k", new Uint8Array([1, 2])), true);
  assert.equal(await store.putIfAbsent("a/k", new Uint8Array([3])), false);
  assert.equal(fake.requests.length, 2);
  for (const req of fake.requests) {
    assert.equal(req.url.searchParams.get("ifGenerationMatch"), "0");
    assert.equal(req.url.searchParams.get("name"), "p/a/k");
  }
  assert.deepEqual(uploadedBytes(fake.requests[0]), new Uint8Array([1, 2]));
});

Deno.test("gcs putIfAbsent whose first answer was lost wins when the stored bytes are its own", async () => {
  let stored: Uint8Array | null = null;
  await using fake = serveFake((req) => {
    if (req.method === "GET") {
      return stored ? new Response(stored.slice()) : gcsError(404, "No such object: bucket/p/k");
    }
    if (stored) {
      return gcsError(412, "At least one of the pre-conditions you specified did not hold.");
    }
    // Stores the object, then fails as if the answer were lost on the way back.
    stored = uploadedBytes(req);
    return gcsError(503, "Backend Error");
  });
  assert.equal(await fakeStore(fake.url).putIfAbsent("k", new Uint8Array([7, 8])), true);
  assert.deepEqual(fake.requests.map((r) => r.method), ["POST", "POST", "GET"]);
  stored = new Uint8Array([1]);
  assert.equal(await fakeStore(fake.url).putIfAbsent("k", new Uint8Array([7, 8])), false);
});

Deno.test("gcs put from shared memory sends the bytes", async () => {
  await using fake = serveFake((req) => uploaded(req));
  const shared = new Uint8Array(new SharedArrayBuffer(4));
  shared.set([9, 8, 7, 6]);
  await fakeStore(fake.url).put("k", shared.subarray(1, 3));
  assert.deepEqual(uploadedBytes(fake.requests[0]), new Uint8Array([8, 7]));
  assert.equal(fake.requests[0].url.searchParams.get("ifGenerationMatch"), null);
});

Deno.test("gcs retries 503 twice and re-sends the same bytes each time", async () => {
  await using fake = serveFake((req, i) => i < 2 ? gcsError(503, "Backend Error") : uploaded(req));
  await fakeStore(fake.url).put("k", new Uint8Array([4, 5, 6]));
  assert.equal(fake.requests.length, 3);
  for (const req of fake.requests) assert.deepEqual(uploadedBytes(req), new Uint8Array([4, 5, 6]));
});

Deno.test("gcs does not retry a 403 and reports refused credentials naming the URL", async () => {
  await using fake = serveFake(() => gcsError(403, "caller does not have storage.objects.get"));
  const error = await fakeStore(fake.url).get("k").catch((e) => e);
  assert.ok(isKind(error, "unreachable"), String(error));
  assert.equal(
    error.message,
    "store gs://bucket/p refuses the credentials: caller does not have storage.objects.get; " +
      "run gcloud auth application-default login or set GOOGLE_APPLICATION_CREDENTIALS",
  );
  assert.equal(fake.requests.length, 1);
});

Deno.test("gcs does not retry a 400 and names the key", async () => {
  await using fake = serveFake(() => gcsError(400, "Invalid object name"));
  const error = await fakeStore(fake.url).put("k", new Uint8Array(1)).catch((e) => e);
  assert.ok(isKind(error, "invalid-argument"), String(error));
  assert.equal(error.message, "gs://bucket/p refused to store k: Invalid object name");
  assert.equal(fake.requests.length, 1);
});

Deno.test("gcs gives up on a 5xx after the policy's attempts with unreachable", async () => {
  await using fake = serveFake(() => gcsError(500, "Internal Error"));
  const error = await fakeStore(fake.url).head("k").catch((e) => e);
  assert.ok(isKind(error, "unreachable"), String(error));
  assert.match(error.message, /^store gs:\/\/bucket\/p failed: HTTP 500: Internal Error$/);
  assert.equal(fake.requests.length, QUICK_RETRY.attempts);
});

Deno.test("gcs getInto fetches the object's media by the JSON API, its name encoded", async () => {
  await using fake = serveFake(() => new Response(new Uint8Array([7, 8, 9])));
  const into = new Uint8Array(new SharedArrayBuffer(8));
  assert.equal(await fakeStore(fake.url).getInto("d/a b+é", into), 3);
  assert.deepEqual(into.slice(0, 3), new Uint8Array([7, 8, 9]));
  const [req] = fake.requests;
  assert.equal(req.method, "GET");
  assert.equal(req.url.pathname, "/storage/v1/b/bucket/o/p%2Fd%2Fa%20b%2B%C3%A9");
  assert.equal(req.url.searchParams.get("alt"), "media");
});

Deno.test("gcs getInto retries a 503, maps 404 to not-found and 403 to refused credentials", async () => {
  await using flaky = serveFake((_req, i) =>
    i === 0 ? gcsError(503, "Backend Error") : new Response(new Uint8Array([1, 2]))
  );
  assert.equal(await fakeStore(flaky.url).getInto("k", new Uint8Array(4)), 2);
  assert.equal(flaky.requests.length, 2);
  await using missing = serveFake(() => gcsError(404, "No such object: bucket/p/k"));
  const absent = await fakeStore(missing.url).getInto("k", new Uint8Array(4)).catch((e) => e);
  assert.ok(isKind(absent, "not-found"), String(absent));
  await using refusing = serveFake(() => gcsError(403, "caller does not have storage.objects.get"));
  const refused = await fakeStore(refusing.url).getInto("k", new Uint8Array(4)).catch((e) => e);
  assert.ok(isKind(refused, "unreachable"), String(refused));
  assert.match(refused.message, /refuses the credentials: caller does not have storage/);
  assert.equal(refusing.requests.length, 1);
});

Deno.test("gcs store at a closed port is unreachable, naming the URL and endpoint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const store = fakeStore(`http://127.0.0.1:${port}`, "x/y");
  for (const op of [() => store.head("k"), () => store.put("k", new Uint8Array(1))]) {
    const error = await op().catch((e) => e);
    assert.ok(isKind(error, "unreachable"), String(error));
    assert.match(
      error.message,
      new RegExp(
        `^store gs://bucket/x/y cannot be reached at http://127.0.0.1:${port}: ` +
          `connect ECONNREFUSED`,
      ),
    );
  }
});

Deno.test("gcs missing bucket is unreachable, naming the bucket", async () => {
  await using fake = serveFake(() => gcsError(404, "The specified bucket does not exist."));
  const store = fakeStore(fake.url);
  for (const op of [() => store.put("k", new Uint8Array(1)), () => listed(store, "")]) {
    const error = await op().catch((e) => e);
    assert.ok(isKind(error, "unreachable"), String(error));
    assert.match(error.message, /^store gs:\/\/bucket\/p cannot be used: bucket bucket does not/);
  }
  assert.ok(isKind(await store.get("k").catch((e) => e), "unreachable"));
});

Deno.test("gcs list merges objects and prefixes of every page in key order", async () => {
  const { url, cleanup } = await freshStoreUrl("gcs");
  try {
    const store = new GcsStore(url, { pageSize: 7 });
    const keys = Array.from({ length: 30 }, (_, i) => `d/${String(i).padStart(2, "0")}`);
    keys.push("d/15/deeper", "d/27/deeper/still", "d/99/z");
    await Promise.all(keys.map((key) => store.put(key, new Uint8Array(1))));
    assert.deepEqual(await listed(store, "d/"), [...keys].sort());
    const grouped = [...keys.slice(0, 30), "d/15/", "d/27/", "d/99/"].sort();
    assert.deepEqual(await listed(store, "d/", { delimiter: "/" }), grouped);
  } finally {
    await cleanup();
  }
});

Deno.test("gcs list yields pages in key order, each prefix once, however pages repeat prefixes", async () => {
  // Page 1 holds a prefix past its last object ("d/"), as GCS cuts pages; pages 2 and 3 repeat
  // prefixes already seen or still ahead, as the emulator does.
  const pages = [
    { items: ["p/a", "p/c"], prefixes: ["p/b/", "p/d/", "p/g/"], nextPageToken: "t1" },
    { items: ["p/e"], prefixes: ["p/b/", "p/d/", "p/f/", "p/g/"], nextPageToken: "t2" },
    { prefixes: ["p/g/"] },
  ];
  await using fake = serveFake((req) => {
    const token = req.url.searchParams.get("pageToken");
    const page = pages[token === null ? 0 : Number(token.slice(1))];
    return Response.json({
      ...page,
      items: page.items?.map((name) => ({ name, size: "1", updated: new Date().toISOString() })),
    });
  });
  const store = fakeStore(fake.url);
  assert.deepEqual(await listed(store, "", { delimiter: "/" }), [
    "a",
    "b/",
    "c",
    "d/",
    "e",
    "f/",
    "g/",
  ]);
  const query = fake.requests[0].url.searchParams;
  assert.equal(query.get("prefix"), "p/");
  assert.equal(query.get("delimiter"), "/");
  assert.equal(query.get("fields"), "items(name,size,updated),prefixes,nextPageToken");
});

Deno.test("gcs endpoint: STORAGE_EMULATOR_HOST as host:port when the URL has none; the URL's wins", async () => {
  await using fake = serveFake(() => gcsError(404, "No such object: bucket/p/k"));
  const before = Deno.env.get("STORAGE_EMULATOR_HOST");
  try {
    Deno.env.set("STORAGE_EMULATOR_HOST", fake.url.replace("http://", ""));
    assert.equal(await new GcsStore("gs://bucket/p", { retry: QUICK_RETRY }).head("k"), null);
    // The SDK would take the variable as its API base; the store must not.
    assert.equal(fake.requests[0].url.pathname, "/storage/v1/b/bucket/o/p%2Fk");
    Deno.env.set("STORAGE_EMULATOR_HOST", "127.0.0.1:1");
    assert.equal(await fakeStore(fake.url).head("k"), null);
    assert.equal(fake.requests.length, 2);
    Deno.env.set("STORAGE_EMULATOR_HOST", "ftp://127.0.0.1:1");
    assert.throws(
      () => new GcsStore("gs://bucket/p"),
      (e) => isKind(e, "config") && /STORAGE_EMULATOR_HOST "ftp:/.test(e.message),
    );
  } finally {
    if (before === undefined) Deno.env.delete("STORAGE_EMULATOR_HOST");
    else Deno.env.set("STORAGE_EMULATOR_HOST", before);
  }
});

Deno.test("gcs URLs: bad buckets, parameters and endpoints are config errors; url has no query", () => {
  for (
    const url of [
      "gs://B/x",
      "gs://ab",
      "gs://bucket/x?color=red",
      "gs://bucket/../x",
      "gs://bucket/x?endpoint=ftp://h:1",
      "gs://bucket/x?endpoint=http://",
    ]
  ) {
    assert.throws(() => new GcsStore(url), (e) => isKind(e, "config"), url);
  }
  assert.equal(new GcsStore("gs://bucket/a/b/?endpoint=http://127.0.0.1:1").url, "gs://bucket/a/b");
});

Deno.test("gcs lists a key's generations newest first across pages, stops at the next name and reads each by generation (fake: no test server keeps versions)", async () => {
  // GCS lists a name's generations oldest first; the store sorts them newest first.
  const item = (name: string, generation: string, size: number) => ({
    name,
    generation,
    size: String(size),
    updated: `2026-01-0${size}T00:00:00.000Z`,
  });
  await using fake = serveFake((req) => {
    const query = req.url.searchParams;
    if (query.get("alt") === "media") {
      return new Response(new TextEncoder().encode(query.get("generation") ?? "live"));
    }
    if (query.get("versions") !== "true") return gcsError(400, "not a listing of versions");
    if (query.get("pageToken") === "t2") return gcsError(400, "listed past the key");
    return query.get("pageToken") === "t1"
      ? Response.json({ items: [item("p/k", "300", 3), item("p/k2", "5", 9)], nextPageToken: "t2" })
      : Response.json({
        items: [item("p/k", "100", 1), item("p/k", "200", 2)],
        nextPageToken: "t1",
      });
  });
  const store = fakeStore(fake.url);
  const versions = await Array.fromAsync(store.listVersions("k"));
  assert.deepEqual(versions.map((v) => [v.versionId, v.size, v.modified.getUTCDate()]), [
    ["300", 3, 3],
    ["200", 2, 2],
    ["100", 1, 1],
  ]);
  assert.equal(fake.requests[0].url.searchParams.get("prefix"), "p/k");
  assert.equal(new TextDecoder().decode(await store.getVersion("k", "200")), "200");
  await assertRejectsKind("invalid-argument", () => store.getVersion("k", "v2"));
});
