/**
 * The Go repo the migration tests copy: a small bundle (a multi-leaf and an empty file), then
 * one of 1,200 files (two Go file lists of 1000), each labelled; small leaves keep it small.
 */
import type { GoFixtureRepo } from "./go_fixture.ts";
import { patternBytes } from "./fixtures.ts";

/** Go's smallest workable leaf, so that multi-leaf files stay small. */
export const MIGRATION_LEAF_SIZE = 32 * 1024;
/** Files of the big bundle. */
export const MANY_FILES = 1200;
const encoder = new TextEncoder();

/** Repo "alpha": bundle "first" (label init), then "many" (label latest). */
export function alphaRepo(): GoFixtureRepo {
  return {
    name: "alpha",
    description: "Go's repo",
    bundles: [
      {
        message: "first",
        labels: ["init"],
        files: [
          { name: "a.txt", bytes: encoder.encode("hello, Go user\n") },
          { name: "dir/multi.bin", bytes: patternBytes(2 * MIGRATION_LEAF_SIZE + 452, 7) },
          { name: "empty", bytes: new Uint8Array(0) },
        ],
      },
      {
        message: "many",
        labels: ["latest"],
        files: Array.from({ length: MANY_FILES }, (_, i) => ({
          name: `many/${String(i).padStart(4, "0")}.txt`,
          bytes: encoder.encode(`file ${i}\n`),
        })),
      },
    ],
  };
}
