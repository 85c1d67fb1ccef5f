/**
 * Settings resolution: flag > environment > config file > built-in default.
 * The config file is `$DATAMON_CONFIG`, else `$DATAMON_HOME/config.yaml`, else
 * `~/.datamon/config.yaml`; when that file is absent, Go datamon's `~/.datamon2/datamon.yaml`.
 * The config store may also come from Go datamon's DATAMON_GLOBAL_CONFIG.
 */
import { DatamonError } from "../errors.ts";
import type { ConfigDoc } from "../model/types.ts";
import { decodeConfig, encodeConfig } from "../model/codec.ts";
import { decodeGoConfig, goStoreUrl } from "../model/go_config.ts";
import { validateName } from "../model/names.ts";
import { newKsuid } from "../model/ksuid.ts";
import { writeFileAtomic } from "../util/atomic_file.ts";
import { fileUrlOf } from "../util/file_url.ts";

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

/** Go datamon's environment variable naming its config store (a bucket name or a URL). */
export const GO_CONFIG_STORE_VARIABLE = "DATAMON_GLOBAL_CONFIG";

/** Path of Go datamon's default config file, ~/.datamon2/datamon.yaml; undefined without HOME. */
export function goConfigFilePath(): string | undefined {
  const home = Deno.env.get("HOME");
  return home ? `${home}/.datamon2/datamon.yaml` : undefined;
}

/** A file's text, or undefined when there is no such file. */
async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw new DatamonError("config", `cannot read config file ${path}: ${(e as Error).message}`);
  }
}

/**
 * Our config file, else (when it is absent) Go datamon's; neither is an empty config. `path` is
 * the file the settings were read from, which `config get` names as their source.
 */
async function readUserConfig(path: string): Promise<{ doc: ConfigDoc; path: string }> {
  const text = await readTextIfPresent(path);
  if (text !== undefined) return { doc: decodeOwnConfig(text, path), path };
  const goPath = goConfigFilePath();
  const goText = goPath === undefined ? undefined : await readTextIfPresent(goPath);
  return goText === undefined
    ? { doc: {}, path }
    : { doc: decodeGoConfig(goText, `Go datamon config file ${goPath}`), path: goPath! };
}

/** Reads the config file; a missing file is an empty config. */
export async function readConfigFile(path: string): Promise<ConfigDoc> {
  const text = await readTextIfPresent(path);
  return text === undefined ? {} : decodeOwnConfig(text, path);
}

function decodeOwnConfig(text: string, path: string): ConfigDoc {
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
  const { doc: file, path: filePath } = await readUserConfig(configFile);
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
    if (stored !== undefined) return { value: stored, source: "file", from: filePath };
    return { value: fallback, source: "default" };
  };
  const context = pick("context", flags.context, file.context, DEFAULT_CONTEXT);
  validateName("context", context.value);
  return {
    config: await sourcedConfigStore(flags.config, file.config, filePath, home),
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

/**
 * The config store and where it was named: --config, DATAMON_CONFIG_STORE, Go datamon's
 * DATAMON_GLOBAL_CONFIG (a bucket name), the config file, else the one under DATAMON_HOME.
 */
async function sourcedConfigStore(
  flag: string | undefined,
  stored: string | undefined,
  configFile: string,
  home: string,
): Promise<SourcedSetting<string>> {
  const fromFlag = await namedConfigStore(flag, "--config");
  if (fromFlag !== undefined) return { value: fromFlag, source: "flag" };
  const variable = CONFIG_KEYS.config;
  const fromEnv = await namedConfigStore(Deno.env.get(variable) || undefined, variable);
  if (fromEnv !== undefined) return { value: fromEnv, source: "env", from: variable };
  const goStore = Deno.env.get(GO_CONFIG_STORE_VARIABLE) || undefined;
  if (goStore !== undefined) {
    return { value: goStoreUrl(goStore), source: "env", from: GO_CONFIG_STORE_VARIABLE };
  }
  const fromFile = await namedConfigStore(stored, `config in ${configFile}`);
  if (fromFile !== undefined) return { value: fromFile, source: "file", from: configFile };
  return { value: fileUrlOf(`${home}/config`), source: "default" };
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
 * A config store as the user named it. A bare name (no scheme, no "/") that is no local path
 * is refused: Go datamon reads it as a GCS bucket, so taking it for a new local directory
 * would quietly point a Go user at an empty store.
 */
async function namedConfigStore(
  value: string | undefined,
  source: string,
): Promise<string | undefined> {
  if (value === undefined || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(value) || value.includes("/")) {
    return value;
  }
  try {
    await Deno.stat(value);
    return value;
  } catch {
    throw new DatamonError(
      "config",
      `${source} "${value}" has no scheme: write gs://${value} for a bucket, or file://, or ./${value} for a local directory`,
    );
  }
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
