import { assert } from "../support/assert.ts";
import { SlotPool } from "../../lib/cafs/slots.ts";

Deno.test("slots are buffers of the pool's size in shared memory", async () => {
  const pool = new SlotPool(2, 1024);
  const slot = await pool.acquire();
  assert.equal(slot.bytes.length, 1024);
  assert.ok(slot.bytes.buffer instanceof SharedArrayBuffer);
  slot.release();
});

Deno.test("acquire waits while every slot is lent and resumes in order on release", async () => {
  const pool = new SlotPool(2, 16);
  const a = await pool.acquire();
  const b = await pool.acquire();
  assert.equal(pool.available, 0);
  const order: string[] = [];
  const c = pool.acquire().then((slot) => (order.push("c"), slot));
  const d = pool.acquire().then((slot) => (order.push("d"), slot));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(order, []);
  a.release();
  const slotC = await c;
  assert.deepEqual(order, ["c"]);
  assert.equal(slotC.bytes, a.bytes, "the released buffer is lent again");
  b.release();
  (await d).release();
  slotC.release();
  assert.equal(pool.available, 2);
});

Deno.test("a pool never lends more buffers than its count", async () => {
  const pool = new SlotPool(3, 8);
  const buffers = new Set<Uint8Array>();
  for (let round = 0; round < 5; round++) {
    const slots = await Promise.all([pool.acquire(), pool.acquire(), pool.acquire()]);
    for (const slot of slots) buffers.add(slot.bytes);
    for (const slot of slots) slot.release();
  }
  assert.equal(buffers.size, 3);
});

Deno.test("releasing a slot twice throws", async () => {
  const pool = new SlotPool(1, 8);
  const slot = await pool.acquire();
  slot.release();
  assert.throws(() => slot.release(), /released twice/);
});

Deno.test("a plain pool lends buffers that are not shared memory", async () => {
  const pool = new SlotPool(2, 1024, "plain");
  const slot = await pool.acquire();
  assert.equal(slot.bytes.length, 1024);
  assert.ok(slot.bytes.buffer instanceof ArrayBuffer);
  slot.release();
});

Deno.test("a buffer that came back from a move is lent again; a lost one is replaced", async () => {
  const pool = new SlotPool(1, 16, "plain");
  const slot = await pool.acquire();
  // transfer() detaches the buffer as a move to a Worker does.
  const moved = (slot.bytes.buffer as ArrayBuffer).transfer();
  slot.bytes = new Uint8Array(moved);
  slot.release();
  const again = await pool.acquire();
  assert.equal(again.bytes.buffer, moved, "the buffer that came back is lent");
  const waiting = pool.acquire();
  (again.bytes.buffer as ArrayBuffer).transfer();
  again.release();
  const fresh = await waiting;
  assert.equal(fresh.bytes.length, 16, "a lost buffer is replaced by a new one");
  assert.ok(fresh.bytes.buffer !== moved);
  fresh.release();
  assert.equal(pool.available, 1);
});
