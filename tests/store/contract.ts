/**
 * The behaviour every Store backend must have. A backend's test file calls storeContract with a
 * factory that opens a fresh, empty store and a cleanup that removes it.
 *
 * Not part of the contract: a key that is also a prefix of other keys ("a" and "a/b"), which
 * object stores allow and a filesystem cannot hold.
 */
import { assert, assertRejectsKind, assertSameBytes } from "../support/assert.ts";
import { patternBytes } from "../support/fixtures.ts";
import { listed } from "../support/store.ts";
import { isKind } from "../../lib/errors.ts";
import type { Store } from "../../lib/store/store.ts";

/** Opens a fresh, empty store and says how to remove it. */
export type OpenStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/** What a backend under test can be held to. */
export interface ContractOptions {
  /**
   * Why the create-only cases cannot run against this backend's test server (the S3 and GCS
   * servers of the test run overwrite despite the precondition) and which test covers them
   * instead. They are then registered ignored, with this reason in their names, so that the
   * counts show them.
   */
  createOnlyIgnored?: string;
  /**
   * Why the object-versions case cannot run against this backend's test server (it does not
   * implement listing versions) and which test covers it instead; registered ignored.
   */
  versionsIgnored?: string;
}

/** Registers the contract's Deno.test cases, each named `${name}: <behaviour>`. */
export function storeContract(name: string, open: OpenStore, options: ContractOptions = {}): void {
  const test = (behaviour: string, fn: (store: Store) => Promise<void>, ignoreReason?: string) =>
    Deno.test({
      name: `${name}: ${behaviour}${ignoreReason ? ` (ignored: ${ignoreReason})` : ""}`,
      ignore: ignoreReason !== undefined,
      fn: async () => {
        const { store, cleanup } = await open();
        try {
          await fn(store);
        } finally {
          await cleanup();
        }
      },
    });
  const createOnlyTest = (behaviour: string, fn: (store: Store) => Promise<void>) =>
    test(behaviour, fn, options.createOnlyIgnored);

  test("get returns what put stored (0 bytes, 1 byte, 3 MiB)", async (store) => {
    for (const size of [0, 1, 3 * 1024 * 1024]) {
      const bytes = patternBytes(size, size % 7);
      await store.put(`round-trip/${size}`, bytes);
      assertSameBytes(await store.get(`round-trip/${size}`), bytes);
    }
  });

  test("put replaces an existing object, shorter or longer", async (store) => {
    await store.put("k", patternBytes(300, 1));
    await store.put("k", patternBytes(5, 2));
    assertSameBytes(await store.get("k"), patternBytes(5, 2));
    assert.equal((await store.head("k"))?.size, 5);
    await store.put("k", patternBytes(700, 3));
    assertSameBytes(await store.get("k"), patternBytes(700, 3));
  });

  createOnlyTest(
    "putIfAbsent creates once and leaves an existing object untouched",
    async (store) => {
      assert.equal(await store.putIfAbsent("once/k", patternBytes(10, 1)), true);
      assert.equal(await store.putIfAbsent("once/k", patternBytes(20, 2)), false);
      assertSameBytes(await store.get("once/k"), patternBytes(10, 1));
      assert.equal((await store.head("once/k"))?.size, 10);
    },
  );

  createOnlyTest("concurrent putIfAbsent of one key lets exactly one caller win", async (store) => {
    const payloads = Array.from({ length: 8 }, (_, i) => patternBytes(64 * 1024, i + 1));
    const results = await Promise.all(payloads.map((p) => store.putIfAbsent("race/k", p)));
    assert.equal(results.filter((won) => won).length, 1, `results: ${results}`);
    assertSameBytes(await store.get("race/k"), payloads[results.indexOf(true)]);
  });

  test("getInto fills a larger buffer, even a shared one, and returns the size", async (store) => {
    const bytes = patternBytes(70_000, 4);
    await store.put("into/k", bytes);
    const into = new Uint8Array(new SharedArrayBuffer(100_000));
    assert.equal(await store.getInto("into/k", into), 70_000);
    assertSameBytes(into.slice(0, 70_000), bytes);
    await store.put("into/empty", new Uint8Array(0));
    assert.equal(await store.getInto("into/empty", into), 0);
  });

  test("getInto reports an object larger than the buffer by its size", async (store) => {
    await store.put("into/big", patternBytes(5000, 5));
    assert.equal(await store.getInto("into/big", new Uint8Array(4999)), 5000);
    const missing = await store.getInto("into/absent", new Uint8Array(10)).catch((e) => e);
    assert.ok(isKind(missing, "not-found"), String(missing));
  });

  test("getRange reads inside, at the end and past the end of an object", async (store) => {
    const bytes = patternBytes(100, 9);
    await store.put("range/k", bytes);
    assertSameBytes(await store.getRange("range/k", 10, 20), bytes.subarray(10, 30));
    assertSameBytes(await store.getRange("range/k", 0, 100), bytes);
    assertSameBytes(await store.getRange("range/k", 90, 10), bytes.subarray(90));
    assertSameBytes(await store.getRange("range/k", 95, 10), bytes.subarray(95));
    assert.equal((await store.getRange("range/k", 0, 1000)).length, 100);
    assert.equal((await store.getRange("range/k", 100, 5)).length, 0);
    assert.equal((await store.getRange("range/k", 250, 5)).length, 0);
    assert.equal((await store.getRange("range/k", 3, 0)).length, 0);
  });

  test("getRange reads across the middle of a large object", async (store) => {
    const bytes = patternBytes(3 * 1024 * 1024, 4);
    await store.put("range/big", bytes);
    const offset = 1024 * 1024 - 3;
    assertSameBytes(
      await store.getRange("range/big", offset, 70_000),
      bytes.subarray(offset, offset + 70_000),
    );
  });

  test("getRange rejects a negative or fractional range with invalid-argument", async (store) => {
    await store.put("range/k", patternBytes(10, 1));
    for (const [offset, length] of [[-1, 5], [0, -1], [1.5, 2], [0, NaN]]) {
      await assertRejectsKind("invalid-argument", () => store.getRange("range/k", offset, length));
    }
  });

  test("head gives the size of a present object and null for an absent one", async (store) => {
    const before = Date.now();
    await store.put("head/k", patternBytes(1234, 1));
    const info = await store.head("head/k");
    assert.ok(info);
    assert.equal(info.size, 1234);
    assert.ok(info.modified instanceof Date && !Number.isNaN(info.modified.getTime()));
    // Generous: a server's clock and timestamp resolution may differ from ours.
    assert.ok(Math.abs(info.modified.getTime() - before) < 10 * 60_000, `${info.modified}`);
    assert.equal(await store.head("head/absent"), null);
    assert.equal(await store.head("head"), null, "a prefix is not an object");
  });

  test("get and getRange of an absent key throw not-found naming the key", async (store) => {
    await store.put("present/k", patternBytes(3, 1));
    for (const key of ["absent", "present/absent", "present", "absent/deeper/k"]) {
      const e = await assertRejectsKind("not-found", () => store.get(key));
      assert.ok(e.message.includes(key), e.message);
      await assertRejectsKind("not-found", () => store.getRange(key, 0, 10));
    }
  });

  test("list of an empty store or an unused prefix yields nothing", async (store) => {
    assert.deepEqual(await listed(store, ""), []);
    assert.deepEqual(await listed(store, "", { delimiter: "/" }), []);
    await store.put("used/k", patternBytes(1, 1));
    assert.deepEqual(await listed(store, "unused/"), []);
    assert.deepEqual(await listed(store, "unused", { delimiter: "/" }), []);
    assert.deepEqual(await listed(store, "used/k/"), []);
  });

  test("list without a delimiter yields every key under a prefix in key order", async (store) => {
    await putAll(store, NESTED_KEYS);
    assert.deepEqual(await listed(store, ""), NESTED_KEYS_IN_ORDER);
    assert.deepEqual(await listed(store, "a/"), ["a/b", "a/c/d", "a/c/e/f"]);
    assert.deepEqual(await listed(store, "a"), ["a-c", "a/b", "a/c/d", "a/c/e/f", "a0"]);
    assert.deepEqual(await listed(store, "a/c/e/f"), ["a/c/e/f"]);
  });

  test("list matches a partial last segment of the prefix", async (store) => {
    await putAll(store, NESTED_KEYS);
    assert.deepEqual(await listed(store, "bundles/re"), [
      "bundles/re",
      "bundles/repo1/x",
      "bundles/repo2/y",
    ]);
    assert.deepEqual(await listed(store, "bundles/repo1"), ["bundles/repo1/x"]);
    assert.deepEqual(await listed(store, "bundles/repo"), ["bundles/repo1/x", "bundles/repo2/y"]);
    assert.deepEqual(await listed(store, "bundles/rx"), []);
  });

  test("list with a delimiter groups deeper keys into prefixes", async (store) => {
    await putAll(store, NESTED_KEYS);
    const slash = { delimiter: "/" };
    assert.deepEqual(await listed(store, "", slash), [
      "a-c",
      "a/",
      "a0",
      "b",
      "bundles/",
      "z z",
      "é",
    ]);
    assert.deepEqual(await listed(store, "a/", slash), ["a/b", "a/c/"]);
    assert.deepEqual(await listed(store, "a/c/", slash), ["a/c/d", "a/c/e/"]);
    assert.deepEqual(await listed(store, "bundles/re", slash), [
      "bundles/re",
      "bundles/repo1/",
      "bundles/repo2/",
    ]);
  });

  test("list entries carry each object's size", async (store) => {
    await store.put("sized/a", patternBytes(3, 1));
    await store.put("sized/b", patternBytes(0, 1));
    await store.put("sized/c/d", patternBytes(17, 1));
    const sizes = [];
    for await (const entry of store.list("sized/")) {
      assert.equal(entry.kind, "object");
      if (entry.kind === "object") {
        sizes.push([entry.key, entry.size]);
        assert.ok(entry.modified instanceof Date);
      }
    }
    assert.deepEqual(sizes, [["sized/a", 3], ["sized/b", 0], ["sized/c/d", 17]]);
  });

  test("list pages through 2,500 entries in key order", async (store) => {
    const direct = Array.from({ length: 1250 }, (_, i) => `page/k${i}`);
    const nested = Array.from({ length: 1250 }, (_, i) => `page/d${i}/o`);
    await putAll(store, [...direct, ...nested]);
    const all = [...direct, ...nested].sort();
    assert.deepEqual(await listed(store, "page/"), all);
    const grouped = [...direct, ...nested.map((k) => k.slice(0, -1))].sort();
    assert.deepEqual(await listed(store, "page/", { delimiter: "/" }), grouped);
    assert.deepEqual(await listed(store, "page/k1"), all.filter((k) => k.startsWith("page/k1")));
    assert.deepEqual(await listed(store, "", { delimiter: "/" }), ["page/"]);
  });

  test("delete is idempotent and leaves head null and get not-found", async (store) => {
    await store.delete("never/was");
    await store.put("del/k", patternBytes(5, 1));
    await store.put("del/keep", patternBytes(5, 2));
    await store.delete("del/k");
    assert.equal(await store.head("del/k"), null);
    await assertRejectsKind("not-found", () => store.get("del/k"));
    await store.delete("del/k");
    await store.delete("del");
    assertSameBytes(await store.get("del/keep"), patternBytes(5, 2));
  });

  test("copy makes a second object with the same bytes that outlives the original", async (store) => {
    assert.ok(store.copy, "the backend has a server-side copy");
    const bytes = patternBytes(70_000, 4);
    await store.put("from/k", bytes);
    await store.put("to/q ü/k", patternBytes(3, 1));
    await store.copy!("from/k", "to/q ü/k");
    await store.copy!("from/k", "to/fresh/k");
    await store.delete("from/k");
    assertSameBytes(await store.get("to/q ü/k"), bytes);
    assertSameBytes(await store.get("to/fresh/k"), bytes);
    assert.equal((await store.head("to/fresh/k"))?.size, bytes.length);
    assert.deepEqual(await listed(store, ""), ["to/fresh/k", "to/q ü/k"]);
  });

  test("copy of an absent object is not-found and creates nothing", async (store) => {
    assert.ok(store.copy, "the backend has a server-side copy");
    await store.put("dir/k", patternBytes(1, 1));
    await assertRejectsKind("not-found", () => store.copy!("absent", "target"));
    await assertRejectsKind("not-found", () => store.copy!("dir", "target"));
    assert.equal(await store.head("target"), null);
  });

  test("deleting the last key under a prefix removes the prefix from listings", async (store) => {
    await store.put("gone/deep/k", patternBytes(1, 1));
    await store.put("stay", patternBytes(1, 1));
    await store.delete("gone/deep/k");
    assert.deepEqual(await listed(store, "", { delimiter: "/" }), ["stay"]);
    assert.deepEqual(await listed(store, "gone/", { delimiter: "/" }), []);
    await store.put("gone/deep/k2", patternBytes(2, 1));
    assert.deepEqual(await listed(store, ""), ["gone/deep/k2", "stay"]);
  });

  test("keys with unicode and spaces round-trip and list", async (store) => {
    const keys = ["ünï cødé/文件 名.txt", "with space/a b", "emoji 😀/x", "tab\there", "q?#%&=+"];
    for (const [i, key] of keys.entries()) {
      await store.put(key, patternBytes(i + 1, i));
      assertSameBytes(await store.get(key), patternBytes(i + 1, i));
      assert.equal((await store.head(key))?.size, i + 1);
    }
    assert.deepEqual(await listed(store, ""), [
      "emoji 😀/x",
      "q?#%&=+",
      "tab\there",
      "with space/a b",
      "ünï cødé/文件 名.txt",
    ]);
    assert.deepEqual(await listed(store, "ünï cødé/文"), ["ünï cødé/文件 名.txt"]);
  });

  test("list orders keys by their UTF-8 bytes", async (store) => {
    // UTF-16 order would put U+1F600 (a surrogate pair) before U+FF21; UTF-8 order does not.
    await putAll(store, ["u/\u{1F600}", "u/\uFF21", "u/z", "u/\u00E9"]);
    assert.deepEqual(await listed(store, "u/"), ["u/z", "u/\u00E9", "u/\uFF21", "u/\u{1F600}"]);
  });

  test(
    "listVersions, where the store has it, puts the current version first, which getVersion reads; an absent key has none",
    async (store) => {
      assert.equal(store.getVersion === undefined, store.listVersions === undefined);
      if (!store.listVersions || !store.getVersion) return;
      await store.put("v/k", patternBytes(10, 1));
      await store.put("v/k", patternBytes(20, 2));
      await store.put("v/k2", patternBytes(30, 3));
      const versions = await Array.fromAsync(store.listVersions("v/k"));
      assert.ok(versions.length >= 1);
      assert.equal(versions[0].size, 20);
      assertSameBytes(await store.getVersion("v/k", versions[0].versionId), patternBytes(20, 2));
      assert.deepEqual(await Array.fromAsync(store.listVersions("v/absent")), []);
    },
    options.versionsIgnored,
  );

  test(
    "listAfter, where the store has it, answers the keys after any string in key order, page by page",
    async (store) => {
      if (!store.listAfter) return;
      for (const [key, size] of [["p/a", 1], ["p/b", 2], ["p/c", 3], ["q", 4]] as const) {
        await store.put(key, patternBytes(size));
      }
      const after = async (from: string) => {
        const found: { key: string; size: number }[] = [];
        for (let last = from;;) {
          const page = await store.listAfter!(last);
          found.push(...page.objects);
          if (page.complete) return found;
          assert.ok(page.objects.length > 0, "an incomplete page names objects");
          last = page.objects[page.objects.length - 1].key;
        }
      };
      assert.deepEqual(await after("p/a"), [
        { key: "p/b", size: 2 },
        { key: "p/c", size: 3 },
        { key: "q", size: 4 },
      ]);
      assert.deepEqual((await after("p/b0")).map((o) => o.key), ["p/c", "q"]);
      assert.deepEqual((await after("")).map((o) => o.key), ["p/a", "p/b", "p/c", "q"]);
      assert.deepEqual(await store.listAfter("q"), { objects: [], complete: true });
    },
  );

  test("invalid keys are rejected with invalid-argument", async (store) => {
    const bytes = patternBytes(1, 1);
    for (const key of INVALID_KEYS) {
      await assertRejectsKind("invalid-argument", () => store.put(key, bytes));
      await assertRejectsKind("invalid-argument", () => store.putIfAbsent(key, bytes));
      await assertRejectsKind("invalid-argument", () => store.get(key));
      await assertRejectsKind("invalid-argument", () => store.getRange(key, 0, 1));
      await assertRejectsKind("invalid-argument", () => store.head(key));
      await assertRejectsKind("invalid-argument", () => store.delete(key));
    }
    for (const prefix of ["/a", "a//", "../", "a/../b/", "a/./", "a\0", "a\\b"]) {
      await assertRejectsKind("invalid-argument", () => listed(store, prefix));
    }
    assert.deepEqual(await listed(store, ""), [], "nothing was written");
  });
}

/** Keys chosen so that "/" (0x2F) sorts between "-" and "0", and a key prefixes a directory. */
const NESTED_KEYS = [
  "bundles/repo2/y",
  "a0",
  "z z",
  "a/c/e/f",
  "é",
  "bundles/re",
  "a-c",
  "b",
  "a/c/d",
  "bundles/repo1/x",
  "a/b",
];

const NESTED_KEYS_IN_ORDER = [
  "a-c",
  "a/b",
  "a/c/d",
  "a/c/e/f",
  "a0",
  "b",
  "bundles/re",
  "bundles/repo1/x",
  "bundles/repo2/y",
  "z z",
  "é",
];

const INVALID_KEYS = [
  "",
  "/a",
  "a/",
  "/",
  "a//b",
  ".",
  "..",
  "./a",
  "a/./b",
  "a/..",
  "../a",
  "a\0b",
  "a\\b",
];

/** Puts one small object per key, 16 at a time. */
async function putAll(store: Store, keys: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      await store.put(key, patternBytes(key.length, 3));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
