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
  // Go labels have Contributors and repos a Contributor; ours say the other where they differ.
  contributors: ["contributor"],
  contributor: ["contributors"],
};

const ACTION = /\{\{(.*?)\}\}/g;

/**
 * Fills a `--format` template with one row's JSON form (`data`); `\t` and `\n` escapes are
 * honoured.
 * An action it cannot fill is a one-line error naming it (never printed back unchanged).
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

/** The value at a field path of the row. */
function field(data: unknown, path: string): unknown {
  let value = data;
  const trimmed = path.replace(/^\./, "");
  if (trimmed === "") return value;
  for (const part of trimmed.split(".")) {
    const key = value !== null && typeof value === "object" && !Array.isArray(value)
      ? fieldKey(value as Record<string, unknown>, part)
      : undefined;
    if (key === undefined) {
      const known = data !== null && typeof data === "object" ? Object.keys(data).join(", ") : "";
      throw new DatamonError(
        "invalid-argument",
        `--format names "${trimmed}", which this output does not have: use one of ${known}`,
      );
    }
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

/** A value as `{{.Field}}` and `%v` show it: objects as JSON. */
function show(value: unknown): string {
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
