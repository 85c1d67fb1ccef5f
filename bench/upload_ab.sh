#!/usr/bin/env bash
# A/B of datamon builds on the uploads of workload a: for each round and each build in turn (so
# the machine's load falls on all alike), a fresh store on s3rver behind the shaping proxy, the
# upload of workload a (4 x 256 MiB), then the re-upload of a1 (1% of each file changed). A
# build is a source tree with main.ts, such as `git archive REV | tar -x -C DIR` (link
# node_modules into it). On a shared machine the CPU seconds are the steadier number.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/upload_ab.sh [--runs N] [--rtt MS] [--bandwidth MBPS] [--loopback] [--keep] TREE...
  TREE              a datamon source tree (main.ts, deno.json); the tag is its directory name
  --runs N          rounds, each timing every build once (default 3); medians are reported
  --rtt MS, --bandwidth MBPS, --loopback, --keep: as in bench/compare_s3.sh
Work directory: $BENCH_DIR, default bench/.work (workloads a and a1 are reused with --keep).
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

TREES=()
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs | --rtt | --bandwidth) ARGS+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
    --loopback | --keep | -h | --help) ARGS+=("$1"); shift ;;
    -*) echo "upload_ab.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    *) TREES+=("$(realpath "$1")"); shift ;;
  esac
done
parse_cloud_args "${ARGS[@]}" --only a
[[ ${#TREES[@]} -gt 0 ]] || { usage >&2; exit 2; }
for tree in "${TREES[@]}"; do
  [[ -f "$tree/main.ts" ]] || { echo "upload_ab.sh: $tree has no main.ts" >&2; exit 2; }
done
require_tools "apt-get install -y awscli time nodejs npm" deno node npm aws
start_work ab

install_server_packages
mkdir -p "$SCRATCH/s3rver"
start_s3rver_server "$SCRATCH/s3rver"
SERVER_PID=${SERVER_PIDS[-1]}
shaped_endpoint s3rver "$S3RVER_ENDPOINT"
ENDPOINT=$SHAPED PROXY_PID=$SHAPED_PID
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
aws --endpoint-url "$S3RVER_ENDPOINT" s3 mb s3://bench >/dev/null
export DATAMON_HOME="$SCRATCH/datamon-home"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost

make_workload a
make_changed_copy
echo "builds: ${TREES[*]}; link: $(link_description)" >&2
for run in $(seq 1 "$RUNS"); do
  for tree in "${TREES[@]}"; do
    DATAMON=(deno run --config "$tree/deno.json" --cached-only --allow-read --allow-write
      --allow-env --allow-run=git --allow-sys --allow-net "$tree/main.ts")
    tag=$(basename "$tree")
    datamon_context bench "s3://bench/$tag-$run?endpoint=$ENDPOINT"
    echo "round $run, $tag, load average $(cut -d' ' -f1 /proc/loadavg)" >&2
    measure a "$tag" upload "$run" "${DATAMON[@]}" bundle upload --repo bench \
      --path "$WORK/a/data" --message a --quiet
    measure a1 "$tag" re-upload-1pct "$run" "${DATAMON[@]}" bundle upload --repo bench \
      --path "$WORK/a1/data" --message "1% changed" --quiet
  done
done
print_table a
print_table a1
