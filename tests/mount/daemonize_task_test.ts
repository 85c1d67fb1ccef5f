/** `bundle mount --daemonize` through `deno task datamon` when `deno` on PATH is a symlink. */
import { assertEquals } from "../support/assert.ts";
import { writeTree } from "../support/fixtures.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { clearMount, fuseTest } from "../support/mount.ts";
import { datamonTask } from "../support/task.ts";

fuseTest(
  "--daemonize works when deno on PATH is a symlink to the real binary (deno from npm)",
  async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "through the task\n" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    // As npm installs it: node_modules/.bin/deno links to the binary, whose path differs.
    await Deno.mkdir(`${dir}/bin`);
    await Deno.symlink(Deno.execPath(), `${dir}/bin/deno`);
    const env = { PATH: `${dir}/bin:${Deno.env.get("PATH") ?? ""}` };
    await Deno.mkdir(`${dir}/mnt`);
    const mount = await datamonTask(dir, home, env, ...[
      "bundle",
      "mount",
      "--repo",
      "r",
      "--mount",
      "mnt",
      "--daemonize",
    ]);
    try {
      assertEquals(mount.code, 0, mount.stderr);
      assertEquals(await Deno.readTextFile(`${dir}/mnt/a.txt`), "through the task\n");
    } finally {
      const unmount = await datamonTask(dir, home, env, "bundle", "unmount", "mnt");
      if (unmount.code !== 0) await clearMount(`${dir}/mnt`);
    }
  },
);
