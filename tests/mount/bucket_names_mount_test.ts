/**
 * `bundle mount` of a bundle uploaded from a bucket whose names sort differently by code point
 * (the bucket's listing) and by UTF-16 code unit (file lists): every name is listed and read.
 */
import { assertEquals } from "../support/assert.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { freshStoreUrl } from "../support/servers.ts";
import { fuseTest, withMount } from "../support/mount.ts";
import { openStore } from "../../lib/store/open.ts";

fuseTest("a mounted bundle from a bucket reads fullwidth and emoji names alike", async (dir) => {
  // "Ａ" (U+FF21) sorts before an emoji by code point, after it by code unit.
  const names = ["d/x.txt", "d/\uff21.txt", "d/\u{1f600}.txt", "\uff21/a", "\u{1f600}/b"];
  const source = await freshStoreUrl("s3");
  try {
    const store = openStore(source.url);
    for (const name of names) await store.put(name, new TextEncoder().encode(`bytes of ${name}`));
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", source.url, "crossed names");
    const mnt = `${dir}/mnt`;
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      for (const name of names) {
        assertEquals(await Deno.readTextFile(`${mnt}/${name}`), `bytes of ${name}`);
      }
      const listed = [];
      for (const top of await Array.fromAsync(Deno.readDir(mnt))) {
        for await (const below of Deno.readDir(`${mnt}/${top.name}`)) {
          listed.push(`${top.name}/${below.name}`);
        }
      }
      assertEquals(listed.sort(), [...names].sort());
    });
  } finally {
    await source.cleanup();
  }
});
