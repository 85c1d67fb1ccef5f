/**
 * Migration from a Go datamon context (written by go_fixture, as Go's code writes it) into a
 * datamon context: ids, messages, contributors, times and bytes kept, labels copied, lineage
 * and write-ahead log naming the source; a re-run finishes a stopped one; a dry run writes
 * nothing; a Go leaf that fails verification commits nothing of its bundle.
 */
import { assert, assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { CountingStore, memoryContext, TEST_CONTRIBUTOR } from "../support/context.ts";
import { patternBytes, withTempDir } from "../support/fixtures.ts";
import {
  GO_FIXTURE_CONTRIBUTOR,
  type GoFixtureSpec,
  openGoStores,
  writeGoContext,
  type WrittenGoContext,
} from "../support/go_fixture.ts";
import { alphaRepo, MANY_FILES, MIGRATION_LEAF_SIZE } from "../support/go_migration.ts";
import {
  migrateGoContext,
  type MigrateOptions,
  type MigrationStep,
} from "../../lib/core/migrate.ts";
import { encodeGoLabel } from "../../lib/model/go_format.ts";
import { goLabelKey } from "../../lib/model/go_keys.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { downloadBundle } from "../../lib/core/download.ts";
import { type Context, loadContext } from "../../lib/meta/context.ts";
import type { Settings } from "../../lib/meta/settings.ts";
import { bundleKey, bundlePrefix } from "../../lib/model/keys.ts";
import { getRepo } from "../../lib/meta/repo.ts";
import { listBundles } from "../../lib/meta/bundles.ts";
import { listLabels } from "../../lib/meta/labels.ts";
import { auditTrail } from "../../lib/meta/audit.ts";
import { joinStoreUrl } from "../../lib/store/open.ts";
import { DatamonError } from "../../lib/errors.ts";
import type { Store } from "../../lib/store/store.ts";
import type { BundleDoc } from "../../lib/model/types.ts";

const SOURCE_NAME = "file:///go/config#go-ctx";
const LEAF_SIZE = MIGRATION_LEAF_SIZE;

/** Repo alpha, then beta: one bundle of a three-leaf file. */
function spec(): GoFixtureSpec {
  return {
    context: "go-ctx",
    leafSize: LEAF_SIZE,
    repos: [
      alphaRepo(),
      {
        name: "beta",
        bundles: [{
          message: "b",
          labels: ["prod"],
          files: [{ name: "big.bin", bytes: patternBytes(3 * LEAF_SIZE, 9) }],
        }],
      },
    ],
  };
}

/** Writes the Go fixture under `dir` and opens it as datamon opens a Go context. */
async function goSource(
  dir: string,
  fixture = spec(),
): Promise<{ source: Context; written: WrittenGoContext }> {
  const written = await writeGoContext(openGoStores(`${dir}/go`), fixture);
  const settings: Settings = {
    home: `${dir}/home`,
    configFile: `${dir}/home/config.yaml`,
    configStore: joinStoreUrl(`${dir}/go`, "config"),
    context: "go-ctx",
    concurrency: 4,
  };
  return { source: await loadContext(settings), written };
}

function options(extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    repos: [],
    sourceName: SOURCE_NAME,
    contributor: TEST_CONTRIBUTOR,
    concurrency: 4,
    dryRun: false,
    ...extra,
  };
}

async function bundlesOf(ctx: Context, repo: string): Promise<BundleDoc[]> {
  return await Array.fromAsync(listBundles(ctx, repo));
}

/** Checks that `target` holds every bundle of `written`, as Go wrote it, byte-exact. */
async function assertMigrated(target: Context, written: WrittenGoContext, dir: string) {
  for (const go of written.bundles) {
    const bundles = await bundlesOf(target, go.repo);
    const bundle = bundles.find((b) => b.id === go.doc.id);
    assert(bundle, `bundle ${go.doc.id} of ${go.repo} migrated`);
    assertEquals(bundle.message, go.doc.message);
    assertEquals(bundle.timestamp.getTime(), go.doc.timestamp!.getTime());
    assertEquals(bundle.contributors, [GO_FIXTURE_CONTRIBUTOR]);
    assertEquals(bundle.fileCount, go.files.length);
    assertEquals(bundle.inputs, [{ repo: go.repo, bundle: go.doc.id, context: SOURCE_NAME }]);
    const out = `${dir}/out/${go.doc.id}`;
    await downloadBundle(target, bundle, { destination: out, concurrency: 4 });
    for (const file of go.files) {
      assertEquals(await Deno.readFile(`${out}/${file.entry.name}`), file.bytes, file.entry.name);
    }
  }
}

