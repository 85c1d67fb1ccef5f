/**
 * Go datamon's documents: the golden texts below are written as gopkg.in/yaml.v2 (v2.4.0,
 * Go datamon's) marshals pkg/model's structs: fields in struct order, omitempty fields left out,
 * sequences flush with their key, timestamps in RFC3339Nano.
 */
import { assert } from "../support/assert.ts";
import { isKind } from "../../lib/errors.ts";
import { nameBytes } from "../../lib/util/byte_names.ts";
import {
  decodeGoBundle,
  decodeGoContext,
  decodeGoFileList,
  decodeGoLabel,
  decodeGoRepo,
  encodeGoBundle,
  encodeGoContext,
  encodeGoFileList,
  encodeGoLabel,
  encodeGoRepo,
  type GoBundleDoc,
  goTimeText,
} from "../../lib/model/go_format.ts";
import {
  goBlobKey,
  goBundleKey,
  goBundlesPrefix,
  goContextKey,
  goFileListKey,
  goLabelKey,
  goLabelsPrefix,
  goRepoKey,
  goWalEntryKey,
} from "../../lib/model/go_keys.ts";

const ID = "1INzQ5TV4vAAfU2PbRFgPfnzEwR";
const HASH = "b9258e91eb29fe42c70262dd2da46dd71385995dbb989e6091328e6be3d9e316" +
  "1ad22d9ad0fbfb71410f9e4730f6ac4482cc592c0bc6011585bd9b0f00b11463";
const RITESH = { name: "Ritesh H Shukla", email: "ritesh@oneconcern.com" };

const CONTEXT_YAML = `name: prod
wal: prod-wal
readlog: prod-read-log
blob: prod-blob
metadata: prod-metadata
vmetadata: prod-v-metadata
version: 1
`;

const REPO_YAML = `name: ritesh-test-repo
description: Ritesh's repo for testing
timestamp: 2019-08-06T23:29:50.123Z
contributor:
  name: Ritesh H Shukla
  email: ritesh@oneconcern.com
`;

const BUNDLE_YAML = `leafSize: 2097152
id: ${ID}
message: The initial commit for the repo
timestamp: 2019-08-06T23:29:50.5Z
contributors:
- name: Ritesh H Shukla
  email: ritesh@oneconcern.com
count: 2
version: 2
deduplication: blake
`;

const FILE_LIST_YAML = `BundleEntries:
- hash: ${HASH}
  name: bundle_upload.go
  mode: 0
  size: 4021
- hash: ${HASH}
  name: "yes"
  mode: 0
  size: 0
`;

const LABEL_YAML = `name: init
id: ${ID}
timestamp: 2019-08-06T23:29:51Z
contributors:
- name: Ritesh H Shukla
  email: ritesh@oneconcern.com
`;

const BUNDLE: GoBundleDoc = {
  id: ID,
  leafSize: 2097152,
  message: "The initial commit for the repo",
  timestamp: new Date("2019-08-06T23:29:50.500Z"),
  contributors: [RITESH],
  fileListCount: 2,
  version: 2,
  deduplication: "blake",
};

Deno.test("Go documents decode from yaml.v2's text", () => {
  assert.deepEqual(decodeGoContext(CONTEXT_YAML, "c"), {
    name: "prod",
    wal: "prod-wal",
    readlog: "prod-read-log",
    blob: "prod-blob",
    metadata: "prod-metadata",
    vmetadata: "prod-v-metadata",
    version: 1,
  });
  assert.deepEqual(decodeGoRepo(REPO_YAML, "r"), {
    name: "ritesh-test-repo",
    description: "Ritesh's repo for testing",
    timestamp: new Date("2019-08-06T23:29:50.123Z"),
    contributor: RITESH,
  });
  assert.deepEqual(decodeGoBundle(BUNDLE_YAML, "b"), BUNDLE);
  assert.deepEqual(decodeGoFileList(FILE_LIST_YAML, "f"), [
    { hash: HASH, name: "bundle_upload.go", mode: 0, size: 4021 },
    { hash: HASH, name: "yes", mode: 0, size: 0 },
  ]);
  assert.deepEqual(decodeGoLabel(LABEL_YAML, "l"), {
    name: "init",
    bundleId: ID,
    timestamp: new Date("2019-08-06T23:29:51Z"),
    contributors: [RITESH],
  });
});

Deno.test("Go documents encode to yaml.v2's text", () => {
  assert.equal(encodeGoContext(decodeGoContext(CONTEXT_YAML, "c")), CONTEXT_YAML);
  assert.equal(encodeGoRepo(decodeGoRepo(REPO_YAML, "r")), REPO_YAML);
  assert.equal(encodeGoBundle(BUNDLE), BUNDLE_YAML);
  assert.equal(encodeGoFileList(decodeGoFileList(FILE_LIST_YAML, "f")), FILE_LIST_YAML);
  assert.equal(encodeGoLabel(decodeGoLabel(LABEL_YAML, "l")), LABEL_YAML);
  assert.equal(encodeGoFileList([]), "BundleEntries: []\n");
});

Deno.test("Go timestamps keep nanosecond text to the millisecond and offsets as instants", () => {
  const doc = decodeGoBundle(
    BUNDLE_YAML.replace("50.5Z", "50.123456789-07:00"),
    "b",
  );
  assert.equal(doc.timestamp?.toISOString(), "2019-08-07T06:29:50.123Z");
  assert.equal(goTimeText(new Date("2019-08-06T23:29:40.000Z")), "2019-08-06T23:29:40Z");
  assert.equal(goTimeText(new Date("2019-08-06T23:29:40.120Z")), "2019-08-06T23:29:40.12Z");
});

