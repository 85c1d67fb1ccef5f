/**
 * `--format` templates: ours (`{{id}}`, `{{contributor.name}}`) and the subset of Go's
 * text/template that Go datamon users type (`{{.ID}}`, `{{.Contributor.Email}}`,
 * `{{ printf "%#v" . }}` to see the fields). Field names match case-insensitively, and the Go
 * field names that differ from ours are mapped onto them.
 */
import { DatamonError } from "../errors.ts";

/** Go datamon field names (lower case) whose datamon counterpart has another name. */
const GO_FIELD_NAMES: Readonly<Record<string, readonly string[]>> = {
  namewithpath: ["name"],
  hash: ["key"],
  filemode: ["mode"],
  bundleentriesfilecount: ["fileListCount"],
  timestamp: ["time"],
  bundleid: ["bundle"],
  // Go repos have one Contributor; every record of ours has a list of contributors.
  contributor: ["contributors"],
};

const ACTION = /\{\{(.*?)\}\}/g;

/**
 * The field paths a template names (Go's leading dot dropped; "" for `.`, the whole row), so
 * that they are checked against what the command prints before it does anything. An action
 * that is not a field or a printf of fields and literals is a one-line error naming it.
 */
export function templateFields(template: string): string[] {
  const paths: string[] = [];
  const rest = template.replace(ACTION, (whole, text: string) => {
    const action = text.trim();
    if (action.startsWith("printf ") || action.startsWith("printf\t")) {
      const [format, ...args] = tokens(action.slice("printf".length));
      if (format === undefined || !/^["`]/.test(format)) throw unsupported(whole);
      for (const arg of args) {
        if (/^["`]/.test(arg) || /^-?\d+(\.\d+)?$/.test(arg)) continue;
        if (!isFieldPath(arg)) throw unsupported(whole);
        paths.push(arg.replace(/^\./, ""));
      }
    } else if (isFieldPath(action)) {
      paths.push(action.replace(/^\./, ""));
    } else {
      throw unsupported(whole);
    }
    return "";
  });
  if (rest.includes("{{") || rest.includes("}}")) {
    throw new DatamonError(
      "invalid-argument",
      `--format "${template}" has a "{{" or "}}" that is not a field: write {{name}}`,
    );
  }
  return paths;
}

/**
 * True when `path` (as a template names it: any case, Go's names) is a field of `fields`
 * (dotted paths; `x.*` admits everything under x), or an object holding some, or "" (the row).
 */
export function admitsField(fields: readonly string[], path: string): boolean {
  if (path === "") return true;
  const declared = fields.map((f) => f.toLowerCase());
  const admitted = (prefix: string) =>
    declared.some((f) =>
      f === prefix || f.startsWith(`${prefix}.`) ||
      (f.endsWith(".*") && `${prefix}.`.startsWith(f.slice(0, -1)))
    );
  // Each part may be its own name or a Go counterpart; a few branches at most.
  const walk = (prefix: string, parts: string[]): boolean => {
    if (parts.length === 0) return true;
    const [part, ...rest] = parts;
    const lower = part.toLowerCase();
    return [lower, ...(GO_FIELD_NAMES[lower] ?? []).map((n) => n.toLowerCase())].some((name) => {
      const next = prefix === "" ? name : `${prefix}.${name}`;
      return admitted(next) && walk(next, rest);
    });
  };
  return walk("", path.split("."));
}

/**
 * Fills a `--format` template (checked by templateFields) with one row's JSON form (`data`):
 * empty where this row lacks an optional field (a label not set); `\t` and `\n` escapes are
 * honoured.
 */
export function fillTemplate(template: string, data: unknown): string {
  return template
    .replace(/\\t/g, "\t")
    .replace(/\\n/g, "\n")
    .replace(ACTION, (whole, action: string) => fillAction(action.trim(), whole, data));
}

function fillAction(action: string, whole: string, data: unknown): string {
  if (action.startsWith("printf ") || action.startsWith("printf\t")) {
    const [format, ...args] = tokens(action.slice("printf".length));
    if (format === undefined || !/^["`]/.test(format)) throw unsupported(whole);
    return printf(literal(format), args.map((arg) => argument(arg, whole, data)));
  }
  if (!isFieldPath(action)) throw unsupported(whole);
  return show(field(data, action));
}

/** `.`, `.ID`, `.contributor.name`, `id`: a field path (Go's leading dot is optional). */
function isFieldPath(text: string): boolean {
  return text === "." || /^\.?\w+(\.\w+)*$/.test(text);
}

function argument(token: string, whole: string, data: unknown): unknown {
  if (/^["`]/.test(token)) return literal(token);
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (!isFieldPath(token)) throw unsupported(whole);
  return field(data, token);
}

/** The words of an action: quoted strings stay whole. */
function tokens(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|`[^`]*`|\S+/g) ?? [];
}

function literal(token: string): string {
  return token.startsWith("`") ? token.slice(1, -1) : JSON.parse(token);
}

/** The value at a field path of the row; undefined where the row lacks it. */
function field(data: unknown, path: string): unknown {
  let value = data;
  const trimmed = path.replace(/^\./, "");
  if (trimmed === "") return value;
  for (const part of trimmed.split(".")) {
    // A list of one is read as its element: Go's {{.Contributor.Name}} on our contributors.
    if (Array.isArray(value) && value.length === 1) value = value[0];
    const key = value !== null && typeof value === "object" && !Array.isArray(value)
      ? fieldKey(value as Record<string, unknown>, part)
      : undefined;
    if (key === undefined) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The key of `record` that `name` means: itself, any case of it, or its Go counterpart. */
function fieldKey(record: Record<string, unknown>, name: string): string | undefined {
  if (name in record) return name;
  const lower = name.toLowerCase();
  const keys = Object.keys(record);
  return keys.find((key) => key.toLowerCase() === lower) ??
    GO_FIELD_NAMES[lower]?.find((alias) => alias in record);
}

/** A value as `{{.Field}}` and `%v` show it: objects as JSON, an absent field empty. */
function show(value: unknown): string {
  if (value === undefined) return "";
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** Go's printf verbs a template needs: %v %s %d %q %#v %%. */
function printf(format: string, args: unknown[]): string {
  let next = 0;
  return format.replace(/%(#?)([vsdqf%])/g, (_, sharp: string, letter: string) => {
    if (letter === "%") return "%";
    if (next >= args.length) return `%!${letter}(MISSING)`;
    const value = args[next++];
    if (sharp) return goSyntax(value);
    if (letter === "q") return JSON.stringify(show(value));
    return show(value);
  });
}

/** `%#v`: every field with its value, so that a user sees what a template can name. */
function goSyntax(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(goSyntax).join(", ")}]`;
  if (value === null || value === undefined) return "nil";
  if (typeof value === "object") {
    const fields = Object.entries(value).map(([key, v]) => `${key}:${goSyntax(v)}`);
    return `{${fields.join(", ")}}`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function unsupported(action: string): DatamonError {
  return new DatamonError(
    "invalid-argument",
    `--format action ${action} is not supported: use {{.Field}}, {{.Field.Sub}} or {{ printf "%#v" . }}`,
  );
}
