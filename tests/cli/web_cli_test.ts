/**
 * `datamon web`: the JSON API, and the page as headless Chromium shows it (playwright-core,
 * run under Node by tests/support/browser.mjs: imported into Deno it needs --allow-all).
 */
import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { datamonOk, upload } from "../support/cli.ts";
import { startWeb, stopWeb } from "../support/web.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";

const root = new URL("../..", import.meta.url).pathname;
const playwright = `${root}.tools/servers/node_modules/playwright-core`;

type Step = { goto: string } | { click: string } | { read: string } | { text: string };

/** Runs `steps` in Chromium against `base`; the texts of each read step. */
async function browse(base: string, steps: Step[]): Promise<string[][]> {
  const child = new Deno.Command("node", {
    args: [`${root}tests/support/browser.mjs`, playwright, base],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(steps)));
  await writer.close();
  const out = await child.output();
  const decoder = new TextDecoder();
  assertEquals(out.code, 0, decoder.decode(out.stderr));
  return JSON.parse(decoder.decode(out.stdout));
}

/** GET `path` under the API at `base`: the status and the parsed body. */
async function getApi(base: string, path: string, init?: RequestInit) {
  const r = await fetch(`${base}api/${path}`, init);
  return { status: r.status, body: await r.json() };
}

Deno.test("web view shows repos, bundles, paged files, labels with history, and a bundle without lineage", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`f${String(i).padStart(3, "0")}.txt`] = `file ${i}\n`;
    await writeTree(`${dir}/v1`, files);
    await writeTree(`${dir}/v2`, { "only.txt": "one file\n" });
    await datamonOk(home, "repo", "create", "--repo", "images", "--description", "training images");
    const first = await upload(home, "images", `${dir}/v1`, "first cut", "--label", "prod");
    const second = await upload(home, "images", `${dir}/v2`, "second cut", "--label", "prod");

    const { base, child } = await startWeb(home);
    try {
      const api = (path: string, init?: RequestInit) => getApi(base, path, init);
      const page2 = await api(
        `contexts/local/repos/images/bundles/${first}/files?offset=100&limit=100`,
      );
      assertEquals(page2.status, 200);
      assertEquals(page2.body.files.length, 50);
      assertEquals(page2.body.files[0].name, "f100.txt");
      assertEquals(page2.body.next, null);
      assertEquals((await api("contexts/local/repos/nope/bundles")).status, 404);
      assertEquals((await api("contexts/local/repos", { method: "POST" })).status, 405);

      const repo = `#/c/local/r/images`;
      const [
        contexts,
        repos,
        bundles,
        labels,
        bundle,
        filesBefore,
        filesAfter,
        lineage,
        history,
      ] = await browse(base, [
        { goto: "#/" },
        { read: "#contexts-table tbody tr" },
        { click: 'a[href="#/c/local"]' },
        { read: "#repos-table tbody tr" },
        { click: `a[href="${repo}"]` },
        { read: "#bundles-table tbody tr" },
        { read: "#labels-table tbody tr" },
        { click: `#bundles-table a[href="${repo}/b/${first}"]` },
        { read: "#bundle-table tbody tr" },
        { read: "#files-table tbody tr" },
        { click: "#more-files" },
        { read: "#files-table tbody tr" },
        { read: "#lineage p" },
        { goto: `${repo}/l/prod` },
        { read: "#history-table tbody tr" },
      ]);
      assertEquals(contexts.length, 1);
      assertMatch(contexts[0], /^local \(current\)\tfile:\/\/.*\/blob\t/);
      assertEquals(repos.length, 1);
      assertMatch(repos[0], /^images\ttraining images\t.*\tTest User <test@example.com>$/);
      assertEquals(bundles.length, 2);
      assertMatch(
        bundles[0],
        new RegExp(`^${first}\tfirst cut\tTest User <test@example.com>\t\\S+Z\t150\t1\\.\\d+ KiB$`),
      );
      assertMatch(bundles[1], new RegExp(`^${second}\tsecond cut\t.*\t1\t9 B$`));
      assertEquals(labels.length, 1);
      assertMatch(labels[0], new RegExp(`^prod\t${second}\t`));
      assert(bundle.some((row) => row === "message\tfirst cut"), bundle.join("\n"));
      assertEquals(filesBefore.length, 100);
      assertMatch(filesBefore[0], /^f000\.txt\t7\t/);
      assertEquals(filesAfter.length, 150);
      assertMatch(filesAfter[149], /^f149\.txt\t9\t/);
      assertEquals(lineage, [
        "made from no recorded bundle, and nothing recorded is made from it",
      ]);
      assertEquals(history.length, 2);
      assertMatch(history[0], new RegExp(`^${second}\t`));
      assertMatch(history[1], new RegExp(`^${first}\t`));
    } finally {
      await stopWeb(child);
    }
  }));

