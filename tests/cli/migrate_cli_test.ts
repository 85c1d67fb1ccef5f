/**
 * `datamon migrate` from a Go datamon context (written by go_fixture as Go's code writes it)
 * into a datamon context, on the local disk, the S3 test server and the GCS emulator: bundle
 * list and download in the target show Go's ids, messages and times and its bytes; a run
 * killed midway and run again equals a clean one; --dry-run writes nothing; a Go leaf that
 * fails verification, an unknown source and a Go target are refused in one line each.
 */
import { assertEquals, assertMatch } from "../support/assert.ts";
import { datamon, datamonOk, datamonWith } from "../support/cli.ts";
import { exists, patternBytes, withTempDir } from "../support/fixtures.ts";
import { openGoStores, writeGoContext, type WrittenGoContext } from "../support/go_fixture.ts";
import { alphaRepo, MIGRATION_LEAF_SIZE } from "../support/go_migration.ts";
import { countWrites, killPoints } from "../support/crash.ts";
import { BACKENDS, freshStoreUrl } from "../support/servers.ts";
import { joinStoreUrl, openStore } from "../../lib/store/open.ts";
import { goBlobKey } from "../../lib/model/go_keys.ts";
import { formatBytes } from "../../lib/cli/output.ts";
import { EXIT_CODES } from "../../lib/errors.ts";

/** Of a killed migration's writes, the last this many are each killed before once. */
const LAST_WRITES_KILLED = 4;
/** Exit status of a process killed by SIGKILL. */
const KILLED = 137;

/** Go context "go-ctx" with repo alpha, under `base`. */
function writeFixture(base: string): Promise<WrittenGoContext> {
  return writeGoContext(openGoStores(base), {
    context: "go-ctx",
    leafSize: MIGRATION_LEAF_SIZE,
    repos: [alphaRepo()],
  });
}

/** A Go context written under a fresh prefix of `backend`, the target context "dm" beside it. */
interface Setup {
  written: WrittenGoContext;
  /** The flags that name the source. */
  from: string[];
  home: string;
  dir: string;
  /** The store URL the Go context is under ({base}/go) and the target's ({base}/dm). */
  base: string;
}

async function withMigration(
  backend: typeof BACKENDS[number],
  fn: (setup: Setup) => Promise<void>,
): Promise<void> {
  const { url, cleanup } = await freshStoreUrl(backend);
  try {
    const written = await writeFixture(joinStoreUrl(url, "go"));
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      await datamonOk(
        home,
        "context",
        "create",
        "--context",
        "dm",
        "--store",
        joinStoreUrl(url, "dm"),
      );
      await datamonOk(home, "config", "set", "--context", "dm");
      const from = [
        "--from-config",
        joinStoreUrl(joinStoreUrl(url, "go"), "config"),
        "--from-context",
        "go-ctx",
      ];
      await fn({ written, from, home, dir, base: url });
    });
  } finally {
    await cleanup();
  }
}

/** What a target context shows of repo alpha: bundles (id, time, message, files), labels. */
async function targetView(home: string, ...flags: string[]): Promise<string> {
  const bundles = await datamonOk(
    home,
    "bundle",
    "list",
    "--repo",
    "alpha",
    ...flags,
    "--format",
    "{{id}} {{timestamp}} {{message}} {{fileCount}} {{totalSize}}",
  );
  const labels = await datamonOk(
    home,
    "label",
    "list",
    "--repo",
    "alpha",
    ...flags,
    "--format",
    "{{name}} {{bundleId}}",
  );
  return bundles + labels;
}

/** Every key of the store at `url`. */
async function keysOf(url: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of openStore(url).list("")) {
    if (entry.kind === "object") keys.push(entry.key);
  }
  return keys;
}

/** What the target must show after a whole migration of `written`. */
function expectedView(written: WrittenGoContext): string {
  const bundles = written.bundles.map((b, i) =>
    `${b.doc.id} ${b.doc.timestamp!.toISOString()} ${b.doc.message} ${b.files.length} ` +
    `${sizeOf(written, i)}\n`
  );
  const [first, many] = written.bundles.map((b) => b.doc.id);
  return bundles.join("") + `init ${first}\nlatest ${many}\n`;
}

/** Bytes of bundle `index` as Go wrote it. */
function sizeOf(written: WrittenGoContext, index: number): number {
  return written.bundles[index].files.reduce((n, f) => n + f.bytes.length, 0);
}

/** Downloads every migrated bundle and compares it with what Go wrote, byte for byte. */
async function assertDownloads(home: string, dir: string, written: WrittenGoContext) {
  for (const bundle of written.bundles) {
    const out = `${dir}/out-${bundle.doc.id}`;
    await datamonOk(
      home,
      "bundle",
      "download",
      "--repo",
      "alpha",
      "--bundle",
      bundle.doc.id,
      "--destination",
      out,
      "--skip-auth",
    );
    for (const file of bundle.files) {
      assertEquals(await Deno.readFile(`${out}/${file.entry.name}`), file.bytes, file.entry.name);
    }
  }
}

for (const backend of BACKENDS) {
  Deno.test(`${backend}: migrate copies a Go context byte-exact, with Go's bundle ids, messages and times, and a re-run copies nothing`, () =>
    withMigration(backend, async ({ written, from, home, dir }) => {
      const r = await datamon(home, "migrate", ...from, "--skip-auth");
      assertEquals(r.code, 0, r.stderr);
      assertMatch(
        r.stderr,
        /^migrated 1 repo of Go context go-ctx to context dm \(1 new\): 2 bundles copied \(1203 files, .*\), 0 already there; 2 labels set, 0 already there; .* stored; took \S+\n$/,
      );
      assertEquals(await targetView(home), expectedView(written));
      await assertDownloads(home, dir, written);
      const again = await datamon(home, "migrate", ...from, "--skip-auth", "--json");
      assertEquals(again.code, 0, again.stderr);
      const summary = JSON.parse(again.stdout);
      assertEquals([summary.bundlesCopied, summary.bundlesDone], [0, 2]);
      assertEquals([summary.labelsSet, summary.labelsDone], [0, 2]);
    }));
}

