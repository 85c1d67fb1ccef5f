/**
 * `bundle mount` against the kernel's FUSE: every file reads back byte for byte through
 * ordinary tools, reads at any offset are right, corrupt leaves give EIO and writes EROFS.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { listTree, patternBytes, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { fuseTest, isMounted, run, withMount } from "../support/mount.ts";

const LEAF = 65536;

/** A source tree with nested dirs, an empty file, odd modes and multi-leaf files. */
async function sourceTree(dir: string): Promise<string> {
  const src = `${dir}/src`;
  await writeTree(src, {
    "top.txt": "top\n",
    "empty": new Uint8Array(0),
    "one-leaf.bin": LEAF,
    "a/b/c/deep.bin": 3 * LEAF + 17,
    "a/b/sibling.txt": "sibling",
    "a/z.bin": 10 * LEAF,
    "names with spaces/ünïcode.txt": "x",
  });
  await Deno.chmod(`${src}/a/b/sibling.txt`, 0o600);
  await Deno.chmod(`${src}/top.txt`, 0o755);
  return src;
}

/** `dir`/src holding `tree`, uploaded to repo "r" of a new home with 64 KiB leaves. */
async function uploadedTree(
  dir: string,
  tree: Parameters<typeof writeTree>[1],
): Promise<{ src: string; home: string }> {
  const src = `${dir}/src`;
  await writeTree(src, tree);
  return { src, home: await uploaded(dir, src) };
}

/** A home with repo "r" holding `src` uploaded with 64 KiB leaves. */
async function uploaded(dir: string, src: string): Promise<string> {
  const home = `${dir}/home`;
  await datamonOk(home, "repo", "create", "--repo", "r");
  await upload(home, "r", src, "m", "--leaf-size", "64K");
  return home;
}

async function assertSameThroughTools(src: string, mnt: string): Promise<void> {
  const names = await listTree(src);
  const found = await run("find", mnt, "-type", "f");
  assertEquals(
    found.stdout.trim().split("\n").map((p) => p.slice(mnt.length + 1)).sort(),
    names,
  );
  for (const name of names) {
    const cmp = await run("cmp", `${src}/${name}`, `${mnt}/${name}`);
    assertEquals(cmp.code, 0, `${name}: ${cmp.stdout}${cmp.stderr}`);
  }
}

fuseTest("a mounted bundle reads back byte for byte with cat, cmp and find", async (dir) => {
  const src = await sourceTree(dir);
  const home = await uploaded(dir, src);
  const mnt = `${dir}/mnt`;
  await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
    await assertSameThroughTools(src, mnt);
    assertEquals((await run("cat", `${mnt}/top.txt`)).stdout, "top\n");
    const sibling = await Deno.stat(`${mnt}/a/b/sibling.txt`);
    assertEquals(sibling.mode! & 0o777, 0o600);
    assertEquals(sibling.size, 7);
    assertEquals((await Deno.stat(`${mnt}/top.txt`)).mode! & 0o777, 0o755);
    const source = await Deno.stat(`${src}/a/z.bin`);
    assertEquals((await Deno.stat(`${mnt}/a/z.bin`)).mtime, source.mtime);
    assert((await Deno.stat(`${mnt}/a/b/c`)).isDirectory);
  });
  assert(!await isMounted(mnt), "unmounted");
  assertEquals(await listTree(mnt), []);
});

fuseTest(
  "a mounted bundle shows symlinks as links (readlink) and empty directories",
  async (dir) => {
    const src = `${dir}/src`;
    await writeTree(src, { "bin/tool.js": "tool\n" });
    await Deno.mkdir(`${src}/node_modules/.bin`, { recursive: true });
    await Deno.symlink("../../bin/tool.js", `${src}/node_modules/.bin/tool`);
    await Deno.mkdir(`${src}/empty`);
    const home = await uploaded(dir, src);
    const mnt = `${dir}/mnt`;
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      assert((await Deno.lstat(`${mnt}/node_modules/.bin/tool`)).isSymlink);
      assertEquals(await Deno.readLink(`${mnt}/node_modules/.bin/tool`), "../../bin/tool.js");
      assertEquals((await run("cat", `${mnt}/node_modules/.bin/tool`)).stdout, "tool\n");
      assert((await Deno.stat(`${mnt}/empty`)).isDirectory);
    });
  },
);

fuseTest("--stream=false downloads first and serves the same bytes from disk", async (dir) => {
  const src = await sourceTree(dir);
  const home = await uploaded(dir, src);
  const mnt = `${dir}/mnt`;
  await withMount(
    home,
    mnt,
    ["bundle", "mount", "--repo", "r", "--stream=false"],
    () => assertSameThroughTools(src, mnt),
  );
});

fuseTest("concurrent readers of one large file all read the source's bytes", async (dir) => {
  const { src, home } = await uploadedTree(dir, { "large.bin": 200 * LEAF + 123 });
  const mnt = `${dir}/mnt`;
  await Deno.mkdir(mnt);
  // A small cache makes the readers evict each other's leaves and load them again.
  const args = ["bundle", "mount", "--repo", "r", "--cache-size", "1M", "--prefetch", "2"];
  await withMount(home, mnt, args, async () => {
    const readers = Array.from(
      { length: 6 },
      () => run("cmp", `${src}/large.bin`, `${mnt}/large.bin`),
    );
    for (const r of await Promise.all(readers)) assertEquals(r.code, 0, r.stdout + r.stderr);
  });
});

