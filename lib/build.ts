/**
 * How this copy of datamon was built. scripts/bundle.sh replaces the stamp below with
 * `git describe` in dist/datamon.js, and the binary is compiled from that bundle, so both carry
 * the commit they were built from; run from the source tree the stamp stays "source".
 */
const STAMP = "datamon-build:source";

/** Where the running program came from. */
export type BuildKind = "source" | "bundle" | "binary";

/** The build a `datamon version` reports. */
export interface BuildInfo {
  /** `git describe` at bundle or compile time, or "source". */
  describe: string;
  kind: BuildKind;
}

/** The build of the running program. */
export function buildInfo(): BuildInfo {
  const kind: BuildKind = Deno.build.standalone
    ? "binary"
    : Deno.mainModule.endsWith(".ts")
    ? "source"
    : "bundle";
  return { describe: STAMP.slice("datamon-build:".length), kind };
}
