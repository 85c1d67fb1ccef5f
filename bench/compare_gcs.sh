#!/usr/bin/env bash
# Side-by-side benchmark against a local GCS server (firebase-tools' storage emulator, as the
# tests use) on a cloud-shaped link: datamon and `rclone copy` (its gcs backend) upload and
# download the same workloads through bench/shaping_proxy.ts (default 30 ms round trip, 50 MB/s
# per connection and direction; --loopback goes straight to the server). The same workloads as
# bench/compare_s3.sh, with the 1%-changed re-upload. The emulator runs under
# bench/gcs_emulator_shim.cjs, which fills the emulator's gaps that make rclone's uploads fail
# (see there) and points its download links at the proxy. The server's and the proxy's CPU time
# during every command is recorded (they share the machine's cores).
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/compare_gcs.sh [--runs N] [--only a|b] [--rtt MS] [--bandwidth MBPS] [--loopback] [--keep]
  --runs N          timed runs of every operation (default 3); medians are reported
  --only a|b        run one workload (default: both; a includes the 1%-changed re-upload)
  --rtt MS          round trip the proxy adds (default 30)
  --bandwidth MBPS  the proxy's cap per connection and direction, in MB/s (default 50; 0: none)
  --loopback        no proxy: every tool talks to the server on raw loopback
  --keep            keep the work directory (workloads are reused by the next run)
Work directory: $BENCH_DIR, default bench/.work. Starts its own GCS emulator on loopback.
EOF
}

RUNS=3
ONLY=""
KEEP=0
RTT_MS=30
BANDWIDTH_MBPS=50
LOOPBACK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --only) ONLY=${2:?--only needs a or b}; shift 2 ;;
    --rtt) RTT_MS=${2:?--rtt needs milliseconds}; shift 2 ;;
    --bandwidth) BANDWIDTH_MBPS=${2:?--bandwidth needs MB/s}; shift 2 ;;
    --loopback) LOOPBACK=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare_gcs.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "compare_gcs.sh: --runs must be a positive integer" >&2; exit 2; }
[[ "$RTT_MS$BANDWIDTH_MBPS" =~ ^[0-9.]+$ ]] || { echo "compare_gcs.sh: --rtt and --bandwidth take numbers" >&2; exit 2; }
case "$ONLY" in "") WORKLOADS=(a b) ;; a | b) WORKLOADS=("$ONLY") ;; *)
  echo "compare_gcs.sh: --only takes a or b" >&2; exit 2 ;;
esac

missing=()
for tool in deno node npm rclone curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "compare_gcs.sh: missing ${missing[*]}: install with" >&2
  echo "  apt-get install -y rclone curl time nodejs npm   (and Deno 2.9.6 for deno)" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${BENCH_DIR:-$ROOT/bench/.work}")
mkdir -p "$WORK"
SCRATCH="$WORK/scratch-gcs"
RESULTS="$WORK/results-gcs.tsv"
REQUESTS="$WORK/requests-gcs.tsv"

cd "$ROOT"
# shellcheck source=scripts/test_servers.sh
source scripts/test_servers.sh
# shellcheck source=bench/common.sh
source bench/common.sh
# shellcheck source=bench/cloud.sh
source bench/cloud.sh

cleanup() {
  stop_test_servers
  rm -rf "$SCRATCH"
  [[ $KEEP -eq 1 ]] || rm -rf "$WORK/a" "$WORK/a1" "$WORK/b" "$RESULTS" "$REQUESTS"
}
trap cleanup EXIT
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH/emulator"
: >"$RESULTS"
: >"$REQUESTS"

mkdir -p "$SERVER_LOGS"
install_server_packages
# The emulator names its own address in download links; with a proxy, that is the proxy's port,
# chosen first. Both ports are free now; they must differ.
EMULATOR_PORT=$(free_port)
PROXY_PORT=$EMULATOR_PORT
while [[ $LOOPBACK -eq 0 && $PROXY_PORT == "$EMULATOR_PORT" ]]; do PROXY_PORT=$(free_port); done
[[ $LOOPBACK -eq 1 ]] && PUBLIC_PORT=$EMULATOR_PORT || PUBLIC_PORT=$PROXY_PORT
GCS_EMULATOR_PUBLIC_PORT=$PUBLIC_PORT start_server gcs "$EMULATOR_PORT" \
  node bench/gcs_emulator_shim.cjs "$EMULATOR_PORT" "$SCRATCH/emulator" || exit 1
