/**
 * The cloud SDKs load only when a context uses their backend, from the source tree, from the
 * code-split bundle (scripts/bundle.sh) and from the compiled binary (scripts/compile.sh's way,
 * run only where DENORT_BIN names a denort: none can be downloaded here), and the bundle and the
 * binary still reach S3 and GCS.
 *
 * How "loaded" is told, without timing: each SDK reads an environment variable while its modules
 * are evaluated (the AWS SDK AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA, Google's
 * GOOGLE_SDK_NODE_LOGGING). The program runs with `--deny-env` on those two, so evaluating
 * either SDK throws NotCapable and the command fails. The control tests show the check can
 * fail: a command on an S3 or GCS context, under the same flag, does fail naming the variable;
 * should an SDK upgrade stop reading it, the controls fail and this check needs a new marker.
 * A binary takes no runtime flags, so its test copy is compiled with the `--deny-env` built in.
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { CLI_PERMISSIONS } from "../support/cli.ts";
import { freshStoreUrl } from "../support/servers.ts";
import { withTempDir } from "../support/fixtures.ts";

const root = new URL("../..", import.meta.url).pathname;
const AWS_MARKER = "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA";
const GOOGLE_MARKER = "GOOGLE_SDK_NODE_LOGGING";
const NO_SDK = `--deny-env=${AWS_MARKER},${GOOGLE_MARKER}`;

let bundled: Promise<string> | undefined;

/** dist/datamon.js built once for this file into a temp directory (the tree's may be stale). */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const dist = await Deno.makeTempDir({ prefix: "datamon-lazy-bundle-" });
    const out = await new Deno.Command("bash", {
      args: [`${root}scripts/bundle.sh`],
      env: { DATAMON_DIST: dist },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(`bundle failed: ${new TextDecoder().decode(out.stderr)}`);
    globalThis.addEventListener("unload", () => Deno.removeSync(dist, { recursive: true }));
    return `${dist}/datamon.js`;
  })();
  return bundled;
}

const DENORT = Deno.env.get("DENORT_BIN");

let compiled: Promise<string> | undefined;

/**
 * The bundle compiled as scripts/compile.sh compiles it, with the SDK markers' environment
 * denied (a binary takes no runtime flags), into a temp directory.
 */
function binary(): Promise<string> {
  compiled ??= (async () => {
    const entry = await bundle();
    const output = `${entry.slice(0, -".js".length)}-no-sdk`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "--quiet",
        "--no-check",
        "--output",
        output,
        ...CLI_PERMISSIONS,
        NO_SDK,
        entry,
      ],
      env: { DENORT_BIN: DENORT! },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (out.code !== 0) throw new Error(`compile failed: ${new TextDecoder().decode(out.stderr)}`);
    return output;
  })();
  return compiled;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `program ...args` with the program's permissions (and `extra` flags), DATAMON_HOME `home`; a
 * compiled program (no .ts or .js) runs itself, with the permissions built in.
 */
