/**
 * findEntry(): the search by name stops at the first name after the one wanted, so in a bundle
 * whose lists are out of name order it answers integrity, never a wrong "not found".
 */
import { assertEquals, assertMatch, assertRejectsKind } from "../support/assert.ts";
import { memoryContext, TEST_CONTRIBUTOR } from "../support/context.ts";
import { fileEntry } from "../support/entry_stream.ts";
import { rewriteLists } from "../support/file_lists.ts";
import { findEntry } from "../../lib/core/download.ts";
import { BundleWriter } from "../../lib/meta/bundle_writer.ts";
import { createRepo } from "../../lib/meta/repo.ts";
import type { Context } from "../../lib/meta/context.ts";
import type { BundleDoc } from "../../lib/model/types.ts";

/** Names whose code-point order (a bucket's listing) and name order (JS strings) differ. */
const FULLWIDTH = "d/\uff21.txt";
const EMOJI = "d/\u{1f600}.txt";

/** A bundle of repo "r" whose file lists hold entries named `lists`, as given. */
async function bundleOf(ctx: Context, lists: string[][]): Promise<BundleDoc> {
  await createRepo(ctx, "r", "", TEST_CONTRIBUTOR);
  const writer = await BundleWriter.start(ctx, "r", TEST_CONTRIBUTOR);
  await writer.add(fileEntry("a"));
  const bundle = await writer.commit({ message: "m", leafSize: 65536, inputs: [] });
  return rewriteLists(ctx, bundle, lists.map((names) => names.map(fileEntry)));
}

Deno.test("findEntry() finds fullwidth and emoji names in a bundle in name order, and says not-found of others", async () => {
  const ctx = memoryContext();
  const bundle = await bundleOf(ctx, [["a", EMOJI], [FULLWIDTH, "e"]]);
  for (const name of ["a", EMOJI, FULLWIDTH, "e"]) {
    assertEquals((await findEntry(ctx, bundle, name)).name, name);
  }
  await assertRejectsKind("not-found", () => findEntry(ctx, bundle, "d/b.txt"));
});

Deno.test("findEntry() says integrity, not not-found, of a name its code-point-ordered lists hide, in its list or lists further on", async () => {
  const cases = [
    [["a", FULLWIDTH, EMOJI, "e"]],
    [["a", FULLWIDTH], [EMOJI, "e"]],
    // The names under "d/" that sort after the emoji by code point span lists.
    [["a", "d/\uff20"], [FULLWIDTH], ["d/\uff22"], [EMOJI, "e"]],
  ];
  for (const lists of cases) {
    const ctx = memoryContext();
    const bundle = await bundleOf(ctx, lists);
    const e = await assertRejectsKind("integrity", () => findEntry(ctx, bundle, EMOJI));
    assertMatch(
      e.message,
      /^bundle \w{27} in repo "r" is out of name order \(file list \d names "d\/\u{1f600}\.txt" after "d\/[\uff21\uff22][^"]*"\).*run "datamon fsck --repo r"/u,
    );
    assertEquals((await findEntry(ctx, bundle, FULLWIDTH)).name, FULLWIDTH, "found as before");
    await assertRejectsKind("not-found", () => findEntry(ctx, bundle, "z"));
  }
});