Deno.test("fields Go leaves out when empty are optional", () => {
  const repo = decodeGoRepo("name: r\n", "r");
  assert.deepEqual(repo, { name: "r", description: "" });
  assert.equal(encodeGoRepo(repo), "name: r\n");
  const label = decodeGoLabel(`name: l\nid: ${ID}\ncontributors: []\n`, "l");
  assert.deepEqual(label, { name: "l", bundleId: ID, contributors: [] });
  const bundle = decodeGoBundle(
    BUNDLE_YAML.replace(/timestamp: .*\n/, "") + "parents:\n- a\nrunstage: s\n",
    "b",
  );
  assert.equal(bundle.timestamp, undefined);
  assert.deepEqual(bundle.parents, ["a"]);
  assert.equal(bundle.runStage, "s");
});

Deno.test("strings YAML 1.1 would read as something else round-trip quoted", () => {
  const messages = [
    "yes",
    "no",
    "on",
    "null",
    "~",
    "0o17",
    "017",
    "0x1f",
    "1_000",
    "1.5",
    "2019-08-06",
    "a: b",
    "- x",
    "#c",
    "",
    "line1\nline2",
    " lead",
    "trail ",
    "ünïcode ✓",
    "sep\u2028arator",
    "c1\u0085",
    "'q'",
    '"dq"',
    "@at",
    "!tag",
    "&anchor",
    "*alias",
    "{a}",
    "[b]",
  ];
  for (const message of messages) {
    const text = encodeGoBundle({ ...BUNDLE, message });
    assert.equal(decodeGoBundle(text, "b").message, message, text);
  }
});

Deno.test("a file name written as !!binary reads as its UTF-8 text", () => {
  const text = FILE_LIST_YAML.replace("name: bundle_upload.go", "name: !!binary w6kudHh0");
  assert.equal(decodeGoFileList(text, "f")[0].name, "é.txt");
});

Deno.test("a file name written as !!binary that is not UTF-8 reads as its exact bytes", () => {
  const text = FILE_LIST_YAML.replace("name: bundle_upload.go", "name: !!binary /2E=");
  const [entry] = decodeGoFileList(text, "f");
  assert.deepEqual(Array.from(nameBytes(entry.name)), [0xff, 0x61]);
});

/** Asserts that decoding fails with one "integrity" line naming the document and `detail`. */
function assertMalformed(
  decode: (text: string, what: string) => unknown,
  text: string,
  detail: RegExp,
) {
  const what = "bundles/r/x/doc.yaml in file:///s";
  assert.throws(() => decode(text, what), (e) => {
    const message = (e as Error).message;
    assert.ok(isKind(e, "integrity"), message);
    assert.ok(message.includes(what), message);
    assert.match(message, detail);
    assert.ok(!message.includes("\n"), message);
    return true;
  });
}

Deno.test("malformed Go documents are one integrity line naming the key and the field", () => {
  assertMalformed(decodeGoBundle, BUNDLE_YAML.replace("blake\n", "blake3\n"), /"deduplication"/);
  assertMalformed(decodeGoBundle, BUNDLE_YAML.replace("version: 2\n", ""), /version 0/);
  assertMalformed(decodeGoBundle, BUNDLE_YAML.replace("2097152", "10"), /"leafSize"/);
  assertMalformed(decodeGoBundle, BUNDLE_YAML.replace(ID, "not-a-ksuid"), /"id"/);
  assertMalformed(decodeGoBundle, BUNDLE_YAML.replace("count: 2", "count: -1"), /"count"/);
  assertMalformed(
    decodeGoBundle,
    BUNDLE_YAML.replace("  email: r", "  emale: r"),
    /contributors\[0\]\.email/,
  );
  assertMalformed(decodeGoBundle, "leafSize: [", /not valid YAML/);
  assertMalformed(decodeGoBundle, "- a\n", /expected a mapping/);
  assertMalformed(decodeGoContext, CONTEXT_YAML.replace("blob: prod-blob", "blob: ''"), /"blob"/);
  assertMalformed(decodeGoContext, CONTEXT_YAML.replace("version: 1", "version: 2"), /"version"/);
  assertMalformed(decodeGoRepo, REPO_YAML.replace("50.123Z", "50.123Zulu"), /"timestamp"/);
  assertMalformed(decodeGoLabel, LABEL_YAML.replace(`id: ${ID}\n`, ""), /"id"/);
  assertMalformed(
    decodeGoFileList,
    FILE_LIST_YAML.replace(HASH, HASH.slice(64)),
    /BundleEntries\[0\]\.hash/,
  );
  assertMalformed(
    decodeGoFileList,
    FILE_LIST_YAML.replace("size: 4021", "size: -1"),
    /\[0\]\.size/,
  );
  assertMalformed(decodeGoFileList, FILE_LIST_YAML.replace("bundle_upload.go", "../x"), /"\.\."/);
  assertMalformed(
    decodeGoFileList,
    "BundleEntries:\n- 3\n",
    /BundleEntries\[0\]" must be a mapping/,
  );
});

Deno.test("Go keys follow pkg/model's paths", () => {
  assert.equal(goContextKey("prod"), "contexts/prod/context.yaml");
  assert.equal(goRepoKey("r"), "repos/r/repo.yaml");
  assert.equal(goBundlesPrefix("r"), "bundles/r/");
  assert.equal(goBundleKey("r", ID), `bundles/r/${ID}/bundle.yaml`);
  assert.equal(goFileListKey("r", ID, 1), `bundles/r/${ID}/bundle-files-1.yaml`);
  assert.equal(goLabelsPrefix("r"), "labels/r/");
  assert.equal(goLabelKey("r", "init"), "labels/r/init/label.yaml");
  assert.equal(goBlobKey(HASH), HASH);
  assert.equal(goWalEntryKey(ID), ID);
});
