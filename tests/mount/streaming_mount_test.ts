/**
 * A bundle view served while its file list streams in, through the kernel's FUSE: a request
 * for a part of the list not yet read waits for it, and a list that fails gives EIO.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { EntryStream, settledWithin } from "../support/entry_stream.ts";
import { fuseTest, run } from "../support/mount.ts";
import { BundleInodes } from "../../lib/mount/bundle_inodes.ts";
import { BundleFs, type ContentSource } from "../../lib/mount/bundle_fs.ts";
import { FuseSession } from "../../lib/mount/session.ts";

const encoder = new TextEncoder();

/** Every file's bytes are its name. */
const namesAsContent: ContentSource = {
  open: (file) => ({
    read: (offset, length) =>
      Promise.resolve(encoder.encode(file.name).subarray(offset, offset + length)),
    close: () => {},
  }),
};

/** Mounts a view of `stream` at `dir`/mnt, runs `fn` with the mount's path, unmounts. */
async function withStreamingMount(
  dir: string,
  stream: EntryStream,
  fn: (mnt: string) => Promise<void>,
): Promise<void> {
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  const inodes = new BundleInodes(1000, { uid: Deno.uid()!, gid: Deno.gid()! });
  const filled = inodes.fill(stream);
  const session = FuseSession.mount(mnt, new BundleFs(inodes, namesAsContent), {
    readOnly: true,
    fsname: "streaming-test",
    onError: () => {},
  });
  try {
    await fn(mnt);
  } finally {
    stream.end();
    await filled;
    await session.unmount();
    await session.done;
  }
}

fuseTest("a lookup of a late name before the list has finished answers right", async (dir) => {
  const stream = new EntryStream();
  stream.push("a/1", "b/1");
  await withStreamingMount(dir, stream, async (mnt) => {
    const late = run("cat", `${mnt}/z/late`);
    assertEquals(await settledWithin(late, 300), "pending");
    stream.push("c/1", "z/late");
    const out = await late;
    assertEquals([out.code, out.stdout], [0, "z/late"]);
  });
});

fuseTest(
  "readdir of a directory lists every entry exactly once while the list streams",
  async (dir) => {
    const stream = new EntryStream();
    const first = Array.from({ length: 300 }, (_, i) => `d/f${String(i).padStart(4, "0")}`);
    const second = Array.from({ length: 300 }, (_, i) => `d/f${String(i + 300).padStart(4, "0")}`);
    stream.push(...first);
    await withStreamingMount(dir, stream, async (mnt) => {
      const listing = run("ls", "-1", `${mnt}/d`);
      assertEquals(await settledWithin(listing, 300), "pending");
      stream.push(...second, "e/x");
      const out = await listing;
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout.trim().split("\n"), [...first, ...second].map((n) => n.slice(2)));
    });
  },
);

fuseTest(
  "a name absent from the bundle gives ENOENT only once the list has ended past it",
  async (dir) => {
    const stream = new EntryStream();
    stream.push("a/1");
    await withStreamingMount(dir, stream, async (mnt) => {
      const inA = run("stat", `${mnt}/a/missing`);
      assertEquals(await settledWithin(inA, 300), "pending");
      // Started once inA waits inside a: a lookup waiting in the root first could hold the
      // kernel's lock on the root, and inA's lookup of "a" would then wait behind it.
      const atRoot = run("stat", `${mnt}/missing`);
      stream.push("b/1");
      const a = await inA;
      assertEquals(a.code, 1);
      assertMatch(a.stderr, /No such file or directory/);
      assertEquals(await settledWithin(atRoot, 300), "pending");
      stream.end();
      assertMatch((await atRoot).stderr, /No such file or directory/);
    });
  },
);

fuseTest("a list that fails midway gives EIO, not a silently short directory", async (dir) => {
  const stream = new EntryStream();
  stream.push("a/1", "b/1");
  await withStreamingMount(dir, stream, async (mnt) => {
    const listing = run("ls", mnt);
    const lookup = run("stat", `${mnt}/c`);
    assertEquals(await settledWithin(listing, 300), "pending");
    stream.fail(new Error("file list 1 is damaged"));
    assertMatch((await listing).stderr, /Input\/output error/);
    assertMatch((await lookup).stderr, /Input\/output error/);
    assertEquals((await run("cat", `${mnt}/a/1`)).stdout, "a/1", "what came before is served");
  });
});
