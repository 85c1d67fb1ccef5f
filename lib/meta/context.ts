/**
 * Contexts: the five stores one team uses, kept in the config store as
 * contexts/{ctx}/context.yaml. The embedded default context needs no document.
 */
import { DatamonError, isKind } from "../errors.ts";
import type { ContextDoc, Contributor } from "../model/types.ts";
import { decodeContext, encodeContext } from "../model/codec.ts";
import { contextKey } from "../model/keys.ts";
import { validateName } from "../model/names.ts";
import type { Store, StoreOptions } from "../store/store.ts";
import { MeteredStore, RequestMeter } from "../store/metered.ts";
import { joinStoreUrl, openStore, withEndpoint } from "../store/open.ts";
import { withTestCrashPoints } from "../store/crash_point.ts";
import { DEFAULT_CONTEXT, type Settings } from "./settings.ts";
import { logWrite } from "./audit.ts";
import type { GoContextDoc } from "../model/go_format.ts";
import { goContextDocIn, goContextStores, GoReadOnlyStore } from "./go/open.ts";
import { fileUrlOf } from "../util/file_url.ts";

/** The store roles of a context, in the order they are shown. */
export const STORE_ROLES = ["blob", "metadata", "vmetadata", "wal", "readlog"] as const;
export type StoreRole = typeof STORE_ROLES[number];

/** An opened context: its document and one store per role. */
export interface Context extends Record<StoreRole, Store> {
  doc: ContextDoc;
  /** Set when every store of the context counts its requests into this meter. */
  meter?: RequestMeter;
  /** Set for a Go datamon context, read in place: its stores refuse every write. */
  go?: GoContextDoc;
}

/** A context whose stores count their requests into its meter. */
export type MeteredContext = Context & { meter: RequestMeter };

/** A context document whose five stores are sub-prefixes of one URL. */
export function contextFromBaseUrl(name: string, base: string): ContextDoc {
  const doc = { name } as ContextDoc;
  for (const role of STORE_ROLES) doc[role] = joinStoreUrl(base, role);
  return doc;
}

/** The context with `endpoint` given to each of its s3:// and gs:// stores that names none. */
export function contextWithEndpoint(doc: ContextDoc, endpoint: string | undefined): ContextDoc {
  const out = { ...doc };
  for (const role of STORE_ROLES) out[role] = withEndpoint(doc[role], endpoint);
  return out;
}

/** The embedded default: a directory under datamon's home. */
export function defaultContextDoc(settings: Settings): ContextDoc {
  return contextFromBaseUrl(DEFAULT_CONTEXT, fileUrlOf(`${settings.home}/data`));
}

/**
 * Reads a context document, falling back to the embedded default for its name. A Go datamon
 * context's document names the bucket URLs it is read from (see go/open.ts).
 */
export async function getContextDoc(
  settings: Settings,
  name = settings.context,
): Promise<ContextDoc> {
  return (await resolveContext(settings, name)).doc;
}

/** A context's document and, for a Go datamon context (read-only), Go's own. */
export async function resolveContext(
  settings: Settings,
  name: string,
): Promise<{ doc: ContextDoc; go?: GoContextDoc }> {
  validateName("context", name);
  const config = openStore(settings.configStore);
  let text: string;
  try {
    text = new TextDecoder().decode(await config.get(contextKey(name)));
  } catch (e) {
    if (!isKind(e, "not-found")) throw e;
    if (name === DEFAULT_CONTEXT) return { doc: defaultContextDoc(settings) };
    throw new DatamonError(
      "not-found",
      `context "${name}" not found in config store ${config.url}: create it with "datamon context create" or pick another with --context`,
    );
  }
  const what = `context ${name} in ${config.url}`;
  const go = goContextDocIn(text, what);
  if (go) return { doc: goContextStores(settings.configStore, go), go };
  return { doc: decodeContext(text, what) };
}

/** Opens the stores of a context. */
export function openContext(doc: ContextDoc, options: StoreOptions = {}): Context {
  const ctx = { doc } as Context;
  for (const role of STORE_ROLES) ctx[role] = openStore(doc[role], options);
  return ctx;
}

/**
 * Opens a Go datamon context in place: its buckets beside the config store `configUrl`,
 * read-only.
 */
function openGoContext(
  doc: ContextDoc,
  go: GoContextDoc,
  configUrl: string,
  options: StoreOptions,
): Context {
  const ctx = { doc, go } as Context;
  for (const role of STORE_ROLES) {
    ctx[role] = new GoReadOnlyStore(openStore(doc[role], options), go.name, configUrl);
  }
  return ctx;
}

