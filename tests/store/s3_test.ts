import { assert } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import { S3Store } from "../../lib/store/s3.ts";
import { storeContract } from "./contract.ts";
import { serveFake } from "../support/fake_http.ts";
import { freshStoreUrl } from "../support/servers.ts";

/** The versions test against a fake that keeps versions, as a versioned S3 bucket does. */
const VERSIONS_TEST =
  "s3 lists a key's versions newest first across pages, stops at the next key, skips delete markers and reads each by VersionId (fake: no test server keeps versions)";

/** The create-only test against a fake that enforces the precondition, as S3 does. */
const PRECONDITION_TEST =
  "s3 putIfAbsent sends If-None-Match: * and maps 412 to false (fake server: the S3 test server ignores the precondition)";

// The S3 server started by scripts/test.sh overwrites on `If-None-Match: *`: the contract's
// create-only cases are registered ignored, and PRECONDITION_TEST covers them.
storeContract("s3", async () => {
  const { url, cleanup } = await freshStoreUrl("s3");
  return { store: new S3Store(url, { pageSize: 100 }), cleanup };
}, {
  createOnlyIgnored:
    `the test server does not enforce If-None-Match; covered by the fake-server test "${PRECONDITION_TEST}"`,
  versionsIgnored:
    `the test server does not implement ListObjectVersions; covered by the fake-server test "${VERSIONS_TEST}"`,
});

const QUICK_RETRY = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** An S3Store on a fake server, with short retries. */
function fakeStore(endpoint: string, prefix = "p"): S3Store {
  return new S3Store(`s3://bucket/${prefix}?endpoint=${endpoint}`, { retry: QUICK_RETRY });
}

