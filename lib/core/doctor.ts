/**
 * `datamon doctor`'s checks of the config and the stores: the config file parses, the context
 * resolves, and each store of the context is reachable, writable and enforces create-only
 * writes. Each check says what to fix when it does not pass. FUSE, which only mounts need, is
 * checked in lib/mount/fuse_probe.ts, in rows of the same shape.
 */
import type { Store } from "../store/store.ts";
import { openStore } from "../store/open.ts";
import { PROBE_RETRY_POLICY } from "../store/retry.ts";
import {
  type CreateOnlyAnswers,
  probeCreateOnly,
  probeReachable,
  probeWritable,
} from "../store/probe.ts";
import { loadSettings, type SettingFlags, type Settings } from "../meta/settings.ts";
import { resolveContext, STORE_ROLES } from "../meta/context.ts";
import type { ContextDoc } from "../model/types.ts";

/**
 * "fail": something datamon relies on is broken; "warn": an optional feature (FUSE, for
 * mounts) is unavailable.
 */
export type CheckStatus = "ok" | "warn" | "fail";

/** One check's outcome. */
export interface Check {
  /** What was checked, e.g. "blob store file:///data/blob: create-only". */
  name: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do about it, when it did not pass. */
  fix?: string;
}

/** An error as a check's detail: the first line of its message. */
export function errorLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split("\n")[0];
}

/** A check that did not pass: what `e` says, and what to do about it. */
function failedCheck(name: string, e: unknown, fix: string): Check {
  return { name, status: "fail", detail: errorLine(e), fix };
}

/** Runs the checks in order; the store checks need a config and context that resolve. */
export async function* runDoctor(flags: SettingFlags): AsyncGenerator<Check> {
  let settings: Settings;
  try {
    settings = await loadSettings(flags);
  } catch (e) {
    yield failedCheck(
      "config",
      e,
      "fix or remove the config file (DATAMON_CONFIG), or the setting named",
    );
    return;
  }
  yield {
    name: "config",
    status: "ok",
    detail: `config file ${settings.configFile} reads (or is absent: defaults)`,
  };
  let doc: ContextDoc;
  let go: unknown;
  try {
    ({ doc, go } = await resolveContext(settings, settings.context));
  } catch (e) {
    yield failedCheck(
      `context ${settings.context}`,
      e,
      `create it with "datamon context create", or choose another with --context`,
    );
    return;
  }
  // A Go datamon context is read in place: its buckets are never written, not even a probe.
  const writes = go === undefined;
  const detail = writes
    ? `from ${settings.configStore}`
    : `Go datamon context from ${settings.configStore}, read-only: its stores are not write-probed`;
  yield { name: `context ${doc.name}`, status: "ok", detail };
  for (const role of STORE_ROLES) {
    yield* storeChecks(`${role} store ${doc[role]}`, doc[role], writes);
  }
}

/** Reachable (a listing starts), writable (put, read back, delete), create-only enforced. */
async function* storeChecks(name: string, url: string, writes: boolean): AsyncGenerator<Check> {
  let store: Store;
  try {
    store = openStore(url, { retry: PROBE_RETRY_POLICY });
    await probeReachable(store);
  } catch (e) {
    yield failedCheck(
      `${name}: reachable`,
      e,
      "check the URL, the endpoint, the bucket and the credentials",
    );
    return;
  }
  yield { name: `${name}: reachable`, status: "ok", detail: "a listing answers" };
  if (!writes) return;

  try {
    await probeWritable(store);
  } catch (e) {
    yield failedCheck(`${name}: writable`, e, "grant write and delete access to this location");
    return;
  }
  yield { name: `${name}: writable`, status: "ok", detail: "put, get and delete of a probe work" };

  let answers: CreateOnlyAnswers;
  try {
    answers = await probeCreateOnly(store);
  } catch (e) {
    yield failedCheck(`${name}: create-only`, e, "grant write and delete access to this location");
    return;
  }
  if (answers.first && !answers.second) {
    yield { name: `${name}: create-only`, status: "ok", detail: "create-only enforced" };
  } else {
    yield {
      name: `${name}: create-only`,
      status: "fail",
      detail: answers.first
        ? "create-only NOT enforced: a second create of the same key succeeded"
        : "create-only NOT working: the first create of a new key was refused",
      fix: "use a store that honours conditional writes (S3: If-None-Match: *, GCS: " +
        "ifGenerationMatch=0); without them two writers can overwrite a committed document",
    };
  }
}
