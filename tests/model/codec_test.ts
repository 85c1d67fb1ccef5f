import { assert } from "../support/assert.ts";
import { parse } from "yaml";
import { isKind } from "../../lib/errors.ts";
import {
  decodeBundle,
  decodeConfig,
  decodeContext,
  decodeLabelRecord,
  decodeRepo,
  encodeBundle,
  encodeConfig,
  encodeContext,
  encodeLabelRecord,
  encodeRepo,
} from "../../lib/model/codec.ts";
import { ksuidGenerator } from "../../lib/model/ksuid.ts";
import type { BundleDoc, ContextDoc, LabelRecord, RepoDoc } from "../../lib/model/types.ts";

const makeId = ksuidGenerator();
const contributor = { name: "Ada Lovelace", email: "ada@example.com" };

const context: ContextDoc = {
  name: "dev",
  blob: "file:///data/blob",
  metadata: "s3://bucket/meta",
  vmetadata: "gs://bucket/vmeta",
  wal: "file:///data/wal",
  readlog: "file:///data/readlog",
};

const repo: RepoDoc = {
  name: "ml-data",
  description: "training data: images\nand labels",
  timestamp: new Date("2024-05-01T10:20:30.456Z"),
  contributor,
};

const bundle: BundleDoc = {
  id: makeId(),
  repo: "ml-data",
  message: "yes", // a word YAML 1.1 reads as true: must survive as a string
  timestamp: new Date("2024-05-01T10:20:31.000Z"),
  contributors: [contributor, { name: "Bob", email: "" }],
  leafSize: 2 * 1024 * 1024,
  deduplication: "blake3",
  formatVersion: 1,
  fileListCount: 3,
  fileCount: 2345,
  totalSize: 12_345_678_901,
};

const label: LabelRecord = {
  id: makeId(),
  name: "prod",
  repo: "ml-data",
  bundleId: bundle.id,
  timestamp: new Date("2024-05-02T00:00:00.000Z"),
  contributor,
};

/** Asserts that `f` throws a DatamonError of `kind` whose message starts "malformed {what}: ". */
function assertMalformed(
  f: () => unknown,
  what: string,
  kind: "integrity" | "config" = "integrity",
) {
  assert.throws(f, (e) => {
    assert.ok(isKind(e, kind), `expected ${kind}, got ${e}`);
    assert.ok(e.message.startsWith(`malformed ${what}: `), e.message);
    assert.ok(!e.message.includes("\n"), `one line: ${JSON.stringify(e.message)}`);
    return true;
  });
}

Deno.test("a context round-trips through its YAML", () => {
  assert.deepEqual(decodeContext(encodeContext(context), "ctx"), context);
});

Deno.test("a repo round-trips through its YAML", () => {
  assert.deepEqual(decodeRepo(encodeRepo(repo), "repo"), repo);
});

Deno.test("a bundle round-trips through its YAML", () => {
  assert.deepEqual(decodeBundle(encodeBundle(bundle), "bundle"), bundle);
});

Deno.test("a label record round-trips through its YAML", () => {
  assert.deepEqual(decodeLabelRecord(encodeLabelRecord(label), "label"), label);
});

Deno.test("a config round-trips through its YAML, absent fields left out", () => {
  const full = {
    config: "file:///home/u/.datamon",
    context: "dev",
    name: "Ada",
    email: "a@b.c",
    concurrency: 8,
  };
  assert.deepEqual(decodeConfig(encodeConfig(full), "config"), full);
  assert.equal(encodeConfig({ context: "dev" }), "context: dev\n");
  assert.deepEqual(decodeConfig(encodeConfig({}), "config"), {});
});

Deno.test("bundle.yaml uses datamon's lowercase field names and ISO times", () => {
  const yaml = parse(encodeBundle(bundle));
  assert.deepEqual(Object.keys(yaml), [
    "id",
    "repo",
    "message",
    "timestamp",
    "contributors",
    "leafsize",
    "deduplication",
    "formatversion",
    "bundleentriesfilecount",
    "filecount",
    "totalsize",
  ]);
  assert.equal(yaml.timestamp, "2024-05-01T10:20:31.000Z");
  assert.equal(yaml.message, "yes");
  assert.equal(yaml.formatversion, 1);
  assert.deepEqual(yaml.contributors[0], { name: "Ada Lovelace", email: "ada@example.com" });
});

