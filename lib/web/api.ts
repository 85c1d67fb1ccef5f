/**
 * The web view's JSON API, read-only. Routes (GET only):
 *
 *   /api/contexts                                         {current, contexts: ContextDoc[]}
 *   /api/contexts/{ctx}/repos                             RepoDoc[]
 *   /api/contexts/{ctx}/repos/{repo}                      RepoDoc
 *   /api/contexts/{ctx}/repos/{repo}/bundles              BundleDoc[], oldest first
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}         BundleDoc
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}/files?offset=N&limit=M&filter=TEXT
 *                                                         {offset, files: FileEntry[], next}:
 *                                                         the files whose name holds TEXT
 *                                                         (all without it), offset counting
 *                                                         those
 *   /api/contexts/{ctx}/repos/{repo}/labels               LabelRecord[] (current targets)
 *   /api/contexts/{ctx}/repos/{repo}/labels/{label}       LabelRecord[] (history, newest first)
 *   /api/contexts/{ctx}/repos/{repo}/bundles/{id}/lineage?direction=upstream|downstream|both
 *                                                         LineageGraph (default upstream; both:
 *                                                         the two walks as one graph)
 *   /api/contexts/{ctx}/repos/{repo}/audit?bundle=ID&kind=write|read&before=ID&limit=M
 *                                                         {entries: AuditEntry[], next}, newest
 *                                                         first, each with a `summary` in
 *                                                         words; next is the `before` of the
 *                                                         following page, null after the last
 *
 * Errors are {error, kind} with a status that follows the error's kind. Lists are streamed
 * as they are read, so a large repo or bundle never sits whole in memory. Pages hold at most
 * MAX_PAGE entries (100 unless `limit` says otherwise).
 */
import { DatamonError, type ErrorKind } from "../errors.ts";
import { type Context, listContexts, loadContext } from "../meta/context.ts";
import type { Settings } from "../meta/settings.ts";
import { listRepos } from "../meta/repo.ts";
import { bundleEntries, getBundle, listBundles } from "../meta/bundles.ts";
import { labelHistory, listLabels } from "../meta/labels.ts";
import { getRepo } from "../meta/repo.ts";
import { type LineageGraph, lineageGraph, refText } from "../meta/lineage.ts";
import { type AuditEntry, auditTrail, describeAuditEntry } from "../meta/audit.ts";
import { validateBundleId } from "../model/names.ts";
import { isKsuid } from "../model/ksuid.ts";
import type { BundleRef } from "../model/types.ts";
import { redactEach, redactSecrets } from "../util/redact.ts";

/** Most entries one page of /files or /audit returns. */
export const MAX_PAGE = 1000;

/** The lineage route's answer: a LineageGraph, whose direction may also be "both". */
export type WebLineageGraph = Omit<LineageGraph, "direction"> & {
  direction: LineageGraph["direction"] | "both";
};

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

/** An error as JSON; its message may quote a store URL, whose credentials are redacted. */
function errorResponse(e: unknown): Response {
  if (e instanceof DatamonError) {
    return json({ error: redactSecrets(e.message), kind: e.kind }, STATUS[e.kind] ?? 500);
  }
  const message = redactSecrets(`internal error: ${(e as Error)?.message ?? e}`);
  return json({ error: message, kind: "internal" }, 500);
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
      ctx = loadContext(this.settings, name);
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
      const contexts = await Array.fromAsync(redactEach(listContexts(this.settings)));
      return json({ current: this.settings.context, contexts });
    }
    const ctx = await this.#context(ctxName);
    const concurrency = this.settings.concurrency;
    if (sub !== "repos") return this.#notFound(url);
    if (repo === undefined) return streamList(listRepos(ctx, concurrency));
    if (kind === undefined) return json(await getRepo(ctx, repo));
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
      return json(await this.#lineage(ctx, { repo, bundle: id }, url));
    }
    if (kind === "audit" && parts.length === 5) return await this.#audit(ctx, repo, url);
    if (kind === "labels" && id === undefined) {
      return streamList(listLabels(ctx, repo, concurrency));
    }
    if (kind === "labels" && detail === undefined) return json(await labelHistory(ctx, repo, id));
    return this.#notFound(url);
  }

  async #files(ctx: Context, repo: string, id: string, url: URL): Promise<Response> {
    const offset = pageParam(url, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = pageParam(url, "limit", 100, 1, MAX_PAGE);
    const filter = url.searchParams.get("filter") ?? "";
    await getRepo(ctx, repo);
    const bundle = await getBundle(ctx, repo, id);
    let next: number | null = null;
    async function* page() {
      let index = 0;
      for await (const entry of bundleEntries(ctx, bundle)) {
        if (!entry.name.includes(filter)) continue;
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

  async #lineage(ctx: Context, root: BundleRef, url: URL): Promise<WebLineageGraph> {
    const direction = url.searchParams.get("direction") ?? "upstream";
    if (direction !== "upstream" && direction !== "downstream" && direction !== "both") {
      throw new DatamonError(
        "invalid-argument",
        `direction=${direction} must be upstream, downstream or both`,
      );
    }
    await getRepo(ctx, root.repo);
    // lineageGraph shows a root it cannot read as a missing node; an unknown one is a 404 here.
    await getBundle(ctx, root.repo, root.bundle);
    if (direction !== "both") return await lineageGraph(ctx, root, direction);
    const [up, down] = await Promise.all([
      lineageGraph(ctx, root, "upstream"),
      lineageGraph(ctx, root, "downstream"),
    ]);
    // Both walks start with the root; lineage has no cycles, so nothing else is in both.
    const seen = new Set(up.nodes.map(refText));
    return {
      root,
      direction,
      nodes: [...up.nodes, ...down.nodes.filter((n) => !seen.has(refText(n)))],
      edges: [...up.edges, ...down.edges],
    };
  }

  async #audit(ctx: Context, repo: string, url: URL): Promise<Response> {
    // An empty filter is no filter, so a form can send every field.
    const bundle = url.searchParams.get("bundle") || undefined;
    const kind = url.searchParams.get("kind") || undefined;
    const before = url.searchParams.get("before") || undefined;
    if (bundle !== undefined) validateBundleId(bundle);
    if (kind !== undefined && kind !== "write" && kind !== "read") {
      throw new DatamonError("invalid-argument", `kind=${kind} must be write or read`);
    }
    if (before !== undefined && !isKsuid(before)) {
      throw new DatamonError("invalid-argument", `before=${before} is not a record id`);
    }
    const limit = pageParam(url, "limit", 100, 1, MAX_PAGE);
    await getRepo(ctx, repo);
    const page = auditTrail(ctx, { repo, bundle, kind, before, limit }, this.settings.concurrency);
    async function* summarized(): AsyncGenerator<AuditEntry & { summary: string }> {
      for await (const entry of page.entries) {
        yield { ...entry, summary: describeAuditEntry(entry) };
      }
    }
    return streamJson(
      `{"entries":[`,
      summarized(),
      () => `],"next":${JSON.stringify(page.next())}}`,
    );
  }

  #notFound(url: URL): Response {
    return json({ error: `no such API route: ${url.pathname}`, kind: "not-found" }, 404);
  }
}
