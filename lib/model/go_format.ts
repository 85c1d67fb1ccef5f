/**
 * Go datamon's documents (pkg/model of oneconcern/datamon) and their YAML codecs.
 *
 * Go writes them with gopkg.in/yaml.v2, a YAML 1.1 library, so they are parsed with the YAML
 * 1.1 schema: its plain timestamps become dates, `yes` is a boolean, and `!!binary` marks a
 * string that is not UTF-8. Decoders check every field they use and name the document in a
 * one-line "integrity" error; fields Go leaves out when empty (`omitempty`) are optional, and
 * fields this code does not use are ignored, as Go ignores them. Encoders write what yaml.v2
 * writes (its field order, sequences flush with their key, timestamps in RFC 3339 with
 * nanoseconds trimmed) and decode their own output before returning it.
 */
import { parse } from "yaml";
import { DatamonError } from "../errors.ts";
import { isKsuid } from "./ksuid.ts";
import { validateEntryName } from "./names.ts";
import { hasRawBytes, nameFromBytes } from "../util/byte_names.ts";

/** Who made a repo, bundle or label. */
export interface GoContributor {
  name: string;
  email: string;
}

/** contexts/{ctx}/context.yaml in the config store: the names of the context's five buckets. */
export interface GoContextDoc {
  name: string;
  wal: string;
  readlog: string;
  blob: string;
  metadata: string;
  vmetadata: string;
  /** Version of the context model: 0 or 1. */
  version: number;
}

/** repos/{repo}/repo.yaml in the metadata store. */
export interface GoRepoDoc {
  name: string;
  description: string;
  timestamp?: Date;
  contributor?: GoContributor;
}

/** bundles/{repo}/{id}/bundle.yaml in the metadata store, written after its file lists. */
export interface GoBundleDoc {
  id: string;
  /** Bytes per leaf of this bundle's files. */
  leafSize: number;
  message: string;
  parents?: string[];
  timestamp?: Date;
  contributors: GoContributor[];
  /** Number of bundle-files-{i}.yaml lists (Go's `count`). */
  fileListCount: number;
  /** Version of the bundle model: 1 or 2. */
  version: number;
  /** Always "blake": names Go's content-addressing scheme. */
  deduplication: "blake";
  runStage?: string;
}

/** One entry of a bundle-files-{i}.yaml list. */
export interface GoFileEntry {
  /** Hex key (128 digits) of the file's root object. */
  hash: string;
  /** Relative, `/`-separated path. */
  name: string;
  /** os.FileMode bits; Go's bundle upload writes 0. */
  mode: number;
  size: number;
  /** Only set on entries written by Go's diamond splits. */
  timestamp?: Date;
}

/** labels/{repo}/{label}/label.yaml in the vmetadata store: which bundle a label names. */
export interface GoLabelDoc {
  name: string;
  bundleId: string;
  timestamp?: Date;
  contributors: GoContributor[];
}

/** One write-ahead log entry: the object's key is its token, its bytes are its payload. */
export interface GoWalEntry {
  token: string;
  payload: string;
}

/** Entries in each bundle-files-{i}.yaml; only the last list of a bundle may hold fewer. */
export const GO_FILE_LIST_SIZE = 1000;

/** The bundle model versions this code reads (Go datamon's CurrentBundleVersion is 2). */
export const GO_BUNDLE_VERSIONS: readonly number[] = [1, 2];

/** The smallest leaf size Go datamon accepts: one 64-byte key. */
export const GO_MIN_LEAF_SIZE = 64;

/** The largest leaf size Go datamon accepts (pkg/cafs MaxLeafSize, 5 MiB). */
export const GO_MAX_LEAF_SIZE = 5 * 1024 * 1024;

const GO_KEY = /^[0-9a-f]{128}$/;
const MAX_FILE_MODE = 0xffffffff;

/** True for a Go datamon key's text: 128 lowercase hex digits (BLAKE2b-512). */
export function isGoKey(text: string): boolean {
  return GO_KEY.test(text);
}

/** Reads a context.yaml; `what` names it in errors (e.g. its key). */
export function decodeGoContext(text: string, what: string): GoContextDoc {
  const f = rootFields(text, what);
  return {
    name: f.nonEmpty("name"),
    wal: f.nonEmpty("wal"),
    readlog: f.nonEmpty("readlog"),
    blob: f.nonEmpty("blob"),
    metadata: f.nonEmpty("metadata"),
    vmetadata: f.nonEmpty("vmetadata"),
    version: f.optionalInteger("version", 0, 1) ?? 0,
  };
}

