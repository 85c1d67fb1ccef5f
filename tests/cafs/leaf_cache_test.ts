import { assert } from "../support/assert.ts";
import { LeafCache } from "../../lib/cafs/leaf_cache.ts";

const leaf = (length: number, fill = 1) => new Uint8Array(length).fill(fill);

Deno.test("getOrLoad keeps loaded leaves and serves them without loading again", async () => {
  const cache = new LeafCache({ maxBytes: 100 });
  let loads = 0;
  const load = () => (loads++, Promise.resolve(leaf(10)));
  const first = await cache.getOrLoad("a", load);
  assert.equal(await cache.getOrLoad("a", load), first);
  assert.equal(loads, 1);
  assert.equal(cache.bytes, 10);
});

Deno.test("getOrLoad evicts the least recently used leaves beyond maxBytes", async () => {
  const cache = new LeafCache({ maxBytes: 30 });
  await cache.getOrLoad("a", () => Promise.resolve(leaf(10)));
  await cache.getOrLoad("b", () => Promise.resolve(leaf(10)));
  await cache.getOrLoad("c", () => Promise.resolve(leaf(10)));
  await cache.getOrLoad("a", () => Promise.reject(new Error("a is cached")));
  await cache.getOrLoad("d", () => Promise.resolve(leaf(10)));
  assert.ok(!cache.has("b"), "b was the least recently used");
  assert.ok(cache.has("a") && cache.has("c") && cache.has("d"));
  assert.equal(cache.bytes, 30);
  await cache.getOrLoad("e", () => Promise.resolve(leaf(25)));
  assert.deepEqual(["a", "c", "d", "e"].filter((key) => cache.has(key)), ["e"]);
  assert.equal(cache.bytes, 25);
});

Deno.test("concurrent getOrLoad calls for one key share a single load", async () => {
  const cache = new LeafCache({ maxBytes: 100 });
  let loads = 0;
  let finish: (bytes: Uint8Array) => void = () => {};
  const load = () => {
    loads++;
    return new Promise<Uint8Array>((resolve) => finish = resolve);
  };
  const readers = [
    cache.getOrLoad("a", load),
    cache.getOrLoad("a", load),
    cache.getOrLoad("a", load),
  ];
  await Promise.resolve();
  finish(leaf(5));
  const got = await Promise.all(readers);
  assert.equal(loads, 1);
  assert.ok(got.every((bytes) => bytes === got[0]));
});

Deno.test("a failed load is not cached and the next call loads again", async () => {
  const cache = new LeafCache({ maxBytes: 100 });
  const failing = [
    cache.getOrLoad("a", () => Promise.reject(new Error("boom"))),
    cache.getOrLoad("a", () => Promise.resolve(leaf(1))),
  ];
  for (const attempt of failing) await assert.rejects(attempt, /boom/);
  assert.ok(!cache.has("a"));
  assert.equal(cache.bytes, 0);
  await assert.rejects(
    cache.getOrLoad("b", () => {
      throw new Error("sync boom");
    }),
    /sync boom/,
  );
  assert.deepEqual(await cache.getOrLoad("a", () => Promise.resolve(leaf(3, 7))), leaf(3, 7));
  assert.deepEqual(await cache.getOrLoad("b", () => Promise.resolve(leaf(2))), leaf(2));
});

Deno.test("a leaf bigger than maxBytes is returned but not kept", async () => {
  const cache = new LeafCache({ maxBytes: 10 });
  await cache.getOrLoad("small", () => Promise.resolve(leaf(4)));
  assert.equal((await cache.getOrLoad("big", () => Promise.resolve(leaf(11)))).length, 11);
  assert.ok(!cache.has("big"));
  assert.ok(cache.has("small"), "a leaf too big to keep evicts nothing");
});

Deno.test("delete drops a kept leaf and its bytes; the next call loads it again", async () => {
  const cache = new LeafCache({ maxBytes: 100 });
  await cache.getOrLoad("a", () => Promise.resolve(leaf(10)));
  await cache.getOrLoad("b", () => Promise.resolve(leaf(20)));
  cache.delete("a");
  cache.delete("never kept");
  assert.ok(!cache.has("a") && cache.has("b"));
  assert.equal(cache.bytes, 20);
  let loads = 0;
  await cache.getOrLoad("a", () => (loads++, Promise.resolve(leaf(10))));
  assert.equal(loads, 1);
});
