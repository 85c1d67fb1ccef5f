/**
 * `datamon web` refuses requests whose Host is not its own address (DNS rebinding): a forged
 * Host gets 421 and a short body; its own address and localhost are served.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { startWeb, stopWeb } from "../support/web.ts";
import { withTempDir } from "../support/fixtures.ts";

/** Sends a GET of `path` with `host` as the Host header; the status line and the body. */
async function getWithHost(port: number, path: string, host: string) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  const text = await new Response(conn.readable).text();
  const [head, body] = text.split("\r\n\r\n", 2);
  return { status: head.split("\r\n")[0], body };
}

Deno.test("web refuses a forged Host with 421 and serves its own address and localhost", async () => {
  await withTempDir(async (home) => {
    const { base, child } = await startWeb(home);
    try {
      const port = Number(new URL(base).port);
      for (const path of ["/api/contexts", "/"]) {
        const forged = await getWithHost(port, path, `rebind.evil.example:${port}`);
        assertMatch(forged.status, /^HTTP\/1\.1 421 /);
        assertMatch(forged.body, /^Host "rebind\.evil\.example:\d+" is not this server's address/);
      }
      assertMatch((await getWithHost(port, "/api/contexts", `127.0.0.1:${port}`)).status, / 200 /);
      const local = await getWithHost(port, "/api/contexts", `localhost:${port}`);
      assertMatch(local.status, / 200 /);
      assertEquals(JSON.parse(local.body).current, "local");
    } finally {
      await stopWeb(child);
    }
  });
});
