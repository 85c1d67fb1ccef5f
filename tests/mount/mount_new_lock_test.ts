/**
 * `bundle mount new` in the garbage collection protocol: refused while a purge holds its lock,
 * and its commit is a writer that takes a lock (so one that meets a purge commits nothing).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { listTree } from "../support/fixtures.ts";
import { clearMount, fuseTest, isMounted } from "../support/mount.ts";

/** Puts a live purge lock of another host into the home's local blob store. */
async function holdPurgeLock(home: string): Promise<string> {
  const locks = `${home}/data/blob/locks`;
  const now = new Date().toISOString();
  await Deno.mkdir(locks, { recursive: true });
  await Deno.writeTextFile(
    `${locks}/purge.yaml`,
    `host: elsewhere\npid: 42\ncommand: purge\ntime: ${now}\nrefreshed: ${now}\n`,
  );
  return `${locks}/purge.yaml`;
}

function mountNew(home: string, mnt: string) {
  return datamon(
    home,
    ...["bundle", "mount", "new", "--repo", "r", "--mount", mnt, "--message", "m"],
    "--daemonize",
  );
}

fuseTest(
  "a mutable mount is refused (exit 16) while a purge holds its lock, before mounting",
  async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    await holdPurgeLock(home);
    try {
      const r = await mountNew(home, mnt);
      assertEquals(r.code, 16, r.stderr);
      assertMatch(
        r.stderr,
        /^datamon: a purge \("purge" on elsewhere, pid 42.* holds locks\/purge\.yaml/,
      );
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(!await isMounted(mnt), "nothing mounted");
      assertEquals(await listTree(`${home}/staging`).catch(() => []), [], "nothing staged");
    } finally {
      await clearMount(mnt);
    }
  },
);

fuseTest(
  "a mutable mount's commit takes a writer's lock: with a purge running it commits nothing and keeps the files",
  async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    try {
      const mounted = await mountNew(home, mnt);
      assertEquals(mounted.code, 0, mounted.stderr);
      await Deno.writeTextFile(`${mnt}/kept.txt`, "keep me");
      const lock = await holdPurgeLock(home);
      const r = await datamon(home, "bundle", "unmount", mnt);
      assertEquals(r.code, 16, r.stderr);
      assertMatch(r.stderr, /holds locks\/purge\.yaml/);
      const match = /kept in (\S+): retry with datamon bundle upload --repo r --path (\S+)/
        .exec(r.stderr);
      assert(match, r.stderr);
      assertEquals(await Deno.readTextFile(`${match[1]}/kept.txt`), "keep me");
      const bundles = JSON.parse(await datamonOk(home, "bundle", "list", "--repo", "r", "--json"));
      assertEquals(bundles, [], "no bundle committed");
      await Deno.remove(lock);
      await datamonOk(
        home,
        "bundle",
        "upload",
        "--repo",
        "r",
        "--path",
        match[2],
        "--message",
        "m",
      );
    } finally {
      await clearMount(mnt);
    }
  },
);
