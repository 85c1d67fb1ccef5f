/**
 * What a split and a commit cost in round trips: on an object store every request waits a
 * round trip, so their fixed time is the longest chain of requests each made after the previous
 * ended. Counted here on memory stores, by request order alone (no timing).
 */
import { assert, assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR } from "../support/context.ts";
import type { Context } from "../../lib/meta/context.ts";
import { STORE_ROLES } from "../../lib/meta/context.ts";
import { DelegatingStore } from "../../lib/store/delegating.ts";
import type { ListEntry, ListOptions, ObjectInfo, Store } from "../../lib/store/store.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { createDiamond } from "../../lib/meta/diamond.ts";
import { addTestSplit } from "../support/diamond.ts";
import { commitDiamond } from "../../lib/core/diamond_commit.ts";
import { FILE_LIST_SIZE } from "../../lib/model/keys.ts";

/**
 * The requests of a context's stores, each given a depth: one more than the deepest request
 * that had ended when it was made. The deepest is the number of round trips in sequence.
 */
class RoundTrips {
  #deepestEnded = 0;
  deepest = 0;
  /** Requests per store role. */
  requests: Record<string, number> = {};

  async request<T>(role: string, send: () => Promise<T>): Promise<T> {
    const depth = this.#deepestEnded + 1;
    this.deepest = Math.max(this.deepest, depth);
    this.requests[role] = (this.requests[role] ?? 0) + 1;
    try {
      // A round trip outlasts any work between requests: all made in one go overlap.
      await new Promise((resolve) => setTimeout(resolve, 1));
      return await send();
    } finally {
      this.#deepestEnded = Math.max(this.#deepestEnded, depth);
    }
  }
}

/** A store whose requests are counted into `trips` under `role`. */
class TripStore extends DelegatingStore {
  constructor(inner: Store, private readonly trips: RoundTrips, private readonly role: string) {
    super(inner);
  }
  override get(key: string): Promise<Uint8Array> {
    return this.trips.request(this.role, () => super.get(key));
  }
  override put(key: string, bytes: Uint8Array): Promise<void> {
    return this.trips.request(this.role, () => super.put(key, bytes));
  }
  override putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    return this.trips.request(this.role, () => super.putIfAbsent(key, bytes));
  }
  override head(key: string): Promise<ObjectInfo | null> {
    return this.trips.request(this.role, () => super.head(key));
  }
  override delete(key: string): Promise<void> {
    return this.trips.request(this.role, () => super.delete(key));
  }
  /** A listing counts as one request, ended when its entries are read. */
  override list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    const entries = this.trips.request(
      this.role,
      () => Array.fromAsync(super.list(prefix, options)),
    );
    return (async function* () {
      yield* await entries;
    })();
  }
}

/** A memory context with repo "r" and a diamond, whose requests from here on are counted. */
async function counted(): Promise<{ ctx: Context; diamond: string; trips: RoundTrips }> {
  const ctx = memoryContext();
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  const diamond = (await createDiamond(ctx, "r", TEST_CONTRIBUTOR)).id;
  return { ctx, diamond, trips: countFromNow(ctx) };
}

/** Counts the requests of `ctx`'s stores from now on. */
function countFromNow(ctx: Context): RoundTrips {
  const trips = new RoundTrips();
  for (const role of STORE_ROLES) ctx[role] = new TripStore(ctx[role], trips, role);
  return trips;
}

/** `files` files, each holding its number followed by `suffix`. */
function numberedFiles(files: number, suffix = ""): Record<string, string> {
  const tree: Record<string, string> = {};
  for (let i = 0; i < files; i++) tree[`f${String(i).padStart(5, "0")}`] = `${i}${suffix}`;
  return tree;
}

/** Adds a split of `files` files of a few bytes. */
async function splitOf(files: number): Promise<RoundTrips> {
  return await withTempDir(async (dir) => {
    await writeTree(`${dir}/src`, numberedFiles(files));
    const { ctx, diamond, trips } = await counted();
    await addTestSplit(ctx, diamond, "s", `${dir}/src`);
    return trips;
  });
}

Deno.test("a split of one file makes at most 13 round trips in sequence", async () => {
  const trips = await splitOf(1);
  assert(trips.deepest <= 13, `${trips.deepest} round trips in sequence`);
});

Deno.test("a split goes on storing files while a full file list is being written", async () => {
  await withTempDir(async (dir) => {
    // Files of more than one byte are not packed (maxPacked 1): each is a blob of its own.
    await writeTree(`${dir}/src`, numberedFiles(FILE_LIST_SIZE + 200, "."));
    const { ctx, diamond } = await counted();
    const held = new HeldFirstList(ctx.metadata, ctx.blob, 100);
    ctx.metadata = held;
    ctx.blob = held.blobs;
    await addTestSplit(ctx, diamond, "s", `${dir}/src`, { maxPacked: 1 });
    assert(
      held.blobRequestsWhileHeld >= 100,
      `${held.blobRequestsWhileHeld} blob requests while held`,
    );
  });
});

/**
 * A metadata store that holds the write of the first file list until `enough` blob requests
 * arrived after it (or, should the upload wait for the list, a few seconds passed).
 */
class HeldFirstList extends DelegatingStore {
  blobRequestsWhileHeld = 0;
  /** The blob store whose requests are counted. */
  readonly blobs: Store;
  #holding = false;
  #release = () => {};

  constructor(inner: Store, blob: Store, private readonly enough: number) {
    super(inner);
    this.blobs = new ObservedStore(blob, () => this.#count());
  }

  #count() {
    if (this.#holding && ++this.blobRequestsWhileHeld >= this.enough) this.#release();
  }

  override async putIfAbsent(key: string, bytes: Uint8Array): Promise<boolean> {
    if (key.endsWith("/bundle-files-0.yaml")) {
      this.#holding = true;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        this.#release = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#holding = false;
    }
    return super.putIfAbsent(key, bytes);
  }
}

/** A store that calls `onRequest` for each head and create-only write. */
class ObservedStore extends DelegatingStore {
  constructor(inner: Store, private readonly onRequest: () => void) {
    super(inner);
  }
  override putIfAbsent(key: string, bytes: Uint8Array) {
    this.onRequest();
    return super.putIfAbsent(key, bytes);
  }
  override head(key: string) {
    this.onRequest();
    return super.head(key);
  }
}

Deno.test("a split's metadata requests are its records and its lists, each with its log record", async () => {
  const trips = await splitOf(2 * FILE_LIST_SIZE + 1);
  // diamond.yaml, closed.yaml and done.yaml read at the start and at the end; repo.yaml twice;
  // the listing of bundles; running.yaml, 3 lists and done.yaml.
  assertEquals(trips.requests.metadata, 3 + 3 + 2 + 1 + 1 + 3 + 1);
  assertEquals(trips.requests.wal, 1 + 3 + 1);
});

Deno.test("a commit of four splits reads each split's records once, the splits at once", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
    const diamond = (await createDiamond(ctx, "r", TEST_CONTRIBUTOR)).id;
    for (const split of ["a", "b", "c", "d"]) {
      await writeTree(`${dir}/${split}`, { [`${split}/f`]: split });
      await addTestSplit(ctx, diamond, split, `${dir}/${split}`);
    }
    const trips = countFromNow(ctx);
    await commitDiamond(ctx, {
      repo: "r",
      diamond,
      message: "m",
      mode: "with-conflicts",
      contributor: TEST_CONTRIBUTOR,
    });
    assert(trips.deepest <= 25, `${trips.deepest} round trips in sequence`);
  });
});
