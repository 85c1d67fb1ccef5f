/**
 * The web view's one page: static HTML and a small script that reads /api/ and renders with
 * the DOM (no framework, no build step). Routes live in the URL's hash:
 * #/ (contexts), #/c/CTX (repos), #/c/CTX/r/REPO (bundles, labels), #/c/CTX/r/REPO/b/ID (files,
 * lineage), #/c/CTX/r/REPO/l/LABEL (label history), #/c/CTX/r/REPO/audit (the repo's audit log).
 */

/** The page's HTML. Every value is set with textContent, never parsed as markup. */
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>datamon</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.5em; }
table { border-collapse: collapse; } td, th { padding: 2px 10px; text-align: left; border-bottom: 1px solid #ddd; }
/* Ids, times, sizes and keys never break mid-token; only prose (.text) wraps, at spaces. */
td { white-space: nowrap; vertical-align: top; } .text { white-space: normal; }
.filter { margin: .3em 0 .6em; } .filter input, .filter select { font: inherit; }
#description { margin: 0 0 .5em; }
.id, .key { font-family: monospace; } .note { color: #777; font-style: italic; } .error { color: #b00; }
nav a { margin-right: .5em; } #audit-table td:first-child { white-space: nowrap; }
#lineage svg { font: 12px system-ui, sans-serif; } #lineage rect { fill: #fff; stroke: #888; }
#lineage .root rect { fill: #eef; } #lineage .missing rect { stroke-dasharray: 4 3; }
#lineage .edge { stroke: #888; } #lineage .ref { font-family: monospace; } #lineage a .ref { fill: #00c; }
</style>
</head>
<body>
<h1><a href="#/">datamon</a></h1>
<nav id="crumbs"></nav>
<main id="view"></main>
<script>
"use strict";
const view = document.getElementById("view");
const crumbs = document.getElementById("crumbs");
const enc = encodeURIComponent;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child);
  return node;
}
function link(text, hash, cls) { return el("a", { href: hash, textContent: text, className: cls || "" }); }
function size(n) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? n + " B" : n.toFixed(n < 10 ? 2 : 1) + " " + units[i];
}
function who(c) { return c.name + " <" + c.email + ">"; }
/** Prose that may wrap at spaces (messages, descriptions), unlike every other cell. */
function prose(text) { return el("span", { className: "text", textContent: text }); }
async function api(path) {
  const response = await fetch("/api/" + path);
  const body = await response.json();
  if (!response.ok) { const e = new Error(body.error); e.kind = body.kind; throw e; }
  return body;
}
function table(id, headers, rows) {
  const head = el("tr", {}, ...headers.map((h) => el("th", { textContent: h })));
  const body = rows.map((cells) => el("tr", {}, ...cells.map((c) =>
    el("td", {}, typeof c === "string" ? document.createTextNode(c) : c))));
  return el("table", { id }, el("thead", {}, head), el("tbody", {}, ...body));
}
function section(id, title, ...content) {
  return el("section", { id }, el("h2", { textContent: title }), ...content);
}
function note(text, cls) { return el("p", { className: cls || "note", textContent: text }); }
/**
 * A section filled from the API; a failure is shown in its place. True when it filled, so a
 * view stops at the first failure (a missing repo or bundle is said once, not per section).
 */
async function loaded(id, title, fill) {
  const s = section(id, title, note("loading..."));
  view.append(s);
  try { s.replaceChildren(s.firstChild, ...[].concat(await fill())); return true; }
  catch (e) { s.replaceChildren(s.firstChild, note("error: " + e.message, "error")); return false; }
}
/** Marks the page rendered once \`work\` ends (tests wait for it). */
function rendering(work) {
  document.body.dataset.ready = "no";
  return work().finally(() => (document.body.dataset.ready = location.hash));
}
/**
 * A control above a paged table that reloads it: \`table(value)\` builds the table for the
 * control's value; typing (or choosing) rebuilds it, the newest request winning.
 */
