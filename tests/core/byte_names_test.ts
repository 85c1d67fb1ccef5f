/**
 * Names kept as bytes (Linux): a tree whose names are not UTF-8 is uploaded, downloaded,
 * updated and diffed with every name and byte exact.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { patternBytes, withTempDir } from "../support/fixtures.ts";
import { localContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { updateDirectory } from "../../lib/core/update.ts";
import { diffBundles, diffLocal } from "../../lib/core/diff.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleTree } from "../../lib/meta/bundles.ts";
import { CafsSession } from "../../lib/cafs/session.ts";
import { chunkingOf } from "../../lib/cafs/chunking.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { BundleDoc } from "../../lib/model/types.ts";
import { nameFromBytes } from "../../lib/util/byte_names.ts";

/** The escaped name of bytes spelt as in bash's printf (e.g. "caf\\xe9"). */
function bytesName(printf: string): string {
  const bytes = printf.replace(
    /\\x([0-9a-f]{2})/g,
    (_, hex) => String.fromCharCode(parseInt(hex, 16)),
  );
  return nameFromBytes(Uint8Array.from(bytes, (c) => c.charCodeAt(0)));
}

/** Runs a bash script in `dir`; $(n 'caf\xe9') spells a name by its bytes. */
async function sh(dir: string, script: string): Promise<{ code: number; out: string }> {
  const out = await new Deno.Command("bash", {
    args: ["-c", `n() { printf "$1"; }\n${script}`],
    cwd: dir,
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, out: text };
}

/** Fails unless the trees under `a` and `b` (relative to dir) have the same names, bytes, links. */
async function assertSameBytes(dir: string, a: string, b: string): Promise<void> {
  const { code, out } = await sh(dir, `LC_ALL=C diff -r --no-dereference ${a} ${b}`);
  assertEquals([code, out], [0, ""]);
}

/** A tree of non-UTF-8 names beside UTF-8 ones: files, a nested directory, a link, an empty dir. */
async function makeTree(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/src`);
  await Deno.writeFile(`${dir}/big`, patternBytes(200_000));
  const made = await sh(
    `${dir}/src`,
    `printf latin1 > "$(n 'caf\\xe9.txt')"
printf utf8 > café.txt
mkdir -p "$(n '\\xff\\xfe')/dir" "$(n '\\xff\\xfe')/$(n 'empty\\xe9')"
printf deep > "$(n '\\xff\\xfe')/dir/x"
cp ../big "$(n 'big\\x80')"
ln -s "$(n 'caf\\xe9.txt')" "$(n 'link\\xe9')"`,
  );
  assertEquals(made.code, 0, made.out);
}

async function repoIn(dir: string): Promise<Context> {
  const ctx = localContext(`${dir}/store`);
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  return ctx;
}

async function namesOf(ctx: Context, bundle: BundleDoc): Promise<string[]> {
  return (await Array.fromAsync(bundleTree(ctx, bundle))).map((e) => e.name);
}

Deno.test("names that are not UTF-8 round-trip byte-exact through upload and download", async () => {
  await withTempDir(async (dir) => {
    await makeTree(dir);
    const ctx = await repoIn(dir);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(bundle.formatVersion, 4);
    assertEquals(
      (await namesOf(ctx, bundle)).sort(),
      [
        "café.txt",
        bytesName("big\\x80"),
        bytesName("caf\\xe9.txt"),
        bytesName("link\\xe9"),
        bytesName("\\xff\\xfe/dir/x"),
        bytesName("\\xff\\xfe/empty\\xe9/"),
      ].sort(),
    );
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    await assertSameBytes(dir, "src", "out");
  });
});

Deno.test("update and diff compare names by their bytes and write the exact names", async () => {
  await withTempDir(async (dir) => {
    await makeTree(dir);
    const ctx = await repoIn(dir);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    const changed = await sh(
      `${dir}/out`,
      `printf DEEP > "$(n '\\xff\\xfe')/dir/x"; rm "$(n 'caf\\xe9.txt')"; printf e > "$(n 'extra\\xfa')"`,
    );
    assertEquals(changed.code, 0, changed.out);
    using blobs = await CafsSession.open(ctx.blob);
    const hashing = blobs.writer(chunkingOf(bundle.leafSize), 1);
    const changes = await Array.fromAsync(
      diffLocal(ctx, `${dir}/out`, bundle, (path) => hashing.keyOfFile(path), 2),
    );
    assertEquals(changes.map((c) => [c.kind, c.name]), [
      ["A", bytesName("caf\\xe9.txt")],
      ["D", bytesName("extra\\xfa")],
      ["U", bytesName("\\xff\\xfe/dir/x")],
    ]);
    const result = await updateDirectory(ctx, bundle, {
      destination: `${dir}/out`,
      concurrency: 4,
    });
    assertEquals(result, { added: 1, deleted: 1, updated: 1 });
    await assertSameBytes(dir, "src", "out");

    const renamed = await sh(`${dir}/src`, `mv "$(n 'caf\\xe9.txt')" "$(n 'caf\\xe8.txt')"`);
    assertEquals(renamed.code, 0, renamed.out);
    const second = await uploadBundle(ctx, uploadOptions(dir));
    const diff = await Array.fromAsync(diffBundles(ctx, bundle, second.bundle));
    assertEquals(diff.map((c) => [c.kind, c.name]), [
      ["A", bytesName("caf\\xe8.txt")],
      ["D", bytesName("caf\\xe9.txt")],
    ]);
  });
});

Deno.test("a tree of UTF-8 names is still written in the older format", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/src`);
    await Deno.writeTextFile(`${dir}/src/café.txt`, "x");
    await Deno.writeTextFile(`${dir}/src/odd\ufffd.txt`, "a real U+FFFD");
    const ctx = await repoIn(dir);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(bundle.formatVersion, 2);
    assertEquals(await namesOf(ctx, bundle), ["café.txt", "odd\ufffd.txt"]);
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 1 });
    assert((await Deno.readTextFile(`${dir}/out/odd\ufffd.txt`)).startsWith("a real"));
  });
});
