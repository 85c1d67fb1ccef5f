/**
 * End-to-end: local changes are never lost silently. Dry runs of `bundle update` and
 * `bundle download --force-dest` change nothing, and the real update names what it deletes.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { exists, withTempDir, writeTree } from "../support/fixtures.ts";
import {
  CLI_PERMISSIONS,
  datamon,
  datamonCommand,
  datamonOk,
  program,
  upload,
} from "../support/cli.ts";

/**
 * Every name under `root` (links not followed) with its kind, mtime, and bytes or link target:
 * two snapshots are equal only if nothing was written, touched or removed.
 */
async function snapshot(root: string, prefix = ""): Promise<string[]> {
  const lines: string[] = [];
  for await (const e of Deno.readDir(prefix ? `${root}/${prefix}` : root)) {
    const name = prefix ? `${prefix}/${e.name}` : e.name;
    const path = `${root}/${name}`;
    const info = await Deno.lstat(path);
    const what = e.isSymlink
      ? `-> ${await Deno.readLink(path)}`
      : e.isDirectory
      ? "dir"
      : await Deno.readTextFile(path);
    lines.push(`${name} ${info.mode} ${info.mtime?.getTime()} ${what}`);
    if (e.isDirectory) lines.push(...await snapshot(root, name));
  }
  return lines.sort();
}

/** A repo "r" whose latest bundle holds keep, change (new bytes) and new.txt. */
async function bundleAndWork(dir: string, home: string): Promise<string> {
  await writeTree(`${dir}/src`, { "keep.txt": "same", "change.txt": "new!", "new.txt": "n" });
  await datamonOk(home, "repo", "create", "--repo", "r");
  const id = await upload(home, "r", `${dir}/src`, "m");
  await writeTree(`${dir}/work`, {
    "keep.txt": "same",
    "change.txt": "old",
    "mine/notes.txt": "the user's own file",
  });
  await Deno.symlink("keep.txt", `${dir}/work/my-link`);
  return id;
}

Deno.test("update --dry-run prints each change and leaves the directory byte-identical", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const before = await snapshot(`${dir}/work`);
    const r = await datamon(
      home,
      ..."bundle update --repo r --dry-run --destination".split(" "),
      `${dir}/work`,
    );
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.trim().split("\n"), [
      "would replace change.txt",
      "would delete mine/notes.txt",
      "would delete my-link",
      "would add new.txt",
    ]);
    assertMatch(r.stderr, /would add 1, replace 1, delete 2; nothing was changed/);
    assertEquals(await snapshot(`${dir}/work`), before);
  });
});

Deno.test("update --dry-run --json lists each change with its action as a word", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const before = await snapshot(`${dir}/work`);
    const out = await datamonOk(
      home,
      ..."bundle update --repo r --dry-run --json --destination".split(" "),
      `${dir}/work`,
    );
    assertEquals(JSON.parse(out), [
      { schemaVersion: 1, action: "replace", name: "change.txt", size: 4 },
      { schemaVersion: 1, action: "delete", name: "mine/notes.txt" },
      { schemaVersion: 1, action: "delete", name: "my-link" },
      { schemaVersion: 1, action: "add", name: "new.txt", size: 1 },
    ]);
    assertEquals(await snapshot(`${dir}/work`), before);
  });
});

Deno.test("update names each local file it deletes, in the same words as its dry run", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const id = await bundleAndWork(dir, home);
    const r = await datamon(
      home,
      "bundle",
      "update",
      "--repo",
      "r",
      "--destination",
      `${dir}/work`,
    );
    assertEquals(r.code, 0, r.stderr);
    const deleted = r.stderr.split("\n").filter((line) => line.startsWith("deleted "));
    assertEquals(deleted, [
      `deleted mine/notes.txt (not in bundle ${id})`,
      `deleted my-link (not in bundle ${id})`,
    ]);
    assertMatch(r.stderr, /1 added, 1 replaced, 2 deleted/);
    assertEquals(await Deno.readTextFile(`${dir}/work/change.txt`), "new!");
  });
});

Deno.test("download --force-dest --dry-run prints what it would add and replace, and changes nothing", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const before = await snapshot(`${dir}/work`);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/work`];
    const r = await datamon(home, ...args, "--force-dest", "--dry-run");
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout.trim().split("\n"), ["would replace change.txt", "would add new.txt"]);
    assertMatch(r.stderr, /would add 1, replace 1, delete 0; nothing was changed/);
    assertEquals(await snapshot(`${dir}/work`), before);
  });
});

Deno.test("download --dry-run refuses a non-empty destination without --force-dest, as the run would", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/work`];
    const r = await datamon(home, ...args, "--dry-run");
    assert(r.code !== 0);
    assertMatch(r.stderr, /not empty/);
  });
});