Deno.test("web view draws a bundle's lineage as a graph and lists the repo's audit log of writes and reads, a page at a time", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    for (const repo of ["raw", "clean"]) {
      await datamonOk(home, "repo", "create", "--repo", repo);
      await writeTree(`${dir}/${repo}`, { [`${repo}.txt`]: `${repo}\n` });
    }
    const raw = await upload(home, "raw", `${dir}/raw`, "raw scans");
    const clean = await upload(home, "clean", `${dir}/clean`, "cleaned", "--input", `raw@${raw}`);
    await datamonOk(home, "bundle", "download", "--repo", "clean", "--destination", `${dir}/out`);

    const { base, child } = await startWeb(home);
    try {
      const api = (path: string) => getApi(base, path);
      const upstream = await api(`contexts/local/repos/clean/bundles/${clean}/lineage`);
      assertEquals(upstream.status, 200);
      assertEquals(upstream.body.direction, "upstream");
      assertEquals(
        upstream.body.nodes.map((n: { repo: string; bundle: string; message: string }) =>
          `${n.repo}@${n.bundle} ${n.message}`
        ),
        [`clean@${clean} cleaned`, `raw@${raw} raw scans`],
      );
      assertEquals(upstream.body.edges, [{
        from: { repo: "raw", bundle: raw },
        to: { repo: "clean", bundle: clean },
      }]);
      const both = await api(`contexts/local/repos/raw/bundles/${raw}/lineage?direction=both`);
      assertEquals(both.body.nodes.map((n: { repo: string }) => n.repo), ["raw", "clean"]);
      assertEquals(both.body.edges.length, 1);
      const sideways = await api(`contexts/local/repos/raw/bundles/${raw}/lineage?direction=up`);
      assertEquals([sideways.status, sideways.body.kind], [400, "invalid-argument"]);

      const trail = await api("contexts/local/repos/clean/audit");
      assertEquals(trail.status, 200);
      assertEquals(trail.body.next, null);
      const entries = trail.body.entries as {
        id: string;
        kind: string;
        operation?: string;
        method?: string;
        bundle?: string;
        actor: { name: string; email: string };
      }[];
      assertEquals(entries[0].kind, "read");
      assertEquals([entries[0].method, entries[0].bundle], ["download", clean]);
      assert(
        entries.some((e) =>
          e.kind === "write" && e.operation === "commit bundle" && e.bundle === clean
        ),
        JSON.stringify(entries),
      );
      assertEquals(entries[0].actor.email, "test@example.com");
      const ids = entries.map((e) => e.id);
      assertEquals(ids, [...ids].sort().reverse());
      const first = await api("contexts/local/repos/clean/audit?limit=1");
      assertEquals(first.body.entries.map((e: { id: string }) => e.id), [ids[0]]);
      assertEquals(first.body.next, ids[0]);
      const second = await api(`contexts/local/repos/clean/audit?limit=1&before=${ids[0]}`);
      assertEquals(second.body.entries.map((e: { id: string }) => e.id), [ids[1]]);
      const writes = await api("contexts/local/repos/clean/audit?kind=write");
      assert(writes.body.entries.every((e: { kind: string }) => e.kind === "write"));
      assertEquals((await api("contexts/local/repos/nope/audit")).status, 404);
      assertEquals((await api("contexts/local/repos/clean/audit?kind=delete")).status, 400);
      assertEquals((await api("contexts/local/audit")).status, 404);

      const [refs, messages, edges, rawBundle, audit] = await browse(base, [
        { goto: `#/c/local/r/clean/b/${clean}` },
        { text: "#lineage .node .ref" },
        { text: "#lineage .node .message" },
        { text: "#lineage .edge title" },
        { click: `#lineage a.node[href="#/c/local/r/raw/b/${raw}"]` },
        { read: "#bundle-table tbody tr" },
        { goto: "#/c/local/r/clean" },
        { click: 'a[href="#/c/local/r/clean/audit"]' },
        { read: "#audit-table tbody tr" },
      ]);
      assertEquals(refs, [`clean@…${clean.slice(-8)}`, `raw@…${raw.slice(-8)}`]);
      assertEquals(messages, ["cleaned", "raw scans"]);
      assertEquals(edges, [`raw@${raw} → clean@${clean}`]);
      assert(rawBundle.includes("message\traw scans"), rawBundle.join("\n"));
      assertEquals(audit.length, entries.length);
      assertMatch(
        audit[0],
        new RegExp(
          `^\\S+Z\tread\tTest User <test@example.com>\tdownload \\(all files\\) on .*\t${clean}$`,
        ),
      );
      assert(
        audit.some((row) => new RegExp(`\twrite\t.*\tcommit bundle \\S+\t${clean}$`).test(row)),
        audit.join("\n"),
      );
    } finally {
      await stopWeb(child);
    }
  }));
