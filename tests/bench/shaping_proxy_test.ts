/**
 * bench/shaping_proxy.ts: bytes cross intact and in order both ways, a half-close passes, and a
 * round trip through it takes at least the configured round-trip time. No upper bound on time:
 * the machines are shared.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { startShapingProxy } from "../../bench/shaping_proxy.ts";
import { concatBytes } from "../../lib/util/bytes.ts";

/** A server that answers each connection with its bytes transformed, after the client's EOF. */
function serveTransformed(transform: (bytes: Uint8Array) => Uint8Array) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      (async () => {
        const bytes = await readToEnd(conn);
        await writeAll(conn, transform(bytes));
        conn.close();
      })();
    }
  })();
  return {
    target: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving.catch(() => {});
    },
  };
}

/** An echo server: each chunk goes straight back. */
function serveEcho() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serving = (async () => {
    for await (const conn of listener) {
      (async () => {
        const buffer = new Uint8Array(65536);
        for (let n; (n = await conn.read(buffer)) !== null;) {
          await writeAll(conn, buffer.subarray(0, n));
        }
        conn.close();
      })().catch(() => {});
    }
  })();
  return {
    target: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await serving.catch(() => {});
    },
  };
}

async function readToEnd(conn: Deno.Conn): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(65536);
  for (let n; (n = await conn.read(buffer)) !== null;) chunks.push(buffer.slice(0, n));
  return concatBytes(chunks);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

Deno.test("shaping proxy: 4 MiB each way arrive intact and in order, after a half-close", async () => {
  await using server = serveTransformed((bytes) => bytes.slice().reverse());
  await using proxy = startShapingProxy(server.target, { rttMs: 10, bytesPerSecond: 200e6 });
  const sent = randomBytes(4 * 1024 * 1024);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const [received] = await Promise.all([
    readToEnd(conn),
    writeAll(conn, sent).then(() => conn.closeWrite()),
  ]);
  conn.close();
  assertEquals(received.length, sent.length);
  assert(received.every((b, i) => b === sent[sent.length - 1 - i]), "the answer's bytes differ");
});

Deno.test("shaping proxy: a round trip takes at least the configured round-trip time", async () => {
  await using server = serveEcho();
  const rttMs = 80;
  await using proxy = startShapingProxy(server.target, { rttMs, bytesPerSecond: 0 });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  try {
    for (const byte of [1, 2, 3]) {
      const started = performance.now();
      await writeAll(conn, new Uint8Array([byte]));
      const answer = new Uint8Array(1);
      assertEquals(await conn.read(answer), 1);
      const took = performance.now() - started;
      assertEquals(answer[0], byte);
      assert(took >= rttMs - 1, `round trip took ${took.toFixed(1)} ms, under ${rttMs} ms`);
    }
  } finally {
    conn.close();
  }
});

Deno.test("shaping proxy: a capped connection carries its bytes no faster than the cap", async () => {
  await using server = serveTransformed((bytes) => bytes);
  const bytesPerSecond = 20e6;
  await using proxy = startShapingProxy(server.target, { rttMs: 0, bytesPerSecond });
  const sent = randomBytes(2 * 1024 * 1024);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
  const started = performance.now();
  const [received] = await Promise.all([
    readToEnd(conn),
    writeAll(conn, sent).then(() => conn.closeWrite()),
  ]);
  const took = performance.now() - started;
  conn.close();
  assertEquals(received, sent);
  // Up, then down: each direction crosses the whole size at the cap.
  const floorMs = 2 * sent.length * 1000 / bytesPerSecond;
  assert(took >= floorMs * 0.95, `took ${took.toFixed(0)} ms, under the cap's ${floorMs} ms`);
});