function filtered(control, table) {
  const box = el("div");
  let shown = 0;
  async function show() {
    const mine = ++shown;
    const content = await table(control.value);
    if (mine === shown) box.replaceChildren(...content);
  }
  let timer;
  control.addEventListener(control.tagName === "SELECT" ? "change" : "input", () => {
    // Not rendered from the first keystroke, though the reload waits for typing to pause.
    document.body.dataset.ready = "no";
    clearTimeout(timer);
    timer = setTimeout(() => rendering(show), 200);
  });
  return show().then(() => [el("div", { className: "filter" }, control), box]);
}
/**
 * A table filled a page at a time: load(next) answers {items, next} for the page after cursor
 * \`next\` (null for the first), and a "more" button loads the following one until next is null.
 */
async function pagedTable(id, headers, load, cells) {
  const rows = el("tbody");
  const more = el("button", { id: "more-" + id, textContent: "more", hidden: true });
  let next = null;
  async function page() {
    // A page being loaded is a page not yet rendered (tests wait on data-ready).
    document.body.dataset.ready = "no";
    const p = await load(next);
    for (const item of p.items) {
      rows.append(el("tr", {}, ...cells(item).map((c) =>
        el("td", {}, typeof c === "string" ? document.createTextNode(c) : c))));
    }
    next = p.next;
    more.hidden = next === null;
  }
  more.onclick = () => rendering(page);
  await page();
  const head = el("tr", {}, ...headers.map((h) => el("th", { textContent: h })));
  return [el("table", { id: id + "-table" }, el("thead", {}, head), rows), more];
}
function setCrumbs(parts) {
  crumbs.replaceChildren(...parts.map(([text, hash]) => link(text, hash)));
}

async function contextsView() {
  setCrumbs([]);
  await loaded("contexts", "Contexts", async () => {
    const { current, contexts } = await api("contexts");
    return table("contexts-table", ["CONTEXT", "BLOB STORE", "METADATA STORE"], contexts.map((c) => [
      link(c.name + (c.name === current ? " (current)" : ""), "#/c/" + enc(c.name)), c.blob, c.metadata,
    ]));
  });
}

async function reposView(ctx) {
  setCrumbs([[ctx, "#/c/" + enc(ctx)]]);
  const base = "contexts/" + enc(ctx);
  await loaded("repos", "Repos", async () => {
    const repos = await api(base + "/repos");
    if (repos.length === 0) return note("no repos yet: create one with datamon repo create --repo NAME --context " + ctx);
    return table("repos-table", ["REPO", "DESCRIPTION", "CREATED", "BY"], repos.map((r) => [
      link(r.name, "#/c/" + enc(ctx) + "/r/" + enc(r.name)), prose(r.description), r.timestamp, who(r.contributor),
    ]));
  });
}

async function repoView(ctx, repo) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo);
  const found = await loaded("repo", "Repo " + repo, async () => {
    const r = await api(base);
    return [
      el("p", { id: "description", className: "text", textContent: r.description || "(no description)" }),
      note("created " + r.timestamp + " by " + who(r.contributor)),
    ];
  });
  if (!found) return;
  // Labels are read first: each bundle's row names the labels pointing at it.
  const labels = await api(base + "/labels").catch(() => []);
  await loaded("bundles", "Bundles, newest first", async () => {
    const bundles = (await api(base + "/bundles")).reverse();
    if (bundles.length === 0) return note("no bundles yet");
    const labelsOf = new Map();
    for (const l of labels) labelsOf.set(l.bundleId, [...(labelsOf.get(l.bundleId) ?? []), l.name]);
    return table("bundles-table", ["ID", "LABELS", "MESSAGE", "CONTRIBUTORS", "TIME", "FILES", "SIZE"], bundles.map((b) => [
      link(b.id, at + "/b/" + enc(b.id), "id"),
      el("span", { className: "labels" }, ...(labelsOf.get(b.id) ?? []).flatMap((name, i) =>
        [...(i ? [" "] : []), link(name, at + "/l/" + enc(name))])),
      prose(b.message), b.contributors.map((c) => c.name).join(", "), b.timestamp,
      String(b.fileCount), size(b.totalSize),
    ]));
  });
  await loaded("labels", "Labels", async () => {
    if (labels.length === 0) return note("no labels yet");
    return table("labels-table", ["LABEL", "BUNDLE", "SET", "BY"], labels.map((l) => [
      link(l.name, at + "/l/" + enc(l.name)), link(l.bundleId, at + "/b/" + enc(l.bundleId), "id"),
      l.timestamp, who(l.contributor),
    ]));
  });
  view.append(el("p", {}, link("audit log", at + "/audit")));
}

