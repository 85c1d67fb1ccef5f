/**
 * A label set while a squash removes its bundle never outlives the bundle: label set looks for
 * the bundle again after writing its record, and the squash looks for labels again after
 * removing its bundles. The race windows are forced by a metadata store that runs the other
 * side at the worst moment (no server can be made to pause there).
 */
import { assertEquals, assertRejectsKind } from "../support/assert.ts";
import { withTempDir, writeTree } from "../support/fixtures.ts";
import { memoryContext, TEST_CONTRIBUTOR, uploadOptions } from "../support/context.ts";
import { uploadBundle } from "../../lib/core/upload.ts";
import { applySquash, planSquash, type SquashOptions } from "../../lib/core/squash.ts";
import { fsck } from "../../lib/core/fsck.ts";
import { removeBundle } from "../../lib/meta/bundle_removal.ts";
import { listLabels, setLabel } from "../../lib/meta/labels.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import { bundleKey } from "../../lib/model/keys.ts";
import type { Context } from "../../lib/meta/context.ts";
import { MemoryStore } from "../../lib/store/memory.ts";

/** A metadata store that runs `meanwhile` once, just before `key` is first headed or deleted. */
class RacingStore extends MemoryStore {
  constructor(url: string, private readonly at: { key: string; meanwhile: () => Promise<void> }) {
    super(url);
  }
  #ran = false;
  async #race(key: string): Promise<void> {
    if (key !== this.at.key || this.#ran) return;
    this.#ran = true;
    await this.at.meanwhile();
  }
  override async head(key: string) {
    const answer = await super.head(key);
    await this.#race(key);
    return answer;
  }
  override async delete(key: string) {
    await this.#race(key);
    await super.delete(key);
  }
}

const SQUASH: SquashOptions = {
  retainLatest: 1,
  retainTags: false,
  retainSemverTags: false,
  concurrency: 2,
};

/** A memory context whose repo "r" has two bundles; the older one's id. */
async function twoBundles(dir: string, ctx: Context): Promise<string> {
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  await writeTree(`${dir}/src`, { "a.txt": "one" });
  const older = (await uploadBundle(ctx, uploadOptions(dir))).bundle.id;
  await writeTree(`${dir}/src`, { "a.txt": "two" });
  await uploadBundle(ctx, uploadOptions(dir));
  return older;
}

/** A memory context whose metadata store races on the key `keyOf` gives. */
function racingContext(at: { key: () => string; meanwhile: () => Promise<void> }): Context {
  const ctx = memoryContext();
  const url = ctx.metadata.url;
  const store = new RacingStore(url, {
    get key() {
      return at.key();
    },
    meanwhile: at.meanwhile,
  });
  return { ...ctx, metadata: store };
}

Deno.test("label set fails, leaving no label, when the bundle is removed after it looked (fake store: race forced)", async () => {
  await withTempDir(async (dir) => {
    let older = "";
    const ctx: Context = racingContext({
      key: () => older ? bundleKey("r", older) : "",
      meanwhile: () => removeBundle(ctx, "r", older, TEST_CONTRIBUTOR),
    });
    older = await twoBundles(dir, ctx);
    const error = await assertRejectsKind(
      "not-found",
      () => setLabel(ctx, "r", "late", older, TEST_CONTRIBUTOR),
    );
    assertEquals(
      error.message,
      `bundle ${older} was removed from repo "r" while label late was set: the label was not ` +
        "set; set it on a bundle the repo has",
    );
    assertEquals(await Array.fromAsync(listLabels(ctx, "r", 2)), []);
  });
});

Deno.test("a squash removes a label set on a bundle it removes while it ran (fake store: race forced)", async () => {
  await withTempDir(async (dir) => {
    let older = "";
    let squashing = false;
    const ctx: Context = racingContext({
      // The squash is about to remove the bundle; a label set gets in just before.
      key: () => squashing ? bundleKey("r", older) : "",
      meanwhile: async () => {
        await setLabel(ctx, "r", "late", older, TEST_CONTRIBUTOR);
      },
    });
    older = await twoBundles(dir, ctx);
    const plan = await planSquash(ctx, "r", SQUASH);
    squashing = true;
    const done = await applySquash(ctx, plan, SQUASH, TEST_CONTRIBUTOR);
    assertEquals(done.remove.map((b) => [b.id, b.labels]), [[older, ["late"]]]);
    assertEquals(await Array.fromAsync(listLabels(ctx, "r", 2)), []);
  });
});

Deno.test("a label set killed before it looked for its bundle again, the bundle squashed meanwhile, is named by fsck", async () => {
  await withTempDir(async (dir) => {
    const ctx = memoryContext();
    const older = await twoBundles(dir, ctx);
    await setLabel(ctx, "r", "kept", older, TEST_CONTRIBUTOR);
    // The squash removed the bundle after label set's record was written; the kill left it.
    await removeBundle(ctx, "r", older, TEST_CONTRIBUTOR);
    for (const repo of [undefined, "r"]) {
      const damages = await Array.fromAsync(fsck(ctx, { repo, concurrency: 2 }));
      assertEquals(damages.map((d) => [d.repo, d.bundle, d.label]), [["r", older, "kept"]]);
    }
  });
});