/** YAML text of a context.yaml. */
export function encodeGoContext(doc: GoContextDoc): string {
  return checked(decodeGoContext, [
    ["name", doc.name],
    ["wal", doc.wal],
    ["readlog", doc.readlog],
    ["blob", doc.blob],
    ["metadata", doc.metadata],
    ["vmetadata", doc.vmetadata],
    ["version", doc.version],
  ]);
}

/** Reads a repo.yaml; `what` names it in errors. */
export function decodeGoRepo(text: string, what: string): GoRepoDoc {
  const f = rootFields(text, what);
  return withOptional<GoRepoDoc>(
    { name: f.nonEmpty("name"), description: f.optionalString("description") ?? "" },
    { timestamp: f.time("timestamp"), contributor: f.contributor("contributor") },
  );
}

/** YAML text of a repo.yaml. */
export function encodeGoRepo(doc: GoRepoDoc): string {
  return checked(decodeGoRepo, [
    ["name", doc.name],
    ["description", doc.description || undefined],
    ["timestamp", doc.timestamp],
    ["contributor", doc.contributor && contributorYaml(doc.contributor)],
  ]);
}

/** Reads a bundle.yaml; `what` names it in errors. */
export function decodeGoBundle(text: string, what: string): GoBundleDoc {
  const f = rootFields(text, what);
  const version = f.optionalInteger("version", 0) ?? 0;
  if (!GO_BUNDLE_VERSIONS.includes(version)) {
    throw f.fail(
      `bundle model version ${version} is not supported (this datamon reads Go datamon's ` +
        `versions ${GO_BUNDLE_VERSIONS.join(" and ")})`,
    );
  }
  if (f.raw.deduplication !== "blake") {
    throw f.fail(`field "deduplication" must be "blake", ${got(f.raw.deduplication)}`);
  }
  return withOptional<GoBundleDoc>({
    id: f.ksuid("id"),
    leafSize: f.integer("leafSize", GO_MIN_LEAF_SIZE, GO_MAX_LEAF_SIZE),
    message: f.string("message"),
    contributors: f.contributors("contributors"),
    fileListCount: f.integer("count", 0),
    version,
    deduplication: "blake",
  }, {
    parents: f.strings("parents"),
    timestamp: f.time("timestamp"),
    runStage: f.optionalString("runstage"),
  });
}

/** YAML text of a bundle.yaml. */
export function encodeGoBundle(doc: GoBundleDoc): string {
  return checked(decodeGoBundle, [
    ["leafSize", doc.leafSize],
    ["id", doc.id],
    ["message", doc.message],
    ["parents", doc.parents?.length ? doc.parents : undefined],
    ["timestamp", doc.timestamp],
    ["contributors", doc.contributors.map(contributorYaml)],
    ["count", doc.fileListCount],
    ["version", doc.version],
    ["deduplication", doc.deduplication],
    ["runstage", doc.runStage || undefined],
  ]);
}

/** Reads a bundle-files-{i}.yaml; `what` names it in errors. */
export function decodeGoFileList(text: string, what: string): GoFileEntry[] {
  const f = rootFields(text, what);
  return f.mappings("BundleEntries").map((entry) =>
    withOptional<GoFileEntry>({
      hash: entry.goKey("hash"),
      name: entry.entryName("name"),
      mode: entry.integer("mode", 0, MAX_FILE_MODE),
      size: entry.integer("size", 0),
    }, { timestamp: entry.time("timestamp") })
  );
}

/** YAML text of a bundle-files-{i}.yaml. */
export function encodeGoFileList(entries: readonly GoFileEntry[]): string {
  return checked(decodeGoFileList, [[
    "BundleEntries",
    entries.map((e) =>
      mapping([
        ["hash", e.hash],
        ["name", e.name],
        ["mode", e.mode],
        ["size", e.size],
        ["timestamp", e.timestamp],
      ])
    ),
  ]]);
}

/** Reads a label.yaml; `what` names it in errors. */
export function decodeGoLabel(text: string, what: string): GoLabelDoc {
  const f = rootFields(text, what);
  return withOptional<GoLabelDoc>({
    name: f.nonEmpty("name"),
    bundleId: f.ksuid("id"),
    contributors: f.contributors("contributors"),
  }, { timestamp: f.time("timestamp") });
}

