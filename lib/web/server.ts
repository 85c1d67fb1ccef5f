/** The web view's HTTP server: the page at /, the read-only JSON API under /api/. */
import type { Settings } from "../meta/settings.ts";
import { Api } from "./api.ts";
import { PAGE_HTML } from "./page.ts";
import { redactSecrets } from "../util/redact.ts";
import { hostIsOwn, misdirected } from "./host_check.ts";

export interface WebOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  signal?: AbortSignal;
}

/**
 * Serves the web view until `options.signal` aborts; a request whose Host is not the server's
 * own address is refused (421). Deno.serve listens before it returns (and throws when it
 * cannot), so the server it returns is ready.
 */
export function serveWeb(settings: Settings, options: WebOptions): Deno.HttpServer<Deno.NetAddr> {
  const api = new Api(settings);
  const server: Deno.HttpServer<Deno.NetAddr> = Deno.serve({
    hostname: options.hostname,
    port: options.port,
    signal: options.signal,
    // The command prints its own line with the address.
    onListen: () => {},
    onError: (e) =>
      new Response(redactSecrets(`internal error: ${(e as Error)?.message ?? e}`), {
        status: 500,
      }),
  }, (request) => {
    const host = request.headers.get("host");
    if (!hostIsOwn(host, server.addr, options.hostname)) return misdirected(host, server.addr);
    const path = new URL(request.url).pathname;
    if (path.startsWith("/api/") || path === "/api") return api.handle(request);
    if (path === "/" || path === "/index.html") {
      return new Response(PAGE_HTML, { headers: { "content-type": "text/html; charset=utf-8" } });
    }
    return new Response("not found", { status: 404 });
  });
  return server;
}