Deno.test("a label record keeps Go datamon's meaning of id: the labelled bundle", () => {
  const yaml = parse(encodeLabelRecord(label));
  assert.equal(yaml.id, label.bundleId);
  assert.equal(yaml.recordid, label.id);
});

Deno.test("a bundle.yaml written by another tool decodes, extra fields ignored", () => {
  const text = [
    `id: ${bundle.id}`,
    "repo: ml-data",
    "message: 'first upload'",
    "timestamp: 2019-05-02T17:50:05.123456789-07:00",
    "contributors:",
    "  - name: Ada",
    "    email: ada@example.com",
    "leafsize: 2097152",
    "deduplication: blake3",
    "formatversion: 1",
    "bundleentriesfilecount: 1",
    "filecount: 10",
    "totalsize: 1000",
    "parents: []",
    "",
  ].join("\n");
  const doc = decodeBundle(text, "bundle.yaml");
  assert.equal(doc.message, "first upload");
  assert.equal(doc.timestamp.toISOString(), "2019-05-03T00:50:05.123Z");
  assert.deepEqual(doc.contributors, [{ name: "Ada", email: "ada@example.com" }]);
});

/** The encoded document with one top-level field replaced (undefined: removed). */
function withField(text: string, key: string, value: unknown): string {
  const doc = parse(text);
  if (value === undefined) delete doc[key];
  else doc[key] = value;
  return JSON.stringify(doc);
}

Deno.test("decoders reject text that is not a YAML mapping", () => {
  const decoders = [decodeContext, decodeRepo, decodeBundle, decodeLabelRecord];
  for (const decode of decoders) {
    for (const text of ["a: [1, 2", "- 1\n- 2\n", "just text", "", "a: 1\na: 2\n"]) {
      assertMalformed(() => decode(text, "some/key.yaml"), "some/key.yaml");
    }
  }
});

Deno.test("decodeContext rejects missing, empty or mistyped fields", () => {
  const text = encodeContext(context);
  for (
    const [key, value] of [["name", undefined], ["name", "a/b"], ["blob", ""], ["wal", 3], [
      "readlog",
      undefined,
    ]]
  ) {
    assertMalformed(
      () => decodeContext(withField(text, key as string, value), "ctx.yaml"),
      "ctx.yaml",
    );
  }
});

Deno.test("decodeRepo rejects missing or mistyped fields", () => {
  const text = encodeRepo(repo);
  const cases: [string, unknown][] = [
    ["name", undefined],
    ["name", "../x"],
    ["description", 5],
    ["timestamp", "yesterday"],
    ["timestamp", undefined],
    ["contributor", "Ada"],
    ["contributor", { name: "Ada" }],
  ];
  for (const [key, value] of cases) {
    assertMalformed(() => decodeRepo(withField(text, key, value), "repo.yaml"), "repo.yaml");
  }
});

Deno.test("decodeBundle rejects missing or mistyped fields and other formats", () => {
  const text = encodeBundle(bundle);
  const cases: [string, unknown][] = [
    ["id", "latest"],
    ["id", undefined],
    ["repo", ""],
    ["message", null],
    ["timestamp", 1714558831],
    ["contributors", contributor],
    ["contributors", [contributor, "Bob"]],
    ["contributors", [{ name: "Bob", email: 7 }]],
    ["leafsize", 0],
    ["leafsize", "2MiB"],
    ["deduplication", "sha256"],
    ["formatversion", 5],
    ["formatversion", undefined],
    ["bundleentriesfilecount", -1],
    ["filecount", 1.5],
    ["totalsize", 2 ** 60],
  ];
  for (const [key, value] of cases) {
    assertMalformed(() => decodeBundle(withField(text, key, value), "b.yaml"), "b.yaml");
  }
});