/** YAML text of a label.yaml. */
export function encodeGoLabel(doc: GoLabelDoc): string {
  return checked(decodeGoLabel, [
    ["name", doc.name],
    ["id", doc.bundleId],
    ["timestamp", doc.timestamp],
    ["contributors", doc.contributors.map(contributorYaml)],
  ]);
}

/** RFC 3339 text of a time as Go's RFC3339Nano writes it: UTC, no trailing zero digits. */
export function goTimeText(time: Date): string {
  return time.toISOString().replace(/\.?0*Z$/, "Z");
}

type Mapping = Record<string, unknown>;

/** Sets the optional fields that are defined, leaving the others out. */
function withOptional<T>(required: Partial<T>, optional: Partial<T>): T {
  const doc = { ...required } as Mapping;
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) doc[key] = value;
  return doc as T;
}

function contributorYaml(c: GoContributor): YamlMapping {
  return mapping([["name", c.name], ["email", c.email]]);
}

/**
 * Typed reads of one mapping of a Go document. Failures name the document and the field's
 * path, e.g. `malformed bundles/r/x/bundle.yaml: field "contributors[0].email" must be a string`.
 */
class GoFields {
  constructor(readonly raw: Mapping, private readonly what: string, private readonly path = "") {}

  fail(reason: string): DatamonError {
    return malformed(this.what, reason);
  }

  string(key: string): string {
    return this.check(key, "a string", (v): v is string => typeof v === "string");
  }

  nonEmpty(key: string): string {
    return this.check(
      key,
      "a non-empty string",
      (v): v is string => typeof v === "string" && v !== "",
    );
  }

  optionalString(key: string): string | undefined {
    return this.present(key) ? this.string(key) : undefined;
  }

  ksuid(key: string): string {
    return this.check(key, "a ksuid", (v): v is string => typeof v === "string" && isKsuid(v));
  }

  goKey(key: string): string {
    return this.check(
      key,
      "128 lowercase hex digits",
      (v): v is string => typeof v === "string" && isGoKey(v),
    );
  }

  /** An integer from min to max. */
  integer(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
    return this.check(
      key,
      `an integer from ${min} to ${max}`,
      (v): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max,
    );
  }

  /** An integer from min to max, or undefined when absent. */
  optionalInteger(key: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    return this.present(key) ? this.integer(key, min, max) : undefined;
  }

  /** A YAML timestamp (Go writes them plain, so YAML 1.1 reads a date); optional. */
  time(key: string): Date | undefined {
    if (!this.present(key)) return undefined;
    return this.check(
      key,
      "a timestamp",
      (v): v is Date => v instanceof Date && !Number.isNaN(v.getTime()),
    );
  }

  /**
   * A file name: text, or `!!binary` bytes (Go's yaml.v2 writes a name that is not UTF-8 so),
   * kept as bytes (lib/util/byte_names.ts); relative with no "." or ".." part.
   */
  entryName(key: string): string {
    const value = this.raw[key];
    const name = value instanceof Uint8Array ? nameFromBytes(value) : value;
    if (typeof name !== "string" || (typeof value === "string" && hasRawBytes(value))) {
      throw this.fail(`field "${this.at(key)}" must be a file name, ${got(value)}`);
    }
    try {
      return validateEntryName(name);
    } catch (e) {
      throw this.fail(`field "${this.at(key)}": ${(e as Error).message}`);
    }
  }

  strings(key: string): string[] | undefined {
    if (!this.present(key)) return undefined;
    return this.check(
      key,
      "a sequence of strings",
      (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === "string"),
    );
  }

  contributor(key: string): GoContributor | undefined {
    if (!this.present(key)) return undefined;
    const f = this.nested(this.raw[key], this.at(key));
    return { name: f.string("name"), email: f.string("email") };
  }

  contributors(key: string): GoContributor[] {
    return this.mappings(key).map((f) => ({ name: f.string("name"), email: f.string("email") }));
  }

  mappings(key: string): GoFields[] {
    const items = this.check(key, "a sequence", Array.isArray);
    return items.map((item, i) => this.nested(item, `${this.at(key)}[${i}]`));
  }

  private nested(value: unknown, path: string): GoFields {
    if (!isMapping(value)) throw this.fail(`field "${path}" must be a mapping, ${got(value)}`);
    return new GoFields(value, this.what, path);
  }