async function bundleView(ctx, repo, id) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at], [id, at + "/b/" + enc(id)]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo) + "/bundles/" + enc(id);
  const found = await loaded("bundle", "Bundle " + id, async () => {
    const b = await api(base);
    return table("bundle-table", ["FIELD", "VALUE"], [
      ["message", prose(b.message)], ["contributors", b.contributors.map(who).join(", ")], ["time", b.timestamp],
      ["files", String(b.fileCount)], ["size", size(b.totalSize)], ["leaf size", size(b.leafSize)],
    ]);
  });
  if (!found) return;
  await loaded("lineage", "Lineage", async () => {
    const graph = await api(base + "/lineage?direction=both");
    if (graph.edges.length === 0) return note("made from no recorded bundle, and nothing recorded is made from it");
    return lineageSvg(ctx, graph);
  });
  const filter = el("input", { id: "files-filter", type: "search", placeholder: "filter names", size: 30 });
  await loaded("files", "Files", () => filtered(filter, (text) =>
    pagedTable("files", ["NAME", "SIZE", "MTIME", "KEY"], async (next) => {
      const p = await api(base + "/files?limit=100&offset=" + (next ?? 0) + "&filter=" + enc(text));
      return { items: p.files, next: p.next };
    }, (f) => [f.name, size(f.size), f.mtime, el("span", { textContent: f.key, className: "key" })])));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  for (const child of children) node.append(child);
  return node;
}
function refText(r) { return r.repo + "@" + r.bundle; }
/** A ksuid starts with its time, so bundles made together share a prefix: its tail tells them apart. */
function shortRef(r) { return r.repo + "@…" + r.bundle.slice(-8); }
function clip(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }

/**
 * Each node's column: 0 for the root, its inputs to the left (negative), bundles made from it
 * to the right; a node's longest path to the root, so every edge points rightwards. Lineage
 * has no cycles, so each pass settles at least one more step and nodes.length passes suffice.
 */
function columns(graph) {
  const col = new Map([[refText(graph.root), 0]]);
  for (let pass = 0, changed = true; changed && pass < graph.nodes.length; pass++) {
    changed = false;
    for (const { from, to } of graph.edges) {
      const f = refText(from), t = refText(to);
      if (col.get(t) <= 0 && !(col.get(f) <= col.get(t) - 1)) { col.set(f, col.get(t) - 1); changed = true; }
      if (col.get(f) >= 0 && !(col.get(t) >= col.get(f) + 1)) { col.set(t, col.get(f) + 1); changed = true; }
    }
  }
  return col;
}

