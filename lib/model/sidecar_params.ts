/**
 * The sidecar's params.yaml: which bundles a workflow step reads (mounted or downloaded) and
 * which directories it writes back, each as a bundle or as a split of a diamond, where the
 * signal files live, and how long the sidecar waits. Parsing and checking only; no I/O.
 */
import { parse } from "yaml";
import { DatamonError } from "../errors.ts";
import { isKsuid } from "./ksuid.ts";
import { validateBundleId, validateName } from "./names.ts";

/** How an input bundle reaches the step: a lazy read-only FUSE mount, or a full download. */
export type InputMode = "mount" | "download";

/** A bundle the step reads, placed at `path` before the step starts. */
export interface SidecarInput {
  repo: string;
  /** A bundle id; with neither this nor `label`, the repo's latest bundle. */
  bundle?: string;
  label?: string;
  mode: InputMode;
  /** Mount point or download destination: an absent or empty directory. */
  path: string;
}

/** A directory the step writes, uploaded as a new bundle once the step is done. */
export interface BundleOutput {
  path: string;
  repo: string;
  message: string;
  /** Set on the new bundle once it is committed. */
  label?: string;
}

/**
 * A directory the step writes, added as a split of an open diamond once the step is done (one
 * pod of a fan-out; a later step commits the diamond).
 */
export interface SplitOutput {
  path: string;
  repo: string;
  /** The diamond's id, as `diamond initialize` printed it. */
  diamond: string;
  /** The split's id (a retried pod gives the same one); by default a new ksuid. */
  split?: string;
  splitTag?: string;
}

/** An output: a bundle of its own, or a split of a diamond (it names `diamond`). */
export type SidecarOutput = BundleOutput | SplitOutput;

/** The whole params.yaml. */
export interface SidecarParams {
  /** Directory of the signal files, on the volume both containers share. */
  signals: string;
  /** Context to use (default: the usual settings). */
  context?: string;
  inputs: SidecarInput[];
  outputs: SidecarOutput[];
  /** Longest wait, in milliseconds, for the main step's `main-done` signal. */
  mainTimeoutMs: number;
}

/** How long the sidecar waits for the main step when params.yaml does not say. */
export const DEFAULT_MAIN_TIMEOUT_MS = 24 * 60 * 60 * 1000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a duration: `90s`, `30m`, `2h`, or a number of seconds. */
export function parseDuration(value: unknown, what: string): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(text);
  if (!m || Number(m[1]) <= 0) {
    throw new DatamonError("config", `${what} "${text}" is not a duration: use e.g. 90s, 30m, 2h`);
  }
  return Math.round(Number(m[1]) * UNITS[m[2] || "s"]);
}

function fail(what: string, problem: string): never {
  throw new DatamonError("config", `${what}: ${problem}`);
}

function mapping(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    fail(what, "must be a mapping");
  }
  return value as Record<string, unknown>;
}

function onlyKeys(doc: Record<string, unknown>, allowed: string[], what: string): void {
  const unknown = Object.keys(doc).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    fail(what, `unknown field "${unknown[0]}" (fields: ${allowed.join(", ")})`);
  }
}

function text(doc: Record<string, unknown>, key: string, what: string): string {
  const value = doc[key];
  if (typeof value !== "string" || value === "") fail(what, `"${key}" must be a non-empty string`);
  return value;
}

function optionalText(doc: Record<string, unknown>, key: string, what: string): string | undefined {
  return doc[key] === undefined ? undefined : text(doc, key, what);
}

function list(doc: Record<string, unknown>, key: string, what: string): unknown[] {
  const value = doc[key] ?? [];
  if (!Array.isArray(value)) fail(what, `"${key}" must be a list`);
  return value;
}

function checked<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof DatamonError && e.kind !== "config") fail(what, e.message);
    throw e;
  }
}

function inputFrom(value: unknown, what: string): SidecarInput {
  const doc = mapping(value, what);
  onlyKeys(doc, ["repo", "bundle", "label", "mode", "path"], what);
  const mode = doc.mode ?? "download";
  if (mode !== "mount" && mode !== "download") fail(what, `"mode" must be mount or download`);
  const input: SidecarInput = {
    repo: checked(what, () => validateName("repo", text(doc, "repo", what))),
    mode,
    path: text(doc, "path", what),
  };
  const bundle = optionalText(doc, "bundle", what);
  const label = optionalText(doc, "label", what);
  if (bundle && label) fail(what, `give "bundle" or "label", not both`);
  if (bundle) input.bundle = checked(what, () => validateBundleId(bundle));
  if (label) input.label = checked(what, () => validateName("label", label));
  return input;
}

function outputFrom(value: unknown, what: string): SidecarOutput {
  const doc = mapping(value, what);
  if (doc.diamond !== undefined) return splitOutputFrom(doc, what);
  onlyKeys(doc, ["path", "repo", "message", "label", "diamond"], what);
  const output: BundleOutput = {
    path: text(doc, "path", what),
    repo: checked(what, () => validateName("repo", text(doc, "repo", what))),
    message: text(doc, "message", what),
  };
  const label = optionalText(doc, "label", what);
  if (label) output.label = checked(what, () => validateName("label", label));
  return output;
}

/** An output naming a diamond: a split, which has no message or label of its own. */
function splitOutputFrom(doc: Record<string, unknown>, what: string): SplitOutput {
  onlyKeys(doc, ["path", "repo", "diamond", "split", "splitTag"], what);
  const diamond = text(doc, "diamond", what);
  if (!isKsuid(diamond)) fail(what, `"diamond" ${diamond} is not a diamond id`);
  const output: SplitOutput = {
    path: text(doc, "path", what),
    repo: checked(what, () => validateName("repo", text(doc, "repo", what))),
    diamond,
  };
  const split = optionalText(doc, "split", what);
  if (split) output.split = checked(what, () => validateName("split", split));
  const tag = optionalText(doc, "splitTag", what);
  if (tag) output.splitTag = tag;
  return output;
}

/** Reads params.yaml; `what` names it in errors. Every error is of kind "config". */
export function decodeSidecarParams(source: string, what: string): SidecarParams {
  let raw: unknown;
  try {
    raw = parse(source);
  } catch (e) {
    fail(what, `not YAML (${(e as Error).message.split("\n")[0]})`);
  }
  const doc = mapping(raw, what);
  onlyKeys(doc, ["signals", "context", "inputs", "outputs", "timeouts"], what);
  const timeouts = mapping(doc.timeouts ?? {}, `${what} timeouts`);
  onlyKeys(timeouts, ["main"], `${what} timeouts`);
  const context = optionalText(doc, "context", what);
  const params: SidecarParams = {
    signals: text(doc, "signals", what),
    inputs: list(doc, "inputs", what).map((v, i) => inputFrom(v, `${what} inputs[${i}]`)),
    outputs: list(doc, "outputs", what).map((v, i) => outputFrom(v, `${what} outputs[${i}]`)),
    mainTimeoutMs: timeouts.main === undefined
      ? DEFAULT_MAIN_TIMEOUT_MS
      : parseDuration(timeouts.main, `${what} timeouts.main`),
  };
  if (context) params.context = checked(what, () => validateName("context", context));
  if (params.inputs.length === 0 && params.outputs.length === 0) {
    fail(what, "lists no inputs and no outputs: nothing to do");
  }
  return params;
}
