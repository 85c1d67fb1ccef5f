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

# Scoped permissions, as a user would run it (not -A).
DATAMON=(deno run --config "$ROOT/deno.json" --allow-read --allow-write --allow-env
  --allow-run=git --allow-sys=hostname "$ROOT/main.ts")

MiB=$((1024 * 1024))
declare -A BYTES=([a]=$((4 * 256 * MiB)) [b]=$((10000 * 4096)))
declare -A DESCRIBE=([a]="4 files x 256 MiB" [b]="10,000 files x 4 KiB")

# Builds a workload unless a kept one of the right size is there.
make_workload() {
  local w=$1 data="$WORK/$1/data"
  if [[ -d "$data" && $(find "$data" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }') -eq ${BYTES[$w]} ]]; then
    echo "workload $w: reusing $data" >&2
    return
  fi
  rm -rf "$WORK/$w"
  mkdir -p "$data"
  echo "workload $w: writing ${DESCRIBE[$w]} to $data" >&2
  if [[ $w == a ]]; then
    for i in 0 1 2 3; do head -c $((256 * MiB)) /dev/urandom >"$data/file-$i"; done
  else
    head -c "${BYTES[b]}" /dev/urandom | (cd "$data" && split -b 4096 -a 5 -d - file-)
  fi
}

# Reads a workload once, untimed. There is no root-free way to drop the page cache, so every
# tool gets a warm one instead; re-read before each operation because this VM pages out file
# pages idle for ~60 s (DAMON, see bench/README.md).
warm() {
  find "$WORK/$1/data" -type f -exec cat {} + >/dev/null
}

# Runs a command once, timed; appends "workload tool operation run seconds peak-KiB".
measure() {
  local w=$1 tool=$2 op=$3 run=$4
  shift 4
  sync
  warm "$w"
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -f "%M" -o "$SCRATCH/time.out" "$@" >"$SCRATCH/cmd.out" 2>"$SCRATCH/cmd.err"; then
    echo "compare.sh: $tool $op failed on workload $w: $*" >&2
    cat "$SCRATCH/cmd.err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  local seconds rss
  seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
  rss=$(tail -n 1 "$SCRATCH/time.out")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$tool" "$op" "$run" "$seconds" "$rss" >>"$RESULTS"
  printf '  run %s  %-8s %-16s %8ss %6s MB\n' "$run" "$tool" "$op" "$seconds" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }')" >&2
}

# Fails if a restored tree differs from the workload (checked on the first run only).
check_same() {
  local what=$1 got=$2 data=$3
  diff -rq "$data" "$got" >/dev/null || { echo "compare.sh: $what differs from $data" >&2; exit 1; }
}

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

# Prints "median-seconds median-KiB" of one operation.
median_of() {
  awk -F'\t' -v w="$1" -v t="$2" -v o="$3" '
    $1 == w && $2 == t && $3 == o { s[++n] = $5; m[n] = $6 }
    function median(a, n,   i, j, x) {
      for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { if (n) print median(s, n), median(m, n) }' "$RESULTS"
}

print_table() {
  local w=$1 tool op line
  echo
  echo "workload $w: ${DESCRIBE[$w]} ($(awk -v b="${BYTES[$w]}" 'BEGIN { printf "%.1f", b / 1e6 }') MB), $RUNS run(s), medians"
  printf '%-8s %-16s %10s %10s %14s\n' tool operation seconds "MB/s" "peak RSS MB"
  while IFS=$'\t' read -r tool op; do
    line=$(median_of "$w" "$tool" "$op")
    awk -v t="$tool" -v o="$op" -v b="${BYTES[$w]}" -v l="$line" 'BEGIN {
      split(l, x, " "); printf "%-8s %-16s %10.2f %10.1f %14.0f\n", t, o, x[1], b / 1e6 / x[1], x[2] * 1024 / 1e6 }'
  done < <(awk -F'\t' -v w="$w" '$1 == w && !seen[$2 FS $3]++ { print $2 "\t" $3 }' "$RESULTS")
}

# One ratio row: datamon operation, peer tool and operation, target ("-" for none).
ratio_row() {
  local w=$1 dop=$2 tool=$3 op=$4 target=$5 mine theirs
  mine=$(median_of "$w" datamon "$dop")
  theirs=$(median_of "$w" "$tool" "$op")
  [[ -n "$mine" && -n "$theirs" ]] || return 0
  awk -v d="$dop" -v p="$tool $op" -v m="$mine" -v t="$theirs" -v g="$target" 'BEGIN {
    split(m, a, " "); split(t, b, " "); r = b[1] / a[1]
    met = g == "-" ? "-" : (r >= g ? "yes" : "NO")
    printf "%-10s %-24s %8.2fx %8s %5s\n", d, p, r, g == "-" ? "-" : ">= " g "x", met }'
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
# What else the machine was doing: load, and memory stalls (other processes thrashing memory
# slow every tool here by orders of magnitude).
machine_state() {
  local pressure=""
  [[ -r /proc/pressure/memory ]] &&
    pressure=", memory stall avg60 $(awk -F'avg60=' 'NR == 1 { split($2, a, " "); print a[1] }' /proc/pressure/memory)%"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg)$pressure"
}
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