Deno.test("bundle.yaml keeps the file lists' checksums, optional and one per list", () => {
  const sums = ["0a".repeat(32), "1b".repeat(32), "2c".repeat(32)];
  const text = encodeBundle({ ...bundle, fileListChecksums: sums });
  assert.deepEqual(parse(text).bundleentrieschecksums, sums);
  assert.deepEqual(decodeBundle(text, "b.yaml").fileListChecksums, sums);
  assert.equal(decodeBundle(encodeBundle(bundle), "b.yaml").fileListChecksums, undefined);
  for (const bad of [sums.slice(1), [...sums.slice(1), "XY".repeat(32)], "0a".repeat(32)]) {
    assertMalformed(
      () => decodeBundle(withField(text, "bundleentrieschecksums", bad), "b.yaml"),
      "b.yaml",
    );
  }
});

Deno.test("decodeBundle names the field and the value it rejects", () => {
  const text = withField(encodeBundle(bundle), "leafsize", "big");
  assert.throws(
    () => decodeBundle(text, "bundles/r/x/bundle.yaml"),
    {
      message:
        'malformed bundles/r/x/bundle.yaml: field "leafsize" must be an integer >= 1, got "big"',
    },
  );
  const nested = JSON.stringify({ ...parse(encodeBundle(bundle)), contributors: [{ name: "A" }] });
  assert.throws(() => decodeBundle(nested, "b"), {
    message: /field "contributors\[0\]\.email" must be a string, it is missing/,
  });
});

Deno.test("decodeLabelRecord rejects missing or mistyped fields", () => {
  const text = encodeLabelRecord(label);
  for (
    const [key, value] of [["recordid", undefined], ["id", "nope"], ["name", "a b"], ["repo", 1], [
      "contributor",
      null,
    ]]
  ) {
    assertMalformed(
      () => decodeLabelRecord(withField(text, key as string, value), "l.yaml"),
      "l.yaml",
    );
  }
});

Deno.test("decodeConfig reads an empty file as an empty config", () => {
  assert.deepEqual(decodeConfig("", "config.yaml"), {});
  assert.deepEqual(decodeConfig("# nothing yet\n", "config.yaml"), {});
});

Deno.test("decodeConfig rejects unknown fields and bad values as a config error", () => {
  for (
    const text of [
      "contxt: dev\n",
      "concurrency: 0\n",
      "concurrency: many\n",
      "context: a/b\n",
      "config: ''\n",
      "email: [1]\n",
      "- a\n",
      "a: [",
    ]
  ) {
    assertMalformed(
      () => decodeConfig(text, "~/.datamon/config.yaml"),
      "~/.datamon/config.yaml",
      "config",
    );
  }
});

Deno.test("encoders refuse documents that could not be read back", () => {
  assertMalformed(() => encodeRepo({ ...repo, name: "a/b" }), "repo to write");
  assertMalformed(() => encodeRepo({ ...repo, timestamp: new Date(NaN) }), "repo to write");
  assertMalformed(() => encodeBundle({ ...bundle, totalSize: -1 }), "bundle to write");
  assertMalformed(() => encodeBundle({ ...bundle, formatVersion: 5 }), "bundle to write");
  assertMalformed(() => encodeLabelRecord({ ...label, bundleId: "x" }), "label record to write");
  assertMalformed(() => encodeContext({ ...context, blob: "" }), "context to write");
  assertMalformed(() => encodeConfig({ concurrency: 0 }), "config to write", "config");
});

Deno.test("decodeBundle reads format versions 1 to 4", () => {
  for (const formatVersion of [1, 2, 3, 4]) {
    assert.equal(
      decodeBundle(encodeBundle({ ...bundle, formatVersion }), "b").formatVersion,
      formatVersion,
    );
  }
});

Deno.test("a bundle of a newer format is refused with one line asking for an upgrade", () => {
  assert.throws(
    () => decodeBundle(withField(encodeBundle(bundle), "formatversion", 5), "b.yaml"),
    (e) => {
      assert.equal(
        (e as Error).message,
        "malformed b.yaml: formatversion 5 is not supported (this datamon reads 1, 2, 3, 4); " +
          "upgrade datamon",
      );
      return true;
    },
  );
});
