/**
 * A Go datamon label's history is the object versions of its label.yaml: `label get --history`
 * and `label list --with-versions` on a Go context show every version, newest first, where the
 * bucket keeps them, and otherwise the current label, saying once that no versions are kept;
 * `migrate` copies that history.
 */
import { assertEquals } from "../support/assert.ts";
import { datamon, datamonOk } from "../support/cli.ts";
import { withTempDir } from "../support/fixtures.ts";
import { openGoStores, writeGoContext, type WrittenGoContext } from "../support/go_fixture.ts";
import { freshStoreUrl, s3Endpoint } from "../support/servers.ts";
import { startVersioningProxy } from "../support/versioning_proxy.ts";
import { joinStoreUrl } from "../../lib/store/open.ts";

const encoder = new TextEncoder();

/** Repo "alpha": label "latest" set on each of two bundles (two versions), "init" on the first. */
function writeFixture(base: string): Promise<WrittenGoContext> {
  const bundle = (message: string, labels: string[]) => ({
    message,
    labels,
    files: [{ name: "f.txt", bytes: encoder.encode(message) }],
  });
  return writeGoContext(openGoStores(base), {
    context: "go-ctx",
    repos: [{
      name: "alpha",
      bundles: [bundle("first", ["init", "latest"]), bundle("second", ["latest"])],
    }],
  });
}

/** The flags that select the Go context written under `base`. */
function goFlags(base: string): string[] {
  return ["--config", joinStoreUrl(base, "config"), "--context", "go-ctx"];
}

Deno.test("s3: a Go label's history lists every version of its label.yaml, newest first (fake: no test server keeps versions)", async () => {
  const { url, cleanup } = await freshStoreUrl("s3");
  await using proxy = startVersioningProxy(s3Endpoint());
  try {
    const base = url.replace(`endpoint=${s3Endpoint()}`, `endpoint=${proxy.url}`);
    const written = await writeFixture(base);
    const [first, second] = written.bundles.map((b) => b.doc.id);
    await withTempDir(async (dir) => {
      const home = `${dir}/home`;
      const history = await datamon(
        home,
        ...["label", "get", "--repo", "alpha", "--label", "latest", "--history"],
        ...goFlags(base),
        ...["--format", "{{bundleId}}"],
      );
      assertEquals([history.code, history.stdout, history.stderr], [
        0,
        `${second}\n${first}\n`,
        "",
      ]);
      const listed = await datamonOk(
        home,
        ...["label", "list", "--repo", "alpha", "--with-versions"],
        ...goFlags(base),
        ...["--format", "{{name}} {{bundleId}}"],
      );
      assertEquals(listed, `init ${first}\nlatest ${second}\nlatest ${first}\n`);

      // migrate copies each label with the history the bucket keeps, once.
      await datamonOk(home, "context", "create", "--context", "dm", "--store", `file://${dir}/dm`);
      const migrate = ["migrate", "--from-config", goFlags(base)[1], "--from-context", "go-ctx"];
      for (let run = 0; run < 2; run++) {
        await datamonOk(home, ...migrate, "--context", "dm", "--skip-auth", "--quiet");
        const migrated = await datamonOk(
          home,
          ...["label", "get", "--repo", "alpha", "--label", "latest", "--history"],
          ...["--context", "dm", "--format", "{{bundle}}"],
        );
        assertEquals(migrated, `${second}\n${first}\n`, `after run ${run + 1}`);
      }
    });
  } finally {
    await cleanup();
  }
});

Deno.test("local: label list --with-versions on a Go context shows the current labels and says once that the bucket keeps no versions", () =>
  withTempDir(async (dir) => {
    const base = `file://${dir}/go`;
    const written = await writeFixture(base);
    const [first, second] = written.bundles.map((b) => b.doc.id);
    const listed = await datamon(
      `${dir}/home`,
      ...["label", "list", "--repo", "alpha", "--with-versions"],
      ...goFlags(base),
      ...["--format", "{{name}} {{bundleId}}"],
    );
    assertEquals([listed.code, listed.stdout], [0, `init ${first}\nlatest ${second}\n`]);
    assertEquals(
      listed.stderr,
      `datamon: warning: the labels bucket of Go context "go-ctx" (file://${dir}/go/vmetadata) ` +
        "keeps no object versions: only the current label is shown\n",
    );
  }));
