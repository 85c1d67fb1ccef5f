import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { assert, assertRejectsKind } from "../support/assert.ts";
import { exists, withTempDir } from "../support/fixtures.ts";
import { listed } from "../support/store.ts";
import { isKind } from "../../lib/errors.ts";
import { LocalStore, TEMP_DIR } from "../../lib/store/local.ts";
import { storeContract } from "./contract.ts";

storeContract("local", async () => {
  const dir = await Deno.makeTempDir({ prefix: "datamon-local-store-" });
  // A root that does not exist yet: the store must create it on first write.
  return {
    store: new LocalStore(`${dir}/store`),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
});

async function tempFiles(root: string): Promise<string[]> {
  if (!await exists(`${root}/${TEMP_DIR}`)) return [];
  return (await Array.fromAsync(Deno.readDir(`${root}/${TEMP_DIR}`))).map((e) => e.name);
}

Deno.test("local: the root is created with its parents on first write, not on reads", async () => {
  await withTempDir(async (dir) => {
    const root = `${dir}/a/b/root`;
    const store = new LocalStore(root);
    assert.equal(await store.head("k"), null);
    assert.deepEqual(await listed(store, ""), []);
    await store.delete("k");
    await assertRejectsKind("not-found", () => store.get("k"));
    assert.equal(await exists(root), false);
    await store.put("x/y/k", new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(`${root}/x/y/k`), new Uint8Array([1, 2, 3]));
  });
});

Deno.test("local: the url is the file URL of the absolute root", () => {
  const store = new LocalStore("some dir/store");
  assert.equal(store.root, resolve("some dir/store"));
  assert.equal(store.url, pathToFileURL(resolve("some dir/store")).href);
  assert.match(store.url, /^file:\/\/\/.*some%20dir\/store$/);
});

Deno.test("local: a failed write leaves no temp file behind", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    await store.put("file", new Uint8Array(10));
    await store.put("dir/k", new Uint8Array(10));
    const bytes = new Uint8Array(4096);
    // A local directory cannot hold "file" as both an object and a prefix, nor "dir" as both.
    await assertRejectsKind("invalid-argument", () => store.put("file/k", bytes));
    await assertRejectsKind("invalid-argument", () => store.putIfAbsent("file/k", bytes));
    await assertRejectsKind("invalid-argument", () => store.put("dir", bytes));
    await assertRejectsKind("invalid-argument", () => store.putIfAbsent("dir", bytes));
    assert.deepEqual(await tempFiles(root), []);
    assert.deepEqual(await Deno.readFile(`${root}/file`), new Uint8Array(10));
  });
});

Deno.test("local: successful writes leave no temp file behind", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    await store.put("a", new Uint8Array(5));
    assert.equal(await store.putIfAbsent("b", new Uint8Array(5)), true);
    assert.equal(await store.putIfAbsent("b", new Uint8Array(5)), false);
    assert.deepEqual(await tempFiles(root), []);
  });
});

Deno.test("local: the temp directory never shows in listings and is no key", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    await store.put("k", new Uint8Array(1));
    await Deno.writeFile(`${root}/${TEMP_DIR}/left-by-a-crash`, new Uint8Array(3));
    assert.deepEqual(await listed(store, ""), ["k"]);
    assert.deepEqual(await listed(store, "", { delimiter: "/" }), ["k"]);
    assert.deepEqual(await listed(store, ".datamon"), []);
    assert.deepEqual(await listed(store, `${TEMP_DIR}/`), []);
    await assertRejectsKind("invalid-argument", () => store.get(`${TEMP_DIR}/left-by-a-crash`));
    await assertRejectsKind(
      "invalid-argument",
      () => store.put(`${TEMP_DIR}/x`, new Uint8Array(1)),
    );
    await assertRejectsKind("invalid-argument", () => store.delete(TEMP_DIR));
  });
});

Deno.test("local: putIfAbsent never exposes a partially written object", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    const big = new Uint8Array(16 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = i * 7;
    let done = false;
    const writing = store.putIfAbsent("big", big).finally(() => done = true);
    const seen = { absent: 0, whole: 0 };
    while (!done) {
      try {
        const got = await store.get("big");
        assert.equal(got.length, big.length, "a reader saw a partial object");
        seen.whole++;
      } catch (e) {
        if (!isKind(e, "not-found")) throw e;
        seen.absent++;
      }
    }
    assert.equal(await writing, true);
    assert.ok(seen.absent > 0, `the reader never ran while writing: ${JSON.stringify(seen)}`);
    assert.deepEqual(await store.get("big"), big);
  });
});

