/**
 * getGoLabelVersions reads every object version of a Go label.yaml: versions that vanish between
 * listing and reading are passed over, and a version naming another label is damage.
 */
import { assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { getGoLabelVersions } from "../../lib/meta/go/labels.ts";
import { encodeGoLabel } from "../../lib/model/go_format.ts";
import { goLabelKey } from "../../lib/model/go_keys.ts";
import { newKsuid } from "../../lib/model/ksuid.ts";
import { DelegatingStore } from "../../lib/store/delegating.ts";
import { MemoryStore } from "../../lib/store/memory.ts";
import type { ObjectVersion } from "../../lib/store/store.ts";
import { DatamonError } from "../../lib/errors.ts";

/** A store that keeps a version of every put (no test server here keeps versions). */
class VersionedStore extends DelegatingStore {
  readonly versions = new Map<string, { id: string; bytes: Uint8Array }[]>();
  /** Versions still listed whose bytes are gone (as after a lifecycle rule removed them). */
  readonly lost = new Set<string>();

  constructor() {
    super(new MemoryStore());
  }

  override async put(key: string, bytes: Uint8Array): Promise<void> {
    await super.put(key, bytes);
    const kept = this.versions.get(key) ?? [];
    kept.unshift({ id: `v${kept.length + 1}`, bytes });
    this.versions.set(key, kept);
  }

  override get listVersions(): (key: string) => AsyncIterable<ObjectVersion> {
    const kept = (key: string) => this.versions.get(key) ?? [];
    return async function* (key) {
      for (const v of kept(key)) {
        yield { versionId: v.id, size: v.bytes.length, modified: new Date() };
      }
    };
  }

  override get getVersion(): (key: string, versionId: string) => Promise<Uint8Array> {
    return (key, versionId) => {
      const found = this.versions.get(key)?.find((v) => v.id === versionId);
      return found && !this.lost.has(versionId)
        ? Promise.resolve(found.bytes)
        : Promise.reject(new DatamonError("not-found", `version ${versionId} of ${key} is gone`));
    };
  }
}

/** Puts a version of label `name` of repo "r" pointing at a new bundle id; returns the id. */
async function moveLabel(store: VersionedStore, name: string, docName = name): Promise<string> {
  const bundleId = newKsuid();
  const doc = encodeGoLabel({ name: docName, bundleId, contributors: [] });
  await store.put(goLabelKey("r", name), new TextEncoder().encode(doc));
  return bundleId;
}

Deno.test("a Go label's history passes over a version gone between listing and reading (fake: no test server keeps versions)", async () => {
  const store = new VersionedStore();
  const first = await moveLabel(store, "l");
  await moveLabel(store, "l");
  const third = await moveLabel(store, "l");
  store.lost.add("v2");
  const history = await getGoLabelVersions(store, "r", "l");
  assertEquals(history.map((doc) => doc.bundleId), [third, first]);
});

Deno.test("a Go label version that names another label is an integrity error (fake: no test server keeps versions)", async () => {
  const store = new VersionedStore();
  await moveLabel(store, "l");
  await moveLabel(store, "l", "other");
  await moveLabel(store, "l");
  await assertRejectsKind("integrity", () => getGoLabelVersions(store, "r", "l"));
});

Deno.test("a Go label with no version is not-found, naming the label (fake: no test server keeps versions)", async () => {
  const error = await assertRejectsKind(
    "not-found",
    () => getGoLabelVersions(new VersionedStore(), "r", "l"),
  );
  assertMatch(error.message, /^label "l" not found in repo "r"/);
});
