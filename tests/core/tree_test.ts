/**
 * Faithful trees on the local store: symlinks kept as links, empty directories kept, special
 * files reported, files changing while read never committed torn, and setuid bits not restored
 * unless asked. Names that are not UTF-8: byte_names_test.ts.
 */
import { assert, assertEquals, assertRejects } from "../support/assert.ts";
import { exists, withTempDir, writeTree } from "../support/fixtures.ts";
import { localContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { updateDirectory } from "../../lib/core/update.ts";
import { diffBundles } from "../../lib/core/diff.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleEntries, bundleTree, getBundle, latestBundle } from "../../lib/meta/bundles.ts";
import { isKind } from "../../lib/errors.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { TreeEntry } from "../../lib/model/types.ts";

async function repoIn(dir: string): Promise<Context> {
  const ctx = localContext(`${dir}/store`);
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  return ctx;
}

async function treeOf(ctx: Context, id: string): Promise<TreeEntry[]> {
  return await Array.fromAsync(bundleTree(ctx, await getBundle(ctx, "r", id)));
}

/** Relative names under root (links and directories included, not followed), sorted. */
async function namesUnder(root: string, prefix = ""): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    names.push(e.isDirectory ? `${name}/` : name);
    if (e.isDirectory) names.push(...await namesUnder(root, name));
  }
  return names.sort();
}

Deno.test("symlinks are stored as links, never followed, and download restores them as links", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    const src = `${dir}/src`;
    await writeTree(src, { "data/a.txt": "alpha", "other/b.txt": "beta" });
    await Deno.symlink("../data/a.txt", `${src}/other/to-a`);
    await Deno.symlink("/nowhere/at/all", `${src}/dangling`);
    await Deno.symlink("data", `${src}/dir-link`);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    const links = (await treeOf(ctx, bundle.id)).filter((e) => "kind" in e && e.kind === "symlink");
    assertEquals(
      links.map((e) => [e.name, "target" in e ? e.target : ""]),
      [["dangling", "/nowhere/at/all"], ["dir-link", "data"], ["other/to-a", "../data/a.txt"]],
    );
    assertEquals(bundle.formatVersion, 3);
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    for (
      const [name, target] of [["other/to-a", "../data/a.txt"], ["dangling", "/nowhere/at/all"]]
    ) {
      assert((await Deno.lstat(`${dir}/out/${name}`)).isSymlink, `${name} is a link`);
      assertEquals(await Deno.readLink(`${dir}/out/${name}`), target);
    }
    assertEquals(await Deno.readLink(`${dir}/out/dir-link`), "data");
    assertEquals(await Deno.readTextFile(`${dir}/out/other/to-a`), "alpha");
  });
});

Deno.test("--follow-symlinks stores what a symlink to a file points to", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "a.txt": "alpha" });
    await Deno.symlink("a.txt", `${dir}/src/link`);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir, { followSymlinks: true }));
    assertEquals(bundle.formatVersion, 2, "regular files only: format 2");
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    assert((await Deno.lstat(`${dir}/out/link`)).isFile);
    assertEquals(await Deno.readTextFile(`${dir}/out/link`), "alpha");
  });
});

Deno.test("an npm tree with .bin links round-trips exactly", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    const src = `${dir}/src`;
    const packages = [
      "esbuild",
      "tsc",
      "eslint",
      "prettier",
      "vite",
      "jest",
      "mocha",
      "nyc",
      "rimraf",
    ];
    const files: Record<string, string> = { "package.json": "{}" };
    for (const p of packages) {
      files[`node_modules/${p}/package.json`] = `{"name": "${p}"}`;
      files[`node_modules/${p}/bin/${p}.js`] = `#!/usr/bin/env node\nconsole.log("${p}")\n`;
    }
    await writeTree(src, files);
    await Deno.mkdir(`${src}/node_modules/.bin`);
    for (const p of packages) {
      await Deno.chmod(`${src}/node_modules/${p}/bin/${p}.js`, 0o755);
      await Deno.symlink(`../${p}/bin/${p}.js`, `${src}/node_modules/.bin/${p}`);
    }
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    assertEquals(await namesUnder(`${dir}/out`), await namesUnder(src));
    for (const p of packages) {
      const link = `node_modules/.bin/${p}`;
      assert((await Deno.lstat(`${dir}/out/${link}`)).isSymlink, `${link} is a link`);
      assertEquals(
        await Deno.readLink(`${dir}/out/${link}`),
        await Deno.readLink(`${src}/${link}`),
      );
      assertEquals(
        await Deno.readTextFile(`${dir}/out/${link}`),
        files[`node_modules/${p}/bin/${p}.js`],
      );
      assertEquals((await Deno.stat(`${dir}/out/${link}`)).mode! & 0o777, 0o755);
    }
  });
});

