/** Go datamon contexts in a config store: which contexts it has, and the buckets each names. */
import { decodeGoContext, type GoContextDoc } from "../../model/go_format.ts";
import { goContextKey, goContextsPrefix } from "../../model/go_keys.ts";
import type { Store } from "../../store/store.ts";
import { checkSelfNamed, readGoDocument } from "./documents.ts";

/** Names of the contexts of a Go config store (those with a context.yaml), in key order. */
export async function* listGoContexts(config: Store): AsyncGenerator<string> {
  for await (const entry of config.list(goContextsPrefix)) {
    if (entry.kind !== "object") continue;
    const name = entry.key.slice(goContextsPrefix.length).split("/")[0];
    if (entry.key === goContextKey(name)) yield name;
  }
}

/** A context's document; "not-found" when the config store has no such context. */
export async function getGoContext(config: Store, name: string): Promise<GoContextDoc> {
  const key = goContextKey(name);
  const doc = await readGoDocument(
    config,
    key,
    decodeGoContext,
    `Go datamon context "${name}" not found in ${config.url}: no ${key}`,
  );
  checkSelfNamed(config, key, "context", doc.name, name);
  return doc;
}
