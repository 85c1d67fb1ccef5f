/**
 * Settings resolution: flag > environment > config file > built-in default.
 * The config file is `$DATAMON_CONFIG`, else `$DATAMON_HOME/config.yaml`, else
 * `~/.datamon/config.yaml`.
 */
import { pathToFileURL } from "node:url";
import { DatamonError } from "../errors.ts";
import type { ConfigDoc } from "../model/types.ts";
import { decodeConfig, encodeConfig } from "../model/codec.ts";
import { validateName } from "../model/names.ts";
import { newKsuid } from "../model/ksuid.ts";
import { writeFileAtomic } from "../util/atomic_file.ts";

/** Name of the embedded default context: a local directory, no cloud needed. */
export const DEFAULT_CONTEXT = "local";
/** Files processed at once when nothing else is configured. */
export const DEFAULT_CONCURRENCY = 16;

export interface Settings {
  /** Directory of datamon's own files (default store, config file). */
  home: string;
  /** Path of the user config file. */
  configFile: string;
  /** Store URL that holds contexts/{ctx}/context.yaml. */
  configStore: string;
  context: string;
  name?: string;
  email?: string;
  concurrency: number;
  /** The run this process belongs to (DATAMON_RUN_ID, set by the sidecar): lineage by run. */
  run?: string;
  /** Prometheus Pushgateway URL that receives each command's metrics; absent: none sent. */
  metrics?: string;
}

/** What the command line said; undefined means "not given". */
export interface SettingFlags {
  config?: string;
  context?: string;
  concurrencyFactor?: number;
  metrics?: string;
}

/** Keys `config set` accepts, with the environment variable that overrides each. */
export const CONFIG_KEYS = {
  config: "DATAMON_CONFIG_STORE",
  context: "DATAMON_CONTEXT",
  name: "DATAMON_NAME",
  email: "DATAMON_EMAIL",
  concurrency: "DATAMON_CONCURRENCY",
  metrics: "DATAMON_METRICS",
} as const;

/** Environment variable naming the run a process belongs to (set by the sidecar). */
export const RUN_ID_VARIABLE = "DATAMON_RUN_ID";
export type ConfigKey = keyof typeof CONFIG_KEYS;

/** Directory holding datamon's own files: $DATAMON_HOME, else ~/.datamon. */
export function datamonHome(): string {
  const explicit = Deno.env.get("DATAMON_HOME");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME");
  if (!home) {
    throw new DatamonError("config", "neither DATAMON_HOME nor HOME is set: set DATAMON_HOME");
  }
  return `${home}/.datamon`;
}

/** Path of the user config file. */
export function configFilePath(): string {
  return Deno.env.get("DATAMON_CONFIG") ?? `${datamonHome()}/config.yaml`;
}