fuseTest(
  "reads at random offsets across leaf boundaries return the source's bytes",
  async (dir) => {
    const src = `${dir}/src`;
    const bytes = patternBytes(40 * LEAF + 999, 7);
    await writeTree(src, { "f.bin": bytes });
    const home = await uploaded(dir, src);
    const mnt = `${dir}/mnt`;
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      using file = await Deno.open(`${mnt}/f.bin`);
      let seed = 12345;
      const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      for (let i = 0; i < 200; i++) {
        // Around a leaf boundary half the time, anywhere the other half.
        const offset = i % 2
          ? Math.max(0, (1 + random(39)) * LEAF - random(300))
          : random(bytes.length);
        const length = 1 + random(3 * LEAF);
        await file.seek(offset, Deno.SeekMode.Start);
        const buffer = new Uint8Array(length);
        let got = 0;
        while (got < length) {
          const n = await file.read(buffer.subarray(got));
          if (n === null) break;
          got += n;
        }
        const expected = bytes.subarray(offset, Math.min(bytes.length, offset + length));
        assertEquals(got, expected.length, `length at ${offset}+${length}`);
        for (let j = 0; j < got; j++) {
          if (buffer[j] !== expected[j]) throw new Error(`byte ${offset + j} differs`);
        }
      }
    });
  },
);

fuseTest("a corrupted leaf gives EIO, never wrong bytes", async (dir) => {
  const { home } = await uploadedTree(dir, { "bad.bin": 1000, "good.txt": "fine" });
  const listed = JSON.parse(
    await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
  ) as Array<{ name: string; pack: { id: string; offset: number } }>;
  // A small file lives in a pack: flip a byte of its stretch of the pack.
  const { pack } = listed.find((e) => e.name === "bad.bin")!;
  const blob = `${home}/data/blob/packs/${pack.id}`;
  const stored = await Deno.readFile(blob);
  stored[pack.offset + 10] ^= 0xff;
  await Deno.chmod(blob, 0o644);
  await Deno.writeFile(blob, stored);
  const mnt = `${dir}/mnt`;
  await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
    const bad = await run("cat", `${mnt}/bad.bin`);
    assert(bad.code !== 0, "cat of a corrupt file fails");
    assertMatch(bad.stderr, /Input\/output error/);
    assertEquals(bad.stdout, "");
    assertEquals((await run("cat", `${mnt}/good.txt`)).stdout, "fine");
  });
});

fuseTest("writes to a read-only mount get EROFS", async (dir) => {
  const { home } = await uploadedTree(dir, { "f.txt": "x", "d/g.txt": "y" });
  const mnt = `${dir}/mnt`;
  await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
    for (
      const script of [
        `echo new > ${mnt}/new.txt`,
        `echo more >> ${mnt}/f.txt`,
        `mkdir ${mnt}/newdir`,
        `rm ${mnt}/f.txt`,
        `mv ${mnt}/f.txt ${mnt}/d/moved.txt`,
        `touch ${mnt}/f.txt`,
      ]
    ) {
      const r = await run("sh", "-c", script);
      assert(r.code !== 0, `${script} fails`);
      assertMatch(r.stderr, /Read-only file system/, script);
    }
    assertEquals((await run("cat", `${mnt}/f.txt`)).stdout, "x");
  });
});

fuseTest(
  "mount errors: missing or non-empty mount point, unknown bundle, nothing to unmount",
  async (dir) => {
    const { src, home } = await uploadedTree(dir, { "f.txt": "x" });
    const mount = (...args: string[]) => datamon(home, "bundle", "mount", "--repo", "r", ...args);
    const missing = await mount("--mount", `${dir}/nope`);
    assertEquals(missing.code, 6, missing.stderr);
    assertMatch(missing.stderr, /^datamon: mount point .* does not exist/);
    const full = await mount("--mount", src);
    assertEquals(full.code, 7, full.stderr);
    await Deno.mkdir(`${dir}/mnt`);
    const unknown = await mount("--mount", `${dir}/mnt`, "--label", "nope", "--daemonize");
    assertEquals(unknown.code, 3, unknown.stderr);
    assertEquals(unknown.stderr.trim().split("\n").length, 1, unknown.stderr);
    assert(!await isMounted(`${dir}/mnt`));
    const notMounted = await datamon(home, "bundle", "unmount", `${dir}/mnt`);
    assertEquals(notMounted.code, 6, notMounted.stderr);
    const badBool = await mount("--mount", `${dir}/mnt`, "--stream", "maybe");
    assertEquals(badBool.code, 5, badBool.stderr);
  },
);

fuseTest("a mount is recorded in the read log", async (dir) => {
  const src = await sourceTree(dir);
  const home = await uploaded(dir, src);
  const mnt = `${dir}/mnt`;
  await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
    const reads = JSON.parse(
      await datamonOk(home, "log", "--repo", "r", "--kind", "read", "--json"),
    );
    assertEquals(reads.length, 1);
    assertEquals([reads[0].method, reads[0].selection], ["mount", "all"]);
    assertEquals(reads[0].actor.email, "test@example.com");
  });
});
