/** The lock protocol of garbage collection, on each backend: writers and the purge exclude each other. */
import { assert, assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";
import { purgeLockKey, writerLockKey } from "../../lib/cafs/layout.ts";
import {
  type FoundLock,
  type LockTiming,
  takePurgeLock,
  takeWriterLock,
  writerLocks,
} from "../../lib/cafs/locks.ts";
import { DatamonError } from "../../lib/errors.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { openStore } from "../../lib/store/open.ts";
import type { Store } from "../../lib/store/store.ts";

const TIMING: LockTiming = { refreshMs: 60_000, staleMs: 600_000 };

/** A lock record of a process on another host, last refreshed `ago` ms ago. */
function lockOf(command: string, ago: number): Uint8Array {
  const time = new Date(Date.now() - ago).toISOString();
  return new TextEncoder().encode(
    `host: elsewhere\npid: 42\ncommand: ${command}\ntime: ${time}\nrefreshed: ${time}\n`,
  );
}

function backendTest(name: string, fn: (store: Store) => Promise<void>): void {
  for (const backend of BACKENDS) {
    Deno.test(`${backend}: ${name}`, async () => {
      const { url, cleanup } = await freshStoreUrl(backend);
      try {
        await fn(openStore(url));
      } finally {
        await cleanup();
      }
    });
  }
}

function locked(e: unknown): DatamonError {
  assert(e instanceof DatamonError && e.kind === "locked", String(e));
  return e;
}

backendTest(
  "a purge is refused while a writer holds a live lock, and a writer while the purge does",
  async (store) => {
    const writer = await takeWriterLock(store, "bundle upload", TIMING);
    const refused = await takePurgeLock(store, {
      command: "purge",
      removeStale: false,
      timing: TIMING,
    })
      .catch(locked);
    assertMatch(
      String(refused),
      /a writer \("bundle upload" on .*, pid \d+.*\) holds locks\/writers\/.*wait for it to end/,
    );
    assertEquals(await store.head(purgeLockKey), null, "the refused purge removed its own lock");
    await writer.release();
    assertEquals(await Array.fromAsync(writerLocks(store, TIMING)), []);

    const purge = await takePurgeLock(store, {
      command: "purge",
      removeStale: false,
      timing: TIMING,
    });
    const blocked = await takeWriterLock(store, "bundle upload", TIMING).catch(locked);
    assertMatch(
      String(blocked),
      /a purge \("purge" on .*\) holds locks\/purge\.yaml in .*: wait for it to end/,
    );
    assertEquals(
      await Array.fromAsync(writerLocks(store, TIMING)),
      [],
      "the refused writer left no lock",
    );
    await purge.release();
    await (await takeWriterLock(store, "bundle upload", TIMING)).release();
  },
);

backendTest(
  "stale locks block nobody, are reported, and only with the flag removed; a live one never",
  async (store) => {
    const staleKey = writerLockKey(newKsuid());
    await store.put(staleKey, lockOf("bundle upload", 3_600_000));
    await store.put(purgeLockKey, lockOf("purge", 3_600_000));
    const stale: [FoundLock, boolean][] = [];
    const kept = await takePurgeLock(store, {
      command: "purge",
      removeStale: false,
      timing: TIMING,
    })
      .catch(locked);
    assertMatch(
      String(kept),
      /a purge \("purge" on elsewhere, pid 42.*, stale\) .*--remove-stale-locks/,
    );
    const purge = await takePurgeLock(store, {
      command: "purge",
      removeStale: true,
      onStale: (lock, removed) => stale.push([lock, removed]),
      timing: TIMING,
    });
    assertEquals(stale.map(([lock, removed]) => [lock.key, removed]), [
      [purgeLockKey, true],
      [staleKey, true],
    ]);
    assertEquals(await store.head(staleKey), null);
    await purge.release();

    await store.put(purgeLockKey, lockOf("purge", 1000));
    const live = await takePurgeLock(store, { command: "purge", removeStale: true, timing: TIMING })
      .catch(locked);
    assertMatch(String(live), /a live lock cannot be removed/);
    assert(await store.head(purgeLockKey), "a live lock is never removed");
    await store.delete(purgeLockKey);
  },
);

backendTest(
  "a writer whose lock was removed, or went stale, fails its check before committing",
  async (store) => {
    const removed = await takeWriterLock(store, "bundle upload", TIMING);
    await removed.check();
    for await (const lock of writerLocks(store, TIMING)) await store.delete(lock.key);
    assertMatch(String(await assertRejectsKind("locked", () => removed.check())), /it was removed/);
    await removed.release();

    const staling = await takeWriterLock(store, "bundle upload", {
      refreshMs: 60_000,
      staleMs: 50,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertMatch(String(await assertRejectsKind("locked", () => staling.check())), /went stale/);
    await staling.release();
  },
);

backendTest("a held lock is refreshed while held", async (store) => {
  const lock = await takeWriterLock(store, "bundle upload", { refreshMs: 200, staleMs: 10_000 });
  const [first] = await Array.fromAsync(writerLocks(store, TIMING));
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await lock.check();
  const [later] = await Array.fromAsync(writerLocks(store, TIMING));
  assert(later.record!.refreshed > first.record!.refreshed, "refreshed");
  await lock.release();
});
