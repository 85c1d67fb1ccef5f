/**
 * The crash harness: runs a mutating command as a subprocess, kills it (SIGKILL, through the
 * test-only DATAMON_TEST_CRASH_AT of lib/store/crash_point.ts) immediately before each of its
 * store writes in turn, and after each kill checks that the context is whole and that running
 * the same command again finishes it. Each kill starts from a copy of one prepared home, so a
 * command's kill points cost one setup. After a kill everything visible is checked; after the
 * re-run, `fsck --deep` and what the command must have done.
 */
import { assert, assertEquals } from "./assert.ts";
import { type CliResult, datamonWith } from "./cli.ts";
import { assertSameTree, listTree } from "./fixtures.ts";

/** Exit status of a process killed by SIGKILL, as Deno reports it. */
const KILLED = 137;
/** With more writes than this, the kill points are a spread sample (see killPoints). */
const EXHAUSTIVE_UP_TO = 24;
/** The sample: this many first and this many last writes, and every k-th between. */
const SAMPLE_ENDS = 10;
/** Kill points in the middle of a sampled command, at most. */
const SAMPLE_MIDDLE = 10;

/** What a crash case is: a prepared home, a command, and what may be seen after it. */
export interface CrashCase {
  /** Makes the home every kill starts from (repos, bundles, labels) under `dir`. */
  prepare(home: string, dir: string): Promise<void>;
  /** The mutating command's arguments (given the test's temp dir). */
  command(dir: string): string[];
  /**
   * Runs the command against `home` with `env` added to its environment; by default
   * `datamon ...command`. A case whose store writes happen in another process (a mount's
   * daemon) reports that process's end: exit 137 when it was killed.
   */
  run?(home: string, env: Record<string, string>): Promise<CliResult>;
  /**
   * The tree each bundle id holds, for checking that every visible bundle downloads
   * byte-exact; `newBundleTree` is the tree of a bundle the command itself commits.
   */
  trees: Map<string, string>;
  newBundleTree?: string;
  /** Checks what the finished command must have done (after a whole run or a re-run). */
  finished(home: string, dir: string): Promise<void>;
  /**
   * Copies the prepared home `from` to `to` for one kill point; by default `cp -a`, which is
   * enough when the store lives in the home (local). A case on S3 or GCS copies its store too.
   */
  copy?(from: string, to: string): Promise<void>;
  /** Keeps some of the kill points (a remote backend's case splits them with another). */
  keep?(point: number): boolean;
}

/** How a crash case went: its kill points, and what failed at which. */
export interface CrashReport {
  writes: number;
  killPoints: number[];
  failures: string[];
}

/**
 * The writes to kill before: every one of 1..writes, or, for more than EXHAUSTIVE_UP_TO, the
 * first and last SAMPLE_ENDS and SAMPLE_MIDDLE spread evenly between them.
 */
export function killPoints(writes: number): number[] {
  if (writes <= EXHAUSTIVE_UP_TO) return Array.from({ length: writes }, (_, i) => i + 1);
  const points = new Set<number>();
  for (let i = 1; i <= SAMPLE_ENDS; i++) {
    points.add(i);
    points.add(writes + 1 - i);
  }
  const step = (writes - 2 * SAMPLE_ENDS) / (SAMPLE_MIDDLE + 1);
  for (let i = 1; i <= SAMPLE_MIDDLE; i++) points.add(SAMPLE_ENDS + Math.round(i * step));
  return [...points].sort((a, b) => a - b);
}

/** Runs a crash case's command against `home` with more environment variables. */
type Runner = (home: string, env: Record<string, string>) => Promise<CliResult>;

/** The runner of a case: its own, or `datamon ...command`. */
function runnerOf(c: CrashCase, dir: string): Runner {
  const args = c.command(dir);
  return c.run ? (home, env) => c.run!(home, env) : (home, env) => datamonWith(home, env, ...args);
}

/** Runs the command whole against `home` and returns how many store writes it made. */
export async function countWrites(home: string, run: Runner, dir: string): Promise<number> {
  const countFile = `${dir}/write-count`;
  await Deno.remove(countFile).catch(() => {});
  const r = await run(home, { DATAMON_TEST_CRASH_COUNT: countFile });
  if (r.code !== 0) throw new Error(`the whole run exited ${r.code}\n${r.stderr}`);
  return Number(await Deno.readTextFile(countFile).catch(() => "0"));
}

/** Copies directory `from` to `to` (which must not exist), keeping times and modes. */
export async function copyTree(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-a", from, to], stderr: "piped" }).output();
  if (!out.success) throw new Error(`cp -a ${from} ${to}: ${new TextDecoder().decode(out.stderr)}`);
}

/**
 * Runs the crash case: prepares a home, counts the command's writes on a copy (and checks the
 * whole run), then for each kill point kills the command on a fresh copy, checks the context,
 * runs the command again and checks it finished. Returns every failure rather than stopping at
 * the first, so a report names all the kill points that go wrong.
 */