Deno.test("download --dry-run into an absent directory lists every file and makes nothing", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/absent`];
    const out = await datamonOk(home, ...args, "--dry-run", "--format", "{{action}} {{name}}");
    assertEquals(out.trim().split("\n"), ["add change.txt", "add keep.txt", "add new.txt"]);
    assertEquals(await Deno.lstat(`${dir}/absent`).then(() => true, () => false), false);
  });
});

/** The args quoted for a shell. */
function shellQuoted(args: string[]): string {
  return args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
}

/** Runs `datamon ...args` on a pseudo-terminal (util-linux `script`); stdout and stderr merged. */
async function onTerminal(home: string, ...args: string[]): Promise<string> {
  const argv = [Deno.execPath(), "run", "--quiet", ...CLI_PERMISSIONS, program, ...args];
  const out = await new Deno.Command("script", {
    args: ["-qec", shellQuoted(argv), "/dev/null"],
    env: { DATAMON_HOME: home, DATAMON_CONFIG: `${home}/config.yaml`, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, text);
  return text.replaceAll("\r", "");
}

const LOCAL_LEGEND =
  "only in the directory: bundle update would delete it; only in the bundle: update would add " +
  "it; changed: update would replace it";

Deno.test("diff --destination labels each name from the user's side, with a legend on a terminal", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const args = ["bundle", "diff", "--repo", "r", "--destination", `${dir}/work`];
    const shown = await onTerminal(home, ...args);
    const kinds = shown.split("\n").filter((l) => /\.txt|link/.test(l) && !l.includes(":"));
    assertEquals(kinds.map((l) => l.replace(/\s{2,}.*/, "")), [
      "changed",
      "only in the directory",
      "only in the directory",
      "only in the bundle",
    ]);
    assert(shown.includes(LOCAL_LEGEND), shown);
    const piped = await datamon(home, ...args);
    assertEquals(piped.code, 0, piped.stderr);
    assert(piped.stdout.includes("only in the directory  mine/notes.txt"), piped.stdout);
    assert(!piped.stderr.includes(LOCAL_LEGEND), "no legend when piped");
  });
});

Deno.test("diff --destination --json names kinds in words: a local-only file is only-in-directory", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const r = await datamon(
      home,
      ..."bundle diff --repo r --json --destination".split(" "),
      `${dir}/work`,
    );
    assertEquals(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { kind: string; name: string }[];
    assertEquals(rows.map((c) => `${c.kind} ${c.name}`), [
      "changed change.txt",
      "only-in-directory mine/notes.txt",
      "only-in-directory my-link",
      "only-in-bundle new.txt",
    ]);
    assert(!r.stderr.includes(LOCAL_LEGEND));
  });
});

/** A part file as a killed download leaves it: partial bytes, mode 0600, a random UUID name. */
async function plantPartFile(dir: string): Promise<string> {
  const path = `${dir}/.datamon-part-${crypto.randomUUID()}`;
  await Deno.writeTextFile(path, "half a fi", { mode: 0o600 });
  return path;
}

Deno.test("the next download into a destination removes the part files a killed one left, never a user's", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const parts = [await plantPartFile(`${dir}/work`), await plantPartFile(`${dir}/work/mine`)];
    await writeTree(`${dir}/work`, { ".datamon-part-notes.txt": "a user's file of that prefix" });
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/work`];
    await datamonOk(home, ...args, "--force-dest");
    for (const part of parts) assert(!await exists(part), `${part} is removed`);
    assert(await exists(`${dir}/work/.datamon-part-notes.txt`), "a user's file is kept");
  });
});