/**
 * Requests each network store keeps in flight for `concurrency` files at once: a file has a
 * few leaves on the wire, and small files and listings need more requests than bytes.
 */
export function requestsFor(concurrency: number): number {
  return Math.max(16, concurrency * 4);
}

/** The same context with every store counting its requests into `meter`. */
export function meteredContext(ctx: Context, meter: RequestMeter): MeteredContext {
  const metered = { doc: ctx.doc, meter, go: ctx.go } as MeteredContext;
  for (const role of STORE_ROLES) metered[role] = new MeteredStore(ctx[role], meter);
  return metered;
}

/**
 * `ctx` itself when it is metered already (a command meters its context once), else `ctx`
 * metered by a meter of its own: a use case reads its requests from it either way, and no
 * request is counted twice.
 */
export function ensureMetered(ctx: Context): MeteredContext {
  return ctx.meter ? ctx as MeteredContext : meteredContext(ctx, new RequestMeter());
}

/** Resolves and opens the context `name` (default: the one the settings name). */
export async function loadContext(
  settings: Settings,
  name = settings.context,
): Promise<Context> {
  const options = { maxRequests: requestsFor(settings.concurrency) };
  const { doc, go } = await resolveContext(settings, name);
  if (go) return openGoContext(doc, go, settings.configStore, options);
  const ctx = openContext(doc, options);
  // The crash tests' kill points (test-only environment variables; a no-op otherwise).
  for (const role of STORE_ROLES) ctx[role] = withTestCrashPoints(ctx[role]);
  return ctx;
}

/** Checks that a store answers: a listing must start without error. */
async function probeStore(role: StoreRole, url: string): Promise<void> {
  try {
    for await (const _ of openStore(url).list("contexts/", { delimiter: "/" })) break;
  } catch (e) {
    if (!(e instanceof DatamonError)) throw e;
    throw new DatamonError(e.kind, `${role} store: ${e.message}`, { cause: e });
  }
}

/**
 * Writes a new context after checking that each of its stores answers. Create-only; the
 * write-ahead record goes to the new context's own wal store. `actorOf` is asked once the
 * stores answered, so that an unreachable store is the one thing reported.
 */
export async function createContext(
  settings: Settings,
  doc: ContextDoc,
  actorOf: (metadata: Store) => Promise<Contributor>,
): Promise<ContextDoc> {
  validateName("context", doc.name);
  for (const role of STORE_ROLES) await probeStore(role, doc[role]);
  const config = openStore(settings.configStore);
  const actor = await actorOf(openStore(doc.metadata));
  await logWrite(openStore(doc.wal), actor, {
    operation: "create context",
    store: config,
    key: contextKey(doc.name),
  });
  const created = await config.putIfAbsent(
    contextKey(doc.name),
    new TextEncoder().encode(encodeContext(doc)),
  );
  if (!created) {
    throw new DatamonError(
      "already-exists",
      `context "${doc.name}" already exists in config store ${config.url}: pick another name`,
    );
  }
  return doc;
}

/**
 * Removes a context's document from the config store, recorded first in the context's own wal
 * store. Its five stores and their data stay: re-creating the context finds them again. The
 * embedded default has no document to remove.
 */
export async function deleteContext(
  settings: Settings,
  name: string,
  actorOf: (metadata: Store) => Promise<Contributor>,
): Promise<ContextDoc> {
  if (name === DEFAULT_CONTEXT) {
    throw new DatamonError(
      "invalid-argument",
      `context "${DEFAULT_CONTEXT}" is built in and cannot be deleted`,
    );
  }
  const doc = await getContextDoc(settings, name);
  const config = openStore(settings.configStore);
  await logWrite(openStore(doc.wal), await actorOf(openStore(doc.metadata)), {
    operation: "delete context",
    store: config,
    key: contextKey(name),
  });
  await config.delete(contextKey(name));
  return doc;
}

/** Every context stored in the config store, plus the embedded default, by name. */
export async function* listContexts(settings: Settings): AsyncGenerator<ContextDoc> {
  const config = openStore(settings.configStore);
  const names: string[] = [];
  for await (const entry of config.list("contexts/", { delimiter: "/" })) {
    if (entry.kind === "prefix") names.push(entry.prefix.slice("contexts/".length, -1));
  }
  if (!names.includes(DEFAULT_CONTEXT)) names.push(DEFAULT_CONTEXT);
  names.sort();
  for (const name of names) yield await getContextDoc(settings, name);
}