  private present(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
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

/** Parses a Go document (YAML 1.1) whose top level must be a mapping. */
function rootFields(text: string, what: string): GoFields {
  let doc: unknown;
  try {
    doc = parse(text, { version: "1.1", logLevel: "error" });
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw malformed(what, `not valid YAML (${detail})`, e);
  }
  if (!isMapping(doc)) throw malformed(what, `expected a mapping, ${got(doc)}`);
  return new GoFields(doc, what);
}

function malformed(what: string, reason: string, cause?: unknown): DatamonError {
  return new DatamonError("integrity", `malformed Go datamon ${what}: ${reason}`, { cause });
}

function isMapping(v: unknown): v is Mapping {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) &&
    !(v instanceof Uint8Array);
}

/** "it is missing" or "got <value>", to end an error message about a field. */
function got(v: unknown): string {
  if (v === undefined) return "it is missing";
  const text = v instanceof Date ? v.toISOString() : JSON.stringify(v) ?? String(v);
  return `got ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

// --- Writing: the subset of yaml.v2's output style these documents need. ---

/** A value yaml.v2 writes: a scalar, a date, a mapping or a sequence. */
type YamlValue = string | number | Date | YamlMapping | YamlValue[];
/** A mapping as ordered pairs; a pair whose value is undefined is left out (`omitempty`). */
type YamlPairs = [string, YamlValue | undefined][];

interface YamlMapping {
  pairs: YamlPairs;
}

function mapping(pairs: YamlPairs): YamlMapping {
  return { pairs };
}

function isYamlMapping(value: YamlValue): value is YamlMapping {
  return typeof value === "object" && "pairs" in value;
}

/** Writes the document of `pairs`, then checks that `decode` reads the text back. */
function checked(decode: (text: string, what: string) => unknown, pairs: YamlPairs): string {
  const text = mappingLines(pairs, "").join("\n") + "\n";
  decode(text, "document to write");
  return text;
}

/** Lines of a block mapping at `indent`; a sequence sits flush with its key, as in yaml.v2. */
function mappingLines(pairs: YamlPairs, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, value] of pairs) {
    if (value === undefined) continue;
    if (isYamlMapping(value)) {
      lines.push(`${indent}${key}:`, ...mappingLines(value.pairs, indent + "  "));
    } else if (Array.isArray(value) && value.length > 0) {
      lines.push(`${indent}${key}:`, ...sequenceLines(value, indent));
    } else {
      lines.push(`${indent}${key}: ${scalarText(value)}`);
    }
  }
  return lines;
}

function sequenceLines(items: YamlValue[], indent: string): string[] {
  const lines: string[] = [];
  for (const item of items) {
    if (isYamlMapping(item)) {
      const [first, ...rest] = mappingLines(item.pairs, indent + "  ");
      lines.push(`${indent}- ${first.trimStart()}`, ...rest);
    } else {
      lines.push(`${indent}- ${scalarText(item)}`);
    }
  }
  return lines;
}

/** One scalar as yaml.v2 writes it; an empty sequence in flow style. */
function scalarText(value: YamlValue): string {
  if (value instanceof Date) return goTimeText(value);
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return "[]";
  return isPlainSafe(value) ? value : quoted(value);
}

/** First characters that are YAML indicators, which a plain scalar cannot start with. */
const INDICATOR_FIRST = /^[-?:,[\]{}#&*!|>'"%@`]/;
/** Spaces at either end, ": " or " #" inside, or a trailing ":": all end a plain scalar. */
const PLAIN_BREAKING = /^\s|\s$|: |:$| #/;
/** What libyaml does not print as is: control characters, line separators, BOM, non-characters. */
// deno-lint-ignore no-control-regex
const NON_PRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/**
 * True when yaml.v2 writes `text` unquoted: libyaml allows it as a plain scalar, and YAML 1.1
 * resolves it back to the same string (not a boolean, number, null or timestamp).
 */
function isPlainSafe(text: string): boolean {
  return text !== "" && !INDICATOR_FIRST.test(text) && !PLAIN_BREAKING.test(text) &&
    !NON_PRINTABLE.test(text) &&
    (!MAYBE_NOT_TEXT.test(text) || parse(text, { version: "1.1" }) === text);
}

/** First characters of every YAML 1.1 plain scalar that is not a string (null, bool, number...). */
const MAYBE_NOT_TEXT = /^[-+.0-9~<=nNyYtTfFoO]/;

/**
 * A double-quoted scalar: JSON's escapes are YAML's, but JSON leaves DEL, C1 controls,
 * U+2028/2029, BOM and the non-characters raw, which YAML forbids or reads as line breaks.
 */
function quoted(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
