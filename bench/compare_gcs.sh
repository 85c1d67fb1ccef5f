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

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=scripts/test_servers.sh
source scripts/test_servers.sh
# shellcheck source=bench/common.sh
source bench/common.sh
# shellcheck source=bench/cloud.sh
source bench/cloud.sh

parse_cloud_args "$@"
require_tools "apt-get install -y rclone curl time nodejs npm" deno node npm rclone curl
start_work gcs
mkdir -p "$SCRATCH/emulator"

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
run_workloads rclone
print_results print_gcs_ratios
