/**
 * Counts the requests a tool sends to an S3 server: a pass-through proxy on 127.0.0.1:PORT.
 * Usage: deno run --allow-net=127.0.0.1 --allow-write=LOG bench/request_counter.ts UPSTREAM PORT LOG
 * Writes "ready" to LOG once listening, and "N requests" when stopped with SIGTERM.
 */
import { startFaultProxy } from "../tests/support/fault_proxy.ts";

const [upstream, port, log] = Deno.args;
if (!upstream || !port || !log) {
  console.error("usage: request_counter.ts UPSTREAM PORT LOG");
  Deno.exit(2);
}
const proxy = startFaultProxy(upstream, Infinity, Number(port));
await Deno.writeTextFile(log, "ready\n");
Deno.addSignalListener("SIGTERM", async () => {
  await Deno.writeTextFile(log, `${proxy.stats.requests} requests\n`, { append: true });
  await proxy[Symbol.asyncDispose]();
  Deno.exit(0);
});
