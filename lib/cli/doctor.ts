/** `datamon doctor`: checks the config, the context's stores and FUSE, and says what to fix. */
import type { Command } from "commander";
import { DatamonError } from "../errors.ts";
import { type Check, runDoctor } from "../core/doctor.ts";
import { fuseChecks } from "../mount/fuse_probe.ts";
import { parseConcurrency, type SettingFlags } from "../meta/settings.ts";
import { type ContextFlags, contextOptions } from "./common.ts";
import { count, printRecord, writeOut } from "./output.ts";
import { redactEach } from "../util/redact.ts";

const MARKS: Record<Check["status"], string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/** Adds `datamon doctor`. */
export function doctorCommand(program: Command): void {
  contextOptions(
    program.command("doctor")
      .description(
        "check the config, each store of the context (reachable, writable, create-only) and FUSE",
      )
      .option("--json", "print JSON"),
  ).action(async (flags: ContextFlags & { json?: boolean }) => {
    const checks: Check[] = [];
    for await (
      const check of allChecks({
        context: flags.context,
        config: flags.config,
        concurrencyFactor: parseConcurrency(flags.concurrencyFactor, "--concurrency-factor"),
      })
    ) {
      checks.push(check);
      if (!flags.json) {
        writeOut(`${MARKS[check.status]}  ${check.name}: ${check.detail}\n`);
        if (check.fix && check.status !== "ok") writeOut(`      fix: ${check.fix}\n`);
      }
    }
    const failed = checks.filter((c) => c.status === "fail").length;
    if (flags.json) printRecord({ ok: failed === 0, checks }, { json: true });
    if (failed > 0) {
      throw new DatamonError(
        "unhealthy",
        `doctor found ${count(failed, "problem")}: see the checks marked FAIL and their fixes`,
      );
    }
  });
}

/** The config and store checks, then FUSE's: FUSE is checked even when the config is broken. */
async function* allChecks(flags: SettingFlags): AsyncGenerator<Check> {
  // A check's detail quotes store URLs: their credentials are not printed.
  yield* redactEach(runDoctor(flags));
  yield* fuseChecks();
}
