/**
 * Upload and download through the core API, on a local store in a temp directory, for two
 * datasets: 256 MiB in 4 files (large leaves, hashing-bound) and 2,000 files of 4 KiB (one
 * leaf each, bound by per-file costs). MB/s = the dataset's size / the time per run.
 *
 * Each case runs 3 timed iterations after 1 warm-up, so the whole file takes well under two
 * minutes on 2 cores: `deno bench --allow-read --allow-write --allow-env bench/transfer_bench.ts`.
 */
import { type Context, contextFromBaseUrl, openContext } from "../lib/meta/context.ts";
import { createRepo } from "../lib/meta/repo.ts";
import { uploadBundle } from "../lib/core/upload.ts";
import { downloadBundle } from "../lib/core/download.ts";
import { latestBundle } from "../lib/meta/bundles.ts";
import { DEFAULT_CONCURRENCY } from "../lib/meta/settings.ts";

const MiB = 1024 * 1024;
const REPO = "bench";
const CONTRIBUTOR = { name: "bench", email: "bench@localhost" };
const ITERATIONS = { n: 3, warmup: 1 };

interface Dataset {
  label: string;
  files: number;
  fileSize: number;
}

const DATASETS: Dataset[] = [
  { label: "256 MiB in 4 files", files: 4, fileSize: 64 * MiB },
  { label: "2,000 x 4 KiB files", files: 2_000, fileSize: 4096 },
];

const benchDir = await Deno.makeTempDir({ prefix: "datamon-transfer-bench-" });
let made = 0;

/** A fresh directory under the bench directory. */
function freshPath(prefix: string): string {
  return `${benchDir}/${prefix}-${made++}`;
}

/** Writes random files in 1 MiB chunks, so no file is ever whole in memory. */
async function writeDataset(dir: string, dataset: Dataset): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  const chunk = new Uint8Array(Math.min(dataset.fileSize, MiB));
  for (let i = 0; i < dataset.files; i++) {
    using file = await Deno.open(`${dir}/file-${String(i).padStart(5, "0")}`, {
      write: true,
      createNew: true,
    });
    for (let done = 0; done < dataset.fileSize; done += chunk.length) {
      for (let o = 0; o < chunk.length; o += 65536) {
        crypto.getRandomValues(chunk.subarray(o, o + 65536));
      }
      let written = 0;
      while (written < chunk.length) written += await file.write(chunk.subarray(written));
    }
  }
}

/** A context whose five stores live under a new directory, with the bench repo created. */
async function freshContext(): Promise<{ ctx: Context; root: string }> {
  const root = freshPath("store");
  await Deno.mkdir(root);
  const ctx = openContext(contextFromBaseUrl("bench", `file://${root}`));
  await createRepo(ctx, REPO, "transfer bench", CONTRIBUTOR);
  return { ctx, root };
}

function upload(ctx: Context, path: string) {
  return uploadBundle(ctx, {
    repo: REPO,
    path,
    message: "bench",
    contributor: CONTRIBUTOR,
    concurrency: DEFAULT_CONCURRENCY,
  });
}

for (const dataset of DATASETS) {
  const source = freshPath("source");
  await writeDataset(source, dataset);
  const uploaded = await freshContext();
  await upload(uploaded.ctx, source);
  const group = dataset.label;

  Deno.bench({
    name: `upload ${dataset.label} into a new store`,
    group,
    baseline: true,
    ...ITERATIONS,
    fn: async (b) => {
      const { ctx, root } = await freshContext();
      b.start();
      await upload(ctx, source);
      b.end();
      await Deno.remove(root, { recursive: true });
    },
  });

  Deno.bench({
    name: `re-upload ${dataset.label} (every leaf already stored)`,
    group,
    ...ITERATIONS,
    fn: async () => {
      await upload(uploaded.ctx, source);
    },
  });

  Deno.bench({
    name: `download ${dataset.label} into an empty directory`,
    group,
    ...ITERATIONS,
    fn: async (b) => {
      const bundle = await latestBundle(uploaded.ctx, REPO);
      const destination = freshPath("download");
      b.start();
      await downloadBundle(uploaded.ctx, bundle, {
        destination,
        concurrency: DEFAULT_CONCURRENCY,
      });
      b.end();
      await Deno.remove(destination, { recursive: true });
    },
  });
}

// Deno.bench has no teardown hook: the last "bench" removes the temp directory (and may run
// more than once).
Deno.bench({
  name: "(cleanup: removes the temp directory)",
  group: "zz-cleanup",
  n: 1,
  warmup: 0,
  fn: async () => {
    await Deno.remove(benchDir, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  },
});
