/**
 * Go datamon's CLI config file (~/.datamon2/datamon.yaml, cmd/datamon/cmd/config.go CLIConfig):
 * read so that a Go user's settings carry over. Go names its config store by bucket name
 * without a scheme, meaning a GCS bucket; its credential and metrics fields have no datamon
 * counterpart and are ignored, as is any field Go added later.
 */
import { parse } from "yaml";
import { DatamonError } from "../errors.ts";
import type { ConfigDoc } from "./types.ts";

/** The settings of a Go datamon config file that datamon uses. */
export function decodeGoConfig(text: string, what: string): ConfigDoc {
  let doc: unknown;
  try {
    doc = parse(text, { logLevel: "error" });
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new DatamonError("config", `malformed ${what}: not valid YAML (${detail})`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new DatamonError("config", `malformed ${what}: expected a mapping`);
  }
  const fields = doc as Record<string, unknown>;
  const stringField = (key: string) => {
    const value = fields[key];
    if (value === undefined || value === null || value === "") return undefined;
    if (typeof value !== "string") {
      throw new DatamonError("config", `malformed ${what}: field "${key}" must be a string`);
    }
    return value;
  };
  const config = stringField("config");
  const result: ConfigDoc = {};
  if (config !== undefined) result.config = goStoreUrl(config);
  for (const key of ["context", "name", "email"] as const) {
    const value = stringField(key);
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** A Go config store: a bare bucket name is a GCS bucket; a URL stays as it is. */
export function goStoreUrl(value: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value) ? value : `gs://${value}`;
}
