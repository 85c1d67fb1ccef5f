/** AtomicFile and writeFileAtomic: a target appears whole or not at all. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { AtomicFile, writeFileAtomic } from "../../lib/util/atomic_file.ts";

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
