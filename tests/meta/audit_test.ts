/**
 * The audit trail read a page at a time: each page ends with the cursor of the next; its records
 * described in words.
 */
import { assertEquals } from "../support/assert.ts";
import { withTempDir } from "../support/fixtures.ts";
import { localContext } from "../support/context.ts";
import { auditTrail, describeAuditEntry, logWrite } from "../../lib/meta/audit.ts";
import { labelPrefix, labelRecordKey } from "../../lib/model/keys.ts";

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

Deno.test("a label's setting and its removal by squash are described with the label's name", () => {
  const write = (operation: "set label" | "delete label", key: string) => ({
    kind: "write" as const,
    id: "2kTgN7nEvKsTBAnQA2E0QzmHfYz",
    actor: who,
    operation,
    key,
    store: "file:///s",
    repo: "r",
    time: new Date(0),
  });
  assertEquals(
    describeAuditEntry(
      write("set label", labelRecordKey("r", "prod", "2kTgN7nEvKsTBAnQA2E0QzmHfYz")),
    ),
    "set label prod",
  );
  assertEquals(
    describeAuditEntry(write("delete label", labelPrefix("r", "prod"))),
    "removed label prod (squash)",
  );
  assertEquals(describeAuditEntry(write("delete label", "other")), "removed a label (squash)");
});
