/**
 * BLAKE3 in a pool of Web Workers that share memory with the caller.
 *
 * An upload's leaves (hashMoving) are not shared: their plain buffer moves to the Worker and
 * back. hash-wasm copies every input into its own memory, and V8 copies out of shared memory 8
 * bytes at a time (the Workers' hottest spot outside the wasm: 0.3 s per GiB), out of a plain
 * buffer with libc's memmove (about half that); and a plain leaf goes to a network store as it
 * is, without the copy that shared memory needs there.
 *
 * The Worker is this very module, spawned from its own URL: a separate worker file does not
 * survive `deno bundle`. In the bundle the Worker runs the whole program, so it recognises
 * itself by its name, and the program's entry point must do nothing inside a Worker.
 */
import { createBLAKE3, type IHasher } from "hash-wasm";

/**
 * Inputs shorter than this are hashed on the calling thread. Measured: a Worker round trip
 * costs ~75 µs, as much as hashing 64 KiB inline.
 */
export const INLINE_LIMIT = 64 * 1024;

/** The name every hashing Worker carries; the entry point can test `self.name` against it. */
export const HASHER_WORKER_NAME = "datamon-blake3";

/**
 * Jobs posted to one Worker before its reply: the second waits in the Worker's queue so it
 * never idles between jobs (measured: +5% at 2 Workers).
 */
const JOBS_PER_WORKER = 2;

/** Bytes hashed per Worker by warm(): enough for V8 to tier the wasm up (measured ~8 MiB). */
const WARM_BYTES = 8 * 1024 * 1024;
const WARM_CHUNK = 2 * 1024 * 1024;

/**
 * What the pool asks of a Worker: hash `length` bytes at `offset` of shared memory, or of a
 * plain buffer moved to it (`moves`), which it moves back with its answer.
 */
interface HashRequest {
  id: number;
  buffer: SharedArrayBuffer | ArrayBuffer;
  offset: number;
  length: number;
  moves?: boolean;
}

/** A Worker's answer: the hex key, or why it could not hash; and a moved buffer, back. */
interface HashReply {
  id: number;
  key?: string;
  error?: string;
  buffer?: ArrayBuffer;
}

/** One hash waiting for, or being served by, a Worker. */
interface Job {
  bytes: Uint8Array;
  /** True when the buffer of `bytes` moves to the Worker instead of being shared or copied. */
  moves: boolean;
  resolve(reply: HashReply): void;
  reject(error: Error): void;
}

/** What hashMoving gives back: the key, and the input over its buffer come back. */
export interface MovedHash {
  key: string;
  bytes: Uint8Array;
}

/** A Worker of the pool with its jobs in flight and a scratch buffer per job lane. */
interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, { job: Job; lane: number }>;
  freeLanes: number[];
  /** Shared buffers that non-shared inputs are copied into, one per lane, grown on demand. */
  scratch: Array<SharedArrayBuffer | null>;
}

declare const WorkerGlobalScope: { new (): unknown; prototype: unknown } | undefined;

/** Hashes bytes to a lowercase hex BLAKE3 key (64 chars) in a pool of Workers. */
export class Hasher {
  /** The Workers started so far: none until the first input too long to hash inline. */
  readonly #workers: PoolWorker[] = [];
  readonly #size: number;
  readonly #inline: IHasher;
  readonly #queue: Job[] = [];
  #nextId = 0;
  /** Why the hasher no longer hashes, once closed or broken. */
  #stopped: Error | null = null;

  private constructor(size: number, inline: IHasher) {
    this.#size = size;
    this.#inline = inline;
  }

  /**
   * A pool of `workers` hashing Workers (default: one per core), started by the first input
   * too long to hash inline: each Worker is an isolate of ~20 MB that a command hashing only
   * small inputs (fsck, purge, a list) never needs. Call close() when done: a live Worker keeps
   * the process running.
   */
  static async create(workers: number = navigator.hardwareConcurrency): Promise<Hasher> {
    return new Hasher(Math.max(1, Math.floor(workers)), await createBLAKE3());
  }

  /** Number of Workers in the pool, started or not. */
  get workers(): number {
    return this.#size;
  }

  /** Workers started so far. */
  get started(): number {
    return this.#workers.length;
  }

