#!/usr/bin/env bash
# Side-by-side benchmark of datamon against restic, rclone, cp and b3sum on two workloads:
#   a: 4 files x 256 MiB random        b: 10,000 files x 4 KiB random
# Every operation runs --runs times (wall clock, and peak RSS of the process tree from GNU
# time); the tables show medians and datamon's ratio to each peer against the issue's targets.
# See bench/README.md for what each line means.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/compare.sh [--runs N] [--only a|b] [--keep] [--concurrency-factor N] [--datamon-only]
  --runs N                 timed runs of every operation (default 3); medians are reported
  --only a|b               run one workload (default: both)
  --keep                   keep the work directory (workloads are reused by the next run)
  --concurrency-factor N   passed to every datamon command (default: datamon's own)
  --datamon-only           skip the peers (for tuning sweeps); no ratio tables
Work directory: $BENCH_DIR, default bench/.work.
EOF
}

RUNS=3
ONLY=""
KEEP=0
CONCURRENCY=()
DATAMON_ONLY=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    --only) ONLY=${2:?--only needs a or b}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --concurrency-factor) CONCURRENCY=(--concurrency-factor "${2:?--concurrency-factor needs a number}"); shift 2 ;;
    --datamon-only) DATAMON_ONLY=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --runs must be a positive integer" >&2; exit 2; }
case "$ONLY" in "") WORKLOADS=(a b) ;; a | b) WORKLOADS=("$ONLY") ;; *)
  echo "compare.sh: --only takes a or b" >&2; exit 2 ;;
esac

