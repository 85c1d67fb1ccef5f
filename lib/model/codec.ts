/**
 * YAML text <-> documents. Decoders check every field, because stored metadata is read back by
 * other versions and other tools; a document that does not check out is damaged
 * ("integrity"), except the user's own config file ("config"). Encoders run the same checks, so
 * whatever is written can be read back.
 *
 * File lists are the hot path (one per 1000 files), and the yaml library needs ~70 ms to write
 * and read one. So each entry is written as one line `- {JSON object}`: JSON is YAML, so any
 * YAML tool still reads the file, while the decoder reads such lines with JSON.parse and falls
 * back to the yaml library for any document not in exactly that shape.
 */

import { parse, stringify } from "yaml";
import { DatamonError, type ErrorKind } from "../errors.ts";
import { isKsuid } from "./ksuid.ts";
import { isValidName, validateEntryName } from "./names.ts";
import { displayName, hasRawBytes, nameBytes, nameFromBytes } from "../util/byte_names.ts";
import {
  type BundleDoc,
  type BundleRef,
  type ConfigDoc,
  type ContextDoc,
  type Contributor,
  type FileEntry,
  isFileEntry,
  type LabelRecord,
  READ_METHODS,
  READ_SELECTIONS,
  type ReadMethod,
  type ReadRecord,
  type ReadSelection,
  type RepoDoc,
  type TreeEntry,
  type WalRecord,
  WRITE_OPERATIONS,
  type WriteOperation,
} from "./types.ts";
import {
  CONFLICT_MODES,
  type DiamondClosed,
  type DiamondCommitting,
  type DiamondDoc,
  type DiamondDone,
  type SplitDone,
  type SplitFailed,
  type SplitRunning,
} from "./diamond.ts";

/**
 * The newest bundle.yaml format version: 2 adds packed files (FileEntry.pack), 3 adds symlink
 * and directory entries (TreeEntry), 4 adds names and link targets that are not UTF-8
 * (`namebytes`, `targetbytes`: see encodeFileList).
 */
export const BUNDLE_FORMAT_VERSION = 4;

/** The version written for a bundle with symlinks or empty directories, all names UTF-8. */
export const TREE_FORMAT_VERSION = 3;

/**
 * The version written for a bundle of regular files only: datamon versions that read 2 still
 * read such bundles whole, and refuse (asking for an upgrade) only the bundles they would
 * restore unfaithfully.
 */
export const FILES_ONLY_FORMAT_VERSION = 2;

/**
 * Every bundle.yaml format version this code reads; a version 1 bundle has no packed file, a
 * version 1 or 2 bundle no symlink or directory entry.
 */
export const READABLE_FORMAT_VERSIONS: readonly number[] = [1, 2, 3, 4];

/**
 * The oldest format version that can hold `entry`: each bundle is written with the oldest
 * version that holds all its entries, so older datamon versions refuse only what they would
 * restore unfaithfully.
 */
export function entryFormatVersion(entry: TreeEntry): number {
  if (hasRawBytes(entry.name) || ("target" in entry && hasRawBytes(entry.target))) {
    return BUNDLE_FORMAT_VERSION;
  }
  return isFileEntry(entry) ? FILES_ONLY_FORMAT_VERSION : TREE_FORMAT_VERSION;
}

/** YAML text of contexts/{ctx}/context.yaml. */
export function encodeContext(doc: ContextDoc): string {
  return encodeChecked(contextToYaml(doc), "context to write", contextFromYaml);
}

