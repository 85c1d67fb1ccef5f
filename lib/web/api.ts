/**
 * The web view's JSON API, read-only. Routes (GET only):
 *
 *   /api/contexts                                         {current, contexts: ContextDoc[]}
 *   /api/contexts/{ctx}/repos                             RepoDoc[]
 *   /api/contexts/{ctx}/repos/{repo}/bundles              BundleDoc[], oldest first
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}         BundleDoc
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}/files?offset=N&limit=M
 *                                                         {offset, files: FileEntry[], next}
 *   /api/contexts/{ctx}/repos/{repo}/labels               LabelRecord[] (current targets)
 *   /api/contexts/{ctx}/repos/{repo}/labels/{label}       LabelRecord[] (history, newest first)
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}/lineage 501 until lineage is recorded
 *   /api/contexts/{ctx}/audit                             501 until the audit log is recorded
 *
 * Errors are {error, kind} with a status that follows the error's kind. Lists are streamed
 * as they are read, so a large repo or bundle never sits whole in memory.
 */
import { DatamonError, type ErrorKind } from "../errors.ts";
import {
  type Context,
  getContextDoc,
  listContexts,
  openContext,
  requestsFor,
} from "../core/context.ts";
import type { Settings } from "../core/settings.ts";
import { listRepos } from "../core/repo.ts";
import { bundleEntries, getBundle, listBundles } from "../core/bundles.ts";
import { labelHistory, listLabels } from "../core/labels.ts";
import { getRepo } from "../core/repo.ts";

/** Most file entries one page of /files returns. */
export const MAX_FILES_PAGE = 1000;

const STATUS: Partial<Record<ErrorKind, number>> = {
  "usage": 400,
  "invalid-argument": 400,
  "not-found": 404,
  "unreachable": 502,
  "integrity": 500,
  "config": 500,
};

const encoder = new TextEncoder();

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function errorResponse(e: unknown): Response {
  if (e instanceof DatamonError) {
    return json({ error: e.message, kind: e.kind }, STATUS[e.kind] ?? 500);
  }
  return json({ error: `internal error: ${(e as Error)?.message ?? e}`, kind: "internal" }, 500);
}

/**
 * A JSON document streamed as it is produced: `head`, then each item of `items` separated by
 * commas, then what `tail` returns once the items are done. A failure after the status line
 * was sent can only cut the document short, which a client's JSON parser reports.
 */
function streamJson<T>(
  head: string,
  items: AsyncIterable<T>,
  tail: () => string,
): Response {
  const iterator = items[Symbol.asyncIterator]();
  let first = true;
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(head));
    },
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) {
        finished = true;
        controller.enqueue(encoder.encode(tail()));
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`${first ? "" : ","}${JSON.stringify(next.value)}`));
      first = false;
    },
    async cancel() {
      if (!finished) await iterator.return?.();
    },
  });
  return new Response(body, { headers: { "content-type": "application/json; charset=utf-8" } });
}

/** A list endpoint: the first item is awaited before answering, so a missing repo is a 404. */
async function streamList<T>(items: AsyncGenerator<T>): Promise<Response> {
  const first = await items.next();
  async function* all() {
    if (!first.done) yield first.value;
    yield* items;
  }
  return streamJson("[", all(), () => "]");
}

function pageParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new DatamonError(
      "invalid-argument",
      `${name}=${raw} must be a whole number from ${min} to ${max}`,
    );
  }
  return Number(raw);
}

/** Answers /api/ requests over the contexts the settings can reach. */
export class Api {
  #contexts = new Map<string, Promise<Context>>();

  constructor(private readonly settings: Settings) {}

  #context(name: string): Promise<Context> {
    let ctx = this.#contexts.get(name);
    if (!ctx) {
      ctx = getContextDoc(this.settings, name).then((doc) =>
        openContext(doc, { maxRequests: requestsFor(this.settings.concurrency) })
      );
      ctx.catch(() => this.#contexts.delete(name));
      this.#contexts.set(name, ctx);
    }
    return ctx;
  }

  /** The response to a request whose path starts with /api/. */
  async handle(request: Request): Promise<Response> {
    if (request.method !== "GET") {
      return json({ error: "the web view is read-only: only GET", kind: "usage" }, 405);
    }
    try {
      return await this.#route(new URL(request.url));
    } catch (e) {
      return errorResponse(e);
    }
  }

  async #route(url: URL): Promise<Response> {
    const parts = url.pathname.replace(/^\/api\/?/, "").split("/").filter((p) => p !== "")
      .map(decodeURIComponent);
    const [top, ctxName, sub, repo, kind, id, detail] = parts;
    if (top !== "contexts") return this.#notFound(url);
    if (ctxName === undefined) {
      const contexts = await Array.fromAsync(listContexts(this.settings));
      return json({ current: this.settings.context, contexts });
    }
    const ctx = await this.#context(ctxName);
    const concurrency = this.settings.concurrency;
    if (sub === "audit" && parts.length === 3) {
      return json(
        { error: "the audit log is not recorded by this build", kind: "not-recorded" },
        501,
      );
    }
    if (sub !== "repos") return this.#notFound(url);
    if (repo === undefined) return streamList(listRepos(ctx, concurrency));
    if (kind === "bundles" && id === undefined) {
      return streamList(listBundles(ctx, repo, concurrency));
    }
    if (kind === "bundles" && detail === undefined) {
      await getRepo(ctx, repo);
      return json(await getBundle(ctx, repo, id));
    }
    if (kind === "bundles" && detail === "files" && parts.length === 7) {
      return await this.#files(ctx, repo, id, url);
    }
    if (kind === "bundles" && detail === "lineage" && parts.length === 7) {
      await getBundle(ctx, repo, id);
      return json({ error: "lineage is not recorded by this build", kind: "not-recorded" }, 501);
    }
    if (kind === "labels" && id === undefined) {
      return streamList(listLabels(ctx, repo, concurrency));
    }
    if (kind === "labels" && detail === undefined) return json(await labelHistory(ctx, repo, id));
    return this.#notFound(url);
  }

  async #files(ctx: Context, repo: string, id: string, url: URL): Promise<Response> {
    const offset = pageParam(url, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = pageParam(url, "limit", 100, 1, MAX_FILES_PAGE);
    await getRepo(ctx, repo);
    const bundle = await getBundle(ctx, repo, id);
    let next: number | null = null;
    async function* page() {
      let index = 0;
      for await (const entry of bundleEntries(ctx, bundle)) {
        if (index >= offset + limit) {
          next = index;
          return;
        }
        if (index >= offset) yield entry;
        index++;
      }
    }
    return streamJson(`{"offset":${offset},"files":[`, page(), () => `],"next":${next}}`);
  }

  #notFound(url: URL): Response {
    return json({ error: `no such API route: ${url.pathname}`, kind: "not-found" }, 404);
  }
}
