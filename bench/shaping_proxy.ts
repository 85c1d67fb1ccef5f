/**
 * A cloud-shaped link on loopback: a TCP proxy that holds every chunk, in each direction, for
 * half the round trip after it has crossed a per-connection, per-direction bandwidth cap. There
 * is no `tc netem` on our machines (the kernel module is missing), so the link is shaped here.
 *
 *   deno run --allow-net=127.0.0.1 bench/shaping_proxy.ts --target 127.0.0.1:9000 \
 *     [--listen PORT] [--rtt MS] [--bandwidth MBPS]
 *
 * Prints `ready PORT` (the listening port) once it accepts connections, as the test servers do,
 * and stops on SIGTERM or SIGINT. `--rtt 0 --bandwidth 0` relays without shaping.
 *
 * Each direction of a connection is modelled as a link: a chunk starts crossing when the one
 * before it has crossed (or when it arrives, if later), takes size / bandwidth to cross, and is
 * delivered one-way delay (rtt / 2) after that. Chunks leave in the order they came, a half-close
 * (EOF) follows the last chunk by the same delay, and a reset ends both directions at once. A
 * direction stops reading while the bytes it holds exceed what its link carries in one one-way
 * delay plus BACKLOG_BYTES, so the sender feels TCP back-pressure rather than the proxy
 * buffering without bound.
 */

/** How a link is shaped. 0 turns a property off. */
export interface Shape {
  /** Round-trip time added to every connection, in milliseconds; each direction gets half. */
  rttMs: number;
  /** Cap of each connection's each direction, in bytes per second. */
  bytesPerSecond: number;
}

/** A running proxy. */
export interface ShapingProxy extends AsyncDisposable {
  /** The port it listens on (127.0.0.1). */
  port: number;
}

/** The defaults: a nearby cloud region, seen from one client connection. */
export const DEFAULT_SHAPE: Shape = { rttMs: 30, bytesPerSecond: 50e6 };

/** Largest chunk read at once. */
const CHUNK_BYTES = 64 * 1024;
/** Bytes a direction holds beyond its link's one-way delay of bytes (a chunk in, one out). */
const BACKLOG_BYTES = 2 * CHUNK_BYTES;
/** What a direction holds at most when it has no bandwidth cap to size it by. */
const UNCAPPED_HOLD_BYTES = 8 * 1024 * 1024;

