/**
 * The CLI reads a Go datamon context in place (--config on its config store, --context its
 * name) on the local disk, the S3 test server and the GCS emulator: repos, bundles, files and
 * labels are listed, bundles downloaded and mounted byte-exact, diffed and updated, and every
 * write is refused without touching Go's buckets.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { patternBytes, withTempDir } from "../support/fixtures.ts";
import {
  type GoStores,
  openGoStores,
  writeGoContext,
  type WrittenGoContext,
} from "../support/go_fixture.ts";
import { FUSE_MISSING, run, withMount } from "../support/mount.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";
import { joinStoreUrl } from "../../lib/store/open.ts";
import { EXIT_CODES } from "../../lib/errors.ts";
import type { Store } from "../../lib/store/store.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";

/** Small leaves, so that files of a few leaves stay small. */
const LEAF_SIZE = 32 * 1024;
const encoder = new TextEncoder();

/** Writes a Go context "go-ctx" with repo "alpha" (two bundles, labels) under `base`. */
function writeFixture(stores: GoStores): Promise<WrittenGoContext> {
  return writeGoContext(stores, {
    context: "go-ctx",
    leafSize: LEAF_SIZE,
    repos: [{
      name: "alpha",
      bundles: [
        {
          message: "first",
          labels: ["init"],
          files: [
            { name: "z.txt", bytes: encoder.encode("first z\n") },
            { name: "dir/multi.bin", bytes: patternBytes(2 * LEAF_SIZE + 452, 7) },
            { name: "dir/exact.bin", bytes: patternBytes(2 * LEAF_SIZE, 8) },
            { name: "empty", bytes: new Uint8Array(0) },
          ],
        },
        {
          message: "second",
          labels: ["latest"],
          files: [
            { name: "z.txt", bytes: encoder.encode("second z\n") },
            { name: "b.txt", bytes: encoder.encode("b") },
          ],
        },
      ],
    }],
    wal: [{ token: newKsuid(), payload: "older" }, { token: newKsuid(), payload: "newer" }],
  });
}

/** Runs `fn` with a Go context written on `backend`, the flags that select it, and a home. */
async function withGoContext(
  backend: typeof BACKENDS[number],
  fn: (
    go: { flags: string[]; stores: GoStores; written: WrittenGoContext },
    dir: string,
    home: string,
  ) => Promise<void>,
): Promise<void> {
  const { url, cleanup } = await freshStoreUrl(backend);
  try {
    const stores = openGoStores(url);
    const written = await writeFixture(stores);
    const flags = ["--config", joinStoreUrl(url, "config"), "--context", "go-ctx"];
    await withTempDir((dir) => fn({ flags, stores, written }, dir, `${dir}/home`));
  } finally {
    await cleanup();
  }
}

/** Every key of every store, each with its bytes, to show that nothing changed. */
async function snapshot(stores: GoStores): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [role, store] of Object.entries(stores) as [string, Store][]) {
    for await (const entry of store.list("")) {
      if (entry.kind !== "object") continue;
      const bytes = await store.get(entry.key);
      out.set(`${role}/${entry.key}`, Array.from(bytes.slice(0, 64)).join(",") + bytes.length);
    }
  }
  return out;
}

/** The bytes each file of bundle `index` was written with, by name. */
function filesOf(written: WrittenGoContext, index: number): Map<string, Uint8Array> {
  return new Map(written.bundles[index].files.map((f) => [f.entry.name, f.bytes]));
}

/** Checks that `dir` holds exactly `files`, byte for byte. */
async function assertTree(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const found = (await run("find", dir, "-type", "f", "-printf", "%P\\n")).stdout.split("\n")
    .filter((line) => line !== "").sort();
  assertEquals(found, [...files.keys()].sort());
  for (const [name, bytes] of files) {
    assertEquals(await Deno.readFile(`${dir}/${name}`), bytes, name);
  }
}

