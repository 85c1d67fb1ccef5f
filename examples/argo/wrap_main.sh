#!/bin/sh
# The main step's half of the datamon sidecar protocol (POSIX sh, for any image):
#   wrap_main.sh SIGNALS_DIR COMMAND [ARGS...]
# waits for the sidecar's `ready` signal, runs COMMAND, writes `main-done` with its exit code,
# waits for `done` (the outputs are uploaded), and exits with COMMAND's code. A `failed` signal
# from the sidecar, or a wait longer than DATAMON_READY_TIMEOUT / DATAMON_DONE_TIMEOUT seconds
# (default 3600 each), ends it with a non-zero code, so the step never waits forever.
set -u
signals=$1
shift
ready_timeout=${DATAMON_READY_TIMEOUT:-3600}
done_timeout=${DATAMON_DONE_TIMEOUT:-3600}

# signal NAME TEXT: writes a signal file atomically.
signal() {
  printf '%s\n' "$2" >"$signals/.$1.tmp" && mv "$signals/.$1.tmp" "$signals/$1"
}

# wait_for NAME SECONDS: succeeds once NAME appears; fails on `failed` or after SECONDS.
wait_for() {
  ticks=0
  while [ ! -e "$signals/$1" ]; do
    if [ -e "$signals/failed" ]; then
      echo "datamon sidecar failed: $(cat "$signals/failed")" >&2
      return 1
    fi
    if [ "$ticks" -ge $(($2 * 10)) ]; then
      echo "datamon sidecar: no $1 signal within $2 s" >&2
      return 1
    fi
    sleep 0.1
    ticks=$((ticks + 1))
  done
}

mkdir -p "$signals"
if ! wait_for ready "$ready_timeout"; then
  # Tell a sidecar that is still placing inputs not to wait for this step.
  signal main-done 125
  exit 125
fi
"$@"
code=$?
signal main-done "$code"
if ! wait_for done "$done_timeout" && [ "$code" -eq 0 ]; then exit 1; fi
exit "$code"