async function run(program: string, home: string, extra: string[], ...args: string[]) {
  const script = /\.(ts|js)$/.test(program);
  const command = script ? Deno.execPath() : program;
  const deno = ["run", "--quiet", "--no-prompt", ...CLI_PERMISSIONS, ...extra, program];
  const out = await new Deno.Command(command, {
    args: script ? [...deno, ...args] : args,
    env: {
      DATAMON_HOME: home,
      DATAMON_CONFIG: `${home}/config.yaml`,
      DATAMON_NAME: "Test User",
      DATAMON_EMAIL: "test@example.com",
      NO_COLOR: "1",
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  } satisfies Run;
}

function assertOk(r: Run, what: string): void {
  assertEquals(r.code, 0, `${what} exited ${r.code}\n${r.stderr}${r.stdout}`);
}

/** The program of a target; the binary has the SDK markers denied already. */
async function programOf(target: "source" | "bundle" | "binary"): Promise<string> {
  if (target === "source") return `${root}main.ts`;
  return target === "bundle" ? await bundle() : await binary();
}

for (const target of ["source", "bundle", "binary"] as const) {
  Deno.test({
    name: `${target}: version and repo list on the local store evaluate neither cloud SDK`,
    ignore: target === "binary" && !DENORT,
    fn: () =>
      withTempDir(async (home) => {
        const program = await programOf(target);
        const version = await run(program, home, [NO_SDK], "version");
        assertOk(version, "version");
        assertMatch(version.stdout, /^datamon \d/);
        assertOk(
          await run(program, home, [NO_SDK], "repo", "create", "--repo", "r"),
          "repo create",
        );
        const list = await run(program, home, [NO_SDK], "repo", "list", "--format", "{{name}}");
        assertOk(list, "repo list");
        assertEquals(list.stdout.trim(), "r");
      }),
  });
}

const V8_CODE_LOG = (log: string) =>
  `--v8-flags=--log-code,--logfile=${log},--no-logfile-per-isolate`;

/** The script names of V8's code log `log` (files, chunks, Deno's `ext:` modules, `node:` ones). */
async function scriptsIn(log: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const line of (await Deno.readTextFile(log)).split("\n")) {
    if (line.startsWith("script-source,")) names.add(line.split(",", 3)[2]);
  }
  await Deno.remove(log);
  return names;
}

/**
 * Deno's Node modules behind node:url, node:path and node:process: the Node compatibility layer
 * that `repo list` started for three path functions and yaml's CommonJS build (which requires
 * node:process and reads process.env on every parse), ~45 ms of its start-up.
 */
const NODE_LAYER_MARKERS = ["ext:deno_node/url.ts", "ext:deno_node/path/mod.ts", "node:process"];

Deno.test("the code log names the Node modules of node:url, node:path and node:process (the check below can fail)", () =>
  withTempDir(async (dir) => {
    const log = `${dir}/v8-code.log`;
    const code = 'import "node:url"; import "node:path"; process.getBuiltinModule("node:process");';
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", V8_CODE_LOG(log), code],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const loaded = await scriptsIn(log);
    for (const marker of NODE_LAYER_MARKERS) assert(loaded.has(marker), `${marker} not in the log`);
  }));

/** Deno's Node compatibility modules among script names. */
const nodeModules = (names: Set<string>) =>
  [...names].filter((name) => name.startsWith("node:") || name.startsWith("ext:deno_node/"));

Deno.test("bundle: repo, label, context and bundle list on the local store load no Node module that version does not", () =>
  withTempDir(async (home) => {
    const program = await bundle();
    assertOk(await run(program, home, [], "repo", "create", "--repo", "r"), "repo create");
    const log = `${home}/v8-code.log`;
    assertOk(await run(program, home, [V8_CODE_LOG(log)], "version"), "version");
    const cli = new Set(nodeModules(await scriptsIn(log)));
    // commander's node:events (scripts/bundle_require.js): the log does show Node modules.
    assert(cli.has("ext:deno_node/_events.mjs"), "version loaded no Node module at all");
    const lists = [
      ["repo", "list"],
      ["label", "list", "--repo", "r"],
      ["context", "list"],
      // The bundle group's transfer paths (hash-wasm reads Buffer as it loads) load when they run.
      ["bundle", "list", "--repo", "r"],
    ];
    for (const args of lists) {
      const list = await run(program, home, [V8_CODE_LOG(log)], ...args);
      assertOk(list, args.join(" "));
      const loaded = await scriptsIn(log);
      for (const marker of NODE_LAYER_MARKERS) {
        assert(!loaded.has(marker), `${args.join(" ")} loaded ${marker}`);
      }
      const more = nodeModules(loaded).filter((name) => !cli.has(name));
      assertEquals(more, [], `${args.join(" ")} loaded Node modules that version does not`);
    }
  }));

/** In `home`, a context "c" on a fresh `backend` store with repo "r", made by the bundle. */
async function contextWithRepo(backend: "s3" | "gcs", home: string) {
  const program = await bundle();
  const store = await freshStoreUrl(backend);
  const create = ["context", "create", "--context", "c", "--store", store.url, "--skip-auth"];
  assertOk(await run(program, home, [], ...create), "context create");
  const repo = ["repo", "create", "--repo", "r", "--context", "c", "--skip-auth"];
  assertOk(await run(program, home, [], ...repo), "repo create");
  return store;
}

const LIST_ON_CONTEXT = ["repo", "list", "--context", "c", "--format", "{{name}}"];

for (
  const [backend, marker] of [["s3", AWS_MARKER], ["gcs", GOOGLE_MARKER]] as const
) {
  Deno.test(`bundle: a context on ${backend} works, and loads that SDK (the check above can fail)`, () =>
    withTempDir(async (home) => {
      const program = await bundle();
      const store = await contextWithRepo(backend, home);
      try {
        const list = await run(program, home, [], ...LIST_ON_CONTEXT);
        assertOk(list, "repo list");
        assertEquals(list.stdout.trim(), "r");
        const denied = await run(program, home, [NO_SDK], ...LIST_ON_CONTEXT);
        assert(denied.code !== 0, `repo list on ${backend} ran without evaluating its SDK`);
        assertMatch(denied.stderr, new RegExp(marker));
      } finally {
        await store.cleanup();
      }
    }));

  Deno.test({
    name: `binary: a context on ${backend} loads that SDK (the binary's check can fail)`,
    ignore: !DENORT,
    fn: () =>
      withTempDir(async (home) => {
        const store = await contextWithRepo(backend, home);
        try {
          const denied = await run(await binary(), home, [], ...LIST_ON_CONTEXT);
          assert(denied.code !== 0, `repo list on ${backend} ran without evaluating its SDK`);
          assertMatch(denied.stderr, new RegExp(marker));
        } finally {
          await store.cleanup();
        }
      }),
  });
}
