/** Credentials in URLs and messages are replaced by "***"; everything else is kept. */
import { assertEquals } from "../support/assert.ts";
import { redactRecord, redactSecrets } from "../../lib/util/redact.ts";

Deno.test("a password in a URL is redacted, plainly or percent-encoded inside another URL", () => {
  assertEquals(
    redactSecrets("s3://b/p?endpoint=http://minio:hunter2@127.0.0.1:9000 failed"),
    "s3://b/p?endpoint=http://minio:***@127.0.0.1:9000 failed",
  );
  assertEquals(
    redactSecrets("s3://b/p?endpoint=http%3A%2F%2Fminio%3Ahunter2%40host%3A9000"),
    "s3://b/p?endpoint=http%3A%2F%2Fminio%3A***%40host%3A9000",
  );
  assertEquals(
    redactSecrets("https://a:b@h/x and https://c:d@h"),
    "https://a:***@h/x and https://c:***@h",
  );
});

Deno.test("signatures, tokens and access key ids are redacted", () => {
  assertEquals(
    redactSecrets(
      "GET https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261129&" +
        "X-Amz-Signature=0123abcd&X-Amz-Security-Token=FwoG&x-id=GetObject: 403",
    ),
    "GET https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***&" +
      "X-Amz-Security-Token=***&x-id=GetObject: 403",
  );
  assertEquals(
    redactSecrets("https://h/o?access_token=ya29.a0&alt=media"),
    "https://h/o?access_token=***&alt=media",
  );
  assertEquals(redactSecrets("key AKIAIOSFODNN7EXAMPLE refused"), "key AKIA*** refused");
});

Deno.test("text without credentials is unchanged", () => {
  for (
    const text of [
      "s3://datamon-test/x/blob?endpoint=http://127.0.0.1:9000",
      "http://user@host/path",
      "file:///tmp/a:b@c",
      "gs://bucket/prefix?endpoint=http://localhost:9199",
      "a.txt: 12 bytes",
    ]
  ) {
    assertEquals(redactSecrets(text), text);
  }
});

Deno.test("every string of a record is redacted", () => {
  assertEquals(
    redactRecord({
      name: "c",
      blob: "s3://b?endpoint=http://u:p@h",
      n: 3,
      list: ["https://u:p@h"],
    }),
    { name: "c", blob: "s3://b?endpoint=http://u:***@h", n: 3, list: ["https://u:***@h"] },
  );
});
