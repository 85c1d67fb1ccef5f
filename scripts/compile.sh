#!/usr/bin/env bash
# Builds dist/datamon, one self-contained binary with the permissions of scripts/permissions.txt
# built in. It compiles the stamped bundle (scripts/bundle.sh): that one file already holds every
# asset (hash-wasm's wasm is inlined, and the hashing Workers run the program's own module), so
# nothing needs --include. deno compile needs a `denort` runtime: it downloads one unless
# DENORT_BIN names a local copy (our build machines are offline, so set DENORT_BIN there).
# DATAMON_DIST names another output directory (default dist).
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
if [ -n "${DENORT_BIN:-}" ] && [ ! -x "$DENORT_BIN" ]; then
  echo "compile: DENORT_BIN=$DENORT_BIN is not an executable denort binary" >&2
  exit 1
fi
dist=${DATAMON_DIST:-dist}
bash scripts/bundle.sh
mapfile -t permissions < <(grep -v -e '^#' -e '^$' scripts/permissions.txt | sed 's/{self}/datamon/')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --no-check: the sources were checked as TypeScript; the bundle's JS holds the SDKs' JSDoc type
# references to files it does not carry, which a check of the bundle would report as missing.
if ! deno compile --quiet --no-check --output "$dist/datamon" "${permissions[@]}" "$dist/datamon.js" >"$log" 2>&1; then
  if [ -z "${DENORT_BIN:-}" ] && grep -qiE 'denort|download|dns|connect' "$log"; then
    echo "compile: could not download denort (no network?): set DENORT_BIN=/path/to/denort," \
      "the denort of $(deno --version | head -n 1)" >&2
  else
    echo "compile: deno compile failed: $(grep -v '^\s*$' "$log" | head -n 1)" >&2
  fi
  exit 1
fi
echo "built $dist/datamon"