RAW_ENDPOINT="http://127.0.0.1:$EMULATOR_PORT"
SERVER_PID=${SERVER_PIDS[-1]}
shaped_endpoint gcs "$RAW_ENDPOINT" "$PROXY_PORT"
ENDPOINT=$SHAPED
PROXY_PID=$SHAPED_PID

BUCKET=bench
# The emulator cannot create buckets (501): a bucket appears with its first object.
curl -fsS -o /dev/null -X POST --data-binary bench -H "Content-Type: text/plain" \
  "$RAW_ENDPOINT/upload/storage/v1/b/$BUCKET/o?uploadType=media&name=.bench"

export DATAMON_HOME="$SCRATCH/datamon-home"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost
export RCLONE_CONFIG="$SCRATCH/rclone.conf"
: >"$RCLONE_CONFIG"
# An emulator is spoken to without credentials (rclone: anonymous).
rclone_remote() {
  echo ":gcs,anonymous=true,bucket_policy_only=true,endpoint='$1/storage/v1/':"
}

# One server and one proxy for every workload.
use_workload() { :; }

datamon_store_url() {
  echo "gs://$BUCKET/dm-$1-$2?endpoint=$ENDPOINT"
}

# purge W PREFIX: removes a run's objects, straight at the server.
purge() {
  rclone purge "$(rclone_remote "$RAW_ENDPOINT")$BUCKET/$2" 2>/dev/null || true
}

run_rclone() {
  local w=$1 run=$2 data="$WORK/$1/data" remote
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

# The requests the emulator has served so far (the shim prints them on SIGUSR2).
served_requests() {
  local log="$SERVER_LOGS/gcs.log" lines
  lines=$(grep -c '^requests ' "$log" || true)
  kill -USR2 "$SERVER_PID"
  for _ in $(seq 1 100); do
    [[ $(grep -c '^requests ' "$log" || true) -gt $lines ]] && break
    sleep 0.1
  done
  grep '^requests ' "$log" | tail -n 1 | cut -d' ' -f2
}

# count_requests W TOOL: one untimed upload straight to the server, its requests counted by the
# server; appends "w tool requests".
count_requests() {
  local w=$1 tool=$2 data="$WORK/$1/data" before
  case "$tool" in
    datamon) datamon_context counted "gs://$BUCKET/count-datamon-$w?endpoint=$RAW_ENDPOINT" ;;
  esac
  before=$(served_requests)
  case "$tool" in
    datamon) quietly "${DATAMON[@]}" bundle upload --repo bench --path "$data" --message count --quiet ;;
    rclone) rclone copy "$data" "$(rclone_remote "$RAW_ENDPOINT")$BUCKET/count-rclone-$w" ;;
  esac
  printf '%s\t%s\t%s requests\n' "$w" "$tool" "$(($(served_requests) - before))" >>"$REQUESTS"
  purge "$w" "count-$tool-$w"
}

print_gcs_ratios() {
  local w=$1
  echo
  echo "datamon vs rclone on GCS (firebase emulator), workload $w, $(link_description)"
  echo "(ratio = rclone seconds / datamon seconds; > 1: datamon faster)"
  printf '%-10s %-24s %9s %8s %5s\n' datamon peer ratio target met
  if [[ $w == a ]]; then
    ratio_row a upload rclone copy "$(target_for big-upload)"
    ratio_row a download rclone copy-back "$(target_for big-download)"
    ratio_row a1 re-upload-1pct rclone copy-1pct "$(target_for 1pct)"
    print_1pct_bytes
  else
    ratio_row b upload rclone copy "$(target_for small-upload)"
    ratio_row b download rclone copy-back "$(target_for small-download)"
  fi
  echo
  echo "requests of one upload of workload $w (counted by the server)"
  awk -F'\t' -v w="$w" '$1 == w { printf "%-10s %s\n", $2, $3 }' "$REQUESTS"
}

echo "datamon $("${DATAMON[@]}" --version 2>/dev/null || echo '?'), $(rclone version | head -n 1)" >&2
echo "source $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); $(nproc) cores, $(machine_state)" >&2
echo "GCS emulator at $RAW_ENDPOINT; link: $(link_description)" >&2
for W in "${WORKLOADS[@]}"; do
  make_workload "$W"
  [[ $W == a ]] && make_changed_copy
  for run in $(seq 1 "$RUNS"); do
    run_datamon "$W" "$run"
    run_rclone "$W" "$run"
  done
  for tool in datamon rclone; do count_requests "$W" "$tool"; done
done

echo
echo "link: $(link_description)"
echo "at the end: $(machine_state)"
for w in "${WORKLOADS[@]}"; do
  print_table "$w"
  [[ $w == a ]] && print_table a1
  print_gcs_ratios "$w"
done