for (const backend of BACKENDS) {
  Deno.test(`${backend}: a Go datamon context lists its repos, bundles, files, labels and log`, () =>
    withGoContext(backend, async ({ flags, written }, _dir, home) => {
      const [first, second] = written.bundles.map((b) => b.doc.id);
      assertEquals(
        await datamonOk(home, "repo", "list", ...flags, "--format", "{{name}}"),
        "alpha\n",
      );
      const bundles = await datamonOk(
        home,
        "bundle",
        "list",
        "--repo",
        "alpha",
        ...flags,
        "--format",
        "{{id}} {{fileCount}} {{totalSize}} {{message}}",
      );
      assertEquals(
        bundles,
        `${first} 4 ${2 * 2 * LEAF_SIZE + 452 + 8} first\n${second} 2 10 second\n`,
      );
      const files = await datamonOk(
        home,
        "bundle",
        "list",
        "files",
        "--repo",
        "alpha",
        "--label",
        "init",
        ...flags,
        "--format",
        "{{name}} {{size}}",
      );
      assertEquals(
        files,
        `dir/exact.bin ${2 * LEAF_SIZE}\ndir/multi.bin ${2 * LEAF_SIZE + 452}\nempty 0\nz.txt 8\n`,
      );
      const labels = await datamonOk(
        home,
        "label",
        "list",
        "--repo",
        "alpha",
        ...flags,
        "--format",
        "{{name}} {{bundleId}}",
      );
      assertEquals(labels, `init ${first}\nlatest ${second}\n`);
      const label = await datamonOk(
        home,
        "label",
        "get",
        "--repo",
        "alpha",
        "--label",
        "latest",
        ...flags,
        "--json",
      );
      assertEquals(JSON.parse(label).bundle, second);
      const history = await datamonOk(
        home,
        "label",
        "get",
        "--repo",
        "alpha",
        "--label",
        "latest",
        "--history",
        ...flags,
        "--format",
        "{{bundleId}}",
      );
      assertEquals(history, `${second}\n`, "Go's history is object versions: the current label");
      const latest = JSON.parse(
        await datamonOk(home, "bundle", "get", "--repo", "alpha", ...flags, "--json"),
      );
      assertEquals(
        [latest.id, latest.message, latest.fileCount, latest.deduplication],
        [second, "second", 2, "go-blake2b"],
      );
      const log = await datamonOk(
        home,
        "log",
        "--repo",
        "alpha",
        ...flags,
        "--format",
        "{{payload}}",
      );
      assertEquals(log, "newer\nolder\n");
    }));

  Deno.test(`${backend}: a Go datamon bundle downloads byte-exact, then diffs and updates`, () =>
    withGoContext(backend, async ({ flags, written }, dir, home) => {
      const out = `${dir}/out`;
      const select = ["--repo", "alpha", ...flags];
      await datamonOk(
        home,
        "bundle",
        "download",
        ...select,
        "--label",
        "init",
        "--destination",
        out,
      );
      await assertTree(out, filesOf(written, 0));
      const same = await datamon(
        home,
        "bundle",
        "diff",
        ...select,
        "--label",
        "init",
        "--destination",
        out,
      );
      assertEquals(same.code, 0, same.stderr);
      assertMatch(same.stderr, /no differences/);
      const diff = await datamonOk(
        home,
        "bundle",
        "diff",
        ...select,
        "--destination",
        out,
        "--format",
        "{{kind}} {{name}}",
      );
      assertEquals(
        diff,
        "only-in-bundle b.txt\nonly-in-directory dir/exact.bin\nonly-in-directory dir/multi.bin\n" +
          "only-in-directory empty\nchanged z.txt\n",
      );
      await datamonOk(home, "bundle", "update", ...select, "--destination", out);
      await assertTree(out, filesOf(written, 1));
      const one = `${dir}/one`;
      await datamonOk(
        home,
        "bundle",
        "download",
        "file",
        ...select,
        "--bundle",
        written.bundles[0].doc.id,
        "--file",
        "dir/multi.bin",
        "--destination",
        one,
      );
      await assertTree(
        one,
        new Map([["dir/multi.bin", filesOf(written, 0).get("dir/multi.bin")!]]),
      );
    }));

  Deno.test(
    `${backend}: writes to a Go datamon context are refused in one line, its buckets unchanged`,
    () =>
      withGoContext(backend, async ({ flags, stores }, dir, home) => {
        await Deno.mkdir(`${dir}/src`);
        await Deno.writeTextFile(`${dir}/src/f`, "new");
        const before = await snapshot(stores);
        const writes = [
          ["label", "set", "--repo", "alpha", "--label", "x", "--skip-auth"],
          ["repo", "create", "--repo", "new", "--skip-auth"],
          ["repo", "delete", "--repo", "alpha", "--force-yes"],
          ["bundle", "upload", "--repo", "alpha", "--path", `${dir}/src`, "--message", "m"],
        ];
        for (const args of writes) {
          const r = await datamon(home, ...args, ...flags, "--skip-auth");
          assertEquals(r.code, EXIT_CODES["read-only"], `${args.join(" ")}: ${r.stderr}`);
          assertMatch(
            r.stderr,
            /^datamon: context "go-ctx" is a Go datamon context, read in place \(read-only\)[^\n]*\n$/,
          );
        }
        const doctor = await datamon(home, "doctor", ...flags);
        assertMatch(
          doctor.stdout,
          /Go datamon context .*read-only: its stores are not write-probed/,
        );
        assertEquals(await snapshot(stores), before);
      }),
  );
}

Deno.test("local: a Go leaf that does not match its key fails the download and fsck --deep (exit 9)", () =>
  withGoContext("local", async ({ flags, stores, written }, dir, home) => {
    const multi = written.bundles[0].files.find((f) => f.entry.name === "dir/multi.bin")!;
    const leaf = multi.objects.leaves[1];
    const damaged = leaf.bytes.slice();
    damaged[10] ^= 1;
    await stores.blob.put(leaf.key, damaged);
    const r = await datamon(
      home,
      "bundle",
      "download",
      "--repo",
      "alpha",
      "--label",
      "init",
      ...flags,
      "--destination",
      `${dir}/out`,
    );
    assertEquals(r.code, EXIT_CODES.integrity, r.stderr);
    assertMatch(r.stderr, /leaf 1 of file "dir\/multi.bin" does not match its key/);
    const quick = await datamon(home, "fsck", ...flags);
    assertEquals(quick.code, 0, `the quick check finds every object stored: ${quick.stderr}`);
    const deep = await datamon(home, "fsck", "--deep", ...flags, "--format", "{{path}}");
    assertEquals([deep.code, deep.stdout], [EXIT_CODES.integrity, "dir/multi.bin\n"], deep.stderr);
  }));

for (const backend of BACKENDS) {
  Deno.test({
    name: `${backend}: a Go datamon bundle mounts read-only, byte-exact, streamed or downloaded`,
    ignore: FUSE_MISSING,
    fn: () =>
      withGoContext(backend, async ({ flags, written }, dir, home) => {
        for (const stream of ["true", "false"]) {
          const mnt = `${dir}/mnt-${stream}`;
          const args = ["bundle", "mount", "--repo", "alpha", "--label", "init", ...flags];
          await withMount(home, mnt, [...args, "--stream", stream], async () => {
            await assertTree(mnt, filesOf(written, 0));
            const write = await run("sh", "-c", `echo x > ${mnt}/new`);
            assert(write.code !== 0, "a write into the mount must fail");
          });
        }
      }),
  });
}
