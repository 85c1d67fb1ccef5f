#!/usr/bin/env bash
# Side-by-side benchmark against a local S3 server (fauxqs, as the tests use): datamon,
# `rclone copy` and `aws s3 cp --recursive` upload and download the same workloads to the same
# server. Workload a1 is a new version of workload a with 1% of its bytes changed (a 2.56 MiB
# run in each file): datamon re-uploads only the changed leaves, peers re-send changed files.
# Requests per operation are counted by a proxy in one extra, untimed run of each tool.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/compare_s3.sh [--runs N] [--only a|b] [--keep]
  --runs N     timed runs of every operation (default 3); medians are reported
  --only a|b   run one workload (default: both; a includes the 1%-changed re-upload)
  --keep       keep the work directory (workloads are reused by the next run)
Work directory: $BENCH_DIR, default bench/.work. Starts its own S3 server on loopback.
EOF
}

RUNS=3
ONLY=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --only) ONLY=${2:?--only needs a or b}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare_s3.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "compare_s3.sh: --runs must be a positive integer" >&2; exit 2; }
case "$ONLY" in "") WORKLOADS=(a b) ;; a | b) WORKLOADS=("$ONLY") ;; *)
  echo "compare_s3.sh: --only takes a or b" >&2; exit 2 ;;
esac

missing=()
for tool in deno node npm rclone aws; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "compare_s3.sh: missing ${missing[*]}: install with" >&2
  echo "  apt-get install -y rclone awscli time nodejs npm   (and Deno 2.9.6 for deno)" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${BENCH_DIR:-$ROOT/bench/.work}")
mkdir -p "$WORK"
SCRATCH="$WORK/scratch-s3"
RESULTS="$WORK/results-s3.tsv"
REQUESTS="$WORK/requests-s3.tsv"

cd "$ROOT"
# shellcheck source=scripts/test_servers.sh
source scripts/test_servers.sh
# shellcheck source=bench/common.sh
source bench/common.sh
BYTES[a1]=${BYTES[a]}
DESCRIBE[a1]="workload a with a 1% run of each file changed, re-uploaded"

COUNTER_PID=""
cleanup() {
  [[ -n "$COUNTER_PID" ]] && kill "$COUNTER_PID" 2>/dev/null
  stop_test_servers
  rm -rf "$SCRATCH"
  [[ $KEEP -eq 1 ]] || rm -rf "$WORK/a" "$WORK/a1" "$WORK/b" "$RESULTS" "$REQUESTS"
}
trap cleanup EXIT
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
: >"$RESULTS"
: >"$REQUESTS"

install_server_packages
# Workload b goes to fauxqs (the tests' server, the faster per request); workload a to s3rver,
# because fauxqs caps request bodies at 11 MiB and refuses rclone's multipart completions
# (XML-escaped ETags), so no peer could upload 256 MiB files to it.
start_s3_server
mkdir -p "$SCRATCH/s3rver"
start_s3rver_server "$SCRATCH/s3rver"
declare -A ENDPOINTS=([a]=$S3RVER_ENDPOINT [a1]=$S3RVER_ENDPOINT [b]=$DATAMON_TEST_S3_ENDPOINT)
declare -A SERVER_NAMES=([a]=s3rver [b]=fauxqs)
# s3rver checks signatures against this key; fauxqs takes any.
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
BUCKET=bench
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
for endpoint in "$S3RVER_ENDPOINT" "$DATAMON_TEST_S3_ENDPOINT"; do
  aws --endpoint-url "$endpoint" s3 mb "s3://$BUCKET" >/dev/null
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

# Scoped permissions, as a user would run it (not -A).
DATAMON=(deno run --config "$ROOT/deno.json" --allow-read --allow-write --allow-env
  --allow-run=git --allow-sys --allow-net "$ROOT/main.ts")

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

# datamon_context NAME ENDPOINT PREFIX: a context on the S3 server, made current.
datamon_context() {
  rm -rf "$DATAMON_HOME"
  "${DATAMON[@]}" context create --context "$1" --store "s3://$BUCKET/$3?endpoint=$2" >/dev/null
  "${DATAMON[@]}" config set --context "$1" >/dev/null
  "${DATAMON[@]}" repo create --repo bench >/dev/null
}

run_datamon() {
  local w=$1 run=$2 data="$WORK/$1/data"
  ENDPOINT=${ENDPOINTS[$w]}
  datamon_context bench "$ENDPOINT" "dm-$w-$run"
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
  [[ $run -eq 1 && $w == b ]] && check_same "datamon download" "$SCRATCH/dm-dest" "$data"
  rm -rf "$SCRATCH/dm-dest"
  purge "dm-$w-$run"
}

# purge PREFIX: removes a run's objects; the server keeps everything in memory.
purge() {
  rclone purge "$(rclone_remote "$ENDPOINT")$BUCKET/$1" 2>/dev/null || true
}

