/**
 * `mountBundle` of a many-list bundle through the kernel's FUSE while the stream of its file
 * list is held at the first lists: a lookup of its last file is answered by reading a few lists
 * (a binary search), not all of them, and once the stream moves on every directory lists each
 * of its entries once.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { memoryContext } from "../support/context.ts";
import { fuseTest, run } from "../support/mount.ts";
import { settledWithin } from "../support/entry_stream.ts";
import { BundleWriter } from "../../lib/meta/bundle_writer.ts";
import { bundleTreeLists } from "../../lib/meta/bundles.ts";
import { rewriteLists } from "../support/file_lists.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { mountBundle } from "../../lib/mount/bundle_mount.ts";
import { DelegatingStore } from "../../lib/store/delegating.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { BundleDoc } from "../../lib/model/types.ts";
import { FILE_LIST_SIZE } from "../../lib/model/keys.ts";

const who = { name: "t", email: "t@example.com" };
const LISTS = 64;

/** Counts file-list reads, and holds those of lists 0 and 1 (the stream's first) until let go. */
class HeldStream extends DelegatingStore {
  listReads = 0;
  readonly #letGo = Promise.withResolvers<void>();
  override async get(key: string): Promise<Uint8Array> {
    const list = /bundle-files-(\d+)\.yaml$/.exec(key);
    if (list) this.listReads++;
    if (list && Number(list[1]) < 2) await this.#letGo.promise;
    return super.get(key);
  }
  letGo(): void {
    this.#letGo.resolve();
  }
}

/**
 * A bundle of full lists, list i holding directory d{dirs[i]}'s files f0000 on: written in name
 * order, then, for dirs out of order, its lists stored again in that order with checksums to
 * match (the writer refuses disorder): a damaged bundle no checksum catches.
 */
async function manyListBundle(
  ctx: Context,
  dirs = Array.from({ length: LISTS }, (_, i) => i),
): Promise<BundleDoc> {
  await createRepo(ctx, "r", "", who);
  const writer = await BundleWriter.start(ctx, "r", who);
  for (const i of [...dirs].sort((a, b) => a - b)) {
    for (let j = 0; j < FILE_LIST_SIZE; j++) {
      const name = `d${String(i).padStart(2, "0")}/f${String(j).padStart(4, "0")}`;
      await writer.add({ name, size: j, mode: 0o644, mtime: new Date(0), key: "ab".repeat(32) });
    }
  }
  const bundle = await writer.commit({ message: "m", leafSize: 65536, inputs: [] });
  const lists = await Array.fromAsync(bundleTreeLists(ctx, bundle));
  const inOrder = dirs.every((dir, i) => dir === i);
  return inOrder ? bundle : await rewriteLists(ctx, bundle, dirs.map((dir) => lists[dir]));
}

/** Mounts `bundle` of `ctx` at `dir`/mnt with the stream held at its first lists. */
async function heldMount(ctx: Context, bundle: BundleDoc, dir: string) {
  const held = new HeldStream(ctx.metadata);
  const errors: unknown[] = [];
  await Deno.mkdir(`${dir}/mnt`);
  const mounted = await mountBundle({ ...ctx, metadata: held }, bundle, {
    mountPoint: `${dir}/mnt`,
    cacheBytes: 1 << 20,
    prefetch: 1,
    stream: true,
    concurrency: 2,
    onError: (e) => errors.push(e),
  });
  return { held, errors, mounted };
}

fuseTest("the last file of a many-list bundle is found reading few of its lists", async (dir) => {
  const ctx = memoryContext();
  const bundle = await manyListBundle(ctx);
  assertEquals(bundle.fileListCount, LISTS);
  const { held, errors, mounted } = await heldMount(ctx, bundle, dir);
  try {
    // Both answer while the stream is held; the stream is let go before any check, so that a
    // failing check leaves no request waiting on the mount.
    const last = run("stat", "-c", "%s", `${mounted.path}/d63/f0999`);
    const lastInTime = await settledWithin(last, 5000) !== "pending";
    const absent = run("stat", `${mounted.path}/d62/g`);
    const absentInTime = await settledWithin(absent, 5000) !== "pending";
    const reads = held.listReads;
    held.letGo();
    assertEquals([(await last).code, (await last).stdout.trim()], [0, "999"]);
    assertMatch((await absent).stderr, /No such file or directory/);
    assert(lastInTime && absentInTime, "the lookups answer while the stream is held");
    assert(reads <= 16, `${reads} of ${LISTS} lists read`);
    const listed = await run("ls", "-1", `${mounted.path}/d63`);
    assertEquals(listed.stdout.trim().split("\n").length, FILE_LIST_SIZE);
    assertEquals(new Set(listed.stdout.trim().split("\n")).size, FILE_LIST_SIZE);
    const top = await run("ls", "-1", mounted.path);
    assertEquals(top.stdout.trim().split("\n").length, LISTS, "each directory listed once");
    assertEquals(errors, []);
  } finally {
    held.letGo();
    await mounted.unmount();
    await mounted.done;
  }
});

fuseTest(
  "lists out of name order give EIO to a lookup that reads them, not ENOENT",
  async (dir) => {
    const ctx = memoryContext();
    // Lists 2 and 3 swapped: the search for d04 reads list 2 (d03), then list 3 (d02).
    const bundle = await manyListBundle(ctx, [0, 1, 3, 2, 4]);
    const { held, errors, mounted } = await heldMount(ctx, bundle, dir);
    try {
      const lookup = run("stat", `${mounted.path}/d04/f0999`);
      const inTime = await settledWithin(lookup, 5000) !== "pending";
      held.letGo();
      assertMatch((await lookup).stderr, /Input\/output error/);
      assert(inTime, "the lookup fails while the stream is held");
      assert(errors.length > 0, "onError is told why");
      assertMatch(
        String(errors[0]),
        /out of name order \(file list 3 starts at "d02\/f0000", not after list 2\)/,
      );
    } finally {
      held.letGo();
      await mounted.unmount();
      await mounted.done;
    }
  },
);
