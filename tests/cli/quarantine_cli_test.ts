/**
 * Purge's two phases end to end: a wrong purge (a context that unregistered itself) only moves
 * the other context's objects into quarantine, where reads and fsck find them, `purge restore`,
 * `fsck --repair` and the next purge that sees the context bring them back, and only a purge
 * after the quarantine period deletes them.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { assertSameTree, patternBytes, withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { backdate, blobKeys, createContextArgs, lockRecord } from "../support/purge.ts";
import { backendTest } from "../support/backends.ts";

/** Contexts "a" and "b" sharing one blob store; b has a bundle in repo "r". */
async function sharedContexts(dir: string): Promise<{ home: string; blob: string }> {
  const home = `${dir}/home`;
  const blob = `${dir}/shared-blob`;
  for (const name of ["a", "b"]) {
    await datamonOk(home, ...createContextArgs(name, `file://${dir}`, `file://${blob}`));
    await datamonOk(home, "repo", "create", "--repo", "r", "--context", name);
  }
  const files: Record<string, Uint8Array> = { "small.txt": patternBytes(300, 1) };
  for (let i = 0; i < 3; i++) files[`big/${i}.bin`] = patternBytes(150_000, 10 + i);
  await writeTree(`${dir}/src`, files);
  await upload(home, "r", `${dir}/src`, "in b", "--context", "b", "--leaf-size", "64K");
  return { home, blob };
}

/**
 * The mistake: b's record in the blob store is removed, so a purge from a sees no bundle of
 * b and moves every object of b into quarantine. Returns the purge's batch id.
 */
async function wrongPurge(home: string, blob: string): Promise<string> {
  for (const key of await blobKeys(blob)) {
    if (key.startsWith("contexts/")) await Deno.remove(`${blob}/${key}`);
  }
  await backdate(blob);
  const purged = await datamon(home, "purge", "--context", "a", "--json");
  assertEquals(purged.code, 0, purged.stderr);
  const result = JSON.parse(purged.stdout);
  assert(result.quarantined > 0, "the wrong purge moved b's objects");
  return result.batch;
}

/** The keys of blobs and packs of a local blob store (nothing quarantined, no record). */
async function storedBlobs(blob: string): Promise<string[]> {
  return (await blobKeys(blob)).filter((key) => !/^(locks|contexts|quarantine)\//.test(key))
    .sort();
}

Deno.test("a wrong purge only quarantines: download and fsck name the purge, and purge restore brings every object back", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    const before = await storedBlobs(blob);
    const id = await wrongPurge(home, blob);
    assertEquals(await storedBlobs(blob), [], "every object of b left its key");

    const download = await datamon(
      home,
      ...["bundle", "download", "--repo", "r", "--context", "b", "--destination", `${dir}/out`],
    );
    assertEquals(download.code, 9, download.stderr);
    assertMatch(
      download.stderr,
      new RegExp(`purge ${id} moved it into quarantine: run "datamon purge restore --purge ${id}"`),
    );
    const deep = await datamon(home, "fsck", "--context", "b", "--deep");
    assertEquals(deep.code, 9, deep.stderr);
    assertMatch(
      deep.stdout,
      new RegExp(`is quarantined by purge ${id}: run "datamon fsck --repair"`),
    );
    const fsck = await datamon(home, "fsck", "--context", "b");
    assertEquals(fsck.code, 9, fsck.stderr);
    assertMatch(
      fsck.stdout,
      new RegExp(`is quarantined by purge ${id}: run "datamon fsck --repair"`),
    );
    assertMatch(
      fsck.stderr,
      /name objects a purge holds in quarantine: run "datamon fsck --repair"/,
    );

    const listing = JSON.parse(await datamonOk(home, "purge", "list", "--context", "a", "--json"));
    assertEquals(listing.length, 1);
    assertEquals(listing[0].id, id);
    assertEquals(listing[0].objects, before.length);
    assertEquals(listing[0].whole, true);

    const dry = JSON.parse(
      await datamonOk(home, "purge", "restore", "--context", "a", "--dry-run", "--json"),
    );
    assertEquals(dry, {
      schemaVersion: 1,
      dryRun: true,
      batches: 1,
      objects: before.length,
      bytes: dry.bytes,
    });
    assertEquals(await storedBlobs(blob), [], "a dry run restores nothing");
    const restored = await datamon(home, "purge", "restore", "--context", "a", "--purge", id);
    assertEquals(restored.code, 0, restored.stderr);
    assertMatch(
      restored.stderr,
      new RegExp(`^restored ${before.length} objects .* of 1 quarantine batch`, "m"),
    );
    assertEquals(await storedBlobs(blob), before);
    assertEquals((await datamon(home, "fsck", "--context", "b", "--deep")).code, 0);
    const again = ["bundle", "download", "--repo", "r", "--context", "b"];
    await datamonOk(home, ...again, "--destination", `${dir}/out2`);
    await assertSameTree(`${dir}/src`, `${dir}/out2`);
    assertEquals((await blobKeys(blob)).filter((key) => key.startsWith("quarantine/")), []);
  });
});

