# Shared by bench/compare_s3.sh and bench/compare_gcs.sh: their flags and work directory, the
# cloud-shaped link (a shaping proxy in front of each server), the 1%-changed workload, the
# datamon and rclone runs against a bucket, and the run over every workload. Expects ROOT set
# and common.sh and scripts/test_servers.sh sourced. The including script defines usage,
# use_workload W (sets ENDPOINT, SERVER_PID and PROXY_PID for the commands of workload W),
# datamon_store_url W RUN (the store URL of one run), rclone_remote ENDPOINT (an on-the-fly
# remote), purge W PREFIX (removes a run's objects, untimed), count_requests W TOOL, and a
# run_TOOL W RUN for each peer but rclone.

SCRIPT=$(basename "$0")
BYTES[a1]=${BYTES[a]}
DESCRIBE[a1]="workload a with a 1% run of each file changed, re-uploaded"

# The source tree's launcher: the program's own permissions (scripts/permissions.txt), not -A.
DATAMON=("$ROOT/bin/datamon")

# parse_cloud_args ARGS...: sets RUNS, WORKLOADS, KEEP, RTT_MS, BANDWIDTH_MBPS and LOOPBACK
# from the flags every cloud script takes, or stops with its usage.
parse_cloud_args() {
  RUNS=3 KEEP=0 RTT_MS=30 BANDWIDTH_MBPS=50 LOOPBACK=0
  local only=""
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
      --only) only=${2:?--only needs a or b}; shift 2 ;;
      --rtt) RTT_MS=${2:?--rtt needs milliseconds}; shift 2 ;;
      --bandwidth) BANDWIDTH_MBPS=${2:?--bandwidth needs MB/s}; shift 2 ;;
      --loopback) LOOPBACK=1; shift ;;
      --keep) KEEP=1; shift ;;
      -h | --help) usage; exit 0 ;;
      *) echo "$SCRIPT: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "$SCRIPT: --runs must be a positive integer" >&2; exit 2; }
  [[ "$RTT_MS$BANDWIDTH_MBPS" =~ ^[0-9.]+$ ]] || { echo "$SCRIPT: --rtt and --bandwidth take numbers" >&2; exit 2; }
  case "$only" in "") WORKLOADS=(a b) ;; a | b) WORKLOADS=("$only") ;; *)
    echo "$SCRIPT: --only takes a or b" >&2; exit 2 ;;
  esac
}

# require_tools HINT TOOL...: stops, saying what to install (HINT), when a tool is missing.
require_tools() {
  local hint=$1 tool missing=()
  shift
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "$SCRIPT: missing ${missing[*]}: install with" >&2
    echo "  $hint   (and Deno 2.9.6 for deno)" >&2
    exit 1
  fi
}

# start_work NAME: the work directory ($BENCH_DIR, default bench/.work) with this script's
# scratch directory and result files (SCRATCH, RESULTS, REQUESTS), removed on exit unless --keep
# (workloads are kept for the next run then); the test servers are stopped on exit.
start_work() {
  WORK=$(realpath -m "${BENCH_DIR:-$ROOT/bench/.work}")
  SCRATCH="$WORK/scratch-$1"
  RESULTS="$WORK/results-$1.tsv"
  REQUESTS="$WORK/requests-$1.tsv"
  trap cleanup EXIT
  rm -rf "$SCRATCH"
  mkdir -p "$SCRATCH" "$SERVER_LOGS"
  : >"$RESULTS"
  : >"$REQUESTS"
}

cleanup() {
  [[ -n "${COUNTER_PID:-}" ]] && kill "$COUNTER_PID" 2>/dev/null
  stop_test_servers
  rm -rf "$SCRATCH"
  [[ $KEEP -eq 1 ]] || rm -rf "$WORK/a" "$WORK/a1" "$WORK/b" "$RESULTS" "$REQUESTS"
}

# The link every timed command crosses, in words.
link_description() {
  if [[ $LOOPBACK -eq 1 ]]; then
    echo "raw loopback (no proxy)"
  else
    echo "shaped: ${RTT_MS} ms round trip, ${BANDWIDTH_MBPS} MB/s per connection and direction (bench/shaping_proxy.ts)"
  fi
}

# shaped_endpoint NAME ENDPOINT PORT: starts a shaping proxy on PORT in front of ENDPOINT
# (http://127.0.0.1:P) and sets SHAPED (its URL) and SHAPED_PID; with --loopback, SHAPED is
# ENDPOINT itself and SHAPED_PID is empty. PORT may be "" (a free one).
shaped_endpoint() {
  local name=$1 endpoint=$2 port=${3:-}
  if [[ $LOOPBACK -eq 1 ]]; then
    SHAPED=$endpoint
    SHAPED_PID=""
    return
  fi
  [[ -n "$port" ]] || port=$(free_port)
  start_server "proxy-$name" "$port" deno run --no-config --allow-net=127.0.0.1 \
    "$ROOT/bench/shaping_proxy.ts" --target "${endpoint#http://}" --listen "$port" \
    --rtt "$RTT_MS" --bandwidth "$BANDWIDTH_MBPS" || exit 1
  SHAPED="http://127.0.0.1:$port"
  SHAPED_PID=${SERVER_PIDS[-1]}
}

