/**
 * An HTTP proxy in front of a test server that fails every `every`-th request, in turn:
 * refused before it reaches the server (503), applied by the server but answered 500, and
 * answered with a body cut short. What a flaky network and a struggling store do to a client.
 */

export type Fault = "refused" | "applied-then-500" | "body-cut";
const FAULTS: readonly Fault[] = ["refused", "applied-then-500", "body-cut"];

export interface FaultProxy extends AsyncDisposable {
  /** http://127.0.0.1:PORT, to use as the store's endpoint. */
  url: string;
  /** Requests seen and faults injected, by kind. */
  stats: { requests: number; faults: Record<Fault, number> };
}

/**
 * Proxies to `upstream` on `port` (default: any free one), failing requests number every,
 * 2*every, ... (none when `every` is Infinity: a request counter).
 */
export function startFaultProxy(upstream: string, every: number, port = 0): FaultProxy {
  const stats = {
    requests: 0,
    faults: { "refused": 0, "applied-then-500": 0, "body-cut": 0 } as Record<Fault, number>,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, async (req) => {
    const n = ++stats.requests;
    const fault = n % every === 0 ? FAULTS[(n / every) % FAULTS.length] : undefined;
    if (fault) stats.faults[fault]++;
    if (fault === "refused") {
      await req.body?.cancel();
      return new Response("injected fault", { status: 503 });
    }
    const answer = await forward(req, upstream);
    if (fault === "applied-then-500") {
      await answer.body?.cancel();
      return new Response("injected fault", { status: 500 });
    }
    if (fault === "body-cut" && answer.body !== null) {
      return new Response(cutShort(answer.body), {
        status: answer.status,
        headers: answer.headers,
      });
    }
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    stats,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Sends `req` on to `upstream` (`body`: its bytes, when the caller has read them already). */
export async function forward(
  req: Request,
  upstream: string,
  body?: Uint8Array<ArrayBuffer>,
): Promise<Response> {
  const target = new URL(req.url);
  const base = new URL(upstream);
  target.protocol = base.protocol;
  target.host = base.host;
  const headers = new Headers(req.headers);
  headers.set("host", base.host);
  // Bodies pass through untouched: fetch would otherwise decompress what it asked for.
  headers.delete("accept-encoding");
  return await fetch(target, {
    method: req.method,
    headers,
    body: body ?? (req.body === null ? null : await req.arrayBuffer()),
    redirect: "manual",
  });
}

/**
 * Half the first chunk of a body, then the end: shorter than the length the headers announce,
 * so the server drops the connection and the client sees a body cut short.
 */
function cutShort(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    async pull(controller) {
      const { value } = await reader.read();
      await reader.cancel();
      if (value && value.length > 1) controller.enqueue(value.subarray(0, value.length >> 1));
      controller.close();
    },
  });
}
