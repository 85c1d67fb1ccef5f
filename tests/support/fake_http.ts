/**
 * A throwaway HTTP server on 127.0.0.1 that records each request and answers with a scripted
 * response: for what no real test server does (enforce a precondition, fail on cue).
 */

/** One request as the fake saw it. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array;
}

export interface FakeServer extends AsyncDisposable {
  /** http://127.0.0.1:PORT */
  url: string;
  requests: RecordedRequest[];
}

/** Serves `answer(request, index)` until disposed; index counts requests from 0. */
export function serveFake(
  answer: (request: RecordedRequest, index: number) => Response | Promise<Response>,
): FakeServer {
  const requests: RecordedRequest[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const recorded = {
      method: req.method,
      url: new URL(req.url),
      headers: req.headers,
      body: new Uint8Array(await req.arrayBuffer()),
    };
    requests.push(recorded);
    return await answer(recorded, requests.length - 1);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
