/**
 * Memory and time of a diamond's commit over many files: `--splits` finished splits of
 * `--files` file entries each are written straight as split records (synthetic entries: the
 * commit merges file lists and reads no blob), then `datamon diamond commit` runs as its own
 * process under GNU time, whose peak RSS is the number to watch (issue 14: 8 splits x 100,000
 * files under 300 MB). One path in 1000 is given different bytes by every split, so the
 * conflict streams run too.
 *
 *   deno run -A bench/diamond_commit_bench.ts [--splits 8] [--files 100000] [--keep]
 */
import { parseArgs } from "node:util";
import { contextFromBaseUrl, openContext } from "../lib/meta/context.ts";
import { createRepo } from "../lib/meta/repo.ts";
import { createDiamond, SplitWriter } from "../lib/meta/diamond.ts";
import type { FileEntry } from "../lib/model/types.ts";

const { values } = parseArgs({
  options: {
    splits: { type: "string", default: "8" },
    files: { type: "string", default: "100000" },
    keep: { type: "boolean", default: false },
  },
});
const splits = Number(values.splits);
const files = Number(values.files);
const actor = { name: "bench", email: "bench@example.com" };

const home = await Deno.makeTempDir({ prefix: "datamon-diamond-bench-" });
const ctx = openContext(contextFromBaseUrl("local", `file://${home}/data`));

/** A synthetic entry: its key stands for bytes, distinct per split for the conflicting paths. */
function entry(split: number, i: number): FileEntry {
  const shared = i % 1000 === 0;
  const name = shared
    ? `shared/f${String(i).padStart(7, "0")}`
    : `s${split}/f${String(i).padStart(7, "0")}`;
  const key = (shared ? split + 1 : split * files + i + 1).toString(16).padStart(64, "0");
  return { name, size: 4096, mode: 0o644, mtime: new Date(0), key };
}

await createRepo(ctx, "r", "", actor);
const diamond = await createDiamond(ctx, "r", actor);
const written = performance.now();
for (let s = 0; s < splits; s++) {
  const run = await SplitWriter.start(ctx, {
    repo: "r",
    diamond: diamond.id,
    split: `s${s}`,
    actor,
    lock: "locks/writers/bench.yaml",
    path: "/bench",
  });
  // In name order: "s{s}/..." and "shared/..." each sorted, "s" < "shared/" by the slash.
  for (let i = 0; i < files; i++) if (i % 1000 !== 0) await run.add(entry(s, i));
  for (let i = 0; i < files; i += 1000) await run.add(entry(s, i));
  await run.commit(1 << 21, Promise.resolve([]));
}
console.log(
  `wrote ${splits} splits x ${files} entries in ${
    ((performance.now() - written) / 1000).toFixed(1)
  } s`,
);

const main = new URL("../main.ts", import.meta.url).pathname;
const timeFile = `${home}/time.out`;
const started = performance.now();
const out = await new Deno.Command("/usr/bin/time", {
  args: [
    "-f",
    "%M",
    "-o",
    timeFile,
    Deno.execPath(),
    "run",
    "-A",
    main,
    ...["diamond", "commit", "--repo", "r", "--diamond", diamond.id, "--message", "bench"],
    "--ignore-conflicts",
  ],
  // The default context of a new DATAMON_HOME is "local", on ${home}/data: the one written above.
  env: { DATAMON_HOME: home, DATAMON_CONFIG: `${home}/config.yaml` },
  stdout: "piped",
  stderr: "null",
}).output();
const seconds = (performance.now() - started) / 1000;
if (!out.success) throw new Error(`diamond commit exited ${out.code}`);
const peakKb = Number((await Deno.readTextFile(timeFile)).trim().split("\n").at(-1));
console.log(
  `commit of ${splits} splits x ${files} files: ${seconds.toFixed(1)} s, peak RSS ` +
    `${(peakKb / 1024).toFixed(0)} MB (bundle ${new TextDecoder().decode(out.stdout).trim()})`,
);
if (!values.keep) await Deno.remove(home, { recursive: true });