function s3Error(status: number, code: string): Response {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${code}</Message></Error>`;
  return new Response(xml, { status, headers: { "content-type": "application/xml" } });
}

function ok(): Response {
  return new Response(null, { status: 200, headers: { etag: '"e"' } });
}

Deno.test(PRECONDITION_TEST, async () => {
  const stored = new Set<string>();
  await using fake = serveFake((req) => {
    if (req.method !== "PUT") return s3Error(400, "Unexpected");
    if (req.headers.get("if-none-match") === "*" && stored.has(req.url.pathname)) {
      return s3Error(412, "PreconditionFailed");
    }
    stored.add(req.url.pathname);
    return ok();
  });
  const store = fakeStore(fake.url);
  assert.equal(await store.putIfAbsent("a/k", new Uint8Array([1, 2])), true);
  assert.equal(await store.putIfAbsent("a/k", new Uint8Array([3])), false);
  assert.equal(fake.requests.length, 2);
  for (const req of fake.requests) {
    assert.equal(req.headers.get("if-none-match"), "*");
    assert.equal(req.url.pathname, "/bucket/p/a/k");
  }
  assert.deepEqual(fake.requests[0].body, new Uint8Array([1, 2]));
});

Deno.test("s3 put from shared memory sends the bytes", async () => {
  await using fake = serveFake(() => ok());
  const shared = new Uint8Array(new SharedArrayBuffer(4));
  shared.set([9, 8, 7, 6]);
  await fakeStore(fake.url).put("k", shared.subarray(1, 3));
  assert.deepEqual(fake.requests[0].body, new Uint8Array([8, 7]));
});

Deno.test("s3 retries 503 and 429 and re-sends the same bytes each time", async () => {
  await using fake = serveFake((_req, i) =>
    i === 0 ? s3Error(503, "SlowDown") : i === 1 ? s3Error(429, "TooManyRequests") : ok()
  );
  await fakeStore(fake.url).put("k", new Uint8Array([4, 5, 6]));
  assert.equal(fake.requests.length, 3);
  for (const req of fake.requests) assert.deepEqual(req.body, new Uint8Array([4, 5, 6]));
});

Deno.test("s3 does not retry a 403 and reports refused credentials naming the URL", async () => {
  await using fake = serveFake(() => s3Error(403, "AccessDenied"));
  const error = await fakeStore(fake.url).get("k").catch((e) => e);
  assert.ok(isKind(error, "unreachable"), String(error));
  assert.match(error.message, /^store s3:\/\/bucket\/p refuses the credentials/);
  assert.equal(fake.requests.length, 1);
});

Deno.test("s3 does not retry a 400 and names the key", async () => {
  await using fake = serveFake(() => s3Error(400, "InvalidRequest"));
  const error = await fakeStore(fake.url).put("k", new Uint8Array(1)).catch((e) => e);
  assert.ok(isKind(error, "invalid-argument"), String(error));
  assert.match(error.message, /s3:\/\/bucket\/p rejected the request for "k"/);
  assert.equal(fake.requests.length, 1);
});

Deno.test("s3 gives up on a 5xx after the policy's attempts with unreachable", async () => {
  await using fake = serveFake(() => s3Error(500, "InternalError"));
  const error = await fakeStore(fake.url).head("k").catch((e) => e);
  assert.ok(isKind(error, "unreachable"), String(error));
  assert.equal(fake.requests.length, QUICK_RETRY.attempts);
});

Deno.test("s3 getInto sends one signed GET of the object's path, its key encoded", async () => {
  await using fake = serveFake(() => new Response(new Uint8Array([7, 8, 9])));
  const into = new Uint8Array(new SharedArrayBuffer(8));
  assert.equal(await fakeStore(fake.url).getInto("d/a b+(1)é", into), 3);
  assert.deepEqual(into.slice(0, 3), new Uint8Array([7, 8, 9]));
  const [req] = fake.requests;
  assert.equal(req.method, "GET");
  assert.equal(req.url.pathname, "/bucket/p/d/a%20b%2B%281%29%C3%A9");
  assert.match(req.headers.get("authorization") ?? "", /^AWS4-HMAC-SHA256 Credential=/);
  assert.equal(req.headers.get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
});

Deno.test("s3 getInto retries a 503, maps NoSuchKey to not-found and 403 to refused credentials", async () => {
  await using flaky = serveFake((_req, i) =>
    i === 0 ? s3Error(503, "SlowDown") : new Response(new Uint8Array([1, 2]))
  );
  assert.equal(await fakeStore(flaky.url).getInto("k", new Uint8Array(4)), 2);
  assert.equal(flaky.requests.length, 2);
  await using missing = serveFake(() => s3Error(404, "NoSuchKey"));
  const absent = await fakeStore(missing.url).getInto("k", new Uint8Array(4)).catch((e) => e);
  assert.ok(isKind(absent, "not-found"), String(absent));
  await using refusing = serveFake(() => s3Error(403, "AccessDenied"));
  const refused = await fakeStore(refusing.url).getInto("k", new Uint8Array(4)).catch((e) => e);
  assert.ok(isKind(refused, "unreachable"), String(refused));
  assert.match(refused.message, /refuses the credentials: AccessDenied/);
  assert.equal(refusing.requests.length, 1);
});

Deno.test("s3 store at a closed port is unreachable, naming the URL and endpoint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const store = fakeStore(`http://127.0.0.1:${port}`, "x/y");
  const error = await store.head("k").catch((e) => e);
  assert.ok(isKind(error, "unreachable"), String(error));
  assert.match(
    error.message,
    new RegExp(`^store s3://bucket/x/y cannot be reached at http://127.0.0.1:${port}`),
  );
});

Deno.test("s3 list merges objects and prefixes of every page in key order", async () => {
  const { url, cleanup } = await freshStoreUrl("s3");
  try {
    const store = new S3Store(url, { pageSize: 7 });
    const keys = Array.from({ length: 30 }, (_, i) => `d/${String(i).padStart(2, "0")}`);
    keys.push("d/15/deeper", "d/27/deeper/still");
    await Promise.all(keys.map((key) => store.put(key, new Uint8Array(1))));
    const flat = [];
    for await (const e of store.list("d/")) flat.push(e.kind === "object" ? e.key : e.prefix);
    assert.deepEqual(flat, [...keys].sort());
    const grouped = [];
    for await (const e of store.list("d/", { delimiter: "/" })) {
      grouped.push(e.kind === "object" ? e.key : e.prefix);
    }
    const expected = [...keys.slice(0, 30), "d/15/", "d/27/"].sort();
    assert.deepEqual(grouped, expected);
  } finally {
    await cleanup();
  }
});