Deno.test("empty directories are kept with their mode and restored by download", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    const src = `${dir}/src`;
    await writeTree(src, { "a/file.txt": "x" });
    await Deno.mkdir(`${src}/a/empty`, { recursive: true });
    await Deno.mkdir(`${src}/deep/er/est`, { recursive: true });
    await Deno.chmod(`${src}/a/empty`, 0o700);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    const dirs = (await treeOf(ctx, bundle.id)).filter((e) => "kind" in e && e.kind === "dir");
    assertEquals(dirs.map((e) => e.name), ["a/empty/", "deep/er/est/"]);
    assertEquals(dirs[0].mode, 0o700);
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 4 });
    assert((await Deno.stat(`${dir}/out/a/empty`)).isDirectory);
    assertEquals((await Deno.stat(`${dir}/out/a/empty`)).mode! & 0o777, 0o700);
    assert((await Deno.stat(`${dir}/out/deep/er/est`)).isDirectory);
    assertEquals(await namesUnder(`${dir}/out`), await namesUnder(src));
  });
});

Deno.test("readers of blobs see only regular files of a bundle with links and directories", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    await Deno.symlink("f.txt", `${dir}/src/l`);
    await Deno.mkdir(`${dir}/src/e`);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    assertEquals(bundle.fileCount, 3);
    assertEquals((await Array.fromAsync(bundleEntries(ctx, bundle))).map((e) => e.name), ["f.txt"]);
  });
});

Deno.test("update makes links and empty directories match the bundle", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    const src = `${dir}/src`;
    await writeTree(src, { "f.txt": "x" });
    await Deno.symlink("f.txt", `${src}/l`);
    await Deno.mkdir(`${src}/empty`);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    const dest = `${dir}/dest`;
    await writeTree(dest, { "f.txt": "x" });
    await Deno.symlink("elsewhere", `${dest}/l`);
    await Deno.symlink("f.txt", `${dest}/extra-link`);
    await Deno.mkdir(`${dest}/extra-empty`);
    const result = await updateDirectory(ctx, bundle, { destination: dest, concurrency: 4 });
    assertEquals(result, { added: 1, deleted: 2, updated: 1 });
    assertEquals(await Deno.readLink(`${dest}/l`), "f.txt");
    assertEquals(await namesUnder(dest), ["empty/", "f.txt", "l"]);
    const again = await updateDirectory(ctx, bundle, { destination: dest, concurrency: 4 });
    assertEquals(again, { added: 0, deleted: 0, updated: 0 });
  });
});

Deno.test("update never follows a symlinked directory inside the destination", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "keep.txt": "k" });
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await writeTree(`${dir}/outside`, { "precious.txt": "p" });
    await writeTree(`${dir}/dest`, { "keep.txt": "k" });
    await Deno.symlink(`${dir}/outside`, `${dir}/dest/sub`);
    await updateDirectory(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4 });
    assertEquals(await Deno.readTextFile(`${dir}/outside/precious.txt`), "p");
    assert(!await exists(`${dir}/dest/sub`), "the link itself is removed");
  });
});

Deno.test("download never writes through a symlink inside the destination", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "sub/f.txt": "new" });
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await Deno.mkdir(`${dir}/outside`);
    await Deno.mkdir(`${dir}/dest`);
    await Deno.symlink(`${dir}/outside`, `${dir}/dest/sub`);
    const e = await assertRejects(() =>
      downloadBundle(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4, force: true })
    );
    assert(isKind(e, "bad-path"), String(e));
    assert((e as Error).message.includes("symlink"), (e as Error).message);
    assert(!await exists(`${dir}/outside/f.txt`), "nothing written outside the destination");
  });
});

Deno.test("diff between bundles shows a changed link target and a new empty directory", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "a": "a", "b": "b" });
    await Deno.symlink("a", `${dir}/src/l`);
    const first = (await uploadBundle(ctx, uploadOptions(dir))).bundle;
    await Deno.remove(`${dir}/src/l`);
    await Deno.symlink("b", `${dir}/src/l`);
    await Deno.mkdir(`${dir}/src/new`);
    const second = (await uploadBundle(ctx, uploadOptions(dir))).bundle;
    const changes = await Array.fromAsync(diffBundles(ctx, first, second));
    assertEquals(changes.map((c) => [c.kind, c.name]), [["U", "l"], ["A", "new/"]]);
  });
});

Deno.test("a FIFO is skipped with a reason and listed among the skipped", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    const made = await new Deno.Command("mkfifo", { args: [`${dir}/src/pipe`] }).output();
    assertEquals(made.code, 0);
    const warned: string[] = [];
    const result = await uploadBundle(
      ctx,
      uploadOptions(dir, { onSkip: (s) => warned.push(`${s.name}: ${s.reason}`) }),
    );
    assertEquals(result.skipped.map((s) => s.name), ["pipe"]);
    assertEquals(warned, ["pipe: a FIFO: special files are not kept"]);
    assertEquals(result.bundle.fileCount, 1);
  });
});

