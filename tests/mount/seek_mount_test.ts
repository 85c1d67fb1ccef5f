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

/** A bundle of LISTS full lists, list i holding directory dNN's files f0000 on. */
async function manyListBundle(ctx: Context): Promise<BundleDoc> {
  await createRepo(ctx, "r", "", who);
  const writer = await BundleWriter.start(ctx, "r", who);
  for (let i = 0; i < LISTS; i++) {
    for (let j = 0; j < FILE_LIST_SIZE; j++) {
      const name = `d${String(i).padStart(2, "0")}/f${String(j).padStart(4, "0")}`;
      await writer.add({ name, size: j, mode: 0o644, mtime: new Date(0), key: "ab".repeat(32) });
    }
  }
  return await writer.commit({ message: "m", leafSize: 65536, inputs: [] });
}

fuseTest("the last file of a many-list bundle is found reading few of its lists", async (dir) => {
  const ctx = memoryContext();
  const bundle = await manyListBundle(ctx);
  assertEquals(bundle.fileListCount, LISTS);
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