missing=()
for tool in deno restic rclone b3sum cp; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[[ -x /usr/bin/time ]] || missing+=("/usr/bin/time")
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "compare.sh: missing ${missing[*]}: install with" >&2
  echo "  apt-get install -y restic rclone b3sum time   (and Deno 2.9.6 for deno)" >&2
  exit 1
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${BENCH_DIR:-$ROOT/bench/.work}")
if [[ "$WORK" == /dev/* ]]; then
  echo "compare.sh: work directory $WORK is under /dev, which Deno opens only with --allow-all: pick another BENCH_DIR" >&2
  exit 2
fi
WORK_EXISTED=0
[[ -d "$WORK" ]] && WORK_EXISTED=1
mkdir -p "$WORK"
SCRATCH="$WORK/scratch"
RESULTS="$WORK/results.tsv"

cleanup() {
  rm -rf "$SCRATCH"
  [[ $KEEP -eq 1 ]] && return
  if [[ $WORK_EXISTED -eq 1 ]]; then
    rm -rf "$WORK/a" "$WORK/b" "$RESULTS"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
: >"$RESULTS"

export RESTIC_PASSWORD=datamon-bench
export RCLONE_CONFIG="$SCRATCH/rclone.conf"
: >"$RCLONE_CONFIG"
export DATAMON_HOME="$SCRATCH/datamon-home"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost

# The source tree's launcher: the program's own permissions (scripts/permissions.txt), not -A.
DATAMON=("$ROOT/bin/datamon")

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"

run_datamon() {
  local w=$1 run=$2 data="$WORK/$1/data"
  rm -rf "$DATAMON_HOME" "$SCRATCH/dm-dest"
  "${DATAMON[@]}" repo create --repo bench >/dev/null 2>"$SCRATCH/cmd.err" || {
    echo "compare.sh: datamon repo create failed:" >&2
    cat "$SCRATCH/cmd.err" >&2
    exit 1
  }
  measure "$w" datamon upload "$run" "${DATAMON[@]}" bundle upload --repo bench --path "$data" \
    --message "run $run" --quiet "${CONCURRENCY[@]}"
  measure "$w" datamon re-upload "$run" "${DATAMON[@]}" bundle upload --repo bench --path "$data" \
    --message "run $run again" --quiet "${CONCURRENCY[@]}"
  measure "$w" datamon download "$run" "${DATAMON[@]}" bundle download --repo bench \
    --destination "$SCRATCH/dm-dest" --quiet "${CONCURRENCY[@]}"
  [[ $run -eq 1 ]] && check_same "datamon download" "$SCRATCH/dm-dest" "$data"
  rm -rf "$DATAMON_HOME" "$SCRATCH/dm-dest"
}

run_restic() {
  local w=$1 run=$2 data="$WORK/$1/data" repo="$SCRATCH/restic-repo"
  rm -rf "$repo" "$SCRATCH/restic-dest"
  restic init -q --repo "$repo" >/dev/null
  measure "$w" restic backup "$run" restic backup -q --no-cache --repo "$repo" "$data"
  measure "$w" restic re-backup "$run" restic backup -q --no-cache --repo "$repo" "$data"
  measure "$w" restic re-backup-force "$run" restic backup -q --no-cache --force --repo "$repo" "$data"
  measure "$w" restic restore "$run" restic restore -q --no-cache --repo "$repo" latest \
    --target "$SCRATCH/restic-dest"
  [[ $run -eq 1 ]] && check_same "restic restore" "$SCRATCH/restic-dest$data" "$data"
  rm -rf "$repo" "$SCRATCH/restic-dest"
}

run_rclone() {
  local w=$1 run=$2 data="$WORK/$1/data"
  rm -rf "$SCRATCH/rclone-dst" "$SCRATCH/rclone-back"
  measure "$w" rclone copy "$run" rclone copy "$data" "$SCRATCH/rclone-dst"
  measure "$w" rclone copy-back "$run" rclone copy "$SCRATCH/rclone-dst" "$SCRATCH/rclone-back"
  [[ $run -eq 1 ]] && check_same "rclone copy back" "$SCRATCH/rclone-back" "$data"
  rm -rf "$SCRATCH/rclone-dst" "$SCRATCH/rclone-back"
}

run_references() {
  local w=$1 run=$2 data="$WORK/$1/data"
  rm -rf "$SCRATCH/cp-dst"
  measure "$w" cp copy "$run" cp -r "$data" "$SCRATCH/cp-dst"
  rm -rf "$SCRATCH/cp-dst"
  if [[ $w == a ]]; then
    measure "$w" b3sum hash "$run" b3sum --num-threads 2 "$data"/file-0 "$data"/file-1 \
      "$data"/file-2 "$data"/file-3
  fi
}

print_ratios() {
  local w=$1
  echo
  echo "datamon vs peers, workload $w (ratio = peer seconds / datamon seconds; > 1: datamon faster)"
  printf '%-10s %-24s %9s %8s %5s\n' datamon peer ratio target met
  if [[ $w == a ]]; then
    ratio_row a upload restic backup 3
    ratio_row a upload rclone copy 1.5
    ratio_row a re-upload restic re-backup 2
    ratio_row a re-upload restic re-backup-force -
    ratio_row a download restic restore 2
    ratio_row a download rclone copy-back 1.5
    ratio_row a upload cp copy -
    ratio_row a upload b3sum hash -
  else
    ratio_row b upload restic backup 1.5
    ratio_row b upload rclone copy 1
    ratio_row b re-upload restic re-backup -
    ratio_row b re-upload restic re-backup-force -
    ratio_row b download restic restore 1.5
    ratio_row b download rclone copy-back 1
    ratio_row b upload cp copy -
  fi
  local op line
  for op in upload re-upload download; do
    line=$(median_of "$w" datamon "$op")
    [[ -n "$line" ]] || continue
    awk -v o="$op" -v l="$line" 'BEGIN {
      split(l, x, " "); mb = x[2] * 1024 / 1e6
      printf "%-10s %-24s %8.0fMB %8s %5s\n", o, "peak RSS", mb, "<= 300MB", mb <= 300 ? "yes" : "NO" }'
  done
}

echo "datamon $("${DATAMON[@]}" --version 2>/dev/null || echo '?'), $(restic version | cut -d' ' -f1-2), $(rclone version | head -n 1), $(b3sum --version)" >&2
echo "source $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); $(nproc) cores, $(machine_state); work directory $WORK" >&2
for w in "${WORKLOADS[@]}"; do
  make_workload "$w"
  echo "workload $w: the page cache is warmed by an untimed read before each operation" >&2
  for run in $(seq 1 "$RUNS"); do
    run_datamon "$w" "$run"
    if [[ $DATAMON_ONLY -eq 0 ]]; then
      run_restic "$w" "$run"
      run_rclone "$w" "$run"
      run_references "$w" "$run"
    fi
  done
done

echo
echo "at the end: $(machine_state)"
for w in "${WORKLOADS[@]}"; do
  print_table "$w"
  [[ $DATAMON_ONLY -eq 1 ]] || print_ratios "$w"
done