/** A store whose create-only write of one key fails, as a store that went away. */
class FailingKey extends CountingStore {
  constructor(inner: Store, private readonly key: string) {
    super(inner);
  }
  override putIfAbsent(key: string, bytes: Uint8Array) {
    if (key === this.key) return Promise.reject(new DatamonError("unreachable", "store gone"));
    return super.putIfAbsent(key, bytes);
  }
}

/** Every key and its bytes in `store`. */
async function snapshot(store: Store): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of store.list("")) {
    if (entry.kind === "object") {
      out.set(entry.key, new TextDecoder().decode(await store.get(entry.key)));
    }
  }
  return out;
}

Deno.test("a migration copies every Go bundle under its id with its message, contributors and time, byte-exact, and the labels", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir);
    const target = memoryContext();
    const result = await migrateGoContext(source, target, options());
    assertEquals(result.repos, 2);
    assertEquals(result.reposCreated, 2);
    assertEquals(result.bundlesCopied, 3);
    assertEquals(result.filesCopied, 3 + MANY_FILES + 1);
    assertEquals(result.labelsSet, 3);
    assertEquals((await getRepo(target, "alpha")).description, "Go's repo");
    await assertMigrated(target, written, dir);
    const labels = await Array.fromAsync(listLabels(target, "alpha"));
    assertEquals(
      labels.map((l) => [l.name, l.bundleId]),
      [["init", written.bundles[0].doc.id], ["latest", written.bundles[1].doc.id]],
    );
    const goLabels = await Array.fromAsync(listLabels(source, "alpha"));
    assertEquals(
      labels.map((l) => [l.timestamp.getTime(), l.contributor]),
      goLabels.map((l) => [l.timestamp.getTime(), GO_FIXTURE_CONTRIBUTOR]),
      "each label as Go set it: its time and contributor",
    );
  });
});

Deno.test("a Go label naming a bundle the repo does not hold is not copied, and the rest is", async () => {
  await withTempDir(async (dir) => {
    const { source } = await goSource(dir);
    const unfinished = newKsuid();
    await openGoStores(`${dir}/go`).vmetadata.put(
      goLabelKey("beta", "broken"),
      new TextEncoder().encode(
        encodeGoLabel({ name: "broken", bundleId: unfinished, contributors: [] }),
      ),
    );
    const target = memoryContext();
    const steps: MigrationStep[] = [];
    const result = await migrateGoContext(
      source,
      target,
      options({ onStep: (s) => steps.push(s) }),
    );
    assertEquals([result.labelsSet, result.labelsWithoutBundle], [3, 1]);
    assertEquals(
      steps.filter((s) => s.kind === "label" && s.action === "no bundle"),
      [{ kind: "label", repo: "beta", label: "broken", bundle: unfinished, action: "no bundle" }],
    );
    assertEquals((await Array.fromAsync(listLabels(target, "beta"))).map((l) => l.name), ["prod"]);
  });
});

Deno.test("each migrated bundle is recorded in the write-ahead log with the Go bundle it came from", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir);
    const target = memoryContext();
    await migrateGoContext(source, target, options({ repos: ["beta"] }));
    const page = auditTrail(target, { repo: "beta", limit: 0 });
    const migrated = (await Array.fromAsync(page.entries))
      .filter((e) => e.kind === "write" && e.operation === "migrate bundle");
    const id = written.bundles[2].doc.id;
    assertEquals(migrated.length, 1);
    assert(migrated[0].kind === "write");
    assertEquals(migrated[0].bundle, id);
    assertEquals(migrated[0].key, `bundles/beta/${id}/bundle.yaml`);
    assertEquals(migrated[0].store, source.metadata.url);
  });
});