  /**
   * The hex BLAKE3 of `bytes`; do not change them until the promise settles. A view over a
   * SharedArrayBuffer is hashed in place; other inputs are copied into shared memory first.
   */
  hash(bytes: Uint8Array): Promise<string> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (bytes.length < INLINE_LIMIT) return Promise.resolve(this.hashInline(bytes));
    return new Promise((resolve, reject) => {
      this.#enqueue({ bytes, moves: false, resolve: (reply) => resolve(reply.key!), reject });
    });
  }

  /**
   * The hex BLAKE3 of `bytes`, whose plain buffer moves to a Worker and back instead of being
   * copied: `bytes` is detached (empty) from the call on, and the result holds the same view
   * over the buffer come back. A failed hash loses the buffer. Shared and short inputs are
   * hashed as hash() does and come back as they are.
   */
  hashMoving(bytes: Uint8Array): Promise<MovedHash> {
    const { buffer, byteOffset, length } = bytes;
    if (this.#stopped || length < INLINE_LIMIT || !(buffer instanceof ArrayBuffer)) {
      return this.hash(bytes).then((key) => ({ key, bytes }));
    }
    return new Promise((resolve, reject) => {
      this.#enqueue({
        bytes,
        moves: true,
        resolve: (reply) =>
          resolve({ key: reply.key!, bytes: new Uint8Array(reply.buffer!, byteOffset, length) }),
        reject,
      });
    });
  }

  /** Queues a job for the Workers, starting them on the first. */
  #enqueue(job: Job): void {
    while (this.#workers.length < this.#size) this.#workers.push(this.#spawn());
    this.#queue.push(job);
    this.#dispatch();
  }

  /** The hex BLAKE3 of `bytes`, computed on the calling thread. */
  hashInline(bytes: Uint8Array): string {
    this.#inline.init();
    this.#inline.update(bytes);
    return this.#inline.digest("hex");
  }

  /**
   * Hashes a few MiB in every Worker so that V8 compiles the wasm fully before real work:
   * a cold Worker runs at half speed for its first ~40 MiB. Once per Hasher is enough.
   */
  async warm(): Promise<void> {
    const chunk = new Uint8Array(new SharedArrayBuffer(WARM_CHUNK));
    const rounds = this.#size * (WARM_BYTES / WARM_CHUNK);
    await Promise.all(Array.from({ length: rounds }, () => this.hash(chunk)));
  }

  /** Stops the Workers; pending hashes fail. The process may exit afterwards. */
  close(): void {
    this.#stop(new Error("the hasher is closed"));
  }

  /** Terminates every Worker and fails what is pending with `reason`. */
  #stop(reason: Error): void {
    if (this.#stopped) return;
    this.#stopped = reason;
    for (const pw of this.#workers) {
      pw.worker.terminate();
      for (const { job } of pw.inFlight.values()) job.reject(reason);
      pw.inFlight.clear();
    }
    for (const job of this.#queue.splice(0)) job.reject(reason);
  }

  #spawn(): PoolWorker {
    const worker = new Worker(import.meta.url, { type: "module", name: HASHER_WORKER_NAME });
    const pw: PoolWorker = {
      worker,
      inFlight: new Map(),
      freeLanes: Array.from({ length: JOBS_PER_WORKER }, (_, i) => i),
      scratch: Array(JOBS_PER_WORKER).fill(null),
    };
    worker.onmessage = (event: MessageEvent<HashReply>) => this.#settle(pw, event.data);
    worker.onerror = (event: ErrorEvent) => {
      // Handled here so a broken Worker fails its hashes instead of the whole process.
      event.preventDefault();
      this.#stop(new Error(`a hashing Worker failed: ${event.message}`));
    };
    return pw;
  }

  #settle(pw: PoolWorker, reply: HashReply): void {
    const entry = pw.inFlight.get(reply.id);
    if (!entry) return;
    pw.inFlight.delete(reply.id);
    pw.freeLanes.push(entry.lane);
    if (reply.key !== undefined) entry.job.resolve(reply);
    else entry.job.reject(new Error(`hashing failed: ${reply.error}`));
    this.#dispatch();
  }

  /** Hands queued jobs to Workers that have a free lane, least loaded first. */
  #dispatch(): void {
    while (this.#queue.length > 0) {
      let target: PoolWorker | undefined;
      for (const pw of this.#workers) {
        if (pw.freeLanes.length > 0 && (!target || pw.inFlight.size < target.inFlight.size)) {
          target = pw;
        }
      }
      if (!target) return;
      this.#post(target, this.#queue.shift()!);
    }
  }

  #post(pw: PoolWorker, job: Job): void {
    const lane = pw.freeLanes.pop()!;
    const id = this.#nextId++;
    const { bytes } = job;
    let request: HashRequest;
    const moved: ArrayBuffer[] = [];
    if (job.moves) {
      const buffer = bytes.buffer as ArrayBuffer;
      request = { id, buffer, offset: bytes.byteOffset, length: bytes.length, moves: true };
      moved.push(buffer);
    } else if (bytes.buffer instanceof SharedArrayBuffer) {
      request = { id, buffer: bytes.buffer, offset: bytes.byteOffset, length: bytes.length };
    } else {
      // hash() leaves the caller's buffer usable, so a plain input is copied into shared memory
      // (a structured clone of a view would copy its whole underlying buffer).
      let scratch = pw.scratch[lane];
      if (!scratch || scratch.byteLength < bytes.length) {
        scratch = new SharedArrayBuffer(bytes.length);
        pw.scratch[lane] = scratch;
      }
      new Uint8Array(scratch, 0, bytes.length).set(bytes);
      request = { id, buffer: scratch, offset: 0, length: bytes.length };
    }
    pw.inFlight.set(id, { job, lane });
    pw.worker.postMessage(request, moved);
  }
}

/** True inside a hashing Worker of this module. */
export function isHasherWorker(): boolean {
  return typeof WorkerGlobalScope !== "undefined" && self instanceof WorkerGlobalScope &&
    (self as unknown as { name: string }).name === HASHER_WORKER_NAME;
}

/** The Worker side: the handler is set synchronously so that no early message is missed. */
function serveHashRequests(): void {
  const ready = createBLAKE3();
  const scope = self as unknown as {
    onmessage: (event: MessageEvent<HashRequest>) => void;
    postMessage(reply: HashReply, transfer?: Transferable[]): void;
  };
  scope.onmessage = async (event) => {
    const { id, buffer, offset, length, moves } = event.data;
    let reply: HashReply;
    try {
      const blake3 = await ready;
      blake3.init();
      blake3.update(new Uint8Array(buffer, offset, length));
      reply = { id, key: blake3.digest("hex") };
    } catch (e) {
      reply = { id, error: e instanceof Error ? e.message : String(e) };
    }
    if (moves) {
      const moved = buffer as ArrayBuffer;
      scope.postMessage({ ...reply, buffer: moved }, [moved]);
    } else {
      scope.postMessage(reply);
    }
  };
}

if (isHasherWorker()) serveHashRequests();
