#!/usr/bin/env bash
# Side-by-side benchmark against local S3 servers on a cloud-shaped link: datamon,
# `rclone copy` and the AWS CLI upload and download the same workloads to the same server,
# through bench/shaping_proxy.ts (default 30 ms round trip, 50 MB/s per connection and
# direction; --loopback goes straight to the server). Workload a1 is a new version of workload a
# with 1% of its bytes changed (a 2.56 MiB run in each file): datamon re-uploads only the changed
# leaves, peers re-send changed files. The servers' and the proxy's CPU time during every
# command is recorded (they share the machine's cores). Requests per upload are counted by a
# proxy in one extra, untimed run of each tool.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/compare_s3.sh [--runs N] [--only a|b] [--rtt MS] [--bandwidth MBPS] [--loopback] [--keep]
  --runs N          timed runs of every operation (default 3); medians are reported
  --only a|b        run one workload (default: both; a includes the 1%-changed re-upload)
  --rtt MS          round trip the proxy adds (default 30)
  --bandwidth MBPS  the proxy's cap per connection and direction, in MB/s (default 50; 0: none)
  --loopback        no proxy: every tool talks to the servers on raw loopback
  --keep            keep the work directory (workloads are reused by the next run)
Work directory: $BENCH_DIR, default bench/.work. Starts its own S3 servers on loopback.
The AWS CLI is $AWS_CLI, default `aws` on PATH.
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
AWS=${AWS_CLI:-aws}
require_tools "apt-get install -y rclone awscli time nodejs npm" deno node npm rclone "$AWS"
start_work s3

install_server_packages
# Workload b goes to fauxqs (the tests' server, the faster per request; the AWS CLI's listing
# fails on s3rver past 300 keys); workload a to s3rver, because fauxqs caps request bodies at
# 11 MiB and refuses rclone's multipart completions (XML-escaped ETags), so no peer could upload
# 256 MiB files to it.
start_s3_server
FAUXQS_PID=${SERVER_PIDS[-1]}
mkdir -p "$SCRATCH/s3rver"
start_s3rver_server "$SCRATCH/s3rver"
S3RVER_PID=${SERVER_PIDS[-1]}
declare -A RAW_ENDPOINTS=([a]=$S3RVER_ENDPOINT [a1]=$S3RVER_ENDPOINT [b]=$DATAMON_TEST_S3_ENDPOINT)
declare -A SERVER_PIDS_OF=([a]=$S3RVER_PID [a1]=$S3RVER_PID [b]=$FAUXQS_PID)
declare -A SERVER_NAMES=([a]=s3rver [b]=fauxqs)
declare -A ENDPOINTS PROXY_PIDS_OF
shaped_endpoint s3rver "$S3RVER_ENDPOINT"
ENDPOINTS[a]=$SHAPED ENDPOINTS[a1]=$SHAPED PROXY_PIDS_OF[a]=$SHAPED_PID PROXY_PIDS_OF[a1]=$SHAPED_PID
shaped_endpoint fauxqs "$DATAMON_TEST_S3_ENDPOINT"
ENDPOINTS[b]=$SHAPED PROXY_PIDS_OF[b]=$SHAPED_PID

# s3rver checks signatures against this key; fauxqs takes any.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
BUCKET=bench
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
for endpoint in "$S3RVER_ENDPOINT" "$DATAMON_TEST_S3_ENDPOINT"; do
  "$AWS" --endpoint-url "$endpoint" s3 mb "s3://$BUCKET" >/dev/null
done

export DATAMON_HOME="$SCRATCH/datamon-home"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost
export RCLONE_CONFIG="$SCRATCH/rclone.conf"
: >"$RCLONE_CONFIG"
# rclone's AWS SDK refuses AWS_CA_BUNDLE with its own transport; the server is plain http.
unset AWS_CA_BUNDLE
rclone_remote() {
  echo ":s3,provider=Other,endpoint='$1',access_key_id=$AWS_ACCESS_KEY_ID,secret_access_key=$AWS_SECRET_ACCESS_KEY,force_path_style=true:"
}

# use_workload W: the endpoint, server and proxy the next commands of workload W talk to.
use_workload() {
  ENDPOINT=${ENDPOINTS[$1]}
  SERVER_PID=${SERVER_PIDS_OF[$1]}
  PROXY_PID=${PROXY_PIDS_OF[$1]}
}

datamon_store_url() {
  echo "s3://$BUCKET/dm-$1-$2?endpoint=${ENDPOINTS[$1]}"
}

