/**
 * Writes a context in Go datamon's layout, as Go's own code would (not through datamon's
 * writer): the context.yaml in the config store (pkg/context CreateContext), repo.yaml
 * (pkg/core CreateRepo), each file's leaves then its root object in the blob store, skipping
 * blobs already there (pkg/cafs Put), file lists of 1000 entries and bundle.yaml last
 * (pkg/core uploadBundle), and label.yaml in the vmetadata store (pkg/core Label).
 */
import { type GoFileObjects, goFileObjects } from "../../lib/cafs/go/hash.ts";
import {
  encodeGoBundle,
  encodeGoContext,
  encodeGoFileList,
  encodeGoLabel,
  encodeGoRepo,
  GO_FILE_LIST_SIZE,
  type GoBundleDoc,
  type GoContextDoc,
  type GoContributor,
  type GoFileEntry,
} from "../../lib/model/go_format.ts";
import {
  goBlobKey,
  goBundleKey,
  goContextKey,
  goFileListKey,
  goLabelKey,
  goRepoKey,
  goWalEntryKey,
} from "../../lib/model/go_keys.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { joinStoreUrl, openStore } from "../../lib/store/open.ts";
import type { Store } from "../../lib/store/store.ts";

/** The stores of a Go context, plus the config store that names them. */
export interface GoStores {
  config: Store;
  metadata: Store;
  vmetadata: Store;
  blob: Store;
  wal: Store;
  readlog: Store;
}

/** One file of a bundle to write. */
export interface GoFixtureFile {
  name: string;
  bytes: Uint8Array;
}

/** One bundle to write; labels are set on it after it is written. */
export interface GoFixtureBundle {
  message: string;
  files: GoFixtureFile[];
  labels?: string[];
}

/** One repo to write with its bundles, oldest first. */
export interface GoFixtureRepo {
  name: string;
  description?: string;
  bundles: GoFixtureBundle[];
}

/** What to write. */
export interface GoFixtureSpec {
  context: string;
  repos: GoFixtureRepo[];
  /** Bytes per leaf of every bundle; Go's default is 2 MiB. */
  leafSize?: number;
  /** Write-ahead log entries, stored as pkg/wal does: the payload under the token. */
  wal?: { token: string; payload: string }[];
}

/** A bundle as written: its document, and each file's entry with the objects stored for it. */
export interface WrittenGoBundle {
  repo: string;
  doc: GoBundleDoc;
  files: { entry: GoFileEntry; bytes: Uint8Array; objects: GoFileObjects }[];
}

/** What was written, for tests to compare what they read back with. */
export interface WrittenGoContext {
  context: GoContextDoc;
  bundles: WrittenGoBundle[];
}

/** The contributor of everything the fixture writes. */
export const GO_FIXTURE_CONTRIBUTOR: GoContributor = {
  name: "Go Datamon User",
  email: "go-user@example.com",
};

const GO_DEFAULT_LEAF_SIZE = 2 * 1024 * 1024;
/** Blob writes in flight, like Go's concurrent file uploads. */
const WRITES_IN_FLIGHT = 16;
const encoder = new TextEncoder();

/**
 * Go stores under `base` (a directory path or any store URL): one sub-prefix per store, as
 * if each were a bucket. The context.yaml names the buckets by these sub-prefixes.
 */
export function openGoStores(base: string): GoStores {
  const open = (role: string) => openStore(joinStoreUrl(base, role));
  return {
    config: open("config"),
    metadata: open("metadata"),
    vmetadata: open("vmetadata"),
    blob: open("blob"),
    wal: open("wal"),
    readlog: open("readlog"),
  };
}

/** Writes the context, its repos, bundles, labels and wal entries of `spec`. */
export async function writeGoContext(
  stores: GoStores,
  spec: GoFixtureSpec,
): Promise<WrittenGoContext> {
  const context = contextDoc(spec.context);
  await putText(stores.config, goContextKey(spec.context), encodeGoContext(context));
  const bundles: WrittenGoBundle[] = [];
  for (const repo of spec.repos) {
    await putText(
      stores.metadata,
      goRepoKey(repo.name),
      encodeGoRepo({
        name: repo.name,
        description: repo.description ?? `repo ${repo.name}`,
        timestamp: new Date(),
        contributor: GO_FIXTURE_CONTRIBUTOR,
      }),
    );
    for (const bundle of repo.bundles) {
      const written = await writeBundle(
        stores,
        repo.name,
        bundle,
        spec.leafSize ?? GO_DEFAULT_LEAF_SIZE,
      );
      await writeLabels(stores.vmetadata, written, bundle.labels ?? []);
      bundles.push(written);
    }
  }
  for (const { token, payload } of spec.wal ?? []) {
    await putText(stores.wal, goWalEntryKey(token), payload);
  }
  return { context, bundles };
}

/** The bucket names of the context: the sub-prefixes openGoStores uses. */
function contextDoc(name: string): GoContextDoc {
  return {
    name,
    wal: "wal",
    readlog: "readlog",
    blob: "blob",
    metadata: "metadata",
    vmetadata: "vmetadata",
    version: 1,
  };
}

async function writeBundle(
  stores: GoStores,
  repo: string,
  bundle: GoFixtureBundle,
  leafSize: number,
): Promise<WrittenGoBundle> {
  const id = newKsuid();
  const files = await inBatches(bundle.files, async ({ name, bytes }) => {
    const objects = goFileObjects(bytes, leafSize);
    for (const leaf of objects.leaves) await putBlob(stores.blob, leaf.key, leaf.bytes);
    await putBlob(stores.blob, objects.root.key, objects.root.bytes);
    const entry: GoFileEntry = { hash: objects.root.key, name, mode: 0, size: bytes.length };
    return { entry, bytes, objects };
  });
  let lists = 0;
  for (let at = 0; at < files.length; at += GO_FILE_LIST_SIZE, lists++) {
    const entries = files.slice(at, at + GO_FILE_LIST_SIZE).map((f) => f.entry);
    await putText(stores.metadata, goFileListKey(repo, id, lists), encodeGoFileList(entries));
  }
  const doc: GoBundleDoc = {
    id,
    leafSize,
    message: bundle.message,
    timestamp: new Date(),
    contributors: [GO_FIXTURE_CONTRIBUTOR],
    fileListCount: lists,
    version: 2,
    deduplication: "blake",
  };
  await putText(stores.metadata, goBundleKey(repo, id), encodeGoBundle(doc));
  return { repo, doc, files };
}

async function writeLabels(vmetadata: Store, bundle: WrittenGoBundle, labels: string[]) {
  for (const name of labels) {
    await putText(
      vmetadata,
      goLabelKey(bundle.repo, name),
      encodeGoLabel({
        name,
        bundleId: bundle.doc.id,
        timestamp: new Date(),
        contributors: [GO_FIXTURE_CONTRIBUTOR],
      }),
    );
  }
}

/** Stores a blob unless one of the same size is there (Go skips blobs it finds whole). */
async function putBlob(blob: Store, key: string, bytes: Uint8Array): Promise<void> {
  const found = await blob.head(goBlobKey(key));
  if (found?.size !== bytes.length) await blob.put(goBlobKey(key), bytes);
}

function putText(store: Store, key: string, text: string): Promise<void> {
  return store.put(key, encoder.encode(text));
}

/** Maps items with WRITES_IN_FLIGHT calls at a time, keeping their order. */
async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let at = 0; at < items.length; at += WRITES_IN_FLIGHT) {
    results.push(...await Promise.all(items.slice(at, at + WRITES_IN_FLIGHT).map(fn)));
  }
  return results;
}