/** Reads the config file; a missing file is an empty config. */
export async function readConfigFile(path: string): Promise<ConfigDoc> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return {};
    throw new DatamonError("config", `cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    return decodeConfig(text, `config file ${path}`);
  } catch (e) {
    throw new DatamonError("config", `${(e as Error).message}: fix or remove the file`);
  }
}

/** Where a setting's value came from, as `config get` shows it. */
export type SettingSource = "flag" | "env" | "file" | "default";

/** One resolved setting: its value and where it came from (`env` names the variable). */
export interface SourcedSetting<T> {
  value: T;
  source: SettingSource;
  /** The environment variable or file path the value was read from. */
  from?: string;
}

/** The settings `config get` shows, each with its source. */
export type SourcedSettings = {
  [K in "config" | "context" | "name" | "email" | "concurrency" | "metrics"]: SourcedSetting<
    Settings[K extends "config" ? "configStore" : K]
  >;
};

/** Every setting with its precedence (flag > environment > config file > default) and source. */
export async function loadSourcedSettings(flags: SettingFlags = {}): Promise<SourcedSettings> {
  const home = datamonHome();
  const configFile = configFilePath();
  const file = await readConfigFile(configFile);
  const pick = <T>(
    key: ConfigKey,
    flag: T | undefined,
    stored: T | undefined,
    fallback: T,
  ): SourcedSetting<T> => {
    const variable = CONFIG_KEYS[key];
    const env = Deno.env.get(variable) || undefined;
    if (flag !== undefined) return { value: flag, source: "flag" };
    if (env !== undefined) {
      const value = key === "concurrency" ? parseConcurrency(env, variable) : env;
      return { value: value as T, source: "env", from: variable };
    }
    if (stored !== undefined) return { value: stored, source: "file", from: configFile };
    return { value: fallback, source: "default" };
  };
  const context = pick("context", flags.context, file.context, DEFAULT_CONTEXT);
  validateName("context", context.value);
  return {
    config: pick("config", flags.config, file.config, pathToFileURL(`${home}/config`).href),
    context,
    name: pick("name", undefined, file.name, undefined),
    email: pick("email", undefined, file.email, undefined),
    concurrency: pick(
      "concurrency",
      flags.concurrencyFactor,
      file.concurrency,
      DEFAULT_CONCURRENCY,
    ),
    metrics: pick("metrics", flags.metrics, file.metrics, undefined),
  };
}

/** Resolves every setting with its precedence. */
export async function loadSettings(flags: SettingFlags = {}): Promise<Settings> {
  const sourced = await loadSourcedSettings(flags);
  return {
    home: datamonHome(),
    configFile: configFilePath(),
    configStore: sourced.config.value,
    context: sourced.context.value,
    name: sourced.name.value,
    email: sourced.email.value,
    concurrency: sourced.concurrency.value,
    run: runIdFromEnv(),
    metrics: sourced.metrics.value,
  };
}

/**
 * The run this process belongs to: DATAMON_RUN_ID when set (an empty value is unset), checked
 * to be a name since it becomes a key segment (runs/{run}/ in the read log).
 */
export function runIdFromEnv(): string | undefined {
  const run = Deno.env.get(RUN_ID_VARIABLE) || undefined;
  return run === undefined ? undefined : validateName("run id", run);
}

/**
 * The run this process belongs to, or a new one: a ksuid, set as DATAMON_RUN_ID in this
 * process's environment so that settings loaded afterwards, and whatever records the run's
 * writes, find it.
 */
export function joinOrStartRun(): string {
  const given = runIdFromEnv();
  if (given !== undefined) return given;
  const id = newKsuid();
  Deno.env.set(RUN_ID_VARIABLE, id);
  return id;
}

/** Parses a positive whole number of concurrent operations. */
export function parseConcurrency(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new DatamonError(
      "invalid-argument",
      `${what} must be a whole number from 1 to 1024, got "${value}"`,
    );
  }
  return n;
}

/** Sets one key of the config file, writing it atomically. */
export async function setConfigValue(path: string, key: string, value: string): Promise<ConfigDoc> {
  if (!(key in CONFIG_KEYS)) {
    throw new DatamonError(
      "invalid-argument",
      `unknown config key "${key}": use one of ${Object.keys(CONFIG_KEYS).join(", ")}`,
    );
  }
  const doc: ConfigDoc = { ...await readConfigFile(path) };
  switch (key as ConfigKey) {
    case "concurrency":
      doc.concurrency = parseConcurrency(value, "concurrency");
      break;
    case "context":
      doc.context = validateName("context", value);
      break;
    case "config":
      doc.config = value;
      break;
    case "name":
      doc.name = value;
      break;
    case "email":
      doc.email = value;
      break;
    case "metrics":
      doc.metrics = value;
      break;
  }
  const dir = path.slice(0, path.lastIndexOf("/")) || ".";
  await Deno.mkdir(dir, { recursive: true });
  await writeFileAtomic(path, encodeConfig(doc));
  return doc;
}