Deno.test("a migration run again copies nothing: every bundle and label is found done", async () => {
  await withTempDir(async (dir) => {
    const { source } = await goSource(dir);
    const target = memoryContext();
    await migrateGoContext(source, target, options());
    const before = await snapshot(target.metadata);
    const again = await migrateGoContext(source, target, options());
    assertEquals([again.bundlesCopied, again.bundlesDone], [0, 3]);
    assertEquals([again.labelsSet, again.labelsDone], [0, 3]);
    assertEquals(again.reposCreated, 0);
    assertEquals(await snapshot(target.metadata), before);
  });
});

Deno.test("a migration stopped before a bundle's commit leaves it invisible, and a re-run finishes it as a clean one", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir);
    const target = memoryContext();
    const many = written.bundles[1].doc.id;
    const metadata = target.metadata;
    // The commit of the second bundle fails, its two file lists already written.
    target.metadata = new FailingKey(metadata, bundleKey("alpha", many));
    await assertRejectsKind("unreachable", () => migrateGoContext(source, target, options()));
    target.metadata = metadata;
    assertEquals((await bundlesOf(target, "alpha")).map((b) => b.id), [written.bundles[0].doc.id]);
    const leftover = await Array.fromAsync(metadata.list(bundlePrefix("alpha", many)));
    assertEquals(leftover.length, 2, "the stopped bundle's two file lists");
    const resumed = await migrateGoContext(source, target, options());
    assertEquals([resumed.bundlesCopied, resumed.bundlesDone], [2, 1]);
    await assertMigrated(target, written, dir);
  });
});

Deno.test("a dry run lists the repos, bundles and labels it would copy and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir);
    const target = memoryContext();
    const steps: string[] = [];
    const result = await migrateGoContext(
      source,
      target,
      options({
        dryRun: true,
        onStep: (s) =>
          steps.push([s.kind, s.repo, "bundle" in s ? s.bundle : "", s.action].join(" ")),
      }),
    );
    assertEquals(result.bundlesCopied, 3);
    assertEquals(
      result.bytesCopied,
      written.bundles.flatMap((b) => b.files).reduce((n, f) => n + f.bytes.length, 0),
    );
    assertEquals(steps.filter((s) => s.startsWith("bundle")).length, 3);
    assertEquals(steps[0], "repo alpha  create");
    for (const store of [target.blob, target.metadata, target.vmetadata, target.wal]) {
      assertEquals((await snapshot(store)).size, 0, `${store.url} is empty`);
    }
  });
});

Deno.test("a Go leaf that does not match its key stops the migration naming repo, bundle and file; nothing of that bundle is committed", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir);
    const beta = written.bundles[2];
    const leaf = beta.files[0].objects.leaves[1];
    await Deno.writeFile(`${dir}/go/blob/${leaf.key}`, patternBytes(leaf.bytes.length, 99));
    const target = memoryContext();
    const error = await assertRejectsKind(
      "integrity",
      () => migrateGoContext(source, target, options()),
    );
    assertMatch(
      error.message,
      new RegExp(`^repo "beta" bundle ${beta.doc.id} not migrated: leaf 1 of file "big.bin"`),
    );
    assertEquals(await bundlesOf(target, "beta"), []);
    assertEquals((await bundlesOf(target, "alpha")).length, 2, "alpha was migrated before");
  });
});

Deno.test("a migration reads only a Go context and writes only a datamon one", async () => {
  await withTempDir(async (dir) => {
    const { source } = await goSource(dir);
    await assertRejectsKind("invalid-argument", () => migrateGoContext(source, source, options()));
    const datamon = memoryContext();
    await assertRejectsKind(
      "invalid-argument",
      () => migrateGoContext(datamon, memoryContext(), options()),
    );
  });
});

Deno.test("a Go bundle of no files is migrated as an empty bundle", async () => {
  await withTempDir(async (dir) => {
    const { source, written } = await goSource(dir, {
      context: "go-ctx",
      repos: [{ name: "e", bundles: [{ message: "nothing", files: [] }] }],
    });
    const target = memoryContext();
    await migrateGoContext(source, target, options());
    const [bundle] = await bundlesOf(target, "e");
    assertEquals([bundle.id, bundle.message, bundle.fileCount], [
      written.bundles[0].doc.id,
      "nothing",
      0,
    ]);
  });
});
