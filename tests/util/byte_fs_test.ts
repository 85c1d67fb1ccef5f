/** Byte-exact file system calls: names that are not UTF-8 are listed, read and written. */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import * as fs from "../../lib/util/byte_fs.ts";
import { nameFromBytes } from "../../lib/util/byte_names.ts";

const latin1 = nameFromBytes(Uint8Array.of(0x63, 0x61, 0x66, 0xe9)); // b"caf\xe9"

/** Runs a bash script in `dir` (printf makes the byte names). */
async function sh(dir: string, script: string): Promise<string> {
  const out = await new Deno.Command("bash", { args: ["-c", script], cwd: dir }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("readDirBytesSync() lists a non-UTF-8 name exactly, beside UTF-8 names", async () => {
  await withTempDir(async (dir) => {
    await sh(dir, `printf x > "$(printf 'caf\\xe9')"; mkdir "$(printf '\\xff\\xfe')"; echo > café`);
    const entries = fs.readDirBytesSync(dir).sort((a, b) => a.name < b.name ? -1 : 1);
    assertEquals(entries.map((e) => [e.name, e.isFile, e.isDirectory]), [
      ["café", true, false],
      [latin1, true, false],
      [nameFromBytes(Uint8Array.of(0xff, 0xfe)), false, true],
    ]);
  });
});

Deno.test("a file with a non-UTF-8 name is stat'ed, read, written and renamed by its bytes", async () => {
  await withTempDir(async (dir) => {
    await sh(dir, `printf hello > "$(printf 'caf\\xe9')"`);
    const path = `${dir}/${latin1}`;
    assertEquals(fs.lstatSync(path).size, 5);
    using file = await fs.open(path);
    const bytes = new Uint8Array(5);
    await file.read(bytes);
    assertEquals(new TextDecoder().decode(bytes), "hello");
    const copy = `${dir}/${latin1}2`;
    const out = await fs.open(copy, { write: true, createNew: true, mode: 0o600 });
    await out.write(new TextEncoder().encode("bye"));
    out.close();
    await fs.chmod(copy, 0o640);
    await fs.utime(copy, new Date(1000), new Date(2_000_500));
    await fs.rename(copy, `${dir}/${latin1}3`);
    const info = await fs.lstat(`${dir}/${latin1}3`);
    assertEquals([info.size, info.mode! & 0o777, info.mtime?.getTime()], [3, 0o640, 2_000_500]);
    assertEquals(await sh(dir, `cat "$(printf 'caf\\xe93')"`), "bye");
    assert((await assertRejects(() => fs.lstat(copy))) instanceof Deno.errors.NotFound);
  });
});

Deno.test("directories and links with non-UTF-8 names are made and removed by their bytes", async () => {
  await withTempDir(async (dir) => {
    await fs.mkdir(`${dir}/${latin1}`);
    await fs.symlink(latin1, `${dir}/${latin1}/l${latin1}`);
    assertEquals(fs.readLinkSync(`${dir}/${latin1}/l${latin1}`), latin1);
    assert(fs.lstatSync(`${dir}/${latin1}/l${latin1}`).isSymlink);
    assertEquals(
      await sh(dir, `ls "$(printf 'caf\\xe9')" | od -An -c | tr -s ' '`),
      " l c a f 351 \\n\n",
    );
    await fs.remove(`${dir}/${latin1}/l${latin1}`);
    await fs.remove(`${dir}/${latin1}`);
    assertEquals(fs.readDirBytesSync(dir), []);
  });
});

Deno.test("a failed call on a non-UTF-8 path throws Deno's error, with its errno name and \\xNN", async () => {
  await withTempDir(async (dir) => {
    const e = await assertRejects(() => fs.lstat(`${dir}/${latin1}`));
    assert(e instanceof Deno.errors.NotFound, String(e));
    assertEquals((e as Error & { code: string }).code, "ENOENT");
    assertEquals(e.message, `No such file or directory: stat '${dir}/caf\\xe9'`);
  });
});

Deno.test("a file with a non-UTF-8 name is locked by its bytes: a second open file cannot take the lock", async () => {
  await withTempDir(async (dir) => {
    await sh(dir, `printf x > "$(printf 'caf\\xe9')"`);
    using first = await fs.open(`${dir}/${latin1}`);
    using second = await fs.open(`${dir}/${latin1}`);
    assert(await first.tryLock(true));
    assert(!await second.tryLock(true), "held by the first");
    assert(!await second.tryLock(false), "not even shared");
    first.close();
    assert(await second.tryLock(true), "free once the first is closed");
  });
});

Deno.test("a file with a non-UTF-8 name is made, written, locked, changed and removed by sync calls", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/${latin1}`;
    using file = fs.openSync(path, { write: true, createNew: true, mode: 0o600 });
    assertEquals(file.writeSync(new TextEncoder().encode("bye")), 3);
    assert(file.tryLockSync(true));
    assertEquals(file.statSync().nlink, 1);
    fs.chmodSync(path, 0o640);
    fs.utimeSync(path, new Date(1000), new Date(2_000_500));
    fs.renameSync(path, `${dir}/${latin1}3`);
    const info = fs.lstatSync(`${dir}/${latin1}3`);
    assertEquals([info.size, info.mode! & 0o777, info.mtime?.getTime()], [3, 0o640, 2_000_500]);
    assertEquals(await sh(dir, `cat "$(printf 'caf\\xe93')"`), "bye");
    fs.removeSync(`${dir}/${latin1}3`);
    assertEquals(fs.readDirBytesSync(dir), []);
  });
});
