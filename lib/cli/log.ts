/** `datamon log`: a repo's audit trail (writes and reads), newest first, a page at a time. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { type AuditEntry, auditTrail, describeAuditEntry } from "../meta/audit.ts";
import { getRepo } from "../meta/repo.ts";
import type { Context } from "../meta/context.ts";
import { goLog, type GoLogEntry } from "../meta/go/view.ts";
import { resolveBundleId } from "../meta/bundles.ts";
import { isKsuid } from "../model/ksuid.ts";
import {
  type ContextFlags,
  contextOptions,
  openContextFrom,
  outputOptions,
  parseSince,
  parseWholeNumber,
} from "./common.ts";
import { contributorColumn, type OutputFlags, printRows, tableTime, writeErr } from "./output.ts";

/** Records shown per page unless --limit says otherwise. */
const DEFAULT_PAGE = 100;

type Flags = ContextFlags & OutputFlags & {
  repo: string;
  bundle?: string;
  since?: string;
  kind?: string;
  limit?: string;
  before?: string;
};

const columns = [
  { header: "TIME", value: (e: AuditEntry) => tableTime(e.time) },
  { header: "KIND", value: (e: AuditEntry) => e.kind },
  contributorColumn(
    "ACTOR",
    (e: AuditEntry) => [e.actor],
    (c) => c.identity === undefined ? "" : ` [${c.identity}]`,
  ),
  { header: "WHAT", value: (e: AuditEntry) => describeAuditEntry(e), flexible: true },
  { header: "BUNDLE", value: (e: AuditEntry) => e.bundle ?? "-" },
  { header: "ID", value: (e: AuditEntry) => e.id },
];

export function logCommand(program: Command): void {
  outputOptions(contextOptions(
    program.command("log")
      .description("a repo's audit trail: who wrote and read what, newest first")
      .requiredOption("--repo <name>", "repo")
      .option("--bundle <id>", "only records about this bundle (or its first 8+ characters)")
      .option("--since <time>", "only records since this time (RFC 3339, or e.g. 24h ago)")
      .option("--kind <kind>", "only writes (write-ahead log) or reads (read log): write|read")
      .option("--limit <n>", `records per page (default ${DEFAULT_PAGE}; 0: all)`)
      .option("--before <id>", "start after this record id (the next page)"),
  )).action(async (flags: Flags) => {
    if (flags.kind !== undefined && flags.kind !== "write" && flags.kind !== "read") {
      throw new DatamonError("usage", `--kind must be write or read, got "${flags.kind}"`);
    }
    if (flags.before !== undefined && !isKsuid(flags.before)) {
      throw new DatamonError("invalid-argument", `--before "${flags.before}" is not a record id`);
    }
    const limit = flags.limit === undefined
      ? DEFAULT_PAGE
      : parseWholeNumber(flags.limit, "--limit");
    const since = flags.since === undefined ? undefined : parseSince(flags.since, "--since");
    const { settings, ctx } = await openContextFrom(flags);
    await getRepo(ctx, flags.repo);
    if (ctx.go) return await printGoLog(ctx, flags, since, limit);
    const page = auditTrail(ctx, {
      repo: flags.repo,
      bundle: flags.bundle === undefined
        ? undefined
        : await resolveBundleId(ctx, flags.repo, flags.bundle),
      since,
      kind: flags.kind as "write" | "read" | undefined,
      before: flags.before,
      limit,
    }, settings.concurrency);
    await printRows(page.entries, columns, flags);
    const next = page.next();
    if (next !== null) writeErr(`more records: add --before ${next}`);
  });
}

/**
 * A Go datamon context's write-ahead log: Go keeps one for the whole context, of free-form
 * entries that name no bundle, and no read log.
 */
async function printGoLog(ctx: Context, flags: Flags, since: Date | undefined, limit: number) {
  if (flags.bundle !== undefined || flags.before !== undefined) {
    throw new DatamonError(
      "usage",
      `context "${ctx.doc.name}" is a Go datamon context: its log names no bundle and has no pages, drop --bundle and --before`,
    );
  }
  const entries = flags.kind === "read" ? [] : await goLog(ctx, { since, limit });
  await printRows(entries, [
    { header: "TIME", value: (e: GoLogEntry) => tableTime(e.time) },
    { header: "TOKEN", value: (e: GoLogEntry) => e.token },
    { header: "PAYLOAD", value: (e: GoLogEntry) => e.payload, flexible: true },
  ], flags);
}
