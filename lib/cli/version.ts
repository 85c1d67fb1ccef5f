/** `datamon version`: what this datamon is and how it was built. */
import type { Command } from "commander";
import { VERSION } from "../version.ts";
import { buildInfo } from "../build.ts";
import { outputOptions } from "./common.ts";
import { type OutputFlags, printResult, writeOut } from "./output.ts";

/** `datamon version`: datamon's version, the Deno it runs on, and how it was built. */
export function versionCommand(program: Command): void {
  outputOptions(program.command("version").description("print datamon's version and build"))
    .action((flags: OutputFlags) => {
      const build = buildInfo();
      const info = {
        version: VERSION,
        build: build.describe,
        buildKind: build.kind,
        deno: Deno.version.deno,
        v8: Deno.version.v8,
        os: Deno.build.os,
        arch: Deno.build.arch,
      };
      const line = `datamon ${VERSION} (build ${build.describe}, ${build.kind}; ` +
        `deno ${info.deno}, ${info.os}/${info.arch})\n`;
      printResult(info, flags, () => writeOut(line));
    });
}
