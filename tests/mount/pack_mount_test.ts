/**
 * Small packed files through `bundle mount`: a walk in name order is served from a few pack
 * windows, not a request per file; a corrupt file of a window still gives EIO while its
 * neighbours read back; and what one mount loads ahead never shows in another bundle's mount.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamonCommand, datamonOk, upload } from "../support/cli.ts";
import { clearMount, fuseTest, isMounted, run, withMount } from "../support/mount.ts";

const FILES = 200;
const name = (i: number) => `d/f${String(i).padStart(3, "0")}`;

/** FILES files of 4 KiB, each filled with `fill` + its number, under `dir`. */
function smallFiles(fill: number): Record<string, Uint8Array> {
  const tree: Record<string, Uint8Array> = {};
  for (let i = 0; i < FILES; i++) tree[name(i)] = new Uint8Array(4096).fill((fill + i) % 256);
  return tree;
}

/** A home whose repo "r" holds a bundle of smallFiles(fill) uploaded from `dir`/src. */
async function uploadedSmallFiles(dir: string, fill: number): Promise<string> {
  const home = `${dir}/home`;
  await writeTree(`${dir}/src`, smallFiles(fill));
  await datamonOk(home, "repo", "create", "--repo", "r");
  await upload(home, "r", `${dir}/src`, "m");
  return home;
}

/** Mounts repo "r" in the foreground with -vv, runs `fn`, unmounts; returns its request log. */
async function withLoggedMount(home: string, mnt: string, fn: () => Promise<void>) {
  await Deno.mkdir(mnt, { recursive: true });
  const child = datamonCommand(home, "bundle", "mount", "--repo", "r", "--mount", mnt, "-vv")
    .spawn();
  // Read as it comes, so a full pipe never stalls the mount.
  const log = new Response(child.stderr).text();
  try {
    let exited = false;
    child.status.then(() => (exited = true));
    while (!await isMounted(mnt)) {
      if (exited) throw new Error(`the mount ended before mounting: ${await log}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await fn();
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await clearMount(mnt);
  }
  return await log;
}

fuseTest(
  "reading a pack's small files in name order makes a few pack requests, not one per file",
  async (dir) => {
    const home = await uploadedSmallFiles(dir, 1);
    const mnt = `${dir}/mnt`;
    const expected = smallFiles(1);
    const log = await withLoggedMount(home, mnt, async () => {
      for (let i = 0; i < FILES; i++) {
        const got = await Deno.readFile(`${mnt}/${name(i)}`);
        assertEquals(got, expected[name(i)], name(i));
      }
    });
    const packReads = log.split("\n").filter((line) => /getRange .*packs\//.test(line));
    assert(packReads.length > 0, `pack reads are logged:\n${log}`);
    assert(packReads.length <= 3, `${packReads.length} pack requests for ${FILES} files`);
  },
);

fuseTest(
  "a corrupt file among a window's neighbours gives EIO each time; they read back",
  async (dir) => {
    const home = await uploadedSmallFiles(dir, 7);
    const listed = JSON.parse(
      await datamonOk(home, "bundle", "list", "files", "--repo", "r", "--json"),
    ) as Array<{ name: string; pack: { id: string; offset: number } }>;
    const bad = name(100);
    const { pack } = listed.find((e) => e.name === bad)!;
    const blob = `${home}/data/blob/packs/${pack.id}`;
    const stored = await Deno.readFile(blob);
    stored[pack.offset + 10] ^= 0xff;
    await Deno.chmod(blob, 0o644);
    await Deno.writeFile(blob, stored);
    const expected = smallFiles(7);
    const mnt = `${dir}/mnt`;
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      for (let i = 0; i < FILES; i++) {
        const got = await run("cat", `${mnt}/${name(i)}`);
        if (name(i) === bad) {
          assert(got.code !== 0, "cat of the corrupt file fails");
          assertMatch(got.stderr, /Input\/output error/);
          continue;
        }
        assertEquals(got.code, 0, `${name(i)}: ${got.stderr}`);
      }
      for (const i of [99, 101]) {
        assertEquals(await Deno.readFile(`${mnt}/${name(i)}`), expected[name(i)]);
      }
      assert((await run("cat", `${mnt}/${bad}`)).code !== 0, "the corrupt file fails again");
    });
  },
);

fuseTest(
  "two bundles of one repo with the same names, mounted at once, each read their own bytes",
  async (dir) => {
    const home = await uploadedSmallFiles(dir, 1);
    await writeTree(`${dir}/src2`, smallFiles(128));
    const second = await upload(home, "r", `${dir}/src2`, "m2");
    const first = (JSON.parse(
      await datamonOk(home, "bundle", "list", "--repo", "r", "--json"),
    ) as Array<{ id: string }>).map((b) => b.id).find((id) => id !== second)!;
    const [a, b] = [smallFiles(1), smallFiles(128)];
    const mount = (id: string) => ["bundle", "mount", "--repo", "r", "--bundle", id];
    await withMount(home, `${dir}/mnt-a`, mount(first), async () => {
      await withMount(home, `${dir}/mnt-b`, mount(second), async () => {
        for (let i = 0; i < FILES; i++) {
          assertEquals(await Deno.readFile(`${dir}/mnt-a/${name(i)}`), a[name(i)], name(i));
          assertEquals(await Deno.readFile(`${dir}/mnt-b/${name(i)}`), b[name(i)], name(i));
        }
      });
    });
  },
);
