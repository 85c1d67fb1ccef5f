import { assert } from "../support/assert.ts";
import { getObjectInto, HttpStatusError, readBodyInto } from "../../lib/store/http_read.ts";
import { IncompleteBody, isNetworkError } from "../../lib/store/retry.ts";
import { serveFake } from "../support/fake_http.ts";

/** A response whose body arrives in `chunks` and declares `length` bytes. */
function chunked(chunks: number[][], length?: number): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new Uint8Array(chunk));
      controller.close();
    },
  });
  const headers = length === undefined ? undefined : { "content-length": String(length) };
  return new Response(body, { headers });
}

Deno.test("readBodyInto joins a body's chunks into shared memory and returns its size", async () => {
  const into = new Uint8Array(new SharedArrayBuffer(8));
  assert.equal(await readBodyInto(chunked([[1, 2], [3], [4, 5]], 5), into), 5);
  assert.deepEqual(into.slice(0, 5), new Uint8Array([1, 2, 3, 4, 5]));
});

Deno.test("readBodyInto throws IncompleteBody for a body short of its declared length", async () => {
  const error = await readBodyInto(chunked([[1, 2]], 5), new Uint8Array(8)).catch((e) => e);
  assert.ok(error instanceof IncompleteBody, String(error));
});

Deno.test("readBodyInto returns the declared size of a body larger than the buffer, unread", async () => {
  const into = new Uint8Array(4);
  assert.equal(await readBodyInto(chunked([[1, 2, 3, 4, 5, 6]], 6), into), 6);
  assert.deepEqual(into, new Uint8Array(4));
});

Deno.test("readBodyInto reads a fetched body larger than its scratch buffer whole", async () => {
  const bytes = Uint8Array.from({ length: 700_000 }, (_, i) => (i * 7) % 251);
  await using fake = serveFake(() => new Response(bytes));
  const into = new Uint8Array(new SharedArrayBuffer(800_000));
  assert.equal(await readBodyInto(await fetch(fake.url), into), bytes.length);
  assert.deepEqual(into.slice(0, bytes.length), bytes);
});

Deno.test("getObjectInto fails a body that stops arriving with a retryable TimeoutError", async () => {
  let sent = 0;
  const delay = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
  await using fake = serveFake(() =>
    new Response(
      new ReadableStream({
        async pull(controller) {
          // Five chunks 40 ms apart (200 ms in all: a slow body is never cut), then none.
          if (sent === 5) return await new Promise(() => {});
          await delay(40);
          controller.enqueue(new Uint8Array(10));
          sent++;
        },
      }),
      { headers: { "content-length": "100" } },
    )
  );
  const error = await getObjectInto(fake.url, {}, new Uint8Array(100), 100).catch((e) => e);
  assert.equal(error?.name, "TimeoutError");
  assert.ok(isNetworkError(error), String(error));
  assert.equal(sent, 5);
});

Deno.test("getObjectInto throws HttpStatusError with the status and body of an error answer", async () => {
  await using fake = serveFake(() => new Response("no such object", { status: 404 }));
  const error = await getObjectInto(fake.url, {}, new Uint8Array(4), 5_000).catch((e) => e);
  assert.ok(error instanceof HttpStatusError, String(error));
  assert.equal(error.status, 404);
  assert.equal(error.body, "no such object");
});
