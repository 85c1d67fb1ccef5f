/** AtomicFile and writeFileAtomic: a target appears whole or not at all. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { AtomicFile, createWholeSync, writeFileAtomic } from "../../lib/util/atomic_file.ts";
import { nameFromBytes } from "../../lib/util/byte_names.ts";

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("writeFileAtomic() replaces the target and leaves no temporary", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/t.yaml`, "old\n");
    await writeFileAtomic(`${dir}/t.yaml`, "new\n");
    assertEquals(await Deno.readTextFile(`${dir}/t.yaml`), "new\n");
    assertEquals(await names(dir), ["t.yaml"]);
  });
});

Deno.test("AtomicFile keeps the target unchanged until commit, then finish() sees the whole file", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/t`, "old");
    const file = await AtomicFile.create(`${dir}/t`, { tempPrefix: ".part-" });
    await file.write(new TextEncoder().encode("new bytes"));
    assertEquals(await Deno.readTextFile(`${dir}/t`), "old");
    assert(file.tempPath.startsWith(`${dir}/.part-`));
    let seen = "";
    await file.commit(async (temp) => {
      seen = await Deno.readTextFile(temp);
      await Deno.chmod(temp, 0o640);
    });
    assertEquals(seen, "new bytes");
    assertEquals(await Deno.readTextFile(`${dir}/t`), "new bytes");
    assertEquals((await Deno.stat(`${dir}/t`)).mode! & 0o777, 0o640);
    assertEquals(await names(dir), ["t"]);
  });
});

Deno.test("AtomicFile.discard() removes the temporary and keeps the old target", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/t`, "old");
    const file = await AtomicFile.create(`${dir}/t`);
    await file.write(new TextEncoder().encode("half"));
    await file.discard();
    await file.discard(); // a second discard, as in a cleanup path, is harmless
    assertEquals(await Deno.readTextFile(`${dir}/t`), "old");
    assertEquals(await names(dir), ["t"]);
  });
});

Deno.test("writeFileAtomic() into a missing directory fails and creates nothing", async () => {
  await withTempDir(async (dir) => {
    const e = await assertRejects(() => writeFileAtomic(`${dir}/missing/t`, "x"));
    assert(e instanceof Deno.errors.NotFound);
    assertEquals(await names(dir), []);
  });
});

/** Whether another open file could take an exclusive lock on `path` now. */
async function lockable(path: string): Promise<boolean> {
  using other = await Deno.open(path);
  return await other.tryLock(true);
}

Deno.test("AtomicFile holds its temporary locked until the rename, so no sweep takes it for a leftover", async () => {
  await withTempDir(async (dir) => {
    const file = await AtomicFile.create(`${dir}/t`, { tempPrefix: ".part-" });
    await file.write(new TextEncoder().encode("being written"));
    assert(!await lockable(file.tempPath), "locked while written");
    let lockedInFinish = false;
    await file.commit(async (temp) => {
      lockedInFinish = !await lockable(temp);
    });
    assert(lockedInFinish, "still locked while mode and times are set");
    assert(await lockable(`${dir}/t`), "released once in place");
  });
});

Deno.test("AtomicFile by sync calls: locked until the rename, finish() sees the whole file, discard leaves the target", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/t`, "old");
    const file = AtomicFile.createSync(`${dir}/t`, { tempPrefix: ".part-", mode: 0o600 });
    file.writeSync(new TextEncoder().encode("new bytes"));
    assertEquals(await Deno.readTextFile(`${dir}/t`), "old");
    assert(!await lockable(file.tempPath), "locked while written");
    let seen = "";
    file.commitSync((temp) => {
      seen = Deno.readTextFileSync(temp);
      Deno.chmodSync(temp, 0o640);
    });
    assertEquals(seen, "new bytes");
    assertEquals(await Deno.readTextFile(`${dir}/t`), "new bytes");
    assertEquals((await Deno.stat(`${dir}/t`)).mode! & 0o777, 0o640);
    assert(await lockable(`${dir}/t`), "released once in place");

    const dropped = AtomicFile.createSync(`${dir}/t`, { tempPrefix: ".part-" });
    dropped.writeSync(new TextEncoder().encode("half"));
    dropped.discardSync();
    dropped.discardSync(); // a second discard, as in a cleanup path, is harmless
    assertEquals(await Deno.readTextFile(`${dir}/t`), "new bytes");
    assertEquals(await names(dir), ["t"]);
  });
});

const MTIME = new Date("2020-01-02T03:04:05.678Z");

Deno.test("createWholeSync() makes a new file in one step, with its exact mode and time, and no other name", async () => {
  await withTempDir(async (dir) => {
    assert(createWholeSync(`${dir}/t`, new TextEncoder().encode("whole"), 0o751, MTIME));
    assertEquals(await Deno.readTextFile(`${dir}/t`), "whole");
    const info = await Deno.stat(`${dir}/t`);
    assertEquals(info.mode! & 0o7777, 0o751);
    assertEquals(info.mtime, MTIME);
    assertEquals(await names(dir), ["t"]);
  });
});

Deno.test("createWholeSync() leaves a name already taken as it is, and says so", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/t`, "old");
    await Deno.mkdir(`${dir}/d`);
    assert(!createWholeSync(`${dir}/t`, new TextEncoder().encode("new"), 0o644, MTIME));
    assert(!createWholeSync(`${dir}/d`, new TextEncoder().encode("new"), 0o644, MTIME));
    assertEquals(await Deno.readTextFile(`${dir}/t`), "old");
    assert((await Deno.stat(`${dir}/d`)).isDirectory);
    assertEquals(await names(dir), ["d", "t"]);
  });
});

Deno.test("createWholeSync() names a file by its bytes where the name is not UTF-8", async () => {
  await withTempDir(async (dir) => {
    const name = nameFromBytes(new Uint8Array([0x66, 0xff]));
    assert(createWholeSync(`${dir}/${name}`, new TextEncoder().encode("raw"), 0o644, MTIME));
    assertEquals(await names(dir), ["f\ufffd"]);
  });
});

Deno.test("createWholeSync() into a missing directory fails with the file call's error and makes nothing", async () => {
  await withTempDir(async (dir) => {
    let error: unknown;
    try {
      createWholeSync(`${dir}/missing/t`, new TextEncoder().encode("x"), 0o644, MTIME);
    } catch (e) {
      error = e;
    }
    assert(error instanceof Deno.errors.NotFound, String(error));
    assertEquals((error as { code?: string }).code, "ENOENT");
    assertEquals(await names(dir), []);
  });
});
