/**
 * Opening a Go datamon context in place, read-only: telling its context.yaml from ours, finding
 * its buckets beside the config store, and refusing every write to them.
 */
import { DatamonError } from "../../errors.ts";
import { decodeGoContext, type GoContextDoc } from "../../model/go_format.ts";
import type { ContextDoc } from "../../model/types.ts";
import { DelegatingStore } from "../../store/delegating.ts";
import type { RemovedTemporaries, Store } from "../../store/store.ts";

/** A bucket name as GCS and S3 allow them: what Go's context.yaml holds in each store field. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/;

/** The store fields of a context document, in both formats. */
const STORE_FIELDS = ["blob", "metadata", "vmetadata", "wal", "readlog"] as const;

/**
 * The Go document when `text` is a Go datamon context.yaml, else undefined. Both formats keep
 * contexts/{ctx}/context.yaml with the same five fields, but Go names buckets where ours names
 * store URLs or paths: a document whose every store is a bare bucket name is Go's.
 */
export function goContextDocIn(text: string, what: string): GoContextDoc | undefined {
  let doc: GoContextDoc;
  try {
    doc = decodeGoContext(text, what);
  } catch {
    return undefined;
  }
  return STORE_FIELDS.every((field) => BUCKET_NAME.test(doc[field])) ? doc : undefined;
}

/**
 * Our context document for a Go context whose config store is `configUrl`: each bucket is a
 * sibling of the config store (gs://config -> gs://{bucket}, file:///x/config ->
 * file:///x/{bucket}), with the config URL's query (an emulator's endpoint) kept.
 */
export function goContextStores(configUrl: string, doc: GoContextDoc): ContextDoc {
  const out = { name: doc.name } as ContextDoc;
  for (const field of STORE_FIELDS) out[field] = siblingUrl(configUrl, doc[field]);
  return out;
}

/** `url` with its last path segment (or its bucket, when it has no path) replaced by `name`. */
function siblingUrl(url: string, name: string): string {
  const queryAt = url.startsWith("file:") ? -1 : url.indexOf("?");
  const path = (queryAt < 0 ? url : url.slice(0, queryAt)).replace(/\/+$/, "");
  const query = queryAt < 0 ? "" : url.slice(queryAt);
  const slash = path.lastIndexOf("/");
  const parent = slash < 0 ? "" : path.slice(0, slash + 1);
  return `${parent}${name}${query}`;
}

/**
 * The one-line refusal of a write to the Go context `name` of the config store `configUrl`:
 * the migrate command that copies it into a datamon context, which takes writes.
 */
export function goReadOnlyError(name: string, configUrl = "<config-url>"): DatamonError {
  return new DatamonError(
    "read-only",
    `context "${name}" is a Go datamon context, read in place (read-only): copy it into a ` +
      `datamon context with "datamon migrate --from-config ${configUrl} --from-context ${name} ` +
      `--context <datamon-context>" and write there`,
  );
}

/**
 * A store of a Go context: reads pass through, every write is refused with goReadOnlyError, so
 * no command can change Go datamon's buckets, whatever path it takes.
 */
export class GoReadOnlyStore extends DelegatingStore {
  /** `context` is the Go context's name, `configUrl` its config store (for the refusal). */
  constructor(inner: Store, private readonly context: string, private readonly configUrl?: string) {
    super(inner);
  }

  override put(_key: string, _bytes: Uint8Array): Promise<void> {
    return this.#refuse();
  }

  override putIfAbsent(_key: string, _bytes: Uint8Array): Promise<boolean> {
    return this.#refuse();
  }

  override delete(_key: string): Promise<void> {
    return this.#refuse();
  }

  /** A copy is a write: refused, whether or not the inner store can copy. */
  override get copy(): (from: string, to: string) => Promise<void> {
    return () => this.#refuse();
  }

  /** Removing temporaries deletes: refused, whether or not the inner store keeps any. */
  override get removeStaleTemporaries(): (olderThan: Date) => Promise<RemovedTemporaries> {
    return () => this.#refuse();
  }

  #refuse(): Promise<never> {
    return Promise.reject(goReadOnlyError(this.context, this.configUrl));
  }
}
