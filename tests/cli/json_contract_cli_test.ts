/**
 * The JSON contract (README "JSON output"): each command that prints data is run with --json on
 * a small local context, and the exact keys of what it prints, with their types, are pinned.
 */
import { assert, assertEquals } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { datamon, datamonOk, upload } from "../support/cli.ts";

/**
 * What a JSON value must be: a type word, `[shape]` for a list of such values, or an object
 * of shapes whose keys are exactly these (a key ending in "?" may be absent).
 */
type Shape = TypeWord | readonly [Shape] | { readonly [key: string]: Shape };
type Fields = Record<string, Shape>;
/** `time`: an ISO-8601 string; `mode`: octal permission bits; `map`: an object of anything. */
type TypeWord = "string" | "number" | "boolean" | "null" | "time" | "mode" | "map" | "any";

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function isList(shape: Shape): shape is readonly [Shape] {
  return Array.isArray(shape);
}

/** Where `value` differs from `shape`, one line per difference naming the path. */
function mismatches(value: unknown, shape: Shape, path = "$"): string[] {
  if (isList(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected a list, got ${JSON.stringify(value)}`];
    return value.flatMap((item, i) => mismatches(item, shape[0], `${path}[${i}]`));
  }
  if (typeof shape === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return [`${path}: expected an object, got ${JSON.stringify(value)}`];
    }
    const record = value as Record<string, unknown>;
    const wanted = new Map(Object.entries(shape).map(([k, s]) => [k.replace(/\?$/, ""), s]));
    const problems = Object.keys(record)
      .filter((key) => !wanted.has(key))
      .map((key) => `${path}.${key}: not in the contract`);
    for (const [key, fieldShape] of Object.entries(shape)) {
      const name = key.replace(/\?$/, "");
      if (!(name in record)) {
        if (!key.endsWith("?")) problems.push(`${path}.${name}: missing`);
      } else problems.push(...mismatches(record[name], fieldShape, `${path}.${name}`));
    }
    return problems;
  }
  return typeMatches(value, shape)
    ? []
    : [`${path}: expected ${shape}, got ${JSON.stringify(value)}`];
}

function typeMatches(value: unknown, word: TypeWord): boolean {
  switch (word) {
    case "any":
      return true;
    case "null":
      return value === null;
    case "time":
      return typeof value === "string" && TIME.test(value);
    case "mode":
      return typeof value === "string" && /^[0-7]{4}$/.test(value);
    case "map":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
  }
}

/** Fails naming every difference between `value` and `shape`. */
function assertShape(value: unknown, shape: Shape): void {
  const problems = mismatches(value, shape);
  assert(problems.length === 0, `${problems.join("\n")}\nin ${JSON.stringify(value, null, 2)}`);
}

/** A document of the contract: `shape` with its schema version. */
function doc(shape: Fields): Fields {
  return { schemaVersion: "number", ...shape };
}

const CONTRIBUTOR: Fields = { name: "string", email: "string", "identity?": "string" };
const REQUESTS: Fields = {
  total: "number",
  operations: "map",
  bytesSent: "number",
  bytesReceived: "number",
};

/** What storing files cost: `bundle upload` and `diamond split add`. */
const STORED: Fields = {
  leavesStored: "number",
  leavesDeduplicated: "number",
  bytesStored: "number",
  packsStored: "number",
  requests: REQUESTS,
  skipped: [{ name: "string", reason: "string" }],
};

const BUNDLE: Fields = {
  id: "string",
  repo: "string",
  message: "string",
  time: "time",
  contributors: [CONTRIBUTOR],
  leafSize: "number",
  deduplication: "string",
  formatVersion: "number",
  fileListCount: "number",
  fileListChecksums: ["string"],
  fileCount: "number",
  totalSize: "number",
  repoIncarnation: "string",
  "inputs?": [{ repo: "string", bundle: "string" }],
};

const ENTRY: Fields = {
  name: "string",
  mode: "mode",
  mtime: "time",
  "size?": "number",
  "key?": "string",
  "pack?": { id: "string", offset: "number" },
  "kind?": "string",
  "target?": "string",
};

const LABEL: Fields = {
  id: "string",
  name: "string",
  repo: "string",
  bundle: "string",
  time: "time",
  contributors: [CONTRIBUTOR],
};

const REPO: Fields = {
  name: "string",
  description: "string",
  time: "time",
  contributors: [CONTRIBUTOR],
  incarnation: "string",
};

const CONTEXT: Fields = {
  name: "string",
  blob: "string",
  metadata: "string",
  vmetadata: "string",
  wal: "string",
  readlog: "string",
};

const DIAMOND: Fields = {
  id: "string",
  state: "string",
  tag: "string",
  time: "time",
  bundle: "string",
  mode: "string",
  conflicts: "number",
  checkpoints: "number",
};

const SPLIT: Fields = {
  split: "string",
  state: "string",
  generation: "string",
  runs: "number",
  tag: "string",
  path: "string",
  time: "time",
  files: "number",
  size: "number",
  error: "string",
};

/** A list whose every element is a document of `shape`, and which has at least one. */
function list(shape: Fields): Shape {
  return [doc(shape)];
}

Deno.test("every command that prints data prints the documented JSON: exact keys and types, schemaVersion 1 on each document and list element", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const json = async (...args: string[]) => {
      const value = JSON.parse(await datamonOk(home, ...args, "--json"));
      for (const item of Array.isArray(value) ? value : [value]) {
        assertEquals(item.schemaVersion, 1, `${args.join(" ")}: ${JSON.stringify(item)}`);
      }
      return value;
    };
    /** Runs `args` with --json and checks its output against `shape`; returns the output. */
    const pin = async (shape: Shape, ...args: string[]) => {
      const value = await json(...args);
      if (Array.isArray(value)) assert(value.length > 0, `${args.join(" ")} printed no rows`);
      assertShape(value, shape);
      return value;
    };
    await writeTree(`${dir}/src`, { "a.txt": "a", "bin/tool": "#!/bin/sh\n" });
    await Deno.chmod(`${dir}/src/bin/tool`, 0o755);

    await pin(doc(REPO), "repo", "create", "--repo", "r", "--description", "d");
    const uploaded = await pin(
      doc({
        ...BUNDLE,
        ...STORED,
        label: "string",
      }),
      "bundle",
      "upload",
      "--repo",
      "r",
      "--path",
      `${dir}/src`,
      "--message",
      "first",
      "--label",
      "L",
    );
    const first: string = uploaded.id;
    await Deno.writeTextFile(`${dir}/src/a.txt`, "changed");
    const second = await upload(home, "r", `${dir}/src`, "second");

    await pin(doc(REPO), "repo", "get", "--repo", "r");
    await pin(list(REPO), "repo", "list");
    await pin(list({ ...REPO, size: "number" }), "repo", "list", "--with-size");
    await pin(doc(BUNDLE), "bundle", "get", "--repo", "r");
    await pin(list(BUNDLE), "bundle", "list", "--repo", "r");
    const files = await pin(list(ENTRY), "bundle", "list", "files", "--repo", "r");
    assertEquals(
      files.map((f: { name: string; mode: string }) => [f.name, f.mode]),
      [["a.txt", "0644"], ["bin/tool", "0755"]],
    );
    const changes = await pin(
      list({ kind: "string", name: "string", "entry?": ENTRY, "oldSize?": "number" }),
      "bundle",
      "diff",
      "--repo",
      "r",
      "--bundle",
      first,
      "--with-bundle",
      second,
    );
    assertEquals(changes.map((c: { kind: string }) => c.kind), ["changed"]);
    await Deno.writeTextFile(`${dir}/src/new.txt`, "new");
    await pin(
      list({ kind: "string", name: "string", "entry?": ENTRY, "oldSize?": "number" }),
      "bundle",
      "diff",
      "--repo",
      "r",
      "--destination",
      `${dir}/src`,
    );
    const planned: Fields = { action: "string", name: "string", "size?": "number" };
    await pin(
      list(planned),
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/dry`,
      "--dry-run",
    );
    await pin(
      doc({
        bundle: "string",
        destination: "string",
        files: "number",
        bytes: "number",
        redacted: "number",
        requests: REQUESTS,
      }),
      "bundle",
      "download",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
    );
    await pin(
      doc({ bundle: "string", added: "number", deleted: "number", updated: "number" }),
      "bundle",
      "update",
      "--repo",
      "r",
      "--destination",
      `${dir}/out`,
      "--bundle",
      first,
    );

    const label = await pin(
      doc(LABEL),
      "label",
      "set",
      "--repo",
      "r",
      "--label",
      "L",
      "--bundle",
      second,
    );
    assertEquals(label.bundle, second);
    await pin(doc(LABEL), "label", "get", "--repo", "r", "--label", "L");
    await pin(list(LABEL), "label", "get", "--repo", "r", "--label", "L", "--history");
    await pin(list(LABEL), "label", "list", "--repo", "r");

    await pin(
      doc(CONTEXT),
      "context",
      "create",
      "--context",
      "other",
      "--store",
      `file://${dir}/other`,
    );
    await pin(doc(CONTEXT), "context", "get");
    await pin(list({ ...CONTEXT, current: "boolean" }), "context", "list");
    await pin(
      list({ key: "string", value: "any", source: "string", from: "any" }),
      "config",
      "get",
    );

    const audit = await pin(
      list({
        kind: "string",
        id: "string",
        actor: CONTRIBUTOR,
        operation: "string",
        key: "string",
        store: "string",
        time: "time",
        "repo?": "string",
        "bundle?": "string",
      }),
      "log",
      "--repo",
      "r",
      "--kind",
      "write",
    );
    assert(audit.some((r: { bundle?: string }) => r.bundle === first));
    await pin(
      doc({
        root: { repo: "string", bundle: "string" },
        direction: "string",
        nodes: [{ repo: "string", bundle: "string", message: "string", time: "time" }],
        edges: [{ from: "map", to: "map" }],
      }),
      "lineage",
      "--repo",
      "r",
    );
    await pin(
      list({ repo: "string", id: "string", time: "time", message: "string", labels: ["string"] }),
      "repo",
      "squash",
      "--repo",
      "r",
      "--dry-run",
    );

    const diamond = await pin(
      doc({
        id: "string",
        repo: "string",
        "tag?": "string",
        time: "time",
        contributors: [CONTRIBUTOR],
      }),
      "diamond",
      "initialize",
      "--repo",
      "r",
    );
    const split = await pin(
      doc({
        split: "string",
        generation: "string",
        ...STORED,
        done: "map",
      }),
      ...[
        "diamond",
        "split",
        "add",
        "--repo",
        "r",
        "--diamond",
        diamond.id,
        "--path",
        `${dir}/src`,
      ],
    );
    const splitArgs = ["--repo", "r", "--diamond", diamond.id];
    await pin(doc(SPLIT), "diamond", "split", "get", ...splitArgs, "--split", split.split);
    await pin(list(SPLIT), "diamond", "split", "list", ...splitArgs);
    await pin(
      doc({ bundle: "string", conflicts: "number", checkpoints: "number", excluded: ["string"] }),
      ...["diamond", "commit", ...splitArgs, "--message", "merged"],
    );
    await pin(doc(DIAMOND), "diamond", "get", ...splitArgs);
    await pin(list(DIAMOND), "diamond", "list", "--repo", "r");

    await pin(
      doc({
        version: "string",
        build: "string",
        buildKind: "string",
        deno: "string",
        v8: "string",
        os: "string",
        arch: "string",
      }),
      "version",
    );
    await pin(
      doc({
        ok: "boolean",
        checks: [{ name: "string", status: "string", detail: "string", "fix?": "string" }],
      }),
      "doctor",
    );
    assertEquals(await json("fsck"), []);

    await writeTree(`${dir}/gone`, { "g.txt": "only in a deleted repo" });
    await datamonOk(home, "repo", "create", "--repo", "gone");
    await datamonOk(
      home,
      "bundle",
      "upload",
      "--repo",
      "gone",
      "--path",
      `${dir}/gone`,
      "--message",
      "g",
    );
    await datamonOk(home, "repo", "delete", "--repo", "gone", "--force-yes");
    const counts: Fields = { batches: "number", objects: "number", bytes: "number" };
    await pin(
      doc({
        dryRun: "boolean",
        bundles: "number",
        contexts: "number",
        liveKeys: "number",
        livePacks: "number",
        quarantined: "number",
        bytesQuarantined: "number",
        keptYoung: "number",
        partlyDeadPacks: "number",
        deadPackBytes: "number",
        temporariesRemoved: "number",
        temporaryBytesFreed: "number",
        "batch?": "string",
        quarantine: { finished: "number", restored: "number", expired: counts },
        uncommitted: { directories: "number", objects: "number" },
      }),
      ...["purge", "--grace", "0s", "--unsafe-grace"],
    );
    await pin(
      list({
        id: "string",
        time: "time",
        whole: "boolean",
        objects: "number",
        bytes: "number",
        deletableAfter: "time",
      }),
      "purge",
      "list",
    );
    await pin(doc({ dryRun: "boolean", ...counts }), "purge", "restore", "--dry-run");

    await Deno.remove(`${home}/data/blob/packs`, { recursive: true });
    const fsck = await datamon(home, "fsck", "--json");
    assertEquals(fsck.code, 9, fsck.stderr);
    const damage = JSON.parse(fsck.stdout);
    assert(damage.length > 0, fsck.stdout);
    assertShape(
      damage,
      list({
        repo: "string",
        bundle: "string",
        "path?": "string",
        problem: "string",
        "quarantinedBy?": "string",
        "restored?": "boolean",
      }),
    );
  }));

