/** Object checks for fsck: presence, pack indexes, and deep re-hashing of every file. */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { type CafsBench, storeFiles, TEST_CHUNKING, withCafs } from "../support/cafs.ts";
import { packKey } from "../../lib/cafs/layout.ts";
import type { StoredFile } from "../../lib/cafs/reader.ts";

/** The problems checks find in `files`, group by group, as name -> problem. */
async function problemsOf(
  { cafs }: CafsBench,
  files: StoredFile[],
  deep: boolean,
): Promise<Record<string, string>> {
  const checks = cafs.checks(deep);
  const reader = cafs.reader(TEST_CHUNKING, 4);
  async function* all() {
    yield* files;
  }
  const found: Record<string, string> = {};
  for await (const group of checks.groups(all(), reader)) {
    for (const { file, problem } of await checks.problems(group, reader)) {
      found[file.name!] = problem;
    }
  }
  return found;
}

/** Flips one byte of the stored object `key` at `offset`. */
async function flipByte({ store }: CafsBench, key: string, offset: number): Promise<void> {
  const bytes = await store.get(key);
  bytes[offset] ^= 0xff;
  await store.put(key, bytes);
}

Deno.test("the quick check finds missing blobs and packs, and passes sound files", async () => {
  await withCafs(async (bench) => {
    const files = await storeFiles(bench, { packed: 100, leaf: 2000, big: 3 * 4096 });
    assertEquals(await problemsOf(bench, Object.values(files), false), {});
    await bench.store.delete(files.leaf.key);
    await bench.store.delete(packKey(files.packed.pack!.id));
    const problems = await problemsOf(bench, Object.values(files), false);
    assertEquals(Object.keys(problems).sort(), ["leaf", "packed"]);
    assertMatch(problems.leaf, /^blob [0-9a-f]{64} is missing from file:/);
    assertMatch(problems.packed, /^pack \w{27} is missing from file:/);
  });
});

Deno.test("the quick check finds a missing leaf of a root object and a truncated pack", async () => {
  await withCafs(async (bench) => {
    const files = await storeFiles(bench, { packed: 100, big: 3 * 4096 + 10 });
    const leaves = await bench.cafs.reader(TEST_CHUNKING, 4).leafKeys(files.big);
    await bench.store.delete(leaves[1]);
    const pack = `${bench.dir}/blobs/${packKey(files.packed.pack!.id)}`;
    await Deno.truncate(pack, 120);
    const problems = await problemsOf(bench, Object.values(files), false);
    assertEquals(Object.keys(problems).sort(), ["big", "packed"]);
    assertMatch(
      problems.big,
      new RegExp(`^leaf ${leaves[1]} of root object ${files.big.key} is missing from file:`),
    );
    assertMatch(problems.packed, /^pack \w{27} in file:.* is 120 bytes, too short .*truncated/);
  });
});

Deno.test("the quick check heads each leaf once however many files share it", async () => {
  await withCafs(async (bench) => {
    const { big } = await storeFiles(bench, { big: 3 * 4096 + 10 });
    const heads: string[] = [];
    const head = bench.store.head.bind(bench.store);
    bench.store.head = (key) => {
      heads.push(key);
      return head(key);
    };
    const twins = [big, { ...big, name: "twin" }, { ...big, name: "triplet" }];
    assertEquals(await problemsOf(bench, twins, false), {});
    assertEquals(heads.length, 4, "four leaves, each headed once");
    assertEquals(new Set(heads).size, 4);
  });
});

Deno.test("the deep check re-hashes every leaf: a corrupt leaf of a sound size is found", async () => {
  await withCafs(async (bench) => {
    const files = await storeFiles(bench, { leaf: 2000, other: 3000 });
    await flipByte(bench, files.leaf.key, 10);
    assertEquals(await problemsOf(bench, Object.values(files), false), {});
    const problems = await problemsOf(bench, Object.values(files), true);
    assertEquals(Object.keys(problems), ["leaf"]);
    assertMatch(problems.leaf, /is corrupt/);
  });
});

Deno.test("the deep check of a pack run names only the corrupt file, and checks its pack index", async () => {
  await withCafs(async (bench) => {
    const files = await storeFiles(bench, { a: 100, b: 200, c: 300 });
    const pack = packKey(files.b.pack!.id);
    await flipByte(bench, pack, files.b.pack!.offset);
    const problems = await problemsOf(bench, Object.values(files), true);
    assertEquals(Object.keys(problems), ["b"]);
    assertMatch(problems.b, /is corrupt/);
    const size = (await bench.store.head(pack))!.size;
    await flipByte(bench, pack, size - 60);
    const damaged = await problemsOf(bench, Object.values(files), true);
    assertEquals(Object.keys(damaged), ["a", "b", "c"]);
    assertMatch(damaged.a, /^pack \w{27} in file:.* is corrupt/);
  });
});
