#!/usr/bin/env bash
# Builds dist/datamon, one self-contained binary, with the same scoped permissions as
# `deno task datamon`. deno compile needs a `denort` runtime: it downloads one unless
# DENORT_BIN names a local copy (our build machines are offline, so set DENORT_BIN there).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
if [ -n "${DENORT_BIN:-}" ] && [ ! -x "$DENORT_BIN" ]; then
  echo "compile: DENORT_BIN=$DENORT_BIN is not an executable denort binary" >&2
  exit 1
fi
mkdir -p dist
if ! deno compile --output dist/datamon \
  --allow-read --allow-write --allow-env --allow-run=git,fusermount3,datamon --allow-sys \
  --allow-net --allow-ffi \
  main.ts; then
  echo "compile: deno compile failed. Without network access it needs DENORT_BIN=/path/to/denort" \
    "(the denort matching $(deno --version | head -n 1)); 'deno task bundle' works offline." >&2
  exit 1
fi
echo "built dist/datamon"
