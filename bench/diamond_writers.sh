#!/usr/bin/env bash
# Four diamond writers against one (issue 14): on the S3 test server behind the cloud-shaped
# proxy (default 30 ms round trip, 50 MB/s per connection and direction), times (1) one
# `diamond split add` of a whole dataset, (4) four concurrent `split add` processes of its
# quarters (each names its files with --files, so the bundle's paths are the same), and the
# commit of each diamond; and one quarter's split add alone, which is what each writer of four
# on hosts of their own would take (this machine's cores are shared by all four). Every run
# writes to a fresh prefix (nothing deduplicated across runs). Reports medians, the ratios of
# aggregate throughput, 4 writers over 1, and the most this machine's cores allow: all the CPU
# (datamon's, the server's and the proxy's) of the four writers spread over every core.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/diamond_writers.sh [--runs N] [--only a|b] [--scale K] [--rtt MS] [--bandwidth MBPS] [--loopback] [--keep]
  --runs N          timed runs of every operation (default 3); medians are reported
  --only a|b        one dataset: a = 4 x 64 MiB, b = 4 x 2,500 x 4 KiB (default: both)
  --scale K         K times the data in each quarter: K files of 64 MiB (a), K x 2,500 files
                    (b); default 1. Each writer's fixed cost weighs less on more data
  --rtt MS          round trip the proxy adds (default 30)
  --bandwidth MBPS  the proxy's cap per connection and direction, in MB/s (default 50; 0: none)
  --loopback        no proxy: straight to the server on loopback
  --keep            keep the work directory (datasets are reused by the next run)
Work directory: $BENCH_DIR, default bench/.work. Starts its own S3 server (fauxqs) on loopback.
EOF
}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/test_servers.sh
source scripts/test_servers.sh
# shellcheck source=bench/common.sh
source bench/common.sh
# shellcheck source=bench/cloud.sh
source bench/cloud.sh