Deno.test("fsck --repair moves back exactly the quarantined objects it finds and says so", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    const before = await storedBlobs(blob);
    await wrongPurge(home, blob);
    const repaired = await datamon(home, "fsck", "--context", "b", "--repair");
    assertEquals(repaired.code, 0, repaired.stderr);
    assertMatch(repaired.stdout, /quarantined by purge \w+: restored/);
    // One pass is enough: a restored root object's leaves are looked for and restored too.
    assertMatch(
      repaired.stderr,
      new RegExp(
        `^restored ${before.length} objects from quarantine: 4 damaged files are whole`,
        "m",
      ),
    );
    assertMatch(repaired.stderr, /: no damage left/);
    assertEquals(await storedBlobs(blob), before);
    assertEquals((await datamon(home, "fsck", "--context", "b", "--deep")).code, 0);
  });
});

Deno.test("fsck --deep --repair finds the quarantined leaves behind a restored root object in the same pass", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    const before = await storedBlobs(blob);
    await wrongPurge(home, blob);
    const repaired = await datamon(home, "fsck", "--context", "b", "--deep", "--repair");
    assertEquals(repaired.code, 0, repaired.stderr);
    assertMatch(repaired.stdout, /big\/0\.bin.*quarantined by purge \w+: restored \(4 objects\)/);
    assertEquals(await storedBlobs(blob), before);
    const again = ["bundle", "download", "--repo", "r", "--context", "b"];
    await datamonOk(home, ...again, "--destination", `${dir}/out`);
    await assertSameTree(`${dir}/src`, `${dir}/out`);
  });
});

Deno.test("the next purge that sees a context again restores its quarantined objects, and only a purge past --quarantine deletes a batch", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    const before = await storedBlobs(blob);
    await wrongPurge(home, blob);
    // b registers itself again with its next purge (or upload), and its bundle is marked.
    const healed = await datamon(home, "purge", "--context", "b", "--json");
    assertEquals(healed.code, 0, healed.stderr);
    assertEquals(JSON.parse(healed.stdout).quarantine.restored, before.length);
    assertEquals(await storedBlobs(blob), before);
    assertEquals((await datamon(home, "fsck", "--context", "b", "--deep")).code, 0);

    // Garbage of its own: a deleted repo's objects, quarantined, then deleted for good.
    await datamonOk(home, "repo", "delete", "--repo", "r", "--context", "b", "--force-yes");
    await backdate(blob);
    await datamonOk(home, "purge", "--context", "b");
    assertEquals(await storedBlobs(blob), []);
    const refused = await datamon(home, "purge", "--context", "b", "--quarantine", "0s");
    assertEquals(refused.code, 5, refused.stderr);
    assertMatch(refused.stderr, /--quarantine 0s .* pass --unsafe-quarantine too/);
    const kept = JSON.parse(await datamonOk(home, "purge", "--context", "b", "--json"));
    assertEquals(kept.quarantine.expired.objects, 0, "younger than the 7d default: kept");
    const expired = await datamon(
      home,
      ...["purge", "--context", "b", "--quarantine", "0s", "--unsafe-quarantine"],
    );
    assertEquals(expired.code, 0, expired.stderr);
    assertMatch(
      expired.stderr,
      new RegExp(`^deleted ${before.length} quarantined objects .* for good`, "m"),
    );
    assertEquals((await blobKeys(blob)).filter((key) => key.startsWith("quarantine/")), []);
    assertMatch(
      (await datamon(home, "purge", "list", "--context", "b")).stderr,
      /the quarantine is empty/,
    );
  });
});