Deno.test("a part file older than the run but held locked by a live download is kept", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const live = await plantPartFile(`${dir}/work`);
    using writer = await Deno.open(live);
    await writer.lock(true);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/work`];
    await datamonOk(home, ...args, "--force-dest");
    assertEquals(await Deno.readTextFile(live), "half a fi");
  });
});

Deno.test("a download into a destination holding only a killed download's part file is not refused", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    await Deno.mkdir(`${dir}/fresh`);
    const part = await plantPartFile(`${dir}/fresh`);
    await datamonOk(home, "bundle", "download", "--repo", "r", "--destination", `${dir}/fresh`);
    assert(!await exists(part));
    assertEquals(await Deno.readTextFile(`${dir}/fresh/new.txt`), "n");
  });
});

Deno.test("the next update of a destination removes the part files a killed one left", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const part = await plantPartFile(`${dir}/work/mine`);
    await datamonOk(home, "bundle", "update", "--repo", "r", "--destination", `${dir}/work`);
    assert(!await exists(part));
  });
});

Deno.test("the next upload removes the upload-cache temp files a killed upload left", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await bundleAndWork(dir, home);
    const caches = `${home}/cache/uploads`;
    const kept = (await Array.fromAsync(Deno.readDir(caches), (e) => e.name)).sort();
    const temp = `${caches}/${"ab".repeat(16)}.jsonl.tmp-${crypto.randomUUID()}`;
    await Deno.writeTextFile(temp, '{"name":"half', { mode: 0o600 });
    await writeTree(caches, { "notes.txt": "not ours" });
    await upload(home, "r", `${dir}/work`, "again");
    assert(!await exists(temp), "the temp file is removed");
    const after = (await Array.fromAsync(Deno.readDir(caches), (e) => e.name)).sort();
    assert(after.includes("notes.txt"), "a file not of ours is kept");
    assertEquals(after.filter((n) => n.includes(".tmp-")), [], String(after));
    assert(kept.every((name) => after.includes(name)), "the caches themselves are kept");
  });
});

Deno.test("download --force-dest --dry-run refuses, as the run does, a bundle's file beneath a symlink in the destination", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "sub/f.txt": "f", "sub-other.txt": "o" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    await writeTree(`${dir}/outside`, { "precious.txt": "p" });
    await writeTree(`${dir}/work`, { "sub-mine.txt": "m" });
    await Deno.symlink(`${dir}/outside`, `${dir}/work/sub`);
    const before = await snapshot(`${dir}/work`);
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/work`];
    const planned = await datamon(home, ...args, "--force-dest", "--dry-run");
    const run = await datamon(home, ...args, "--force-dest");
    assertEquals(planned.code, run.code, run.stderr);
    assert(planned.code !== 0);
    assertMatch(planned.stderr, /work\/sub is a symlink or a file inside the destination/);
    assertEquals(await Array.fromAsync(Deno.readDir(`${dir}/outside`), (e) => e.name), [
      "precious.txt",
    ]);
    assertEquals((await snapshot(`${dir}/work`)).filter((l) => !l.startsWith("sub-other")), before);
  });
});

Deno.test("a download killed (SIGKILL) mid-file leaves a part file that the next download there removes", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "big.bin": 64 * 1024 * 1024 });
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m", "--leaf-size", "64K");
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/out`];
    const download = datamonCommand(home, ...args).spawn();
    let ended = false;
    download.status.then(() => ended = true);
    let part: string | undefined;
    while (part === undefined && !ended) {
      const names = await Array.fromAsync(Deno.readDir(`${dir}/out`), (e) => e.name)
        .catch(() => []);
      part = names.find((name) => name.startsWith(".datamon-part-"));
      if (part === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert(part !== undefined, "the download ended before a part file was seen");
    download.kill("SIGKILL");
    assertEquals((await download.output()).code, 137);
    assert(await exists(`${dir}/out/${part}`), "the kill left the part file");
    await datamonOk(home, ...args, "--force-dest");
    assertEquals(await Array.fromAsync(Deno.readDir(`${dir}/out`), (e) => e.name), ["big.bin"]);
  });
});

Deno.test("a download of packed files killed (SIGKILL) leaves only whole files, and the next one there finishes it", async () => {
  await withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) {
      files[`f${String(i).padStart(4, "0")}`] = `file ${i}\n`.repeat(40);
    }
    await writeTree(`${dir}/src`, files);
    await datamonOk(home, "repo", "create", "--repo", "r");
    await upload(home, "r", `${dir}/src`, "m");
    const args = ["bundle", "download", "--repo", "r", "--destination", `${dir}/out`];
    const download = datamonCommand(home, ...args).spawn();
    let ended = false;
    download.status.then(() => ended = true);
    // Killed once some packed files are in place: they are written by sync calls, one by one.
    let written = 0;
    while (written < 50 && !ended) {
      written = (await Array.fromAsync(Deno.readDir(`${dir}/out`)).catch(() => [])).length;
      if (written < 50) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    assert(!ended, "the download ended before it could be killed");
    download.kill("SIGKILL");
    assertEquals((await download.output()).code, 137);
    for await (const entry of Deno.readDir(`${dir}/out`)) {
      if (entry.name.startsWith(".datamon-part-")) continue;
      assertEquals(await Deno.readTextFile(`${dir}/out/${entry.name}`), files[entry.name]);
    }
    await datamonOk(home, ...args, "--force-dest");
    const names = await Array.fromAsync(Deno.readDir(`${dir}/out`), (e) => e.name);
    assertEquals(names.sort(), Object.keys(files));
  });
});
