#!/usr/bin/env bash
# Reading through `datamon bundle mount` against `bundle download` of the same bundle and
# against reading the source directly, on the local store:
#   seq:   sequential read (cat) of one large file           (default 1 GiB)
#   small: cat of every file of a many-small-files bundle    (default 10,000 x 4 KiB)
#   ttfb:  time from starting the mount of a bundle of many tiny files (default 100,000) to
#          the first byte of its last file
# Each mount read starts from a fresh mount (the kernel keeps a mount's pages across opens).
# Prints every run, then min-max per case and the ratios mount/source and mount/download
# (time ratios: > 1 means the mount is slower). See bench/README.md.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/mount_bench.sh [--runs N] [--size-mib N] [--small N] [--ttfb-files N] [--only seq|small|ttfb] [--keep]
  --runs N         timed runs of every case (default 3)
  --size-mib N     size of the sequential-read file (default 1024)
  --small N        number of 4 KiB files of the small-file case (default 10000)
  --ttfb-files N   number of files of the time-to-first-byte bundle (default 100000)
  --only CASE      run one case
  --keep           keep the work directory (datasets and stores are reused by the next run)
Work directory: $BENCH_DIR, default bench/.work-mount.
EOF
}

RUNS=3
SIZE_MIB=1024
SMALL=10000
TTFB_FILES=100000
ONLY=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?}; shift 2 ;;
    --size-mib) SIZE_MIB=${2:?}; shift 2 ;;
    --small) SMALL=${2:?}; shift 2 ;;
    --ttfb-files) TTFB_FILES=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "mount_bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${BENCH_DIR:-$ROOT/bench/.work-mount}
mkdir -p "$WORK"
export DATAMON_HOME=$WORK/home
MNT=$WORK/mnt
mkdir -p "$MNT"
DATAMON=(deno run --quiet --allow-read --allow-write --allow-env
  "--allow-run=git,fusermount3,$(command -v deno)" --allow-sys=hostname --allow-ffi "$ROOT/main.ts")

cleanup() {
  fusermount3 -uz "$MNT" 2>/dev/null || true
  if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
datamon() { "${DATAMON[@]}" "$@"; }

# Runs `$@` $RUNS times and prints the seconds of each run, space-separated.
declare -A TIMES
timed() {
  local name=$1 setup=$2 teardown=$3
  shift 3
  local runs=()
  for ((i = 0; i < RUNS; i++)); do
    $setup
    local start
    start=$(now)
    "$@" >/dev/null
    runs+=("$(elapsed "$start")")
    $teardown
  done
  TIMES[$name]="${runs[*]}"
  printf '%-26s %s s\n' "$name" "${runs[*]}"
}

range() { tr ' ' '\n' <<<"${TIMES[$1]}" | sort -g | awk 'NR==1{a=$1} {b=$1} END{printf "%s-%s", a, b}'; }
median() { tr ' ' '\n' <<<"${TIMES[$1]}" | sort -g | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v mib="$1" -v s="$(median "$2")" 'BEGIN { printf "%.0f", mib / s }'; }

repo() {
  local name=$1 src=$2
  if ! datamon repo get --repo "$name" >/dev/null 2>&1; then
    datamon repo create --repo "$name" --description bench >/dev/null 2>&1
    datamon bundle upload --repo "$name" --path "$src" --message bench --quiet >/dev/null 2>&1
  fi
}

mount_repo() { datamon bundle mount --repo "$CURRENT_REPO" --mount "$MNT" --daemonize 2>/dev/null; }
unmount_repo() { datamon bundle unmount "$MNT" 2>/dev/null; }
clear_download() { rm -rf "$WORK/download"; }
none() { :; }
download() { datamon bundle download --repo "$CURRENT_REPO" --destination "$WORK/download" --quiet 2>/dev/null; }
cat_all() { find "$1" -type f -print0 | xargs -0 cat; }

run_seq() {
  local src=$WORK/seq
  if [[ ! -f $src/big.bin ]]; then
    mkdir -p "$src"
    head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$src/big.bin"
  fi
  CURRENT_REPO=seq
  repo seq "$src"
  echo "== seq: cat of one ${SIZE_MIB} MiB file"
  timed seq-source none none cat "$src/big.bin"
  timed seq-mount mount_repo unmount_repo cat "$MNT/big.bin"
  timed seq-download clear_download clear_download download
  echo "seq: source $(range seq-source) s, mount $(range seq-mount) s ($(rate "$SIZE_MIB" seq-mount) MiB/s median), download $(range seq-download) s"
  echo "seq: mount/source $(ratio seq-mount seq-source)x, mount/download $(ratio seq-mount seq-download)x"
}

run_small() {
  local src=$WORK/small
  if [[ ! -d $src ]]; then
    mkdir -p "$src"
    for ((d = 0; d < 100; d++)); do mkdir -p "$src/d$d"; done
    for ((i = 0; i < SMALL; i++)); do
      head -c 4096 /dev/urandom >"$src/d$((i % 100))/f$i"
    done
  fi
  CURRENT_REPO=small
  repo small "$src"
  echo "== small: cat of ${SMALL} files x 4 KiB"
  timed small-source none none cat_all "$src"
  timed small-mount mount_repo unmount_repo cat_all "$MNT"
  timed small-download clear_download clear_download download
  echo "small: source $(range small-source) s, mount $(range small-mount) s, download $(range small-download) s"
  echo "small: mount/source $(ratio small-mount small-source)x, mount/download $(ratio small-mount small-download)x"
}

run_ttfb() {
  local src=$WORK/ttfb
  if [[ ! -d $src ]]; then
    mkdir -p "$src"
    (cd "$src" && seq 0 99 | xargs mkdir -p && seq 0 $((TTFB_FILES - 1)) |
      awk '{ printf "%d/f%d\n", $1 % 100, $1 }' | xargs -n 1000 touch)
  fi
  CURRENT_REPO=ttfb
  repo ttfb "$src"
  local last
  last="$((TTFB_FILES - 1))"
  last="$((last % 100))/f$last"
  echo "== ttfb: ${TTFB_FILES}-file bundle, from starting the mount to reading $last"
  local runs=()
  for ((i = 0; i < RUNS; i++)); do
    local start
    start=$(now)
    "${DATAMON[@]}" bundle mount --repo ttfb --mount "$MNT" 2>/dev/null &
    local server=$!
    until cat "$MNT/$last" >/dev/null 2>&1; do sleep 0.01; done
    runs+=("$(elapsed "$start")")
    kill -TERM "$server"
    wait "$server" || true
  done
  TIMES[ttfb]="${runs[*]}"
  echo "ttfb: ${runs[*]} s (range $(range ttfb) s; target <= 2 s)"
}

for case in seq small ttfb; do
  if [[ -z $ONLY || $ONLY == "$case" ]]; then "run_$case"; fi
done