Deno.test("local: put replaces an object so readers see the old or the new one", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    const old = new Uint8Array(1024).fill(1);
    const next = new Uint8Array(16 * 1024 * 1024).fill(2);
    await store.put("k", old);
    let done = false;
    const writing = store.put("k", next).finally(() => done = true);
    let reads = 0;
    while (!done) {
      const got = await store.get("k");
      const whole = (got.length === old.length && got.every((b) => b === 1)) ||
        (got.length === next.length && got[0] === 2 && got[got.length - 1] === 2);
      assert.ok(whole, `a reader saw ${got.length} bytes starting ${got[0]}`);
      reads++;
    }
    await writing;
    assert.ok(reads > 0);
  });
});

Deno.test("local: delete removes emptied parent directories but never the root", async () => {
  await withTempDir(async (dir) => {
    const root = `${dir}/root`;
    const store = new LocalStore(root);
    await store.put("a/b/c", new Uint8Array(1));
    await store.put("a/d", new Uint8Array(1));
    await store.delete("a/b/c");
    assert.equal(await exists(`${root}/a/b`), false);
    assert.equal(await exists(`${root}/a/d`), true);
    await store.delete("a/d");
    assert.equal(await exists(`${root}/a`), false);
    assert.equal(await exists(root), true);
  });
});

Deno.test("local: list skips directories that hold no object", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    await Deno.mkdir(`${root}/empty/deeper`, { recursive: true });
    await Deno.mkdir(`${root}/full/deeper`, { recursive: true });
    await Deno.writeFile(`${root}/full/deeper/k`, new Uint8Array(2));
    assert.deepEqual(await listed(store, "", { delimiter: "/" }), ["full/"]);
    assert.deepEqual(await listed(store, ""), ["full/deeper/k"]);
    assert.deepEqual(await listed(store, "empty/", { delimiter: "/" }), []);
  });
});

Deno.test("local: list rejects delimiters other than /", async () => {
  await withTempDir(async (root) => {
    const store = new LocalStore(root);
    await assertRejectsKind("invalid-argument", () => listed(store, "", { delimiter: "-" }));
  });
});

Deno.test("local: a root that is a regular file is unreachable for every operation", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/file`, new Uint8Array(1));
    for (const root of [`${dir}/file`, `${dir}/file/under`]) {
      const store = new LocalStore(root);
      const bytes = new Uint8Array(1);
      const e = await assertRejectsKind("unreachable", () => store.get("k"));
      assert.match(e.message, /^store file:\/\/\/.* cannot be used: /);
      await assertRejectsKind("unreachable", () => store.getRange("k/k", 0, 1));
      await assertRejectsKind("unreachable", () => store.head("k"));
      await assertRejectsKind("unreachable", () => store.put("k", bytes));
      await assertRejectsKind("unreachable", () => store.putIfAbsent("k/k", bytes));
      await assertRejectsKind("unreachable", () => store.delete("k"));
      await assertRejectsKind("unreachable", () => listed(store, ""));
      await assertRejectsKind("unreachable", () => listed(store, "a/", { delimiter: "/" }));
    }
  });
});

/** Whether this process is subject to file permissions (root is not). */
async function permissionsApply(): Promise<boolean> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.chmod(dir, 0o000);
    await Array.fromAsync(Deno.readDir(dir));
    return false;
  } catch (e) {
    if (e instanceof Deno.errors.PermissionDenied) return true;
    throw e;
  } finally {
    await Deno.chmod(dir, 0o700);
    await Deno.remove(dir);
  }
}

Deno.test({
  name: "local: a root without access rights is unreachable",
  ignore: !await permissionsApply(),
  fn: () =>
    withTempDir(async (dir) => {
      const store = new LocalStore(`${dir}/root`);
      await store.put("k", new Uint8Array(1));
      await Deno.chmod(`${dir}/root`, 0o000);
      try {
        await assertRejectsKind("unreachable", () => store.get("k"));
        await assertRejectsKind("unreachable", () => store.put("k", new Uint8Array(1)));
        await assertRejectsKind("unreachable", () => listed(store, ""));
      } finally {
        await Deno.chmod(`${dir}/root`, 0o700);
      }
    }),
});
