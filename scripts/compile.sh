#!/usr/bin/env bash
# Builds dist/datamon, one self-contained binary with the permissions of scripts/permissions.txt
# built in. It compiles the stamped bundle (scripts/bundle.sh): its entry and chunks hold every
# asset (hash-wasm's wasm is inlined, and the hashing Workers run the chunk of lib/cafs/hasher.ts),
# and deno compile embeds every chunk the entry imports, statically or by a literal import(), so
# nothing needs --include. deno compile needs a `denort` runtime: it downloads one unless
# DENORT_BIN names a local copy (our build machines are offline, so set DENORT_BIN there).
# The bundle is plain JS, so it is compiled with --no-check: a JSDoc type import of a bundled npm
# module (e.g. path-expression-matcher's) names a file the bundle no longer has.
# DATAMON_DIST names another output directory (default dist).
# The build is honest: the binary is written under a temporary name, run (`datamon version` must
# print datamon's version), and only then moved into place. A DENORT_BIN that is a full `deno`
# makes deno compile write a plain Deno; running it is what catches that.
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
candidate="$dist/.datamon.compiling"
trap 'rm -f "$log" "$candidate"' EXIT
if ! deno compile --quiet --no-check --output "$candidate" "${permissions[@]}" "$dist/datamon.js" >"$log" 2>&1; then
  if [ -z "${DENORT_BIN:-}" ] && grep -qiE 'denort|download|dns|connect' "$log"; then
    echo "compile: could not download denort (no network?): set DENORT_BIN=/path/to/denort," \
      "the denort of $(deno --version | head -n 1)" >&2
  else
    echo "compile: deno compile failed: $(grep -v '^\s*$' "$log" | head -n 1)" >&2
  fi
  exit 1
fi
if ! "$candidate" version >"$log" 2>&1 || ! head -n 1 "$log" | grep -q '^datamon '; then
  if [ -n "${DENORT_BIN:-}" ] && "$candidate" --version 2>/dev/null | head -n 1 | grep -q '^deno '; then
    echo "compile: DENORT_BIN=$DENORT_BIN is a full deno, not denort: the output ran as plain" \
      "Deno; set DENORT_BIN to the denort of $(deno --version | head -n 1)" >&2
  else
    echo "compile: the compiled binary does not run as datamon (\`datamon version\` printed:" \
      "$(grep -v '^\s*$' "$log" | head -n 1))" >&2
  fi
  exit 1
fi
mv -f "$candidate" "$dist/datamon"
echo "built $dist/datamon"
