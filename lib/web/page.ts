/**
 * The web view's one page: static HTML and a small script that reads /api/ and renders with
 * the DOM (no framework, no build step). Routes live in the URL's hash:
 * #/ (contexts), #/c/CTX (repos), #/c/CTX/r/REPO (bundles, labels), #/c/CTX/r/REPO/b/ID (files,
 * lineage), #/c/CTX/r/REPO/l/LABEL (label history), #/c/CTX/audit (audit log).
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
.id, .key { font-family: monospace; } .note { color: #777; font-style: italic; } .error { color: #b00; }
nav a { margin-right: .5em; }
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
function raw(data) { return el("pre", { textContent: JSON.stringify(data, null, 2) }); }
function note(text, cls) { return el("p", { className: cls || "note", textContent: text }); }
/** A section filled from the API; a route this build does not record says so. */
async function loaded(id, title, fill) {
  const s = section(id, title, note("loading..."));
  view.append(s);
  try { s.replaceChildren(s.firstChild, ...[].concat(await fill())); }
  catch (e) { s.replaceChildren(s.firstChild, note(e.kind === "not-recorded" ? e.message : "error: " + e.message, e.kind === "not-recorded" ? "note" : "error")); }
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
    if (repos.length === 0) return note("no repos yet");
    return table("repos-table", ["REPO", "DESCRIPTION", "CREATED", "BY"], repos.map((r) => [
      link(r.name, "#/c/" + enc(ctx) + "/r/" + enc(r.name)), r.description, r.timestamp, who(r.contributor),
    ]));
  });
  view.append(el("p", {}, link("audit log", "#/c/" + enc(ctx) + "/audit")));
}

async function repoView(ctx, repo) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo);
  await loaded("bundles", "Bundles", async () => {
    const bundles = await api(base + "/bundles");
    if (bundles.length === 0) return note("no bundles yet");
    return table("bundles-table", ["ID", "MESSAGE", "CONTRIBUTORS", "TIME", "FILES", "SIZE"], bundles.map((b) => [
      link(b.id, at + "/b/" + enc(b.id), "id"), b.message, b.contributors.map(who).join(", "), b.timestamp,
      String(b.fileCount), size(b.totalSize),
    ]));
  });
  await loaded("labels", "Labels", async () => {
    const labels = await api(base + "/labels");
    if (labels.length === 0) return note("no labels yet");
    return table("labels-table", ["LABEL", "BUNDLE", "SET", "BY"], labels.map((l) => [
      link(l.name, at + "/l/" + enc(l.name)), link(l.bundleId, at + "/b/" + enc(l.bundleId), "id"),
      l.timestamp, who(l.contributor),
    ]));
  });
}

async function bundleView(ctx, repo, id) {
  const at = "#/c/" + enc(ctx) + "/r/" + enc(repo);
  setCrumbs([[ctx, "#/c/" + enc(ctx)], [repo, at], [id, at + "/b/" + enc(id)]]);
  const base = "contexts/" + enc(ctx) + "/repos/" + enc(repo) + "/bundles/" + enc(id);
  await loaded("bundle", "Bundle " + id, async () => {
    const b = await api(base);
    return table("bundle-table", ["FIELD", "VALUE"], [
      ["message", b.message], ["contributors", b.contributors.map(who).join(", ")], ["time", b.timestamp],
      ["files", String(b.fileCount)], ["size", size(b.totalSize)], ["leaf size", size(b.leafSize)],
    ]);
  });
  await loaded("files", "Files", async () => {
    const rows = el("tbody");
    const more = el("button", { id: "more-files", textContent: "more", hidden: true });
    let next = 0;
    async function page() {
      // A page being loaded is a page not yet rendered (tests wait on data-ready).
      document.body.dataset.ready = "no";
      const p = await api(base + "/files?limit=100&offset=" + next);
      for (const f of p.files) {
        rows.append(el("tr", {}, el("td", { textContent: f.name }), el("td", { textContent: String(f.size) }),
          el("td", { textContent: f.mtime }), el("td", { textContent: f.key, className: "key" })));
      }
      next = p.next;
      more.hidden = next === null;
    }
    more.onclick = () => page().finally(() => (document.body.dataset.ready = location.hash));
    await page();
    const head = el("tr", {}, ...["NAME", "SIZE", "MTIME", "KEY"].map((h) => el("th", { textContent: h })));
    return [el("table", { id: "files-table" }, el("thead", {}, head), rows), more];
  });
  await loaded("lineage", "Lineage", async () => raw(await api(base + "/lineage")));
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

async function auditView(ctx) {
  setCrumbs([[ctx, "#/c/" + enc(ctx)], ["audit log", "#/c/" + enc(ctx) + "/audit"]]);
  await loaded("audit", "Audit log", async () => raw(await api("contexts/" + enc(ctx) + "/audit")));
}

async function route() {
  view.replaceChildren();
  document.body.dataset.ready = "no";
  const p = location.hash.replace(/^#\\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (p[0] === "c" && p.length === 2) await reposView(p[1]);
  else if (p[0] === "c" && p[2] === "audit") await auditView(p[1]);
  else if (p[0] === "c" && p[2] === "r" && p.length === 4) await repoView(p[1], p[3]);
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
