#!/usr/bin/env bash
# Runs every test and prints "N passed, N failed". Called by `deno task test` and .ci/run.
# Tests start their own temp stores; nothing outside temp directories is touched.
set -uo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
export NO_COLOR=1

# Scoped permissions: tests write temp dirs, run the CLI and git as subprocesses; FFI for
# the mount tests.
flags=(--allow-read --allow-write --allow-env --allow-run --allow-sys=hostname --allow-ffi)
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
