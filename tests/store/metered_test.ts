/** MeteredStore: every request counted per operation, with the object bytes it moved. */
import { assert } from "../support/assert.ts";
import { addCounts, MeteredStore, RequestMeter } from "../../lib/store/metered.ts";
import { LocalStore } from "../../lib/store/local.ts";
import { MemoryStore } from "../../lib/store/memory.ts";
import { withTempDir } from "../support/fixtures.ts";

Deno.test("a metered store counts requests per operation and the bytes sent and received", async () => {
  await withTempDir(async (dir) => {
    const meter = new RequestMeter();
    const store = new MeteredStore(new LocalStore(dir), meter);
    const other = new MeteredStore(new LocalStore(`${dir}/other`), meter);
    await store.put("a", new Uint8Array(10));
    await store.putIfAbsent("a", new Uint8Array(10));
    await other.putIfAbsent("b", new Uint8Array(5));
    await store.get("a");
    await store.getRange("a", 2, 3);
    await store.getInto("a", new Uint8Array(4)); // too small: only the size is learnt
    await store.getInto("a", new Uint8Array(16));
    await store.head("a");
    await store.head("missing");
    await Array.fromAsync(store.list(""));
    await store.copy!("a", "b");
    await store.delete("a");
    await assert.rejects(store.get("a"));
    assert.deepEqual(meter.counts(), {
      total: 13,
      operations: {
        get: 2,
        getInto: 2,
        getRange: 1,
        put: 1,
        putIfAbsent: 2,
        head: 2,
        list: 1,
        delete: 1,
        copy: 1,
      },
      bytesSent: 25,
      bytesReceived: 23,
    });
    assert.equal(store.url, new LocalStore(dir).url);
  });
});

Deno.test("since() gives what a meter counted after a snapshot; addCounts() sums two counts", async () => {
  await withTempDir(async (dir) => {
    const meter = new RequestMeter();
    const store = new MeteredStore(new LocalStore(dir), meter);
    await store.put("a", new Uint8Array(10));
    const start = meter.counts();
    await store.get("a");
    await store.head("a");
    const used = meter.since(start);
    assert.equal(used.total, 2);
    assert.deepEqual([used.operations.get, used.operations.head, used.operations.put], [1, 1, 0]);
    assert.deepEqual([used.bytesSent, used.bytesReceived], [0, 10]);
    const both = addCounts(start, used);
    assert.deepEqual(both, meter.counts());
  });
});

Deno.test("a metered store counts a listing of versions as a list and a version read as a get, and has neither when the inner store has none", async () => {
  const versioned = Object.assign(new MemoryStore(), {
    async *listVersions(_key: string) {
      yield { versionId: "v1", size: 3, modified: new Date(0) };
    },
    getVersion: (_key: string, _versionId: string) => Promise.resolve(new Uint8Array(3)),
  });
  const meter = new RequestMeter();
  const store = new MeteredStore(versioned, meter);
  const versions = await Array.fromAsync(store.listVersions!("k"));
  assert.equal((await store.getVersion!("k", versions[0].versionId)).length, 3);
  const counts = meter.counts();
  assert.deepEqual([counts.total, counts.operations.list, counts.operations.get], [2, 1, 1]);
  assert.equal(counts.bytesReceived, 3);
  const plain = new MeteredStore(new MemoryStore(), meter);
  assert.deepEqual([plain.listVersions, plain.getVersion], [undefined, undefined]);
});