Deno.test("--format templates name the contract's fields, and Go's names reach them", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    await writeTree(`${dir}/src`, { "a.txt": "a" });
    await datamonOk(home, "repo", "create", "--repo", "r");
    const id = await upload(home, "r", `${dir}/src`, "m", "--label", "L");
    const ours = await datamonOk(
      home,
      "label",
      "list",
      "--repo",
      "r",
      "--format",
      "{{bundle}} {{time}}",
    );
    const go = await datamonOk(
      home,
      "label",
      "list",
      "--repo",
      "r",
      "--format",
      "{{.BundleID}} {{.Timestamp}}",
    );
    assertEquals(go, ours);
    assert(ours.startsWith(`${id} `), ours);
    const repo = await datamonOk(
      home,
      "repo",
      "get",
      "--repo",
      "r",
      "--format",
      "{{.Contributor.Name}}",
    );
    assertEquals(repo, "Test User\n");
  }));

Deno.test("--json on a list command that fails prints nothing on stdout", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    for (
      const args of [["bundle", "list", "--repo", "missing"], [
        "label",
        "list",
        "--repo",
        "missing",
      ]]
    ) {
      const r = await datamon(home, ...args, "--json");
      assert(r.code !== 0, `${args.join(" ")} exited 0`);
      assertEquals(r.stdout, "", args.join(" "));
    }
  }));