/** Starts a proxy on 127.0.0.1:`port` (0: any free port) to `target` ("host:port"). */
export function startShapingProxy(target: string, shape: Shape, port = 0): ShapingProxy {
  const { hostname, port: targetPort } = parseHostPort(target);
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  /** Each open connection's relay, and how to cut it. */
  const open = new Map<Promise<void>, AbortController>();
  const accepting = (async () => {
    for await (const client of listener) {
      const cut = new AbortController();
      const done = relay(client, { hostname, port: targetPort }, shape, cut.signal)
        .finally(() => open.delete(done));
      open.set(done, cut);
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      for (const cut of open.values()) cut.abort();
      await Promise.allSettled([...open.keys()]);
    },
  };
}

/**
 * One client connection: dials the target and shapes both directions until both end, or until
 * `cut` aborts.
 */
async function relay(
  client: Deno.TcpConn,
  target: Deno.ConnectOptions,
  shape: Shape,
  cut: AbortSignal,
): Promise<void> {
  let server: Deno.TcpConn;
  try {
    server = await Deno.connect(target);
  } catch {
    closeQuietly(client);
    return;
  }
  client.setNoDelay(true);
  server.setNoDelay(true);
  // A failure of either direction (a reset, an abort) ends the connection whole, as it would
  // on a real link; a clean EOF only half-closes.
  const abort = new AbortController();
  const end = () => {
    abort.abort();
    closeQuietly(client);
    closeQuietly(server);
  };
  cut.addEventListener("abort", end, { once: true });
  await Promise.all([
    new Direction(client, server, shape, abort.signal).run().catch(end),
    new Direction(server, client, shape, abort.signal).run().catch(end),
  ]);
  cut.removeEventListener("abort", end);
  end();
}

/** What a direction holds: a chunk and when it reaches the far side; null data is EOF. */
interface InFlight {
  data: Uint8Array | null;
  dueMs: number;
}

/** One direction of one connection: reads from `from`, delivers to `to` when due. */
class Direction {
  readonly #from: Deno.TcpConn;
  readonly #to: Deno.TcpConn;
  readonly #shape: Shape;
  readonly #signal: AbortSignal;
  readonly #queue: InFlight[] = [];
  /** Bytes in the queue. */
  #held = 0;
  /** When the link is free of the chunks sent before: the next chunk starts crossing then. */
  #linkFreeMs = 0;
  /** Wakes the reader when the writer made room, and the writer when the reader added. */
  #wake: (() => void) | null = null;

  constructor(from: Deno.TcpConn, to: Deno.TcpConn, shape: Shape, signal: AbortSignal) {
    this.#from = from;
    this.#to = to;
    this.#shape = shape;
    this.#signal = signal;
  }

  /** Bytes held before reading stops: one one-way delay of the link, plus a backlog. */
  get #limit(): number {
    const { rttMs, bytesPerSecond } = this.#shape;
    if (bytesPerSecond <= 0) return UNCAPPED_HOLD_BYTES;
    return Math.ceil(bytesPerSecond * rttMs / 2000) + BACKLOG_BYTES;
  }

  async run(): Promise<void> {
    await Promise.all([this.#read(), this.#write()]);
  }

  async #read(): Promise<void> {
    while (!this.#signal.aborted) {
      while (this.#held >= this.#limit) await this.#sleepUntilWoken();
      const buffer = new Uint8Array(CHUNK_BYTES);
      const n = await this.#from.read(buffer);
      this.#push(n === null ? null : buffer.subarray(0, n));
      if (n === null) return;
    }
  }

  /** Queues a chunk (or EOF) with the time it reaches the far side. */
  #push(data: Uint8Array | null): void {
    const now = performance.now();
    const size = data?.length ?? 0;
    const { rttMs, bytesPerSecond } = this.#shape;
    const crossMs = bytesPerSecond > 0 ? size * 1000 / bytesPerSecond : 0;
    this.#linkFreeMs = Math.max(now, this.#linkFreeMs) + crossMs;
    this.#queue.push({ data, dueMs: this.#linkFreeMs + rttMs / 2 });
    this.#held += size;
    this.#notify();
  }

  async #write(): Promise<void> {
    while (!this.#signal.aborted) {
      const head = this.#queue[0];
      if (head === undefined) {
        await this.#sleepUntilWoken();
        continue;
      }
      const wait = head.dueMs - performance.now();
      if (wait > 0) {
        await sleep(wait);
        continue;
      }
      this.#queue.shift();
      if (head.data === null) {
        await this.#to.closeWrite();
        return;
      }
      await writeAll(this.#to, head.data);
      this.#held -= head.data.length;
      this.#notify();
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Waits for the other side of this direction (reader or writer) to change the queue. */
  #sleepUntilWoken(): Promise<void> {
    if (this.#signal.aborted) return Promise.reject(this.#signal.reason);
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(this.#signal.reason);
      this.#signal.addEventListener("abort", onAbort, { once: true });
      this.#wake = () => {
        this.#signal.removeEventListener("abort", onAbort);
        resolve();
      };
    });
  }
}

async function writeAll(conn: Deno.TcpConn, data: Uint8Array): Promise<void> {
  for (let at = 0; at < data.length;) at += await conn.write(data.subarray(at));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed by the other direction.
  }
}

function parseHostPort(text: string): { hostname: string; port: number } {
  const at = text.lastIndexOf(":");
  const port = Number(text.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`target ${JSON.stringify(text)} is not host:port`);
  }
  return { hostname: text.slice(0, at), port };
}

/** The command line: flags to a target and a shape, or a usage error. */
function parseArgs(args: string[]): { target: string; listen: number; shape: Shape } {
  const usage = "usage: shaping_proxy.ts --target HOST:PORT [--listen PORT] [--rtt MS] " +
    "[--bandwidth MBPS]  (defaults: any free port, 30 ms, 50 MB/s; 0 turns shaping off)";
  const given = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    if (!["--target", "--listen", "--rtt", "--bandwidth"].includes(args[i]) || !args[i + 1]) {
      throw new Error(usage);
    }
    given.set(args[i], args[i + 1]);
  }
  const number = (flag: string, fallback: number) => {
    const value = Number(given.get(flag) ?? fallback);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${flag} takes a number; ${usage}`);
    return value;
  };
  const target = given.get("--target");
  if (target === undefined) throw new Error(usage);
  return {
    target,
    listen: number("--listen", 0),
    shape: {
      rttMs: number("--rtt", DEFAULT_SHAPE.rttMs),
      bytesPerSecond: number("--bandwidth", DEFAULT_SHAPE.bytesPerSecond / 1e6) * 1e6,
    },
  };
}

if (import.meta.main) {
  let options;
  try {
    options = parseArgs(Deno.args);
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
  const proxy = startShapingProxy(options.target, options.shape, options.listen);
  console.log(`ready ${proxy.port}`);
  const stop = () => Deno.exit(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
