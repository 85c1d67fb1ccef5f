/** The audit trail read a page at a time: each page ends with the cursor of the next. */
import { assertEquals } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { localContext } from "../support/context.ts";
import { auditTrail, logWrite } from "../../lib/meta/audit.ts";

const who = { name: "t", email: "t@example.com" };

Deno.test("auditTrail() pages newest first and says where the next page starts", async () => {
  await withTempDir(async (dir) => {
    const ctx = localContext(dir);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const change = { operation: "set label" as const, store: ctx.vmetadata, key: `k${i}` };
      ids.unshift((await logWrite(ctx.wal, who, { ...change, repo: "r" })).id);
    }
    const pages: string[][] = [];
    let before: string | undefined;
    do {
      const page = auditTrail(ctx, { repo: "r", before, limit: 2 });
      pages.push((await Array.fromAsync(page.entries)).map((e) => e.id));
      before = page.next() ?? undefined;
    } while (before !== undefined);
    assertEquals(pages, [ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);
    const all = auditTrail(ctx, { repo: "r", limit: 0 });
    assertEquals((await Array.fromAsync(all.entries)).map((e) => e.id), ids);
    assertEquals(all.next(), null);
  });
});
