/**
 * `bundle mount` serves names that are not UTF-8 by their exact bytes (readdir and lookup);
 * `bundle mount new` stages and commits them exactly.
 */
import { assertEquals } from "../support/assert.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";
import { clearMount, fuseTest, run, withMount } from "../support/mount.ts";

fuseTest(
  "a mounted bundle lists, opens and reads links of non-UTF-8 names by their bytes",
  async (dir) => {
    await Deno.mkdir(`${dir}/src`);
    const made = await run(
      "bash",
      "-c",
      `cd "$1" && n() { printf "$1"; }
printf latin1 > "$(n 'caf\\xe9.txt')"; printf u > café.txt
mkdir -p "$(n '\\xff\\xfe')/dir" "$(n 'empty\\xe9')"; printf deep > "$(n '\\xff\\xfe')/dir/x"
ln -s "$(n 'caf\\xe9.txt')" "$(n 'link\\xe9')"`,
      "bash",
      `${dir}/src`,
    );
    assertEquals(made.code, 0, made.stderr);
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const mnt = `${dir}/mnt`;
    await withMount(home, mnt, ["bundle", "mount", "--repo", "r"], async () => {
      const same = await run(
        "bash",
        "-c",
        `LC_ALL=C diff -r --no-dereference "$1/src" "$1/mnt"`,
        "bash",
        dir,
      );
      assertEquals([same.code, same.stdout, same.stderr], [0, "", ""]);
      const read = await run("bash", "-c", `cat "$1/$(printf '\\xff\\xfe')/dir/x"`, "bash", mnt);
      assertEquals(read.stdout, "deep");
    });
  },
);

fuseTest(
  "a mutable mount creates, writes, renames and commits non-UTF-8 names by their bytes",
  async (dir) => {
    const home = `${dir}/home`;
    await datamonOk(home, "repo", "create", "--repo", "r");
    const shape = `set -e; cd "$1"; n() { printf "$1"; }
mkdir -p "$(n '\\xff\\xfe')/dir"; printf deep > "$(n '\\xff\\xfe')/dir/x"
printf 'to be truncated' > "$(n 'tmp\\xe9')"; truncate -s 5 "$(n 'tmp\\xe9')"
mv "$(n 'tmp\\xe9')" "$(n 'caf\\xe9.txt')"; printf u > café.txt; printf more >> café.txt`;
    const mnt = `${dir}/mnt`;
    await Deno.mkdir(mnt);
    await Deno.mkdir(`${dir}/local`);
    try {
      await datamonOk(
        home,
        "bundle",
        "mount",
        "new",
        "--repo",
        "r",
        "--mount",
        mnt,
        "--message",
        "m",
        "--daemonize",
      );
      const shaped = await run("bash", "-c", shape, "bash", mnt);
      assertEquals(shaped.code, 0, shaped.stderr);
      const unmounted = await datamon(home, "bundle", "unmount", mnt);
      assertEquals(unmounted.code, 0, unmounted.stderr);
      assertEquals((await run("bash", "-c", shape, "bash", `${dir}/local`)).code, 0);
      await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/out`);
      const same = await run("bash", "-c", `LC_ALL=C diff -r "$1/local" "$1/out"`, "bash", dir);
      assertEquals([same.code, same.stdout, same.stderr], [0, "", ""]);
    } finally {
      await clearMount(mnt);
    }
  },
);