# --scale K is this script's own flag; the rest are the cloud scripts' flags.
SCALE=1 ARGS=()
while [[ $# -gt 0 ]]; do
  if [[ $1 == --scale ]]; then SCALE=${2:?--scale needs a number}; shift 2; else ARGS+=("$1"); shift; fi
done
[[ "$SCALE" =~ ^[1-9][0-9]*$ ]] || { echo "diamond_writers.sh: --scale must be a positive integer" >&2; exit 2; }
parse_cloud_args "${ARGS[@]}"

# The datasets: d_a and d_b, each in four quarters q0..q3 (directories of the dataset).
BYTES[d_a]=$((4 * SCALE * 64 * MiB)) BYTES[d_b]=$((4 * SCALE * 2500 * 4096))
DESCRIBE[d_a]="4 x $SCALE file(s) x 64 MiB" DESCRIBE[d_b]="4 x $((SCALE * 2500)) files x 4 KiB"

require_tools "apt-get install -y time nodejs npm curl" deno node npm curl
start_work diamond
# cloud.sh's clean-up, and this script's datasets unless --keep.
trap 'cleanup; [[ $KEEP -eq 1 ]] || rm -rf "$WORK/d_a" "$WORK/d_b"' EXIT

install_server_packages
start_s3_server
SERVER_PID=${SERVER_PIDS[-1]}
shaped_endpoint fauxqs "$DATAMON_TEST_S3_ENDPOINT"
ENDPOINT=$SHAPED PROXY_PID=$SHAPED_PID
# CreateBucket is a bare PUT of the bucket; the test server takes it unsigned.
curl -fsS -X PUT "$DATAMON_TEST_S3_ENDPOINT/bench" >/dev/null
export DATAMON_HOME="$SCRATCH/datamon-home"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost

# make_dataset W: the dataset's quarters, and one --files list per quarter (paths from the top).
make_dataset() {
  local w=$1 data="$WORK/$1/data" q
  if [[ -d "$data" && $(find "$data" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') -eq ${BYTES[$w]} ]]; then
    echo "dataset $w: reusing $data" >&2
  else
    rm -rf "${WORK:?}/$w"
    echo "dataset $w: writing ${DESCRIBE[$w]} to $data" >&2
    for q in 0 1 2 3; do
      mkdir -p "$data/q$q"
      if [[ $w == d_a ]]; then
        head -c $((SCALE * 64 * MiB)) /dev/urandom | (cd "$data/q$q" && split -b $((64 * MiB)) -a 3 -d - file-)
      else
        head -c $((SCALE * 2500 * 4096)) /dev/urandom | (cd "$data/q$q" && split -b 4096 -a 5 -d - file-)
      fi
    done
  fi
  for q in 0 1 2 3; do (cd "$data" && find "q$q" -type f) >"$WORK/$w/files-q$q"; done
}

# new_diamond W RUN WRITERS: a fresh context on its own prefix, repo "bench" and a diamond in
# it; sets DIAMOND.
new_diamond() {
  datamon_context bench "s3://bench/dw-$1-$2-$3?endpoint=$ENDPOINT"
  DIAMOND=$("${DATAMON[@]}" diamond initialize --repo bench 2>"$SCRATCH/quiet.out") ||
    { cat "$SCRATCH/quiet.out" >&2; exit 1; }
}

# One writer: the whole dataset as one split.
one_writer() {
  "${DATAMON[@]}" diamond split add --repo bench --diamond "$1" --path "$2" --split all --quiet
}

# One writer of one quarter (the first).
one_quarter() {
  "${DATAMON[@]}" diamond split add --repo bench --diamond "$1" --path "$2" --files "$3/files-q0" \
    --split q0 --quiet
}

# Four writers at once, one quarter each; fails if any fails.
four_writers() {
  local diamond=$1 data=$2 dir=$3 q pids=()
  for q in 0 1 2 3; do
    "${DATAMON[@]}" diamond split add --repo bench --diamond "$diamond" --path "$data" \
      --files "$dir/files-q$q" --split "q$q" --quiet &
    pids+=($!)
  done
  for q in "${pids[@]}"; do wait "$q"; done
}

commit() {
  "${DATAMON[@]}" diamond commit --repo bench --diamond "$1" --message bench
}

# in_bash_measure W OPERATION RUN FUNCTION ARGS...: measure of one of the functions above, run
# by a bash of its own (GNU time times a program; its peak RSS is the largest process's).
in_bash_measure() {
  local w=$1 op=$2 run=$3 f=$4
  shift 4
  measure "$w" datamon "$op" "$run" bash -c "$(declare -p DATAMON); $(declare -f "$f"); $f \"\$@\"" _ "$@"
}

# run_quarter W RUN: one quarter's split add alone, timed.
run_quarter() {
  local w=$1 run=$2
  new_diamond "$w" "$run" q
  in_bash_measure "$w" 1-quarter "$run" one_quarter "$DIAMOND" "$WORK/$w/data" "$WORK/$w"
}

# run_writers W RUN WRITERS: splits and commit of one diamond, each timed, then a check of the
# bundle on the first run.
run_writers() {
  local w=$1 run=$2 writers=$3 data="$WORK/$1/data"
  new_diamond "$w" "$run" "$writers"
  if [[ $writers -eq 1 ]]; then
    in_bash_measure "$w" 1-writer "$run" one_writer "$DIAMOND" "$data"
  else
    in_bash_measure "$w" 4-writers "$run" four_writers "$DIAMOND" "$data" "$WORK/$w"
  fi
  in_bash_measure "$w" "commit-$writers" "$run" commit "$DIAMOND"
  if [[ $run -eq 1 ]]; then
    rm -rf "$SCRATCH/back"
    quietly "${DATAMON[@]}" bundle download --repo bench --destination "$SCRATCH/back" --quiet
    check_same "the $writers-writer bundle" "$SCRATCH/back" "$data"
    rm -rf "$SCRATCH/back"
  fi
}

# The ratios of aggregate throughput, 4 writers over 1: on this machine (split adds, and with
# the commit), and on four hosts of their own (a quarter alone against the whole); then the CPU
# the split adds took (datamon, server and proxy; it varies less with the load than the wall
# clock): each writer's fixed cost (four quarters alone against the whole), and the least time
# the four writers' CPU takes spread over this machine's cores.
print_ratios() {
  local w=$1
  awk -v one="$(median_of "$w" datamon 1-writer)" -v four="$(median_of "$w" datamon 4-writers)" \
    -v c1="$(median_of "$w" datamon commit-1)" -v c4="$(median_of "$w" datamon commit-4)" \
    -v q="$(median_of "$w" datamon 1-quarter)" -v cores="$(nproc)" 'BEGIN {
      split(one, a, " "); split(four, b, " "); split(c1, x, " "); split(c4, y, " "); split(q, z, " ")
      printf "4 writers / 1 on this machine: split adds %.2fx, with the commit %.2fx (target >= 3x: %s)\n",
        a[1] / b[1], (a[1] + x[1]) / (b[1] + y[1]), (a[1] / b[1] >= 3) ? "yes" : "NO"
      printf "4 writers / 1 on hosts of their own (a quarter alone): split adds %.2fx, with the commit %.2fx\n",
        a[1] / z[1], (a[1] + x[1]) / (z[1] + y[1])
      cpu1 = a[3] + a[4] + a[5]; cpu4 = b[3] + b[4] + b[5]; cpuq = z[3] + z[4] + z[5]
      printf "CPU s of the split adds (datamon + server + proxy): 1 writer %.2f, 4 writers %.2f, a quarter alone %.2f; fixed cost per writer ~%.2f; 4 writers need >= %.2f s on %d idle cores\n",
        cpu1, cpu4, cpuq, (4 * cpuq - cpu1) / 3, cpu4 / cores, cores }'
}

DATASETS=()
for w in "${WORKLOADS[@]}"; do DATASETS+=("d_$w"); done
for w in "${DATASETS[@]}"; do
  make_dataset "$w"
  for run in $(seq 1 "$RUNS"); do
    run_writers "$w" "$run" 1
    run_writers "$w" "$run" 4
    run_quarter "$w" "$run"
  done
done
echo
echo "link: $(link_description)"
echo "at the end: $(machine_state)"
for w in "${DATASETS[@]}"; do
  print_table "$w"
  print_ratios "$w"
done