/** The lineage graph drawn in columns: boxes linking to their bundles, arrows from input to output. */
function lineageSvg(ctx, graph) {
  const W = 230, H = 40, GAP_X = 60, GAP_Y = 14;
  const col = columns(graph);
  const first = Math.min(...col.values()), last = Math.max(...col.values());
  const rows = new Map(), at = new Map();
  for (const n of graph.nodes) {
    const c = col.get(refText(n)) ?? 0;
    const row = rows.get(c) ?? 0;
    rows.set(c, row + 1);
    at.set(refText(n), { x: 1 + (c - first) * (W + GAP_X), y: 1 + row * (H + GAP_Y) });
  }
  const width = (last - first + 1) * (W + GAP_X) - GAP_X + 2;
  const height = Math.max(...rows.values()) * (H + GAP_Y) - GAP_Y + 2;
  const arrow = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 8, markerHeight: 8, orient: "auto" },
    svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#888" }));
  const edges = graph.edges.map(({ from, to }) => {
    const a = at.get(refText(from)), b = at.get(refText(to));
    return svg("line", { class: "edge", x1: a.x + W, y1: a.y + H / 2, x2: b.x, y2: b.y + H / 2, "marker-end": "url(#arrow)" },
      svg("title", {}, refText(from) + " → " + refText(to)));
  });
  const nodes = graph.nodes.map((n) => {
    const { x, y } = at.get(refText(n));
    const parts = [svg("title", {}, refText(n)), svg("rect", { x, y, width: W, height: H, rx: 4 }),
      svg("text", { class: "ref", x: x + 8, y: y + 16 }, shortRef(n)),
      svg("text", { class: "message", x: x + 8, y: y + 32 }, n.missing ? "(no longer stored)" : clip(n.message, 34))];
    const cls = "node" + (refText(n) === refText(graph.root) ? " root" : "") + (n.missing ? " missing" : "");
    if (n.missing) return svg("g", { class: cls }, ...parts);
    return svg("a", { class: cls, href: "#/c/" + enc(ctx) + "/r/" + enc(n.repo) + "/b/" + enc(n.bundle) }, ...parts);
  });
  return svg("svg", { width, height, viewBox: "0 0 " + width + " " + height }, svg("defs", {}, arrow), ...edges, ...nodes);
}

async function labelView(ctx, repo, label) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at], ["label " + label, at + "/l/" + enc(label)]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo) + "/labels/" + enc(label);
  await loaded("history", "History of label " + label, async () => {
    const history = await api(base);
    return table("history-table", ["BUNDLE", "SET", "BY"], history.map((l) => [
      link(l.bundleId, at + "/b/" + enc(l.bundleId), "id"), l.timestamp, who(l.contributor),
    ]));
  });
}

function actor(a) { return who(a) + (a.identity ? " [" + a.identity + "]" : ""); }

async function auditView(ctx, repo) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at], ["audit log", at + "/audit"]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo) + "/audit?limit=100";
  const kind = el("select", { id: "audit-kind" },
    el("option", { value: "", textContent: "writes and reads" }),
    el("option", { value: "write", textContent: "writes" }),
    el("option", { value: "read", textContent: "reads" }));
  await loaded("audit", "Audit log of " + repo + ", newest first", () => filtered(kind, (only) =>
    pagedTable("audit", ["TIME", "KIND", "ACTOR", "WHAT", "BUNDLE"], async (next) => {
      const p = await api(base + "&kind=" + only + (next === null ? "" : "&before=" + enc(next)));
      return { items: p.entries, next: p.next };
    }, (e) => [e.time, e.kind, actor(e.actor), prose(e.summary), e.bundle ? link(e.bundle, at + "/b/" + enc(e.bundle), "id") : "-"])));
}

async function route() {
  view.replaceChildren();
  document.body.dataset.ready = "no";
  const p = location.hash.replace(/^#\\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (p[0] === "c" && p.length === 2) await reposView(p[1]);
  else if (p[0] === "c" && p[2] === "r" && p.length === 4) await repoView(p[1], p[3]);
  else if (p[0] === "c" && p[2] === "r" && p[4] === "audit") await auditView(p[1], p[3]);
  else if (p[0] === "c" && p[4] === "b") await bundleView(p[1], p[3], p[5]);
  else if (p[0] === "c" && p[4] === "l") await labelView(p[1], p[3], p[5]);
  else await contextsView();
  document.body.dataset.ready = location.hash;
}
window.addEventListener("hashchange", route);
route();
</script>
</body>
</html>
`;