Deno.test("setuid and setgid bits are restored only when asked", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "tool": "#!/bin/sh\n" });
    await Deno.chmod(`${dir}/src/tool`, 0o6755);
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await downloadBundle(ctx, bundle, { destination: `${dir}/plain`, concurrency: 1 });
    assertEquals((await Deno.stat(`${dir}/plain/tool`)).mode! & 0o7777, 0o755);
    await downloadBundle(ctx, bundle, {
      destination: `${dir}/kept`,
      concurrency: 1,
      keepSetid: true,
    });
    assertEquals((await Deno.stat(`${dir}/kept/tool`)).mode! & 0o7777, 0o6755);
  });
});

Deno.test("packed files come down whole with their modes and times, into a fresh destination and over old files", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    const files = { "a/run.sh": "#!/bin/sh\n", "a/secret": "s", "b/tool": "t", "c": "c" };
    await writeTree(`${dir}/src`, files);
    const modes: Record<string, number> = {
      "a/run.sh": 0o755,
      "a/secret": 0o600,
      "b/tool": 0o6755,
      "c": 0o644,
    };
    const mtime = new Date("2021-02-03T04:05:06.789Z");
    for (const [name, mode] of Object.entries(modes)) {
      await Deno.chmod(`${dir}/src/${name}`, mode);
      await Deno.utime(`${dir}/src/${name}`, mtime, mtime);
    }
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    // Into a fresh destination (made unnamed and linked), then again over the same files.
    for (const force of [false, true]) {
      await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 2, force });
      assertEquals(await namesUnder(`${dir}/out`), [
        "a/",
        "a/run.sh",
        "a/secret",
        "b/",
        "b/tool",
        "c",
      ]);
      for (const [name, mode] of Object.entries(modes)) {
        const info = await Deno.stat(`${dir}/out/${name}`);
        assertEquals(info.mode! & 0o7777, mode & 0o1777, name);
        assertEquals(info.mtime, mtime, name);
        assertEquals(
          await Deno.readTextFile(`${dir}/out/${name}`),
          files[name as keyof typeof files],
        );
      }
    }
  });
});

/** Upload options whose progress hook rewrites `file` while it is read, `times` times. */
function rewriteWhileRead(dir: string, file: string, times: number) {
  let rewrites = 0;
  return uploadOptions(dir, {
    onProgress: ({ bytes }) => {
      if (bytes === 0 || rewrites >= times) return;
      rewrites++;
      // A shorter file of other bytes, as a writer truncating and rewriting it in place would.
      Deno.writeFileSync(file, new Uint8Array(100_000 + rewrites).fill(rewrites));
    },
    leafSize: 65536,
  });
}

Deno.test("a file rewritten while read is read again and committed whole", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "big.bin": 400_000 });
    const { bundle } = await uploadBundle(ctx, rewriteWhileRead(dir, `${dir}/src/big.bin`, 1));
    await downloadBundle(ctx, bundle, { destination: `${dir}/out`, concurrency: 1 });
    const got = await Deno.readFile(`${dir}/out/big.bin`);
    assertEquals(got.length, 100_001);
    assert(got.every((b) => b === 1), "the second version, whole");
  });
});

Deno.test("a file that changes at every read fails the upload, naming it; no bundle is committed", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "big.bin": 400_000 });
    const e = await assertRejects(() =>
      uploadBundle(ctx, rewriteWhileRead(dir, `${dir}/src/big.bin`, 10))
    );
    assert(isKind(e, "bad-path"), String(e));
    assert((e as Error).message.includes("big.bin changed while it was read"), String(e));
    const none = await assertRejects(() => latestBundle(ctx, "r"));
    assert(isKind(none, "not-found"), String(none));
  });
});

Deno.test("a file that changes at every read is skipped with skipOnError", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await writeTree(`${dir}/src`, { "big.bin": 400_000, "other.txt": "o" });
    const options = rewriteWhileRead(dir, `${dir}/src/big.bin`, 10);
    const result = await uploadBundle(ctx, { ...options, skipOnError: true });
    assertEquals(result.skipped.map((s) => s.name), ["big.bin"]);
    assertEquals(result.bundle.fileCount, 1);
  });
});

Deno.test("update keeps the bundle's empty directory where it deletes the last local file", async () => {
  await withTempDir(async (dir) => {
    const ctx = await repoIn(dir);
    await Deno.mkdir(`${dir}/src/a`, { recursive: true });
    await writeTree(`${dir}/src`, { "f.txt": "x" });
    const { bundle } = await uploadBundle(ctx, uploadOptions(dir));
    await writeTree(`${dir}/dest`, { "f.txt": "x", "a/local.txt": "l" });
    await updateDirectory(ctx, bundle, { destination: `${dir}/dest`, concurrency: 4 });
    assertEquals(await namesUnder(`${dir}/dest`), ["a/", "f.txt"]);
  });
});
