/**
 * End-to-end purge: what it frees, what it keeps (the bundles of every context sharing the blob
 * store), and its locks against uploads.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import {
  assertSameTree,
  patternBytes,
  untilCacheable,
  withTempDir,
  writeTree,
} from "../support/fixtures.ts";
import { datamon, datamonCommand, datamonOk, datamonWith, upload } from "../support/cli.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";
import { backdate, blobKeys, createContextArgs, lockRecord } from "../support/purge.ts";
import { joinStoreUrl } from "../../lib/store/open.ts";
import { ksuidGenerator } from "../../lib/model/ksuid.ts";

/** Files whose bytes differ from every other test tree's (seeded from `seed`). */
function tree(seed: number, big: number, small: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < big; i++) files[`big/${i}.bin`] = patternBytes(300_000, seed + i);
  for (let i = 0; i < small; i++) files[`small/${i}.txt`] = patternBytes(2000, seed + 1000 + i);
  return files;
}

/** The names in a directory; none when it is not there. */
async function namesIn(path: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(path))).map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** The keys of blobs and packs among `keys`: no lock, no context record, nothing quarantined. */
function blobsOnly(keys: string[]): string[] {
  return keys.filter((key) => !/^(locks|contexts|quarantine)\//.test(key));
}

/** A lock record of a process on another host, last refreshed `ago` ms ago. */
Deno.test("purge during an upload is refused or takes none of its blobs, then quarantines a deleted repo's blobs", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const blob = `${home}/data/blob`;
    await writeTree(`${dir}/old`, tree(1, 4, 20));
    await writeTree(`${dir}/new`, tree(50_000, 40, 300));
    await datamonOk(home, "repo", "create", "--repo", "old");
    await upload(home, "old", `${dir}/old`, "old", "--leaf-size", "64K");
    await datamonOk(home, "repo", "delete", "--repo", "old", "--force-yes");
    await backdate(blob);
    const oldKeys = await blobKeys(blob);
    await datamonOk(home, "repo", "create", "--repo", "new");

    const uploading = datamonCommand(
      home,
      ...["bundle", "upload", "--repo", "new", "--path", `${dir}/new`, "--message", "new"],
      ...["--leaf-size", "64K", "--concurrency-factor", "1", "--no-cache"],
    ).spawn();
    // Purge once the upload has stored blobs of its own, before (or whenever) it commits.
    while ((await blobKeys(blob)).length === oldKeys.length) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // Refused while the upload holds its lock; a purge started late enough runs after it.
    const during = await datamon(home, "purge");
    const upload_ = await uploading.output();
    const uploadErr = new TextDecoder().decode(upload_.stderr);
    assertEquals(upload_.code, 0, uploadErr);
    assert(during.code === 16 || during.code === 0, during.stderr);
    await backdate(blob);
    const purged = await datamon(home, "purge");
    assertEquals(purged.code, 0, purged.stderr);

    // A purge that got in after the upload ended (exit 0) already moved the deleted repo's.
    const deleted = (during.stdout + purged.stdout).trim().split("\n")
      .map((line) => line.split("\t")[0]).sort();
    assertEquals(
      deleted,
      blobsOnly(oldKeys).sort(),
      "every blob and pack of the deleted repo, no other",
    );
    assertMatch(
      during.code === 0 ? during.stderr : purged.stderr,
      /^moved \d+ objects \([\d.]+ [KM]iB\) into quarantine as batch \w+, not needed by any of 1 bundle of 1 context/m,
    );
    await datamonOk(home, "bundle", "download", "--repo", "new", "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/new`, `${dir}/out`);
    assertEquals((await datamon(home, "fsck", "--deep")).code, 0);
  });
});

Deno.test("purge --dry-run moves nothing and reports a pack kept for its live entries with its dead bytes", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const blob = `${home}/data/blob`;
    await writeTree(`${dir}/src`, { "a.txt": "aaaa", "b.txt": "bbbbbbbbbb" });
    await Deno.writeTextFile(`${dir}/only-a`, "a.txt\n");
    await untilCacheable();
    for (const repo of ["one", "two"]) await datamonOk(home, "repo", "create", "--repo", repo);
    await upload(home, "one", `${dir}/src`, "both");
    // The upload cache gives a.txt its location in one's pack: two names that pack too.
    await upload(home, "two", `${dir}/src`, "a only", "--files", `${dir}/only-a`);
    await datamonOk(home, "repo", "delete", "--repo", "one", "--force-yes");
    await backdate(blob);
    const before = await blobKeys(blob);
    const dry = await datamon(home, "purge", "--dry-run", "--json");
    assertEquals(dry.code, 0, dry.stderr);
    const result = JSON.parse(dry.stdout);
    assertEquals(result.dryRun, true);
    assertEquals(result.livePacks, 1);
    assertEquals(result.partlyDeadPacks, 1);
    assertEquals(result.deadPackBytes, 10);
    assertMatch(dry.stderr, /^would move /);
    assertEquals(await blobKeys(blob), before, "nothing deleted");
  });
});