Deno.test("purge restore and fsck --repair are refused (exit 16) while a purge holds its lock", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    await wrongPurge(home, blob);
    await Deno.mkdir(`${blob}/locks`, { recursive: true });
    await Deno.writeTextFile(`${blob}/locks/purge.yaml`, lockRecord("purge", 1000));
    for (const command of [["purge", "restore"], ["fsck", "--repair"]]) {
      const refused = await datamon(home, ...command, "--context", "b");
      assertEquals(refused.code, 16, refused.stderr);
      assertMatch(refused.stderr, /a purge \("purge" on elsewhere, pid 42/);
      assertEquals(await storedBlobs(blob), [], "nothing restored");
    }
  });
});

Deno.test("purge restore and fsck --repair run while an upload holds its lock: they only add", async () => {
  await withTempDir(async (dir) => {
    const { home, blob } = await sharedContexts(dir);
    const before = await storedBlobs(blob);
    const id = await wrongPurge(home, blob);
    await Deno.mkdir(`${blob}/locks/writers`, { recursive: true });
    await Deno.writeTextFile(`${blob}/locks/writers/live.yaml`, lockRecord("bundle upload", 1000));
    const repaired = await datamon(home, "fsck", "--context", "b", "--repair");
    assertEquals(repaired.code, 0, repaired.stderr);
    const restored = await datamon(home, "purge", "restore", "--context", "a", "--purge", id);
    assertEquals(restored.code, 0, restored.stderr);
    assertEquals(await storedBlobs(blob), before);
    assertEquals(await blobKeys(`${blob}/locks/writers`), ["live.yaml"], "only the upload's lock");
  });
});

backendTest(
  "purge quarantines a deleted repo's objects, purge list shows the batch, and purge restore brings them back",
  async (dir, home) => {
    await writeTree(`${dir}/src`, { "a.txt": "aaaa", "big.bin": patternBytes(150_000, 3) });
    await datamonOk(home, "repo", "create", "--repo", "gone");
    await upload(home, "gone", `${dir}/src`, "g", "--leaf-size", "64K");
    await datamonOk(home, "repo", "delete", "--repo", "gone", "--force-yes");
    const noGrace = ["--grace", "0s", "--unsafe-grace"];
    const dry = JSON.parse(await datamonOk(home, "purge", "--dry-run", ...noGrace, "--json"));
    assert(dry.quarantined > 0, "the deleted repo left garbage");
    const purged = JSON.parse(await datamonOk(home, "purge", ...noGrace, "--json"));
    assertEquals(purged.quarantined, dry.quarantined);
    const listing = JSON.parse(await datamonOk(home, "purge", "list", "--json"));
    assertEquals(listing.map((b: { id: string }) => b.id), [purged.batch]);
    assertEquals(listing[0].objects, purged.quarantined);
    const restored = JSON.parse(await datamonOk(home, "purge", "restore", "--json"));
    assertEquals(restored.objects, purged.quarantined);
    assertEquals(JSON.parse(await datamonOk(home, "purge", "list", "--json")), []);
    const again = JSON.parse(await datamonOk(home, "purge", "--dry-run", ...noGrace, "--json"));
    assertEquals(again.quarantined, dry.quarantined, "every object is back at its key");
  },
);
