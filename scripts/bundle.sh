#!/usr/bin/env bash
# Builds dist/datamon.js, the whole program in one file (`deno run` it with the flags of
# scripts/permissions.txt), stamped with `git describe` so `datamon version` names its build.
# Works offline. scripts/compile.sh compiles this file into the binary. DATAMON_DIST names
# another output directory (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
dist=${DATAMON_DIST:-dist}
mkdir -p "$dist"
deno bundle --quiet --platform=deno -o "$dist/datamon.js" main.ts
build=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
# The stamp is one string literal of lib/build.ts; exactly one must be replaced.
if [ "$(grep -c '"datamon-build:source"' "$dist/datamon.js")" != 1 ]; then
  echo "bundle: the build stamp of lib/build.ts was not found once in $dist/datamon.js" >&2
  exit 1
fi
sed -i "s|\"datamon-build:source\"|\"datamon-build:${build//|/-}\"|" "$dist/datamon.js"
echo "built $dist/datamon.js ($build)"