Deno.test("a purge is refused (exit 16), naming the writer, while a writer holds a live lock", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    await Deno.mkdir(`${home}/data/blob/locks/writers`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/data/blob/locks/writers/live.yaml`,
      lockRecord("bundle upload", 1000),
    );
    const refused = await datamon(home, "purge", "--remove-stale-locks");
    assertEquals(refused.code, 16, refused.stderr);
    assertMatch(
      refused.stderr,
      /^datamon: a writer \("bundle upload" on elsewhere, pid 42, since .*\) holds locks\/writers\/live\.yaml in file:.*: wait for it to end \(a live lock cannot be removed\)$/m,
    );
    assertEquals(await namesIn(`${home}/data/blob/locks`), ["writers"], "no purge lock left");
  });
});

Deno.test("a purge is refused (exit 16) while another holds the lock; --remove-stale-locks clears only a stale one", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const lock = `${home}/data/blob/locks/purge.yaml`;
    await Deno.mkdir(`${home}/data/blob/locks`, { recursive: true });
    await Deno.writeTextFile(lock, lockRecord("purge", 1000));
    const refused = await datamon(home, "purge", "--remove-stale-locks");
    assertEquals(refused.code, 16, refused.stderr);
    assertMatch(
      refused.stderr,
      /^datamon: a purge \("purge" on elsewhere, pid 42, since .*\) holds locks\/purge\.yaml in .*: wait for it to end \(a live lock cannot be removed\)$/m,
    );
    assertEquals(refused.stderr.trim().split("\n").length, 1);

    await Deno.writeTextFile(lock, lockRecord("purge", 3 * 3600_000));
    const stale = await datamon(home, "purge");
    assertEquals(stale.code, 16, stale.stderr);
    assertMatch(stale.stderr, /, stale\) holds locks\/purge\.yaml .*pass --remove-stale-locks/);
    const removed = await datamon(home, "purge", "--remove-stale-locks");
    assertEquals(removed.code, 0, removed.stderr);
    assertMatch(removed.stderr, /^removed the stale lock locks\/purge\.yaml of a purge/m);
    assert(!await Deno.stat(lock).then(() => true, () => false), "the lock is released");
  });
});

Deno.test("an upload is refused (exit 16) while a purge holds its lock, and leaves no lock of its own", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    await Deno.mkdir(`${home}/data/blob/locks`, { recursive: true });
    await Deno.writeTextFile(`${home}/data/blob/locks/purge.yaml`, lockRecord("purge", 1000));
    const refused = await datamon(
      home,
      ...["bundle", "upload", "--repo", "r", "--path", `${dir}/src`, "--message", "m2"],
    );
    assertEquals(refused.code, 16, refused.stderr);
    assertMatch(
      refused.stderr,
      /^datamon: a purge \("purge" on elsewhere, pid 42, .*\) holds locks\/purge\.yaml in .*: wait for it to end, then run the command again$/m,
    );
    assertEquals(await namesIn(`${home}/data/blob/locks/writers`), []);
  });
});

Deno.test("a writer's lock not refreshed within DATAMON_LOCK_STALE is reported, blocks no purge, and is removed on request", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    await Deno.mkdir(`${home}/data/blob/locks/writers`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/data/blob/locks/writers/dead.yaml`,
      lockRecord("bundle upload", 5000),
    );
    const env = { DATAMON_LOCK_STALE: "2s" };
    const reported = await datamonWith(home, env, "purge");
    assertEquals(reported.code, 0, reported.stderr);
    assertMatch(
      reported.stderr,
      /^found the stale lock locks\/writers\/dead\.yaml of a writer \("bundle upload" on elsewhere, .*, stale\): remove it with --remove-stale-locks$/m,
    );
    assertEquals((await datamon(home, "purge")).code, 16, "live under the default stale age");
    const removed = await datamonWith(home, env, "purge", "--remove-stale-locks");
    assertEquals(removed.code, 0, removed.stderr);
    assertEquals(await namesIn(`${home}/data/blob/locks/writers`), []);
  });
});

Deno.test("--grace below 1h is refused without --unsafe-grace, and a huge one is an error", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const short = await datamon(home, "purge", "--grace", "0s");
    assertEquals(short.code, 5, short.stderr);
    assertMatch(short.stderr, /^datamon: --grace 0s is below 1h: pass --unsafe-grace too/);
    assertEquals((await datamon(home, "purge", "--grace", "0s", "--unsafe-grace")).code, 0);
    const huge = await datamon(home, "purge", "--grace", "99999999999999999999d");
    assertEquals(huge.code, 5, huge.stderr);
    assertMatch(huge.stderr, /^datamon: --grace "99999999999999999999d" is too long/);
    assertEquals((await datamon(home, "purge", "--grace", "soon")).code, 5);
  });
});