export async function runCrashCase(dir: string, c: CrashCase): Promise<CrashReport> {
  const prepared = `${dir}/prepared`;
  await c.prepare(prepared, dir);
  const run = runnerOf(c, dir);
  const copy = c.copy ?? copyTree;
  const whole = `${dir}/whole`;
  await copy(prepared, whole);
  const writes = await countWrites(whole, run, dir);
  assert(writes > 0, `datamon ${c.command(dir).join(" ")} made no store write`);
  await c.finished(whole, dir);
  const points = killPoints(writes).filter((n) => c.keep?.(n) ?? true);
  const failures: string[] = [];
  for (const n of points) {
    const home = `${dir}/kill-${n}`;
    await copy(prepared, home);
    try {
      await killAndRerun(home, dir, n, run, c);
    } catch (e) {
      failures.push(`killed before write ${n} of ${writes}: ${(e as Error).message}`);
    }
    await Deno.remove(home, { recursive: true });
  }
  return { writes, killPoints: points, failures };
}

/** One kill point: the kill, the checks of what it left, the re-run and its checks. */
async function killAndRerun(
  home: string,
  dir: string,
  n: number,
  run: Runner,
  c: CrashCase,
): Promise<void> {
  const killed = await run(home, { DATAMON_TEST_CRASH_AT: String(n) });
  assertEquals(killed.code, KILLED, `the command was not killed: ${killed.stderr}`);
  await assertWhole(home, `${dir}/check`, c, "after the kill");
  const rerun = await run(home, {});
  if (rerun.code !== 0) {
    throw new Error(`the re-run exited ${rerun.code}: ${rerun.stderr.trim()}`);
  }
  // What the re-run left: fsck and the command's own outcome (a whole check per kill point is
  // what the kill needs; the re-run is an ordinary, whole run).
  await ok(home, "after the re-run", "fsck", "--deep");
  await c.finished(home, dir);
}

/** `datamon ...args` against `home`; its stdout, or an error naming `when` and the output. */
async function ok(home: string, when: string, ...args: string[]): Promise<string> {
  const r = await datamonWith(home, {}, ...args);
  if (r.code !== 0) {
    throw new Error(`${when}, datamon ${args.join(" ")} exited ${r.code}: ${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** The non-empty lines of `text`. */
function lines(text: string): string[] {
  return text.split("\n").filter((line) => line !== "");
}

/**
 * Checks that the context of `home` is whole: `fsck --deep` exits 0; every repo's bundles list,
 * its latest resolves (when it has a bundle), and every bundle downloads byte-exact the tree it was made from, with no
 * part file left; every label lists and points at a bundle of its repo.
 */
export async function assertWhole(
  home: string,
  scratch: string,
  c: Pick<CrashCase, "trees" | "newBundleTree">,
  when: string,
): Promise<void> {
  await ok(home, when, "fsck", "--deep");
  for (const repo of lines(await ok(home, when, "repo", "list", "--format", "{{name}}"))) {
    const ids = lines(await ok(home, when, "bundle", "list", "--repo", repo, "--format", "{{id}}"));
    // A repo may have no bundle (as when just created); one that has must resolve its latest.
    if (ids.length > 0) {
      const latest = await ok(home, when, "bundle", "get", "--repo", repo, "--format", "{{id}}");
      assert(ids.includes(latest.trim()), `${when}, the latest bundle of ${repo} is not listed`);
    }
    for (const id of ids) await assertBundleTree(home, scratch, repo, id, c, when);
    const labels = await ok(
      home,
      when,
      "label",
      "list",
      "--repo",
      repo,
      "--format",
      "{{bundleId}}",
    );
    for (const target of lines(labels)) {
      assert(ids.includes(target), `${when}, a label of ${repo} points at a missing bundle`);
    }
  }
}

/** Downloads bundle `id` of `repo` and compares it with the tree it was made from. */
async function assertBundleTree(
  home: string,
  scratch: string,
  repo: string,
  id: string,
  c: Pick<CrashCase, "trees" | "newBundleTree">,
  when: string,
): Promise<void> {
  const tree = c.trees.get(id) ?? c.newBundleTree;
  assert(tree !== undefined, `${when}, repo ${repo} shows bundle ${id} no command made`);
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
  await ok(
    home,
    when,
    "bundle",
    "download",
    "--repo",
    repo,
    "--bundle",
    id,
    "--destination",
    scratch,
  );
  const names = await listTree(scratch);
  assert(!names.some((n) => n.includes(".datamon-part-")), `${when}, a part file is left`);
  try {
    await assertSameTree(tree, scratch);
  } catch (e) {
    throw new Error(`${when}, bundle ${id} of ${repo}: ${(e as Error).message}`);
  }
  await Deno.remove(scratch, { recursive: true });
}

/** Fails with every failure of a crash report, one per line; passes when there are none. */
export function assertNoFailures(name: string, report: CrashReport): void {
  assert(
    report.failures.length === 0,
    `${name}: ${report.failures.length} of ${report.killPoints.length} kill points failed ` +
      `(${report.writes} writes):\n${report.failures.join("\n")}`,
  );
}