# purge W PREFIX: removes a run's objects, straight at the server.
purge() {
  rclone purge "$(rclone_remote "${RAW_ENDPOINTS[$1]}")$BUCKET/$2" 2>/dev/null || true
}

run_aws() {
  local w=$1 run=$2 data="$WORK/$1/data" dest="s3://$BUCKET/aws-$1-$2"
  use_workload "$w"
  measure "$w" aws cp "$run" "$AWS" --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet "$data" "$dest"
  if [[ $w == a ]]; then
    # Not `aws s3 sync`: it skips a changed file whose mtime is older than the object's upload.
    measure a1 aws cp-1pct "$run" "$AWS" --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet \
      "$WORK/a1/data" "$dest"
  fi
  rm -rf "$SCRATCH/aws-back"
  measure "$w" aws cp-back "$run" "$AWS" --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet \
    "$dest" "$SCRATCH/aws-back"
  rm -rf "$SCRATCH/aws-back"
  purge "$w" "aws-$w-$run"
}

# count_requests W TOOL: one untimed upload through a counting proxy straight in front of the
# server; appends "w tool requests".
count_requests() {
  local w=$1 tool=$2 data="$WORK/$1/data" port log="$SCRATCH/counter.log"
  port=$(free_port)
  deno run --allow-net=127.0.0.1 --allow-write="$log" bench/request_counter.ts "${RAW_ENDPOINTS[$w]}" \
    "$port" "$log" >/dev/null 2>&1 &
  COUNTER_PID=$!
  for _ in $(seq 1 100); do [[ -s "$log" ]] && break; sleep 0.1; done
  local proxy="http://127.0.0.1:$port"
  case "$tool" in
    datamon)
      datamon_context counted "s3://$BUCKET/count-datamon-$w?endpoint=$proxy"
      quietly "${DATAMON[@]}" bundle upload --repo bench --path "$data" --message count --quiet ;;
    rclone) rclone copy "$data" "$(rclone_remote "$proxy")$BUCKET/count-rclone-$w" ;;
    aws) "$AWS" --endpoint-url "$proxy" s3 cp --recursive --quiet "$data" "s3://$BUCKET/count-aws-$w" ;;
  esac
  kill "$COUNTER_PID"
  wait "$COUNTER_PID" 2>/dev/null || true
  COUNTER_PID=""
  printf '%s\t%s\t%s\n' "$w" "$tool" "$(tail -n 1 "$log")" >>"$REQUESTS"
  rm -f "$log"
  purge "$w" "count-$tool-$w"
}

print_s3_ratios() {
  local w=$1
  echo
  echo "datamon vs peers on S3 (${SERVER_NAMES[$w]}), workload $w, $(link_description)"
  echo "(ratio = peer seconds / datamon seconds; > 1: datamon faster; targets against the faster peer)"
  printf '%-10s %-24s %9s %8s %5s\n' datamon peer ratio target met
  if [[ $w == a ]]; then
    ratio_row a upload rclone copy -
    ratio_row a upload aws cp -
    ratio_best_row a upload "$(target_for big-upload)" "rclone copy" "aws cp"
    ratio_row a download rclone copy-back -
    ratio_row a download aws cp-back -
    ratio_best_row a download "$(target_for big-download)" "rclone copy-back" "aws cp-back"
    ratio_row a1 re-upload-1pct rclone copy-1pct "$(target_for 1pct)"
    ratio_row a1 re-upload-1pct aws cp-1pct -
    print_1pct_bytes
  else
    ratio_row b upload rclone copy -
    ratio_row b upload aws cp -
    ratio_best_row b upload "$(target_for small-upload)" "rclone copy" "aws cp"
    ratio_row b download rclone copy-back -
    ratio_row b download aws cp-back -
    ratio_best_row b download "$(target_for small-download)" "rclone copy-back" "aws cp-back"
  fi
  echo
  echo "requests of one upload of workload $w (counted by a proxy)"
  awk -F'\t' -v w="$w" '$1 == w { printf "%-10s %s\n", $2, $3 }' "$REQUESTS"
}

echo "datamon $("${DATAMON[@]}" --version 2>/dev/null || echo '?'), $(rclone version | head -n 1), $("$AWS" --version 2>&1)" >&2
echo "source $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); $(nproc) cores, $(machine_state)" >&2
echo "S3 servers: fauxqs at $DATAMON_TEST_S3_ENDPOINT (workload b), s3rver at $S3RVER_ENDPOINT (workload a); link: $(link_description)" >&2
run_workloads rclone aws
print_results print_s3_ratios