for (const backend of BACKENDS) {
  Deno.test(`${backend}: purge from context A keeps the bundles of context B sharing its blob store`, async () => {
    const { url, cleanup } = await freshStoreUrl(backend);
    try {
      await withTempDir(async (dir) => {
        const home = `${dir}/home`;
        for (const name of ["a", "b"]) {
          await datamonOk(home, ...createContextArgs(name, url, joinStoreUrl(url, "shared")));
          await datamonOk(home, "repo", "create", "--repo", "r", "--context", name);
        }
        await writeTree(`${dir}/src`, tree(7, 2, 10));
        await upload(home, "r", `${dir}/src`, "in b", "--context", "b", "--leaf-size", "64K");
        const purged = await datamon(
          home,
          ...["purge", "--context", "a", "--grace", "0s", "--unsafe-grace"],
        );
        assertEquals(purged.code, 0, purged.stderr);
        assertMatch(purged.stderr, /^moved 0 objects .* of 1 bundle of 2 contexts/m);
        const fsck = await datamon(home, "fsck", "--context", "b", "--deep");
        assertEquals(fsck.code, 0, fsck.stdout + fsck.stderr);
      });
    } finally {
      await cleanup();
    }
  });
}

Deno.test("purge refuses, naming it, a registered context whose metadata store it cannot read", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const shared = `file://${dir}/shared-blob`;
    for (const name of ["a", "b"]) {
      await datamonOk(home, ...createContextArgs(name, `file://${dir}`, shared));
      await datamonOk(home, "repo", "create", "--repo", "r", "--context", name);
    }
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await upload(home, "r", `${dir}/src`, "in b", "--context", "b");
    await Deno.remove(`${dir}/b/metadata`, { recursive: true });
    const before = blobsOnly(await blobKeys(`${dir}/shared-blob`));
    const refused = await datamon(
      home,
      ...["purge", "--context", "a", "--grace", "0s", "--unsafe-grace"],
    );
    assertEquals(refused.code, 8, refused.stderr);
    assertMatch(
      refused.stderr,
      /^datamon: purge stopped before deleting anything: the metadata store of context "b" \(registered in contexts\/\w+\.yaml of file:.*\) holds nothing: make its metadata store .* readable from here/,
    );
    assertEquals(blobsOnly(await blobKeys(`${dir}/shared-blob`)), before, "nothing deleted");
  });
});

Deno.test("purge in a loop against uploads reusing garbage: every upload that exits 0 is fsck --deep clean", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, tree(90_000, 40, 200));
    // The blobs of a deleted repo are garbage that the uploads below find stored and reuse.
    await datamonOk(home, "repo", "create", "--repo", "old");
    await upload(home, "old", `${dir}/src`, "old", "--leaf-size", "64K");
    await datamonOk(home, "repo", "delete", "--repo", "old", "--force-yes");
    await datamonOk(home, "repo", "create", "--repo", "new");
    let uploading = true;
    const uploads = (async () => {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await datamon(
          home,
          ...["bundle", "upload", "--repo", "new", "--path", `${dir}/src`, "--message", `${i}`],
          ...["--leaf-size", "64K", "--no-cache", "--concurrency-factor", "1"],
        );
        assert(r.code === 0 || r.code === 16, r.stderr);
        codes.push(r.code);
      }
      uploading = false;
      return codes;
    })();
    const purgeCodes: number[] = [];
    while (uploading) {
      const r = await datamon(home, "purge", "--grace", "0s", "--unsafe-grace", "--quiet");
      assert(r.code === 0 || r.code === 16, r.stderr);
      purgeCodes.push(r.code);
      // Back-to-back purges can hold the lock whenever an upload starts (a fast start-up made
      // every upload refused); a random pause varies the interleavings and lets uploads in.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
    }
    const codes = await uploads;
    assert(codes.includes(0), `some upload commits: ${codes}`);
    const fsck = await datamon(home, "fsck", "--deep");
    assertEquals(fsck.code, 0, `uploads ${codes}, purges ${purgeCodes}\n${fsck.stdout}`);
    const committed = JSON.parse(
      await datamonOk(home, "bundle", "list", "--repo", "new", "--json"),
    );
    assertEquals(committed.length, codes.filter((code) => code === 0).length);
  });
});

Deno.test("purge removes the file lists of an upload killed before its commit once older than the grace period", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const kept = await upload(home, "r", `${dir}/src`, "kept");
    // What a killed upload leaves: file lists under an id started two days ago, no bundle.yaml.
    // A generator of its own: the process's newKsuid never goes back in time.
    const dead = ksuidGenerator()(new Date(Date.now() - 2 * 24 * 3600 * 1000));
    const deadDir = `${home}/data/metadata/bundles/r/${dead}`;
    await Deno.mkdir(deadDir, { recursive: true });
    await Deno.writeTextFile(`${deadDir}/bundle-files-0.yaml`, "files: []\n");
    const dry = JSON.parse(await datamonOk(home, "purge", "--dry-run", "--json"));
    assertEquals(dry.uncommitted, { directories: 1, objects: 1 });
    const purged = await datamon(home, "purge");
    assertEquals(purged.code, 0, purged.stderr);
    assertMatch(purged.stderr, /^removed 1 uncommitted bundle directory \(1 file list\)/m);
    assertEquals(await namesIn(`${home}/data/metadata/bundles/r`), [kept]);
  });
});