Deno.test("local: a migration killed midway and run again equals a clean migration", () =>
  withMigration("local", async ({ written, from, home, dir }) => {
    const args = ["migrate", ...from, "--skip-auth", "--quiet"];
    // A clean migration into "dm" counts the writes a migration makes.
    const writes = await countWrites(home, (h, env) => datamonWith(h, env, ...args), dir);
    const expected = await targetView(home);
    assertEquals(expected, expectedView(written));
    // Killed before one write (each into a fresh context), then run again: in the middle of
    // the 1,200-file bundle, and before each of the last writes (its file lists, the commit,
    // the labels), where a re-run meets what the killed one left under the same bundle id.
    const points = [Math.round(writes / 2), ...killPoints(writes).slice(-LAST_WRITES_KILLED)];
    for (const at of points) {
      const context = ["--context", `k${at}`];
      await datamonOk(home, "context", "create", ...context, "--store", `${dir}/k${at}`);
      const env = { DATAMON_TEST_CRASH_AT: String(at) };
      const killed = await datamonWith(home, env, ...args, ...context);
      assertEquals(killed.code, KILLED, `killed before write ${at}: ${killed.stderr}`);
      const resumed = await datamon(home, ...args, ...context);
      assertEquals(resumed.code, 0, `re-run after a kill before write ${at}: ${resumed.stderr}`);
      assertEquals(await targetView(home, ...context), expected, `killed before write ${at}`);
    }
    const fsck = await datamon(home, "fsck", "--deep", "--context", `k${points[1]}`);
    assertEquals(fsck.code, 0, fsck.stdout + fsck.stderr);
  }));

Deno.test("local: migrate --dry-run lists the repos, bundles and labels it would copy and writes nothing", () =>
  withMigration("local", async ({ written, from, home, base }) => {
    const before = await keysOf(joinStoreUrl(base, "dm"));
    const r = await datamon(home, "migrate", ...from, "--dry-run", "--skip-auth");
    assertEquals(r.code, 0, r.stderr);
    const [first, many] = written.bundles.map((b) => b.doc.id);
    assertEquals(
      r.stdout,
      "repo alpha: create\n" +
        `bundle alpha@${first}: copy 3 files (${formatBytes(sizeOf(written, 0))}) "first"\n` +
        `bundle alpha@${many}: copy 1200 files (${formatBytes(sizeOf(written, 1))}) "many"\n` +
        `label alpha:init -> ${first}: set\n` +
        `label alpha:latest -> ${many}: set\n`,
    );
    assertMatch(r.stderr, /^would migrate 1 repo .*2 bundles to copy .*; nothing written; took/);
    assertEquals(await keysOf(joinStoreUrl(base, "dm")), before);
  }));

Deno.test("local: a Go leaf that fails verification stops migrate with exit 9 naming repo, bundle and file, and commits nothing of that bundle", () =>
  withMigration("local", async ({ written, from, home, base }) => {
    const multi = written.bundles[0].files.find((f) => f.entry.name === "dir/multi.bin")!;
    const leaf = multi.objects.leaves[1];
    const blob = openGoStores(joinStoreUrl(base, "go")).blob;
    await blob.put(goBlobKey(leaf.key), patternBytes(leaf.bytes.length, 99));
    const r = await datamon(home, "migrate", ...from, "--skip-auth");
    assertEquals(r.code, EXIT_CODES.integrity, r.stderr);
    assertMatch(
      r.stderr,
      new RegExp(
        `^datamon: repo "alpha" bundle ${
          written.bundles[0].doc.id
        } not migrated: leaf 1 of file "dir/multi.bin" does not match its key [^\\n]*\\n$`,
      ),
    );
    const bundles = await datamonOk(
      home,
      "bundle",
      "list",
      "--repo",
      "alpha",
      "--format",
      "{{id}}",
    );
    assertEquals(bundles, "");
  }));

Deno.test("local: migrate refuses an unknown source context, a Go target, and a write to a Go context names migrate", () =>
  withMigration("local", async ({ from, home, dir }) => {
    const unknown = await datamon(home, "migrate", ...from.slice(0, 3), "nope", "--skip-auth");
    assertEquals(unknown.code, EXIT_CODES["not-found"]);
    assertMatch(
      unknown.stderr,
      /^datamon: Go datamon context "nope" not found in config store \S+: check --from-config and --from-context\n$/,
    );
    const goFlags = ["--config", from[1], "--context", "go-ctx"];
    const intoGo = await datamon(home, "migrate", ...from, ...goFlags, "--skip-auth");
    assertEquals(intoGo.code, EXIT_CODES["invalid-argument"]);
    assertMatch(
      intoGo.stderr,
      /^datamon: context "go-ctx" is a Go datamon context \(read-only\): migrate into a datamon context \(--context\)\n$/,
    );
    const write = await datamon(home, "repo", "create", "--repo", "x", ...goFlags, "--skip-auth");
    assertEquals(write.code, EXIT_CODES["read-only"]);
    assertMatch(
      write.stderr,
      new RegExp(
        `^datamon: context "go-ctx" is a Go datamon context, read in place \\(read-only\\): copy it into a datamon context with "datamon migrate --from-config ${
          from[1].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
        } --from-context go-ctx --context <datamon-context>" and write there\n$`,
      ),
    );
    assertEquals(await exists(`${dir}/nope`), false);
  }));
