/** The purge lock: one purge at a time, a dead one's lock removed on request. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { purgeLockKey } from "../../lib/cafs/layout.ts";
import { releasePurgeLock, takePurgeLock } from "../../lib/cafs/purge_lock.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import type { PurgeLock } from "../../lib/model/types.ts";
import { LocalStore } from "../../lib/store/local.ts";

function lockOf(name: string): PurgeLock {
  return { id: newKsuid(), actor: { name, email: `${name}@x` }, host: "h", pid: 1 };
}

Deno.test("a purge lock is taken once; a second purge learns who holds it until it is released", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    const first = lockOf("ann");
    assertEquals(await takePurgeLock(store, first, false), undefined);
    const held = await takePurgeLock(store, lockOf("bob"), false);
    assertEquals(held?.holder, first);
    assertMatch(held!.where, /^locks\/purge\.yaml in file:/);
    await releasePurgeLock(store);
    assertEquals(await takePurgeLock(store, lockOf("bob"), false), undefined);
  });
});

Deno.test("force removes a dead purge's lock; an unreadable lock is held by someone unknown", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalStore(dir);
    await store.put(purgeLockKey, new TextEncoder().encode("not: [a lock"));
    const held = await takePurgeLock(store, lockOf("ann"), false);
    assert(held && held.holder === undefined);
    assertEquals(await takePurgeLock(store, lockOf("ann"), true), undefined);
  });
});