# make_changed_copy: workload a1 = workload a with a 1% run of each file overwritten.
make_changed_copy() {
  rm -rf "$WORK/a1"
  mkdir -p "$WORK/a1"
  cp -r "$WORK/a/data" "$WORK/a1/data"
  local size=$((256 * MiB)) run=$((256 * MiB / 100)) i
  for i in 0 1 2 3; do
    head -c "$run" /dev/urandom | dd of="$WORK/a1/data/file-$i" bs=1M conv=notrunc \
      oflag=seek_bytes seek=$(((i * 37 + 11) * size / 200)) status=none
  done
}

# datamon_context NAME URL: a fresh DATAMON_HOME with a context on the store URL, made current.
# Its messages (and the warning that an emulator has no identity to ask) show only on failure.
datamon_context() {
  rm -rf "$DATAMON_HOME"
  quietly "${DATAMON[@]}" context create --context "$1" --store "$2"
  quietly "${DATAMON[@]}" config set --context "$1"
  quietly "${DATAMON[@]}" repo create --repo bench
}

# Runs a command with its output kept back; shows it and stops the script if the command fails.
quietly() {
  "$@" >"$SCRATCH/quiet.out" 2>&1 || { cat "$SCRATCH/quiet.out" >&2; exit 1; }
}

# The data a download of workload W brings back: for a, its 1%-changed version, uploaded last.
latest_data() {
  [[ $1 == a ]] && echo "$WORK/a1/data" || echo "$WORK/$1/data"
}

# run_datamon W RUN: upload (and for a, the 1%-changed re-upload) and download of one workload.
run_datamon() {
  local w=$1 run=$2 data="$WORK/$1/data"
  use_workload "$w"
  datamon_context bench "$(datamon_store_url "$w" "$run")"
  measure "$w" datamon upload "$run" "${DATAMON[@]}" bundle upload --repo bench --path "$data" \
    --message "run $run" --quiet --json
  if [[ $w == a ]]; then
    measure a1 datamon re-upload-1pct "$run" "${DATAMON[@]}" bundle upload --repo bench \
      --path "$WORK/a1/data" --message "1% changed" --quiet --json
    [[ $run -eq 1 ]] && cp "$SCRATCH/cmd.out" "$SCRATCH/datamon-1pct.json"
  fi
  rm -rf "$SCRATCH/dm-dest"
  measure "$w" datamon download "$run" "${DATAMON[@]}" bundle download --repo bench \
    --destination "$SCRATCH/dm-dest" --quiet
  [[ $run -eq 1 ]] && check_same "datamon download" "$SCRATCH/dm-dest" "$(latest_data "$w")"
  rm -rf "$SCRATCH/dm-dest"
  purge "$w" "dm-$w-$run"
}

# run_rclone W RUN: `rclone copy` up (and for a, of a1 over it) and back.
run_rclone() {
  local w=$1 run=$2 data="$WORK/$1/data" remote
  use_workload "$w"
  remote="$(rclone_remote "$ENDPOINT")$BUCKET/rclone-$w-$run"
  measure "$w" rclone copy "$run" rclone copy "$data" "$remote"
  if [[ $w == a ]]; then
    measure a1 rclone copy-1pct "$run" rclone copy "$WORK/a1/data" "$remote"
  fi
  rm -rf "$SCRATCH/rclone-back"
  measure "$w" rclone copy-back "$run" rclone copy "$remote" "$SCRATCH/rclone-back"
  [[ $run -eq 1 ]] && check_same "rclone copy-back" "$SCRATCH/rclone-back" "$(latest_data "$w")"
  rm -rf "$SCRATCH/rclone-back"
  purge "$w" "rclone-$w-$run"
}

# run_workloads PEER...: for each workload, datamon and each peer --runs times in turn, then one
# counted upload of each.
run_workloads() {
  local w run tool
  for w in "${WORKLOADS[@]}"; do
    make_workload "$w"
    [[ $w == a ]] && make_changed_copy
    for run in $(seq 1 "$RUNS"); do
      for tool in datamon "$@"; do "run_$tool" "$w" "$run"; done
    done
    for tool in datamon "$@"; do count_requests "$w" "$tool"; done
  done
}

# print_results RATIOS: the link, the load, and per workload the tables and RATIOS W.
print_results() {
  local w
  echo
  echo "link: $(link_description)"
  echo "at the end: $(machine_state)"
  for w in "${WORKLOADS[@]}"; do
    print_table "$w"
    [[ $w == a ]] && print_table a1
    "$1" "$w"
  done
}

# One line: the share of workload a's bytes datamon sent for the 1%-changed re-upload.
print_1pct_bytes() {
  awk -v total="${BYTES[a]}" '
    match($0, /"bytesStored": *[0-9]+/) { split(substr($0, RSTART, RLENGTH), kv, ":"); sent = kv[2] + 0 }
    END { pct = 100 * sent / total
      printf "%-10s %-24s %8.2f%% %8s %5s\n", "re-upload-1pct", "bytes sent / total", pct, "< 5%", pct < 5 ? "yes" : "NO" }' \
    "$SCRATCH/datamon-1pct.json"
}

# The issue's targets for datamon against the faster peer; none on loopback but big-file download.
target_for() {
  local case=$1
  if [[ $LOOPBACK -eq 1 ]]; then
    [[ $case == big-download ]] && echo 1 || echo -
    return
  fi
  case "$case" in
    big-upload | big-download) echo 1.5 ;;
    small-upload | small-download) echo 5 ;;
    1pct) echo 10 ;;
  esac
}
