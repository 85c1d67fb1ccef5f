import { assert, assertThrowsKind } from "../support/assert.ts";
import { parse, stringify } from "yaml";
import { isKind } from "../../lib/errors.ts";
import {
  decodeFileList,
  decodeTreeList,
  encodeFileList,
  entryFormatVersion,
} from "../../lib/model/codec.ts";
import { nameFromBytes } from "../../lib/util/byte_names.ts";
import type { FileEntry, TreeEntry } from "../../lib/model/types.ts";
import { entriesOf, HASH } from "../support/file_entries.ts";

/** The document as the yaml library would write it: not the one-line-per-entry shape. */
function yamlLibraryText(entries: FileEntry[]): string {
  return stringify({
    BundleEntries: entries.map((e) => ({
      name: e.name,
      hash: e.key,
      size: e.size,
      mode: e.mode,
      mtime: e.mtime.toISOString(),
    })),
  });
}

function assertIntegrity(f: () => unknown, what: string, pattern: RegExp) {
  assert.throws(f, (e) => {
    assert.ok(isKind(e, "integrity"), `expected integrity, got ${e}`);
    assert.ok(e.message.startsWith(`malformed ${what}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("a file list round-trips, odd names included", () => {
  const entries = entriesOf(1000);
  assert.deepEqual(decodeFileList(encodeFileList(entries), "list"), entries);
});

Deno.test("an empty file list round-trips", () => {
  assert.equal(encodeFileList([]), "BundleEntries: []\n");
  assert.deepEqual(decodeFileList(encodeFileList([]), "list"), []);
});

Deno.test("a file list is written one entry a line under BundleEntries", () => {
  const lines = encodeFileList(entriesOf(20)).split("\n");
  assert.equal(lines[0], "BundleEntries:");
  assert.equal(lines.length, 22);
  assert.equal(lines[21], "");
  for (const line of lines.slice(1, 21)) assert.match(line, /^- \{"name": .*\}$/);
});

Deno.test("a file list written by the codec reads the same with the plain yaml library", () => {
  const entries = entriesOf(300);
  const doc = parse(encodeFileList(entries));
  assert.deepEqual(Object.keys(doc), ["BundleEntries"]);
  assert.deepEqual(
    doc.BundleEntries,
    entries.map((e) => ({
      name: e.name,
      hash: e.key,
      size: e.size,
      mode: e.mode,
      mtime: e.mtime.toISOString(),
    })),
  );
});

Deno.test("the JSON-line fast path and the yaml fallback decode a list alike", () => {
  const entries = entriesOf(300);
  const fast = decodeFileList(encodeFileList(entries), "list");
  const viaYamlLibrary = decodeFileList(yamlLibraryText(entries), "list");
  const withCrlf = decodeFileList(encodeFileList(entries).replaceAll("\n", "\r\n"), "list");
  const flowMappings = encodeFileList(entries).replace(/^- \{"name"/m, "- {name");
  assert.deepEqual(fast, entries);
  assert.deepEqual(viaYamlLibrary, entries);
  assert.deepEqual(withCrlf, entries);
  assert.deepEqual(decodeFileList(flowMappings, "list"), entries);
});

/** A one-entry list whose entry has `field` set to `value`, in the fast-path shape. */
function listWith(field: string, value: unknown): string {
  const entry: Record<string, unknown> = {
    name: "a.txt",
    hash: HASH,
    size: 1,
    mode: 0o644,
    mtime: "2024-01-01T00:00:00.000Z",
  };
  if (value === undefined) delete entry[field];
  else entry[field] = value;
  return `BundleEntries:\n- ${JSON.stringify(entry)}\n`;
}

Deno.test("decodeFileList rejects bad entries on the fast path and the yaml path", () => {
  const cases: [string, unknown, RegExp][] = [
    ["name", "../../etc/passwd", /entry 0: invalid file entry name "..\/..\/etc\/passwd"/],
    ["name", "/abs", /entry 0: invalid file entry name/],
    ["name", "a//b", /entry 0: invalid file entry name/],
    ["name", "", /entry 0: invalid file entry name/],
    ["name", 7, /"name" must be a string/],
    ["name", undefined, /"name" must be a string/],
    ["hash", HASH.toUpperCase(), /"hash" must be 64 lowercase hex digits/],
    ["hash", HASH.slice(1), /"hash"/],
    ["hash", undefined, /"hash"/],
    ["size", -1, /"size" must be an integer >= 0, got -1/],
    ["size", 1.5, /"size"/],
    ["size", "12", /"size"/],
    ["mode", 0o10000, /"mode"/],
    ["mode", -1, /"mode"/],
    ["mtime", "yesterday", /"mtime" must be an RFC 3339 time/],
    ["mtime", 1700000000, /"mtime"/],
    ["mtime", undefined, /"mtime"/],
  ];
  for (const [field, value, pattern] of cases) {
    const fast = listWith(field, value);
    assertIntegrity(() => decodeFileList(fast, "files-0.yaml"), "files-0.yaml", pattern);
    const slow = stringify(parse(fast));
    assertIntegrity(() => decodeFileList(slow, "files-0.yaml"), "files-0.yaml", pattern);
  }
});

Deno.test("decodeFileList names the position of a bad entry", () => {
  const good = listWith("size", 1).split("\n")[1];
  const bad = listWith("size", -5).split("\n")[1];
  const text = `BundleEntries:\n${good}\n${good}\n${bad}\n`;
  assertIntegrity(() => decodeFileList(text, "k"), "k", /^malformed k: entry 2: "size"/);
});

Deno.test("decodeFileList rejects documents that are not a list of entries", () => {
  const texts = [
    "",
    "BundleEntries:\n",
    "BundleEntries: {}\n",
    "Entries: []\n",
    "BundleEntries:\n- 1\n",
    'BundleEntries:\n- {"name": "a"\n',
    "- {}\n",
    "BundleEntries:\n- {not json: [}\n",
  ];
  for (const text of texts) assertIntegrity(() => decodeFileList(text, "k"), "k", /./);
});

Deno.test("encodeFileList refuses entries that could not be read back", () => {
  const [good] = entriesOf(1);
  const bad: Partial<FileEntry>[] = [
    { name: "../x" },
    { name: "a/" },
    { name: "a\0b" },
    { key: "xyz" },
    { size: -1 },
    { size: 0.5 },
    { mode: 0o100644 },
    { mtime: new Date(NaN) },
  ];
  for (const change of bad) {
    assertIntegrity(
      () => encodeFileList([good, { ...good, ...change }]),
      "file list to write",
      /entry 1: /,
    );
  }
});

const PACK_ID = "2WzcHhWHCWS9LMFqBPoxt8e1dPL";

Deno.test("a packed entry round-trips with its pack and offset, on both decode paths", () => {
  const entries = entriesOf(3);
  entries[1] = { ...entries[1], pack: { id: PACK_ID, offset: 4096 } };
  const text = encodeFileList(entries);
  assert.match(text.split("\n")[2], /"pack": "2WzcHhWHCWS9LMFqBPoxt8e1dPL", "offset": 4096\}$/);
  assert.deepEqual(decodeFileList(text, "list"), entries);
  const yamlText = stringify(parse(text));
  assert.deepEqual(decodeFileList(yamlText, "list"), entries);
  assert.ok(!("pack" in decodeFileList(text, "list")[0]), "an unpacked entry has no pack field");
});

Deno.test("decodeFileList rejects a pack without offset, an offset without pack, and bad values", () => {
  const line = (extra: string) =>
    `BundleEntries:\n- {"name": "a", "hash": "${HASH}", "size": 1, "mode": 420, ` +
    `"mtime": "2024-01-01T00:00:00Z"${extra}}\n`;
  const cases: [string, RegExp][] = [
    [`, "pack": "${PACK_ID}"`, /"offset" must be an integer >= 0, got undefined/],
    [`, "offset": 3`, /"pack" must be a pack id/],
    [`, "pack": "not-a-ksuid", "offset": 3`, /"pack" must be a pack id/],
    [`, "pack": "${PACK_ID}", "offset": -1`, /"offset" must be an integer >= 0/],
    [`, "pack": "${PACK_ID}", "offset": 1.5`, /"offset" must be an integer >= 0/],
  ];
  for (const [extra, pattern] of cases) {
    assertIntegrity(() => decodeFileList(line(extra), "list"), "list", pattern);
  }
  assertIntegrity(
    () => encodeFileList([{ ...entriesOf(1)[0], pack: { id: "x", offset: 0 } }]),
    "file list to write",
    /"pack" must be a pack id/,
  );
});

const TIME = new Date("2024-01-01T00:00:00.000Z");
const TREE: TreeEntry[] = [
  { kind: "dir", name: "a/empty/", mode: 0o700, mtime: TIME },
  { name: "a/f", key: HASH, size: 3, mode: 0o644, mtime: TIME },
  { kind: "symlink", name: "a/link", target: "../x\u0085y", mode: 0o777, mtime: TIME },
];

Deno.test("symlink and directory entries round-trip on both decode paths", () => {
  const text = encodeFileList(TREE);
  assert.match(text.split("\n")[1], /^- \{"name": "a\/empty\/", "kind": "dir", "mode": 448, /);
  assert.deepEqual(decodeTreeList(text, "list"), TREE);
  assert.deepEqual(decodeTreeList(stringify(parse(text)), "list"), TREE);
});

Deno.test("decodeFileList gives only the regular files of a list with links and directories", () => {
  assert.deepEqual(decodeFileList(encodeFileList(TREE), "list"), [TREE[1]]);
});

Deno.test("decodeTreeList rejects an unknown kind, a directory name without '/', a link without target", () => {
  const line = (fields: string) =>
    `BundleEntries:\n- {${fields}, "mode": 420, "mtime": "2024-01-01T00:00:00Z"}\n`;
  const cases: [string, RegExp][] = [
    [`"name": "a", "kind": "fifo"`, /"kind" must be "symlink" or "dir"/],
    [`"name": "a", "kind": "dir"`, /a "dir" entry's name must end with '\/'/],
    [`"name": "a/../", "kind": "dir"`, /".." path segment/],
    [`"name": "a", "kind": "symlink"`, /"target" must be a non-empty string/],
    [`"name": "a", "kind": "symlink", "target": ""`, /"target" must be a non-empty string/],
  ];
  for (const [fields, pattern] of cases) {
    assertIntegrity(() => decodeTreeList(line(fields), "list"), "list", pattern);
  }
});

/** b"caf\xe9": a Latin-1 name, not UTF-8. */
const LATIN1 = nameFromBytes(Uint8Array.of(0x63, 0x61, 0x66, 0xe9));
const BYTE_TREE: TreeEntry[] = [
  { name: `d/${LATIN1}`, key: HASH, size: 3, mode: 0o644, mtime: TIME },
  { kind: "dir", name: `${LATIN1}/`, mode: 0o755, mtime: TIME },
  { kind: "symlink", name: `l${LATIN1}`, target: `../${LATIN1}`, mode: 0o777, mtime: TIME },
];

Deno.test("names and link targets that are not UTF-8 round-trip as bytes on both decode paths", () => {
  const text = encodeFileList(BYTE_TREE);
  assert.match(
    text.split("\n")[1],
    /^- \{"name": "d\/caf\\\\xe9", "namebytes": "ZC9jYWbp", "hash": /,
  );
  assert.match(text.split("\n")[3], /"target": "..\/caf\\\\xe9", "targetbytes": "Li4vY2Fm6Q=="/);
  assert.deepEqual(decodeTreeList(text, "list"), BYTE_TREE);
  assert.deepEqual(decodeTreeList(stringify(parse(text)), "list"), BYTE_TREE);
});

Deno.test("a name shown like a byte name but spelt in UTF-8 stays a different name", () => {
  const lookalike: TreeEntry = { ...BYTE_TREE[0], name: "d/caf\\xe9" };
  const [decoded] = decodeTreeList(encodeFileList([lookalike]), "list");
  assert.equal(decoded.name, "d/caf\\xe9");
  assert.notEqual(decoded.name, BYTE_TREE[0].name);
});

Deno.test("an entry needs the newest format only for a name or target that is not UTF-8", () => {
  assert.deepEqual(BYTE_TREE.map(entryFormatVersion), [4, 4, 4]);
  assert.deepEqual(TREE.map(entryFormatVersion), [3, 2, 3]);
});

Deno.test("decodeTreeList rejects name bytes that are not base64, are UTF-8, or are shown otherwise", () => {
  const line = (fields: string) =>
    `BundleEntries:\n- {${fields}, "kind": "dir", "mode": 420, "mtime": "2024-01-01T00:00:00Z"}\n`;
  const cases: [string, RegExp][] = [
    [`"name": "caf\\\\xe9/", "namebytes": "*"`, /"namebytes" must be base64/],
    [`"name": "cafe/", "namebytes": "Y2FmZS8="`, /"namebytes" must hold a name that is not UTF-8/],
    [`"name": "other/", "namebytes": "Y2Fm6S8="`, /shown as "name" "other\/"/],
  ];
  for (const [fields, pattern] of cases) {
    assertIntegrity(() => decodeTreeList(line(fields), "list"), "list", pattern);
  }
});

Deno.test("entry times read as Date.parse reads them, edge dates included", () => {
  const times = [
    "1970-01-01T00:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "2024-02-29T12:34:56.789Z",
    "2023-12-31T23:59:59.999Z",
    "0050-06-15T01:02:03.004Z",
    "9999-12-31T23:59:59.999Z",
    "2024-01-01T24:00:00.000Z",
    "2024-01-01T00:00:00Z",
    "2024-01-01T02:00:00.5+02:00",
  ];
  for (const time of times) {
    const [entry] = decodeFileList(listWith("mtime", time), "list");
    assert.equal(entry.mtime.getTime(), Date.parse(time), time);
  }
  for (
    const time of [
      "2024-13-01T00:00:00.000Z",
      "2024-01-01T00:60:00.000Z",
      "2024-0a-01T00:00:00.000Z",
    ]
  ) {
    assertIntegrity(() => decodeFileList(listWith("mtime", time), "l"), "l", /"mtime"/);
  }
});

Deno.test("a line holding two mappings is refused, not read as two entries", () => {
  const mapping = listWith("size", 1).trimEnd().slice("BundleEntries:\n- ".length);
  const twoOnALine = `BundleEntries:\n- ${mapping}, ${mapping}\n`;
  assertThrowsKind("integrity", () => decodeFileList(twoOnALine, "l"));
});