Deno.test("s3 URLs: bad bucket names and unknown parameters are config errors", () => {
  for (const url of ["s3://B/x", "s3://ab", "s3://bucket/x?color=red", "s3://bucket/../x"]) {
    assert.throws(() => new S3Store(url), (e) => isKind(e, "config"), url);
  }
  assert.equal(new S3Store("s3://bucket/a/b/?region=eu-west-1").url, "s3://bucket/a/b");
});

Deno.test("s3 putIfAbsent whose first answer was lost finds its own bytes and reports created (fake server)", async () => {
  const objects = new Map<string, Uint8Array>();
  await using fake = serveFake((req) => {
    const path = req.url.pathname;
    if (req.method === "GET") {
      const body = objects.get(path);
      return body ? new Response(body.slice()) : s3Error(404, "NoSuchKey");
    }
    if (objects.has(path)) return s3Error(412, "PreconditionFailed");
    objects.set(path, req.body);
    // Stored, but the answer is lost: the client sees a 500 and retries.
    return s3Error(500, "InternalError");
  });
  const store = fakeStore(fake.url);
  assert.equal(await store.putIfAbsent("mine", new Uint8Array([1, 2, 3])), true);
  assert.equal(await store.putIfAbsent("mine", new Uint8Array([9])), false);
});

/** One <Version> of a ListVersionsResult. */
function versionXml(key: string, id: string, size: number, day: number): string {
  return `<Version><Key>${key}</Key><VersionId>${id}</VersionId><IsLatest>false</IsLatest>` +
    `<LastModified>2026-01-0${day}T00:00:00.000Z</LastModified><ETag>"e"</ETag>` +
    `<Size>${size}</Size><StorageClass>STANDARD</StorageClass></Version>`;
}

/** A ListVersionsResult page; `next` continues it at that key and version. */
function versionsPage(entries: string[], next?: { key: string; versionId: string }): Response {
  const more = next
    ? `<IsTruncated>true</IsTruncated><NextKeyMarker>${next.key}</NextKeyMarker>` +
      `<NextVersionIdMarker>${next.versionId}</NextVersionIdMarker>`
    : "<IsTruncated>false</IsTruncated>";
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListVersionsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Name>bucket</Name><Prefix>p/k</Prefix><MaxKeys>1000</MaxKeys>${more}${entries.join("")}` +
    "</ListVersionsResult>";
  return new Response(xml, { headers: { "content-type": "application/xml" } });
}

Deno.test(VERSIONS_TEST, async () => {
  const marker = "<DeleteMarker><Key>p/k</Key><VersionId>d4</VersionId><IsLatest>true</IsLatest>" +
    "<LastModified>2026-01-04T00:00:00.000Z</LastModified></DeleteMarker>";
  await using fake = serveFake((req) => {
    const query = req.url.searchParams;
    if (query.get("key-marker") === "p/k2") return s3Error(400, "ListedPastTheKey");
    if (query.has("versions")) {
      return query.get("key-marker") === "p/k"
        ? versionsPage([versionXml("p/k", "v1", 1, 1), versionXml("p/k2", "w1", 9, 1)], {
          key: "p/k2",
          versionId: "w1",
        })
        : versionsPage([marker, versionXml("p/k", "v3", 3, 3), versionXml("p/k", "v2", 2, 2)], {
          key: "p/k",
          versionId: "v2",
        });
    }
    const id = query.get("versionId") ?? "";
    return new Response(new TextEncoder().encode(id), { headers: { etag: '"e"' } });
  });
  const store = fakeStore(fake.url);
  const versions = await Array.fromAsync(store.listVersions("k"));
  assert.deepEqual(versions.map((v) => [v.versionId, v.size, v.modified.getUTCDate()]), [
    ["v3", 3, 3],
    ["v2", 2, 2],
    ["v1", 1, 1],
  ]);
  assert.equal(fake.requests.length, 2, "the listing stops at the next key, p/k2");
  assert.equal(fake.requests[0].url.searchParams.get("prefix"), "p/k");
  assert.equal(fake.requests[1].url.searchParams.get("version-id-marker"), "v2");
  assert.equal(new TextDecoder().decode(await store.getVersion("k", "v2")), "v2");
  assert.equal(fake.requests[2].url.pathname, "/bucket/p/k");
});
