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

type Step =
  | { goto: string }
  | { click: string }
  | { fill: string; value: string }
  | { select: string; value: string }
  | { read: string }
  | { text: string }
  | { screenshot: string };

/** Where the tests leave a screenshot of each page, for a person to look at. */
const screenshots = `${root}.tools/screenshots/web_cli_test`;

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

Deno.test("web view shows repos, bundles newest first with their labels, paged and filtered files, labels with history, and a missing bundle once", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i++) files[`f${String(i).padStart(3, "0")}.txt`] = `file ${i}\n`;
    await writeTree(`${dir}/v1`, files);
    await writeTree(`${dir}/v2`, { "only.txt": "one file\n" });
    await datamonOk(home, "repo", "create", "--repo", "images", "--description", "training images");
    const first = await upload(home, "images", `${dir}/v1`, "first cut", "--label", "prod");
    const second = await upload(home, "images", `${dir}/v2`, "second cut", "--label", "prod");
    await datamonOk(home, "label", "set", "--repo", "images", "--label", "dev", "--bundle", second);
    const unknown = first.slice(0, -1) + (first.endsWith("0") ? "1" : "0");
    await Deno.mkdir(screenshots, { recursive: true });

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
        description,
        bundles,
        labels,
        bundle,
        sections,
        filesBefore,
        filesAfter,
        filtered,
        lineage,
        history,
        missing,
      ] = await browse(base, [
        { goto: "#/" },
        { read: "#contexts-table tbody tr" },
        { screenshot: `${screenshots}/contexts.png` },
        { click: 'a[href="#/c/local"]' },
        { read: "#repos-table tbody tr" },
        { screenshot: `${screenshots}/repos.png` },
        { click: `a[href="${repo}"]` },
        { read: "#description" },
        { read: "#bundles-table tbody tr" },
        { read: "#labels-table tbody tr" },
        { screenshot: `${screenshots}/repo.png` },
        { click: `#bundles-table a[href="${repo}/b/${first}"]` },
        { read: "#bundle-table tbody tr" },
        { text: "main section > h2" },
        { read: "#files-table tbody tr" },
        { click: "#more-files" },
        { read: "#files-table tbody tr" },
        { fill: "#files-filter", value: "f14" },
        { read: "#files-table tbody tr" },
        { read: "#lineage p" },
        { screenshot: `${screenshots}/bundle.png` },
        { goto: `${repo}/l/prod` },
        { read: "#history-table tbody tr" },
        { screenshot: `${screenshots}/label.png` },
        { goto: `${repo}/b/${unknown}` },
        { read: ".error" },
        { screenshot: `${screenshots}/missing-bundle.png` },
      ]);
      assertEquals(contexts.length, 1);
      assertMatch(contexts[0], /^local \(current\)\tfile:\/\/.*\/blob\t/);
      assertEquals(repos.length, 1);
      assertMatch(repos[0], /^images\ttraining images\t.*\tTest User <test@example.com>$/);
      assertEquals(description, ["training images"]);
      assertEquals(bundles.length, 2);
      assertMatch(
        bundles[0],
        new RegExp(`^${second}\tdev prod\tsecond cut\tTest User\t\\S+Z\t1\t9 B$`),
      );
      assertMatch(
        bundles[1],
        new RegExp(`^${first}\t\tfirst cut\tTest User\t\\S+Z\t150\t1\\.\\d+ KiB$`),
      );
      assertEquals(labels.length, 2);
      assertMatch(labels[1], new RegExp(`^prod\t${second}\t`));
      assert(bundle.some((row) => row === "message\tfirst cut"), bundle.join("\n"));
      assertEquals(sections, [`Bundle ${first}`, "Lineage", "Files"]);
      assertEquals(filesBefore.length, 100);
      assertMatch(filesBefore[0], /^f000\.txt\t7 B\t/);
      assertEquals(filesAfter.length, 150);
      assertMatch(filesAfter[149], /^f149\.txt\t9 B\t/);
      assertEquals(filtered.map((row) => row.split("\t")[0]), [
        ...Array.from({ length: 10 }, (_, i) => `f14${i}.txt`),
      ]);
      assertEquals(lineage, [
        "made from no recorded bundle, and nothing recorded is made from it",
      ]);
      assertEquals(history.length, 2);
      assertMatch(history[0], new RegExp(`^${second}\t`));
      assertMatch(history[1], new RegExp(`^${first}\t`));
      assertEquals(missing.length, 1, missing.join("\n"));
      assertMatch(missing[0], new RegExp(`^error: .*${unknown}`));
      for (const name of ["contexts", "repos", "repo", "bundle", "label", "missing-bundle"]) {
        const png = await Deno.readFile(`${screenshots}/${name}.png`);
        assertEquals([...png.slice(1, 4)], [0x50, 0x4e, 0x47], `${name}.png is a PNG`);
      }
    } finally {
      await stopWeb(child);
    }
  }));

Deno.test("web view draws a bundle's lineage as a graph and lists the repo's audit log in words, a page at a time, filtered by kind", () =>
  withTempDir(async (dir) => {
    const home = `${dir}/home`;
    for (const repo of ["raw", "clean"]) {
      await datamonOk(home, "repo", "create", "--repo", repo);
      await writeTree(`${dir}/${repo}`, { [`${repo}.txt`]: `${repo}\n` });
    }
    const raw = await upload(home, "raw", `${dir}/raw`, "raw scans");
    const clean = await upload(home, "clean", `${dir}/clean`, "cleaned", "--input", `raw@${raw}`);
    await Deno.mkdir(screenshots, { recursive: true });
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
        summary: string;
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

      assertMatch(entries[0].summary, /^downloaded all files on \S+$/);
      const [refs, messages, edges, rawBundle, audit, reads] = await browse(base, [
        { goto: `#/c/local/r/clean/b/${clean}` },
        { text: "#lineage .node .ref" },
        { text: "#lineage .node .message" },
        { text: "#lineage .edge title" },
        { click: `#lineage a.node[href="#/c/local/r/raw/b/${raw}"]` },
        { read: "#bundle-table tbody tr" },
        { goto: "#/c/local/r/clean" },
        { click: 'a[href="#/c/local/r/clean/audit"]' },
        { read: "#audit-table tbody tr" },
        { screenshot: `${screenshots}/audit.png` },
        { select: "#audit-kind", value: "read" },
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
          `^\\S+Z\tread\tTest User <test@example.com>\tdownloaded all files on .*\t${clean}$`,
        ),
      );
      assert(
        audit.some((row) => new RegExp(`\twrite\t.*\tcommitted the bundle\t${clean}$`).test(row)),
        audit.join("\n"),
      );
      assertEquals(reads.length, 1, reads.join("\n"));
      assertMatch(reads[0], /\tread\t/);
    } finally {
      await stopWeb(child);
    }
  }));
