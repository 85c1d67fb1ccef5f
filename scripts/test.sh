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
log=$(mktemp)
deno test "${flags[@]}" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
passed=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
failed=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
rm -f "$log"
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed"
  echo "deno test printed no summary (exit $status)" >&2
  exit 1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
