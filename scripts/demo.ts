/**
 * `deno task demo`: a tour of datamon on the embedded default context (a local directory).
 * Makes a small sample dataset, creates a repo, uploads two versions, labels, lists,
 * downloads, diffs and updates, printing each command before it runs.
 *
 * Uses a fresh DATAMON_HOME under the system temp directory (kept afterwards, so you can
 * look around) unless DATAMON_HOME is already set.
 */
const root = new URL("..", import.meta.url).pathname;
const home = Deno.env.get("DATAMON_HOME") ?? await Deno.makeTempDir({ prefix: "datamon-demo-" });
const work = await Deno.makeTempDir({ prefix: "datamon-demo-data-" });
const repo = `demo-${Date.now().toString(36)}`;
const permissions = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run=git",
  "--allow-sys=hostname",
];

function say(text: string) {
  console.log(`\n\x1b[1m# ${text}\x1b[0m`);
}

/** Runs `datamon ARGS` as a user would, echoing the command; returns its stdout. */
async function datamon(...args: string[]): Promise<string> {
  console.log(`$ datamon ${args.map((a) => (/[\s']/.test(a) ? `'${a}'` : a)).join(" ")}`);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${root}main.ts`, ...args],
    env: { DATAMON_HOME: home, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  Deno.stdout.writeSync(out.stdout);
  Deno.stderr.writeSync(out.stderr);
  if (!out.success) {
    console.error(`demo: "datamon ${args.join(" ")}" failed with exit code ${out.code}`);
    Deno.exit(1);
  }
  return text.trim();
}

/** Bytes that depend only on `seed`, so unchanged files dedup between versions. */
function seeded(size: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

async function writeSample(dir: string, version: number) {
  await Deno.mkdir(`${dir}/images/train`, { recursive: true });
  await Deno.mkdir(`${dir}/labels`, { recursive: true });
  for (let i = 0; i < 20; i++) {
    const name = `${dir}/images/train/img-${String(i).padStart(3, "0")}.bin`;
    // Version 2 retouches two images; the others stay byte for byte the same.
    const seed = version > 1 && i < 2 ? 1000 + i : i + 1;
    await Deno.writeFile(name, seeded(40_000 + i * 1000, seed));
  }
  const rows = Array.from({ length: 200 }, (_, i) => `img-${i % 20},${(i * 7 + version) % 10}`);
  await Deno.writeTextFile(`${dir}/labels/classes.csv`, `image,class\n${rows.join("\n")}\n`);
  await Deno.writeTextFile(`${dir}/README.txt`, `sample dataset, version ${version}\n`);
  // Just over one 2 MiB leaf: stored as two leaves and a root object, unchanged in version 2.
  await Deno.writeFile(`${dir}/weights.bin`, seeded(2 * 1024 * 1024 + 123, 7));
}

console.log(`datamon demo: DATAMON_HOME=${home}, sample data in ${work}`);
const source = `${work}/dataset`;
await writeSample(source, 1);

say("Create a repo in the embedded default context (a local directory, no cloud needed)");
await datamon("repo", "create", "--repo", repo, "--description", "demo dataset");
await datamon("repo", "list");

say("Upload the directory as a bundle and label it");
const first = await datamon(
  "bundle",
  "upload",
  "--repo",
  repo,
  "--path",
  source,
  "--message",
  "first version",
  "--label",
  "production",
);

say(
  "Retouch two images, relabel, add a file, delete one, upload again: unchanged leaves are deduplicated",
);
await writeSample(source, 2);
await Deno.writeTextFile(`${source}/NOTES.txt`, "added in version 2\n");
await Deno.remove(`${source}/images/train/img-019.bin`);
const second = await datamon(
  "bundle",
  "upload",
  "--repo",
  repo,
  "--path",
  source,
  "--message",
  "second version",
  "--label",
  "latest-good",
);

say("List bundles, labels, and the files of the latest bundle");
await datamon("bundle", "list", "--repo", repo);
await datamon("label", "list", "--repo", repo);
await datamon("bundle", "list", "files", "--repo", repo, "--name-filter", "^labels/|txt$");

say("What changed between the two bundles");
await datamon("bundle", "diff", "--repo", repo, "--bundle", first, "--with-bundle", second);

say("Download the bundle labelled production, then compare it with the latest bundle");
const copy = `${work}/download`;
await datamon("bundle", "download", "--repo", repo, "--label", "production", "--destination", copy);
await datamon("bundle", "diff", "--repo", repo, "--destination", copy);

say("Update the download to the latest bundle, after which nothing differs");
await datamon("bundle", "update", "--repo", repo, "--destination", copy);
await datamon("bundle", "diff", "--repo", repo, "--destination", copy);

say("Move the production label to the new bundle; its history keeps the old target");
await datamon("label", "set", "--repo", repo, "--label", "production", "--bundle", second);
await datamon("label", "get", "--repo", repo, "--label", "production", "--history");

console.log(
  `\nDone. Uploaded ${first} and ${second} to repo ${repo}; downloaded and updated ${copy}.` +
    `\nExplore with: DATAMON_HOME=${home} deno task datamon bundle list --repo ${repo}`,
);
