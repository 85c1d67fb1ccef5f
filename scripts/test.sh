#!/usr/bin/env bash
# Runs every test and prints "N passed, N failed". Called by `deno task test` and .ci/run.
# On a fresh machine it first installs the apt packages and npm test servers the tests need,
# then starts an S3 and a GCS server on loopback for the run and stops them afterwards.
# Tests keep to temp directories and fresh prefixes on those servers.
set -uo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
export NO_COLOR=1

# shellcheck source=scripts/test_servers.sh
source scripts/test_servers.sh
trap stop_test_servers EXIT
if ! start_test_servers; then
  echo "0 passed, 1 failed"
  exit 1
fi

# Scoped permissions: tests write temp dirs, run the CLI and git as subprocesses, reach only
# the loopback test servers, and use FFI for the mount tests.
flags=(--allow-read --allow-write --allow-env --allow-run --allow-sys --allow-net=127.0.0.1
  --allow-ffi)
passed=0
failed=0
status=0

# run_tests ARGS...: one `deno test` run; adds its counts to passed/failed.
run_tests() {
  local log summary
  log=$(mktemp)
  deno test "${flags[@]}" "$@" 2>&1 | tee "$log"
  local run_status=${PIPESTATUS[0]}
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$summary" ]; then
    echo "deno test printed no summary (exit $run_status)" >&2
    failed=$((failed + 1))
    status=1
    return
  fi
  passed=$((passed + $(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")))
  failed=$((failed + $(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")))
  [ "$run_status" -eq 0 ] || status=$run_status
}

# The end-to-end tests run a second time against dist/datamon.js with the program's own scoped
# permissions, so that a permission or an asset the bundle lacks fails here. With arguments, only
# those under tests/cli and tests/mount run again.
bundle_args=()
given_paths=0
for arg in "$@"; do
  case "$arg" in
    tests/cli* | tests/mount*) bundle_args+=("$arg") given_paths=1 ;;
    -*) bundle_args+=("$arg") ;;
    *) given_paths=1 ;;
  esac
done
if [ "$given_paths" -eq 0 ]; then bundle_args+=(tests/cli tests/mount); fi

bundle_ok=1
if ! bash scripts/bundle.sh; then
  echo "could not build dist/datamon.js: the bundle tests fail" >&2
  bundle_ok=0
fi

run_tests "$@"
if [[ " ${bundle_args[*]} " == *" tests/"* ]]; then
  if [ "$bundle_ok" -eq 1 ]; then
    echo "--- the end-to-end tests again, against dist/datamon.js ---"
    DATAMON_TEST_TARGET=bundle run_tests "${bundle_args[@]}"
  else
    failed=$((failed + 1))
    status=1
  fi
fi
echo "$passed passed, $failed failed"
exit "$status"