run_rclone() {
  local w=$1 run=$2 data="$WORK/$1/data" remote
  ENDPOINT=${ENDPOINTS[$w]}
  remote="$(rclone_remote "$ENDPOINT")$BUCKET/rclone-$w-$run"
  measure "$w" rclone copy "$run" rclone copy "$data" "$remote"
  if [[ $w == a ]]; then
    measure a1 rclone copy-1pct "$run" rclone copy "$WORK/a1/data" "$remote"
  fi
  rm -rf "$SCRATCH/rclone-back"
  measure "$w" rclone copy-back "$run" rclone copy "$remote" "$SCRATCH/rclone-back"
  rm -rf "$SCRATCH/rclone-back"
  purge "rclone-$w-$run"
}

run_aws() {
  local w=$1 run=$2 data="$WORK/$1/data" dest="s3://$BUCKET/aws-$w-$run"
  ENDPOINT=${ENDPOINTS[$w]}
  measure "$w" aws cp "$run" aws --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet "$data" "$dest"
  rm -rf "$SCRATCH/aws-back"
  measure "$w" aws cp-back "$run" aws --endpoint-url "$ENDPOINT" s3 cp --recursive --quiet \
    "$dest" "$SCRATCH/aws-back"
  rm -rf "$SCRATCH/aws-back"
  purge "aws-$w-$run"
}

# count_requests W TOOL: one untimed upload through a counting proxy; appends "w tool requests".
count_requests() {
  local w=$1 tool=$2 data="$WORK/$1/data" port log="$SCRATCH/counter.log"
  ENDPOINT=${ENDPOINTS[$w]}
  port=$(free_port)
  deno run --allow-net=127.0.0.1 --allow-write="$log" bench/request_counter.ts "$ENDPOINT" \
    "$port" "$log" >/dev/null 2>&1 &
  COUNTER_PID=$!
  for _ in $(seq 1 100); do [[ -s "$log" ]] && break; sleep 0.1; done
  local proxy="http://127.0.0.1:$port"
  case "$tool" in
    datamon)
      datamon_context counted "$proxy" "count-datamon-$w"
      "${DATAMON[@]}" bundle upload --repo bench --path "$data" --message count --quiet >/dev/null ;;
    rclone) rclone copy "$data" "$(rclone_remote "$proxy")$BUCKET/count-rclone-$w" ;;
    aws) aws --endpoint-url "$proxy" s3 cp --recursive --quiet "$data" "s3://$BUCKET/count-aws-$w" ;;
  esac
  kill "$COUNTER_PID"
  wait "$COUNTER_PID" 2>/dev/null || true
  COUNTER_PID=""
  printf '%s\t%s\t%s\n' "$w" "$tool" "$(tail -n 1 "$log")" >>"$REQUESTS"
  rm -f "$log"
  purge "count-$tool-$w"
}

print_s3_ratios() {
  local w=$1
  echo
  echo "datamon vs peers on S3 (${SERVER_NAMES[$w]}), workload $w (ratio = peer seconds / datamon seconds; > 1: datamon faster)"
  printf '%-10s %-24s %9s %8s %5s\n' datamon peer ratio target met
  if [[ $w == a ]]; then
    ratio_row a upload rclone copy -
    ratio_row a upload aws cp -
    ratio_row a download rclone copy-back -
    ratio_row a download aws cp-back -
    ratio_row a1 re-upload-1pct rclone copy-1pct 5
    awk -v total="${BYTES[a]}" '
      match($0, /"bytesStored": *[0-9]+/) { split(substr($0, RSTART, RLENGTH), kv, ":"); sent = kv[2] + 0 }
      END { pct = 100 * sent / total
        printf "%-10s %-24s %8.2f%% %8s %5s\n", "re-upload-1pct", "bytes sent / total", pct, "< 5%", pct < 5 ? "yes" : "NO" }' \
      "$SCRATCH/datamon-1pct.json"
  else
    ratio_row b upload rclone copy 1.5
    ratio_row b upload aws cp 1.5
    ratio_row b download rclone copy-back -
    ratio_row b download aws cp-back -
  fi
  echo
  echo "requests of one upload of workload $w (counted by a proxy)"
  awk -F'\t' -v w="$w" '$1 == w { printf "%-10s %s\n", $2, $3 }' "$REQUESTS"
}

echo "datamon $("${DATAMON[@]}" --version 2>/dev/null || echo '?'), $(rclone version | head -n 1), $(aws --version 2>&1)" >&2
echo "source $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); $(nproc) cores, $(machine_state); S3 servers: fauxqs at $DATAMON_TEST_S3_ENDPOINT (workload b), s3rver at $S3RVER_ENDPOINT (workload a)" >&2
for w in "${WORKLOADS[@]}"; do
  make_workload "$w"
  [[ $w == a ]] && make_changed_copy
  for run in $(seq 1 "$RUNS"); do
    run_datamon "$w" "$run"
    run_rclone "$w" "$run"
    run_aws "$w" "$run"
  done
  for tool in datamon rclone aws; do count_requests "$w" "$tool"; done
done

echo
echo "at the end: $(machine_state)"
for w in "${WORKLOADS[@]}"; do
  print_table "$w"
  [[ $w == a ]] && print_table a1
  print_s3_ratios "$w"
done