/** Reads a context.yaml; `what` names it in errors (e.g. its key). */
export function decodeContext(text: string, what: string): ContextDoc {
  return contextFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of repos/{repo}/repo.yaml. */
export function encodeRepo(doc: RepoDoc): string {
  return encodeChecked(repoToYaml(doc), "repo to write", repoFromYaml);
}

/** Reads a repo.yaml; `what` names it in errors (e.g. its key). */
export function decodeRepo(text: string, what: string): RepoDoc {
  return repoFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of bundles/{repo}/{id}/bundle.yaml. */
export function encodeBundle(doc: BundleDoc): string {
  return encodeChecked(bundleToYaml(doc), "bundle to write", bundleFromYaml);
}

/** Reads a bundle.yaml; `what` names it in errors (e.g. its key). */
export function decodeBundle(text: string, what: string): BundleDoc {
  return bundleFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of labels/{repo}/{label}/{recordId}.yaml. */
export function encodeLabelRecord(doc: LabelRecord): string {
  return encodeChecked(labelToYaml(doc), "label record to write", labelFromYaml);
}

/** Reads a label record; `what` names it in errors (e.g. its key). */
export function decodeLabelRecord(text: string, what: string): LabelRecord {
  return labelFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of one write-ahead log record. */
export function encodeWalRecord(doc: WalRecord): string {
  return encodeChecked(walToYaml(doc), "write-ahead log record to write", walFromYaml);
}

/** Reads a write-ahead log record; `what` names it in errors (e.g. its key). */
export function decodeWalRecord(text: string, what: string): WalRecord {
  return walFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of one read log record. */
export function encodeReadRecord(doc: ReadRecord): string {
  return encodeChecked(readToYaml(doc), "read log record to write", readFromYaml);
}

/** Reads a read log record; `what` names it in errors (e.g. its key). */
export function decodeReadRecord(text: string, what: string): ReadRecord {
  return readFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of the user's config file; absent fields are left out. Errors are "config". */
export function encodeConfig(doc: ConfigDoc): string {
  return encodeChecked(configToYaml(doc), "config to write", configFromYaml, "config");
}

/**
 * Reads the user's config file; an empty or comments-only file is an empty config. Unknown
 * fields are rejected so that a misspelt setting does not go unnoticed. Errors are of kind
 * "config": the user wrote this file, so it is theirs to fix, not damaged metadata.
 */
export function decodeConfig(text: string, what: string): ConfigDoc {
  const doc = parseYaml(text, what, "config");
  return doc === null ? {} : configFromYaml(mappingFields(doc, what, "config"));
}

/**
 * YAML text of one bundle-files-{i}.yaml: a `BundleEntries:` sequence, one entry a line. A
 * packed entry adds `"pack": id, "offset": n` (format 2); a symlink or directory entry has
 * `"kind"` and no hash or size (format 3). A name (or link target) whose bytes are not UTF-8
 * (format 4) is written as its display form, each such byte as `\xNN`, plus `"namebytes"`
 * (`"targetbytes"`): its exact bytes in base64, which readers take as the name. The display
 * form alone could equal a real name, so it is never read back as the name.
 */
export function encodeFileList(entries: readonly TreeEntry[]): string {
  if (entries.length === 0) return "BundleEntries: []\n";
  const lines = ["BundleEntries:"];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    const problem = entryProblem(entry) ??
      (Number.isNaN(entry.mtime.getTime())
        ? `"mtime" must be a valid date, got ${String(entry.mtime)}`
        : null);
    if (problem !== null) {
      throw malformed("file list to write", "integrity", `entry ${i}: ${problem}`);
    }
    lines.push(`- {${entryFieldsText(entry)}}`);
  }
  lines.push("");
  return lines.join("\n");
}

/** The JSON fields of an entry's line; a regular file's are as format 2 wrote them. */
function entryFieldsText(entry: TreeEntry): string {
  const name = nameFieldsText("name", entry.name);
  const mtime = `"mtime": "${entry.mtime.toISOString()}"`;
  if (!isFileEntry(entry)) {
    const target = entry.kind === "symlink" ? `, ${nameFieldsText("target", entry.target)}` : "";
    return `${name}, "kind": "${entry.kind}"${target}, "mode": ${entry.mode}, ${mtime}`;
  }
  const { key, size, mode, pack } = entry;
  const location = pack === undefined ? "" : `, "pack": "${pack.id}", "offset": ${pack.offset}`;
  return `${name}, "hash": "${key}", "size": ${size}, "mode": ${mode}, ${mtime}${location}`;
}

/** `"name": text`, or for a name with bytes that are not UTF-8 also `"namebytes": base64`. */
function nameFieldsText(field: "name" | "target", name: string): string {
  const text = `"${field}": ${yamlSafeJsonString(displayName(name))}`;
  return hasRawBytes(name) ? `${text}, "${field}bytes": "${nameBytes(name).toBase64()}"` : text;
}

/**
 * The name a `name` or `target` field and its `...bytes` field give, or a problem: the bytes
 * must be valid base64 of a name that is not UTF-8, shown as the text field says.
 */
function nameFromFields(raw: Mapping, field: "name" | "target"): unknown {
  const bytes = raw[`${field}bytes`];
  if (bytes === undefined) return raw[field];
  let name: string;
  try {
    name = nameFromBytes(Uint8Array.fromBase64(bytes as string));
  } catch {
    return new NameBytesProblem(`"${field}bytes" must be base64, got ${show(bytes)}`);
  }
  if (!hasRawBytes(name) || raw[field] !== displayName(name)) {
    return new NameBytesProblem(
      `"${field}bytes" must hold a name that is not UTF-8, shown as "${field}" ` +
        `${show(raw[field])}`,
    );
  }
  return name;
}

/** A `...bytes` field that does not check out, carried to entryProblem. */
class NameBytesProblem {
  constructor(readonly problem: string) {}
}

/**
 * Reads one bundle-files-{i}.yaml, regular files only: what reading blobs needs (fsck, purge,
 * listing files). `what` names it in errors (e.g. its key).
 */
export function decodeFileList(text: string, what: string): FileEntry[] {
  return decodeTreeList(text, what).filter(isFileEntry);
}

/** Reads one bundle-files-{i}.yaml, every entry kind; `what` names it in errors. */
export function decodeTreeList(text: string, what: string): TreeEntry[] {
  const raws = jsonLines(text) ?? entriesFromYaml(text, what);
  const entries = new Array<TreeEntry>(raws.length);
  for (let i = 0; i < raws.length; i++) {
    const raw = raws[i];
    if (!isMapping(raw)) throw malformed(what, "integrity", `entry ${i}: expected a mapping`);
    const time = parseTime(raw.mtime);
    const entry = entryFromRaw(raw, new Date(time));
    const problem = entryProblem(entry) ??
      (Number.isNaN(time) ? `"mtime" must be an RFC 3339 time, got ${show(raw.mtime)}` : null);
    if (problem !== null) throw malformed(what, "integrity", `entry ${i}: ${problem}`);
    entries[i] = entry;
  }
  return entries;
}

/** The entry a raw mapping describes, its fields not yet checked (entryProblem does). */
function entryFromRaw(raw: Mapping, mtime: Date): TreeEntry {
  const { kind, hash, size, mode, pack, offset } = raw;
  const name = nameFromFields(raw, "name");
  const target = nameFromFields(raw, "target");
  const common = { name: name as string, mode: mode as number, mtime };
  if (kind === "symlink") return { kind, ...common, target: target as string };
  if (kind !== undefined) return { kind: kind as "dir", ...common };
  const entry: FileEntry = { ...common, size: size as number, key: hash as string };
  if (pack !== undefined || offset !== undefined) {
    entry.pack = { id: pack as string, offset: offset as number };
  }
  return entry;
}

type Mapping = Record<string, unknown>;

/** Validates a document's YAML form by decoding it, then writes it. */
function encodeChecked(
  yaml: Mapping,
  what: string,
  fromYaml: (f: Fields) => unknown,
  kind: ErrorKind = "integrity",
): string {
  fromYaml(new Fields(yaml, what, kind));
  return stringify(yaml, { lineWidth: 0 });
}

function contextToYaml(doc: ContextDoc): Mapping {
  return {
    name: doc.name,
    blob: doc.blob,
    metadata: doc.metadata,
    vmetadata: doc.vmetadata,
    wal: doc.wal,
    readlog: doc.readlog,
  };
}

function contextFromYaml(f: Fields): ContextDoc {
  return {
    name: f.name("name"),
    blob: f.nonEmptyString("blob"),
    metadata: f.nonEmptyString("metadata"),
    vmetadata: f.nonEmptyString("vmetadata"),
    wal: f.nonEmptyString("wal"),
    readlog: f.nonEmptyString("readlog"),
  };
}

function repoToYaml(doc: RepoDoc): Mapping {
  return {
    name: doc.name,
    description: doc.description,
    timestamp: timeText(doc.timestamp),
    contributor: contributorToYaml(doc.contributor),
    ...(doc.incarnation === undefined ? {} : { incarnation: doc.incarnation }),
  };
}

function repoFromYaml(f: Fields): RepoDoc {
  return {
    name: f.name("name"),
    description: f.string("description"),
    timestamp: f.time("timestamp"),
    contributor: contributorFromYaml(f.mapping("contributor")),
    ...(f.has("incarnation") ? { incarnation: f.ksuid("incarnation") } : {}),
  };
}

function bundleToYaml(doc: BundleDoc): Mapping {
  return {
    id: doc.id,
    repo: doc.repo,
    message: doc.message,
    timestamp: timeText(doc.timestamp),
    contributors: doc.contributors.map(contributorToYaml),
    leafsize: doc.leafSize,
    deduplication: doc.deduplication,
    formatversion: doc.formatVersion,
    bundleentriesfilecount: doc.fileListCount,
    ...(doc.fileListChecksums ? { bundleentrieschecksums: doc.fileListChecksums } : {}),
    filecount: doc.fileCount,
    totalsize: doc.totalSize,
    ...(doc.inputs?.length ? { inputs: doc.inputs.map(bundleRefToYaml) } : {}),
    ...(doc.repoIncarnation === undefined ? {} : { repoincarnation: doc.repoIncarnation }),
  };
}

function bundleFromYaml(f: Fields): BundleDoc {
  const formatVersion = f.integer("formatversion", 1);
  if (!READABLE_FORMAT_VERSIONS.includes(formatVersion)) {
    throw f.fail(
      `formatversion ${formatVersion} is not supported (this datamon reads ` +
        `${READABLE_FORMAT_VERSIONS.join(", ")}); upgrade datamon`,
    );
  }
  if (f.string("deduplication") !== "blake3") {
    throw f.fail(`field "deduplication" must be "blake3", got ${show(f.raw.deduplication)}`);
  }
  const fileListCount = f.integer("bundleentriesfilecount", 0);
  return {
    id: f.ksuid("id"),
    repo: f.name("repo"),
    message: f.string("message"),
    timestamp: f.time("timestamp"),
    contributors: f.sequence("contributors").map(contributorFromYaml),
    leafSize: f.integer("leafsize", 1),
    deduplication: "blake3",
    formatVersion,
    fileListCount,
    ...(f.has("bundleentrieschecksums")
      ? { fileListChecksums: fileListChecksumsFromYaml(f, fileListCount) }
      : {}),
    fileCount: f.integer("filecount", 0),
    totalSize: f.integer("totalsize", 0),
    ...(f.has("inputs") ? { inputs: f.sequence("inputs").map(bundleRefFromYaml) } : {}),
    ...(f.has("repoincarnation") ? { repoIncarnation: f.ksuid("repoincarnation") } : {}),
  };
}

/**
 * The file lists' checksums: optional (older bundles have none), so that the format version
 * stays; when present, one hex BLAKE3 per list.
 */
function fileListChecksumsFromYaml(f: Fields, fileListCount: number): string[] {
  const sums = f.items("bundleentrieschecksums");
  const bad = sums.findIndex((sum) => typeof sum !== "string" || !HASH_PATTERN.test(sum));
  if (bad >= 0) {
    throw f.fail(
      `field "bundleentrieschecksums[${bad}]" must be 64 lowercase hex digits, got ${
        show(sums[bad])
      }`,
    );
  }
  if (sums.length !== fileListCount) {
    throw f.fail(
      `field "bundleentrieschecksums" has ${sums.length} checksums for ${fileListCount} file lists`,
    );
  }
  return sums as string[];
}

function bundleRefToYaml(ref: BundleRef): Mapping {
  return {
    repo: ref.repo,
    bundle: ref.bundle,
    ...(ref.context === undefined ? {} : { context: ref.context }),
  };
}

function bundleRefFromYaml(f: Fields): BundleRef {
  const ref: BundleRef = { repo: f.name("repo"), bundle: f.ksuid("bundle") };
  if (f.has("context")) ref.context = f.nonEmptyString("context");
  return ref;
}

function walToYaml(doc: WalRecord): Mapping {
  return {
    id: doc.id,
    actor: contributorToYaml(doc.actor),
    operation: doc.operation,
    key: doc.key,
    store: doc.store,
    ...(doc.repo === undefined ? {} : { repo: doc.repo }),
    ...(doc.bundle === undefined ? {} : { bundle: doc.bundle }),
    time: timeText(doc.time),
  };
}

function walFromYaml(f: Fields): WalRecord {
  const doc: WalRecord = {
    id: f.ksuid("id"),
    actor: contributorFromYaml(f.mapping("actor")),
    operation: f.oneOf<WriteOperation>("operation", WRITE_OPERATIONS),
    key: f.nonEmptyString("key"),
    store: f.nonEmptyString("store"),
    time: f.time("time"),
  };
  if (f.has("repo")) doc.repo = f.name("repo");
  if (f.has("bundle")) doc.bundle = f.ksuid("bundle");
  return doc;
}

function readToYaml(doc: ReadRecord): Mapping {
  return {
    id: doc.id,
    actor: contributorToYaml(doc.actor),
    repo: doc.repo,
    bundle: doc.bundle,
    selection: doc.selection,
    ...(doc.target === undefined ? {} : { target: doc.target }),
    method: doc.method,
    time: timeText(doc.time),
    host: doc.host,
    ...(doc.run === undefined ? {} : { run: doc.run }),
  };
}

function readFromYaml(f: Fields): ReadRecord {
  const selection = f.oneOf<ReadSelection>("selection", READ_SELECTIONS);
  const doc: ReadRecord = {
    id: f.ksuid("id"),
    actor: contributorFromYaml(f.mapping("actor")),
    repo: f.name("repo"),
    bundle: f.ksuid("bundle"),
    selection,
    method: f.oneOf<ReadMethod>("method", READ_METHODS),
    time: f.time("time"),
    host: f.string("host"),
  };
  if (selection !== "all") doc.target = f.nonEmptyString("target");
  else if (f.has("target")) throw f.fail('field "target" is only set for "filter" and "file"');
  if (f.has("run")) doc.run = f.name("run");
  return doc;
}

/** Label records keep Go datamon's label.yaml meaning of `id`: the labelled bundle. */
function labelToYaml(doc: LabelRecord): Mapping {
  return {
    name: doc.name,
    repo: doc.repo,
    id: doc.bundleId,
    recordid: doc.id,
    timestamp: timeText(doc.timestamp),
    contributor: contributorToYaml(doc.contributor),
  };
}

function labelFromYaml(f: Fields): LabelRecord {
  return {
    id: f.ksuid("recordid"),
    name: f.name("name"),
    repo: f.name("repo"),
    bundleId: f.ksuid("id"),
    timestamp: f.time("timestamp"),
    contributor: contributorFromYaml(f.mapping("contributor")),
  };
}

const CONFIG_FIELDS = ["config", "context", "name", "email", "concurrency", "metrics"];

function configToYaml(doc: ConfigDoc): Mapping {
  const yaml: Mapping = {};
  for (const key of CONFIG_FIELDS) {
    const value = doc[key as keyof ConfigDoc];
    if (value !== undefined) yaml[key] = value;
  }
  return yaml;
}

function configFromYaml(f: Fields): ConfigDoc {
  const unknown = Object.keys(f.raw).find((key) => !CONFIG_FIELDS.includes(key));
  if (unknown !== undefined) {
    throw f.fail(`unknown field "${unknown}" (known: ${CONFIG_FIELDS.join(", ")})`);
  }
  const doc: ConfigDoc = {};
  if (f.has("config")) doc.config = f.nonEmptyString("config");
  if (f.has("context")) doc.context = f.name("context");
  if (f.has("name")) doc.name = f.string("name");
  if (f.has("email")) doc.email = f.string("email");
  if (f.has("concurrency")) doc.concurrency = f.integer("concurrency", 1);
  if (f.has("metrics")) doc.metrics = f.nonEmptyString("metrics");
  return doc;
}

function contributorToYaml(c: Contributor): Mapping {
  return c.identity === undefined
    ? { name: c.name, email: c.email }
    : { name: c.name, email: c.email, identity: c.identity };
}

function contributorFromYaml(f: Fields): Contributor {
  const c: Contributor = { name: f.string("name"), email: f.string("email") };
  if (f.has("identity")) c.identity = f.nonEmptyString("identity");
  return c;
}

/**
 * Typed reads of one YAML mapping. Each failure names the document (`what`) and the field's
 * path, e.g. `malformed repos/r/repo.yaml: field "contributor.email" must be a string`.
 */
class Fields {
  constructor(
    readonly raw: Mapping,
    private readonly what: string,
    private readonly kind: ErrorKind,
    private readonly path = "",
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  fail(reason: string): DatamonError {
    return malformed(this.what, this.kind, reason);
  }

  string(key: string): string {
    return this.check(key, "a string", (v): v is string => typeof v === "string");
  }

  nonEmptyString(key: string): string {
    return this.check(
      key,
      "a non-empty string",
      (v): v is string => typeof v === "string" && v !== "",
    );
  }

  name(key: string): string {
    return this.check(
      key,
      "a name (1-64 letters, digits, '.', '_' or '-')",
      (v): v is string => typeof v === "string" && isValidName(v),
    );
  }

  ksuid(key: string): string {
    return this.check(key, "a ksuid", (v): v is string => typeof v === "string" && isKsuid(v));
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    return this.check(
      key,
      `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
      (v): v is T => typeof v === "string" && (allowed as readonly string[]).includes(v),
    );
  }

  integer(key: string, min: number): number {
    return this.check(
      key,
      `an integer >= ${min}`,
      (v): v is number => Number.isSafeInteger(v) && (v as number) >= min,
    );
  }

  time(key: string): Date {
    const value = this.raw[key];
    const time = parseTime(value);
    if (Number.isNaN(time)) {
      throw this.fail(`field "${this.at(key)}" must be an RFC 3339 time, ${got(value)}`);
    }
    return new Date(time);
  }

  mapping(key: string): Fields {
    return new Fields(this.check(key, "a mapping", isMapping), this.what, this.kind, this.at(key));
  }

  items(key: string): unknown[] {
    return this.check(key, "a sequence", Array.isArray);
  }

  sequence(key: string): Fields[] {
    return this.items(key).map((item, i) => {
      const path = `${this.at(key)}[${i}]`;
      if (!isMapping(item)) throw this.fail(`field "${path}" must be a mapping, got ${show(item)}`);
      return new Fields(item, this.what, this.kind, path);
    });
  }

  private at(key: string): string {
    return this.path === "" ? key : `${this.path}.${key}`;
  }

  private check<T>(key: string, expected: string, ok: (v: unknown) => v is T): T {
    const value = this.raw[key];
    if (ok(value)) return value;
    throw this.fail(`field "${this.at(key)}" must be ${expected}, ${got(value)}`);
  }
}

/** Parses a YAML document whose top level must be a mapping. */
function rootMapping(text: string, what: string, kind: ErrorKind): Fields {
  return mappingFields(parseYaml(text, what, kind), what, kind);
}

function mappingFields(doc: unknown, what: string, kind: ErrorKind): Fields {
  if (!isMapping(doc)) throw malformed(what, kind, `expected a mapping, got ${show(doc)}`);
  return new Fields(doc, what, kind);
}

function parseYaml(text: string, what: string, kind: ErrorKind): unknown {
  try {
    return parse(text, { logLevel: "error" });
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw malformed(what, kind, `not valid YAML (${detail})`, e);
  }
}

function malformed(what: string, kind: ErrorKind, reason: string, cause?: unknown): DatamonError {
  return new DatamonError(kind, `malformed ${what}: ${reason}`, { cause });
}

/** The entries of a file list written by encodeFileList, or null when not in exactly that shape. */
function jsonLines(text: string): unknown[] | null {
  const header = "BundleEntries:\n- {";
  if (!text.startsWith(header) || !text.endsWith("}\n")) return null;
  // One JSON array of every line's mapping, parsed at once: a thousand JSON.parse calls cost
  // more. A newline left after joining is a line not of the form `- {...}`: YAML reads it.
  const array = `[${text.slice(header.length - 1, -1).replaceAll("}\n- {", "},{")}]`;
  if (array.includes("\n")) return null;
  try {
    const raws: unknown = JSON.parse(array);
    // One mapping per line: `- {...}, {...}` is no YAML the writer makes.
    return Array.isArray(raws) && raws.length === lineCount(text) - 1 ? raws : null;
  } catch {
    return null;
  }
}

/** Lines of a text that ends with a newline. */
function lineCount(text: string): number {
  let lines = 0;
  for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n", at + 1)) lines++;
  return lines;
}

function entriesFromYaml(text: string, what: string): unknown[] {
  const root = rootMapping(text, what, "integrity");
  return root.items("BundleEntries");
}

const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** HASH_PATTERN's test, digit by digit: every entry read is checked, and the regex cost more. */
function isLowerHex64(v: unknown): boolean {
  if (typeof v !== "string" || v.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const code = v.charCodeAt(i);
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return false;
  }
  return true;
}
const MAX_MODE = 0o7777;

/** What is wrong with an entry's fields other than mtime, or null. */
function entryProblem(entry: TreeEntry): string | null {
  const { name, mode } = entry;
  const kind: unknown = "kind" in entry ? entry.kind : undefined;
  const target: unknown = "target" in entry ? entry.target : undefined;
  for (const value of [name, target]) {
    if (value instanceof NameBytesProblem) return value.problem;
  }
  if (kind !== undefined && kind !== "symlink" && kind !== "dir") {
    return `"kind" must be "symlink" or "dir", got ${show(kind)}`;
  }
  if (typeof name !== "string") return `"name" must be a string, got ${show(name)}`;
  if (kind === "dir" && !name.endsWith("/")) return `a "dir" entry's name must end with '/'`;
  try {
    validateEntryName(kind === "dir" ? name.slice(0, -1) : name);
  } catch (e) {
    return (e as Error).message;
  }
  if (!Number.isSafeInteger(mode) || (mode as number) < 0 || (mode as number) > MAX_MODE) {
    return `"mode" must be permission bits (0 to 0o7777), got ${show(mode)}`;
  }
  if (isFileEntry(entry)) return fileProblem(entry);
  if (entry.kind === "symlink") {
    if (typeof target !== "string" || target === "" || target.includes("\0")) {
      return `"target" must be a non-empty string without NUL, got ${show(target)}`;
    }
  }
  return null;
}

/** What is wrong with a regular file's hash, size and pack location, or null. */
function fileProblem({ key, size, pack }: FileEntry): string | null {
  if (!isLowerHex64(key)) {
    return `"hash" must be 64 lowercase hex digits, got ${show(key)}`;
  }
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    return `"size" must be an integer >= 0, got ${show(size)}`;
  }
  return pack === undefined ? null : packProblem(pack.id, pack.offset);
}

/** What is wrong with a packed entry's location fields (both must be present), or null. */
function packProblem(pack: unknown, offset: unknown): string | null {
  if (typeof pack !== "string" || !isKsuid(pack)) {
    return `"pack" must be a pack id (a ksuid), got ${show(pack)}`;
  }
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) {
    return `"offset" must be an integer >= 0, got ${show(offset)}`;
  }
  return null;
}

const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** Milliseconds of an RFC 3339 time text, or NaN for anything else. */
function parseTime(v: unknown): number {
  if (typeof v !== "string") return NaN;
  const fast = utcMillisecondsTime(v);
  if (fast !== undefined) return fast;
  return TIME_PATTERN.test(v) ? Date.parse(v) : NaN;
}

/**
 * The milliseconds of a time in toISOString's form (`YYYY-MM-DDTHH:MM:SS.sssZ`), the one every
 * file list entry datamon writes has, computed from its digits (Date.parse took a tenth of
 * reading a list); undefined for any other form, or a value whose validity Date.parse should
 * judge (a year before 100, a day past the month's end, a leap day).
 */
function utcMillisecondsTime(text: string): number | undefined {
  if (text.length !== 24 || text[4] !== "-" || text[7] !== "-" || text[10] !== "T") return;
  if (text[13] !== ":" || text[16] !== ":" || text[19] !== "." || text[23] !== "Z") return;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const ms = digitsAt(text, 20, 3);
  // NaN (a non-digit) fails every comparison below.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23)) return;
  if (!(day <= DAYS_IN_MONTH[month - 1] && (month !== 2 || day !== 29))) return;
  if (!(minute <= 59 && second <= 59 && ms >= 0)) return;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number the `length` decimal digits at `at` of `text` spell, or NaN. */
function digitsAt(text: string, at: number, length: number): number {
  let value = 0;
  for (let i = at; i < at + length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** ISO-8601 text of a date; an invalid date yields text that the time check rejects. */
function timeText(d: Date): string {
  return Number.isNaN(d.getTime()) ? String(d) : d.toISOString();
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * JSON text of a string that YAML tools read back unchanged: JSON leaves DEL, C1 controls,
 * U+2028/2029 and BOM/non-characters raw, which YAML forbids or treats as line breaks.
 */
function yamlSafeJsonString(s: string): string {
  const json = JSON.stringify(s);
  return YAML_UNSAFE.test(json)
    ? json.replace(YAML_UNSAFE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : json;
}

const YAML_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;
const YAML_UNSAFE_ALL = new RegExp(YAML_UNSAFE.source, "g");

/** "it is missing" or "got <value>", to end an error message about a field. */
function got(v: unknown): string {
  return v === undefined ? "it is missing" : `got ${show(v)}`;
}

/** A short one-line rendering of a value for an error message. */
function show(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// Diamond records (lib/model/diamond.ts).

/** YAML text of diamonds/{repo}/{diamond}/diamond.yaml. */
export function encodeDiamond(doc: DiamondDoc): string {
  return encodeChecked(diamondToYaml(doc), "diamond to write", diamondFromYaml);
}

/** Reads a diamond.yaml; `what` names it in errors. */
export function decodeDiamond(text: string, what: string): DiamondDoc {
  return diamondFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of a diamond's closed.yaml (committing or cancelled). */
export function encodeDiamondClosed(doc: DiamondClosed): string {
  return encodeChecked(closedToYaml(doc), "diamond record to write", closedFromYaml);
}

/** Reads a diamond's closed.yaml. */
export function decodeDiamondClosed(text: string, what: string): DiamondClosed {
  return closedFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of a diamond's done.yaml. */
export function encodeDiamondDone(doc: DiamondDone): string {
  const yaml = { ...doc, time: timeText(doc.time) };
  return encodeChecked(yaml, "diamond record to write", diamondDoneFromYaml);
}

/** Reads a diamond's done.yaml. */
export function decodeDiamondDone(text: string, what: string): DiamondDone {
  return diamondDoneFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of a split run's running.yaml. */
export function encodeSplitRunning(doc: SplitRunning): string {
  const yaml: Mapping = {
    ...doc,
    time: timeText(doc.time),
    contributor: contributorToYaml(doc.contributor),
  };
  return encodeChecked(yaml, "split record to write", splitRunningFromYaml);
}

/** Reads a split run's running.yaml. */
export function decodeSplitRunning(text: string, what: string): SplitRunning {
  return splitRunningFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of a split run's done.yaml. */
export function encodeSplitDone(doc: SplitDone): string {
  const { fileListChecksums, ...rest } = doc;
  const yaml = {
    ...rest,
    bundleentrieschecksums: fileListChecksums,
    time: timeText(doc.time),
    inputs: doc.inputs.map(bundleRefToYaml),
  };
  return encodeChecked(yaml, "split record to write", splitDoneFromYaml);
}

/** Reads a split run's done.yaml. */
export function decodeSplitDone(text: string, what: string): SplitDone {
  return splitDoneFromYaml(rootMapping(text, what, "integrity"));
}

/** YAML text of a split run's failed.yaml. */
export function encodeSplitFailed(doc: SplitFailed): string {
  return encodeChecked({ ...doc, time: timeText(doc.time) }, "split record", splitFailedFromYaml);
}

/** Reads a split run's failed.yaml. */
export function decodeSplitFailed(text: string, what: string): SplitFailed {
  return splitFailedFromYaml(rootMapping(text, what, "integrity"));
}

function diamondToYaml(doc: DiamondDoc): Mapping {
  return { ...doc, time: timeText(doc.time), contributor: contributorToYaml(doc.contributor) };
}

function diamondFromYaml(f: Fields): DiamondDoc {
  const doc: DiamondDoc = {
    id: f.ksuid("id"),
    repo: f.name("repo"),
    time: f.time("time"),
    contributor: contributorFromYaml(f.mapping("contributor")),
  };
  if (f.has("tag")) doc.tag = f.string("tag");
  return doc;
}

function closedToYaml(doc: DiamondClosed): Mapping {
  return { ...doc, time: timeText(doc.time), contributor: contributorToYaml(doc.contributor) };
}

function closedFromYaml(f: Fields): DiamondClosed {
  const common = {
    time: f.time("time"),
    contributor: contributorFromYaml(f.mapping("contributor")),
  };
  if (f.oneOf("state", ["committing", "cancelled"] as const) === "cancelled") {
    return { state: "cancelled", ...common };
  }
  const doc: DiamondCommitting = {
    state: "committing",
    ...common,
    bundle: f.ksuid("bundle"),
    mode: f.oneOf("mode", CONFLICT_MODES),
    message: f.string("message"),
    sources: f.sequence("sources").map((s) => ({
      split: s.name("split"),
      generation: s.ksuid("generation"),
    })),
    excluded: f.items("excluded").map((split, i) => {
      if (typeof split === "string" && isValidName(split)) return split;
      throw f.fail(`field "excluded[${i}]" must be a split id, got ${show(split)}`);
    }),
  };
  if (f.has("label")) doc.label = f.name("label");
  if (f.has("tag")) doc.tag = f.string("tag");
  return doc;
}

function diamondDoneFromYaml(f: Fields): DiamondDone {
  return {
    bundle: f.ksuid("bundle"),
    time: f.time("time"),
    conflicts: f.integer("conflicts", 0),
    checkpoints: f.integer("checkpoints", 0),
  };
}

function splitRunningFromYaml(f: Fields): SplitRunning {
  const doc: SplitRunning = {
    split: f.name("split"),
    generation: f.ksuid("generation"),
    time: f.time("time"),
    contributor: contributorFromYaml(f.mapping("contributor")),
    lock: f.nonEmptyString("lock"),
    path: f.nonEmptyString("path"),
  };
  if (f.has("tag")) doc.tag = f.string("tag");
  return doc;
}

function splitDoneFromYaml(f: Fields): SplitDone {
  const fileListCount = f.integer("fileListCount", 0);
  return {
    time: f.time("time"),
    fileListCount,
    fileListChecksums: fileListChecksumsFromYaml(f, fileListCount),
    fileCount: f.integer("fileCount", 0),
    totalSize: f.integer("totalSize", 0),
    leafSize: f.integer("leafSize", 1),
    inputs: f.sequence("inputs").map(bundleRefFromYaml),
  };
}

function splitFailedFromYaml(f: Fields): SplitFailed {
  return { time: f.time("time"), error: f.string("error") };
}
