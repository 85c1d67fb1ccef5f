/** End-to-end purge: what it frees, what it keeps (a concurrent upload's blobs), its lock. */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, patternBytes, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonCommand, datamonOk, upload } from "../support/cli.ts";
import { encodePurgeLock } from "../../lib/model/codec.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";

const TWO_DAYS_AGO = new Date(Date.now() - 2 * 24 * 3600 * 1000);

/** Every object file under a local blob store, as keys. */
async function blobKeys(root: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    if (e.name === ".datamon-tmp") continue;
    const key = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) keys.push(...await blobKeys(root, key));
    else keys.push(key);
  }
  return keys;
}

/** Makes every object of a local store look two days old, as if written long ago. */
async function backdate(root: string): Promise<void> {
  for (const key of await blobKeys(root)) {
    await Deno.utime(`${root}/${key}`, TWO_DAYS_AGO, TWO_DAYS_AGO);
  }
}

/** Files whose bytes differ from every other test tree's (seeded from `seed`). */
function tree(seed: number, big: number, small: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < big; i++) files[`big/${i}.bin`] = patternBytes(300_000, seed + i);
  for (let i = 0; i < small; i++) files[`small/${i}.txt`] = patternBytes(2000, seed + 1000 + i);
  return files;
}

Deno.test("purge frees a deleted repo's blobs and keeps every blob of an upload running at the same time", async () => {
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
    const purged = await datamon(home, "purge");
    const upload_ = await uploading.output();
    const uploadErr = new TextDecoder().decode(upload_.stderr);
    assertEquals(upload_.code, 0, uploadErr);
    assertEquals(purged.code, 0, purged.stderr);

    const deleted = purged.stdout.trim().split("\n").map((line) => line.split("\t")[0]).sort();
    assertEquals(deleted, [...oldKeys].sort(), "every blob and pack of the deleted repo, no other");
    assertMatch(
      purged.stderr,
      /^deleted \d+ objects \([\d.]+ [KM]iB\) not needed by any of [01] bundles?/,
    );
    await datamonOk(home, "bundle", "download", "--repo", "new", "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/new`, `${dir}/out`);
    assertEquals((await datamon(home, "fsck", "--deep")).code, 0);
  });
});

Deno.test("purge --dry-run deletes nothing and reports a pack kept for its live entries with its dead bytes", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const blob = `${home}/data/blob`;
    await writeTree(`${dir}/src`, { "a.txt": "aaaa", "b.txt": "bbbbbbbbbb" });
    await Deno.writeTextFile(`${dir}/only-a`, "a.txt\n");
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
    assertMatch(dry.stderr, /^would delete /);
    assertEquals(await blobKeys(blob), before, "nothing deleted");
  });
});

Deno.test("a purge is refused (exit 16) while another holds the lock; --force-unlock clears a dead one", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const lock = `${home}/data/blob/locks/purge.yaml`;
    await Deno.mkdir(`${home}/data/blob/locks`, { recursive: true });
    await Deno.writeTextFile(
      lock,
      encodePurgeLock({
        id: newKsuid(),
        actor: { name: "Bob", email: "bob@x" },
        host: "elsewhere",
        pid: 42,
      }),
    );
    const refused = await datamon(home, "purge");
    assertEquals(refused.code, 16, refused.stderr);
    assertMatch(
      refused.stderr,
      /^datamon: a purge started .* by Bob <bob@x> on elsewhere \(pid 42\) holds locks\/purge\.yaml .*--force-unlock$/m,
    );
    assertEquals(refused.stderr.trim().split("\n").length, 1);
    const forced = await datamon(home, "purge", "--force-unlock");
    assertEquals(forced.code, 0, forced.stderr);
    assert(!await Deno.stat(lock).then(() => true, () => false), "the lock is released");
    assertEquals((await datamon(home, "purge", "--grace", "soon")).code, 5);
  });
});
