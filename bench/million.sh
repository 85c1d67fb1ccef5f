#!/usr/bin/env bash
# Peak RSS and wall time of datamon on a bundle of a million small files (issue 12: <= 300 MB
# for each command): upload, `bundle list files`, download, fsck, fsck --deep, purge --dry-run,
# a real purge that keeps everything, a real purge after the repo is deleted (it quarantines
# every pack), and `bundle mount` (mount, cat the last file, unmount). Local store.
set -euo pipefail

usage() {
  cat <<'EOF'
usage: bench/million.sh [--files N] [--only OPS] [--keep]
  --files N    files in the bundle (default 1000000), 70 random bytes each, 1000 to a directory
  --only OPS   comma-separated subset of: upload,list,download,fsck,deep,dry,purge,mount,sweep
               (upload always runs when the store has no bundle yet)
  --keep       keep the work directory: the files, and the store for the next --only run
Work directory: $BENCH_DIR, default bench/.work-million (not /tmp: file creation there is slow).
Disk: a million files take ~4 GB of blocks and 1M inodes each for the source and the download
(~8.5 GB and 2M inodes in all; the store's packs are ~100 MB).
EOF
}

FILES=1000000
ONLY=""
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --files) FILES=${2:?--files needs a number}; shift 2 ;;
    --only) ONLY=${2:?--only needs a list}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "million.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$FILES" =~ ^[1-9][0-9]*$ ]] || { echo "million.sh: --files must be a positive integer" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "million.sh: needs GNU time: apt-get install -y time" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(realpath -m "${BENCH_DIR:-$ROOT/bench/.work-million}")
DATA=$WORK/data-$FILES
MNT=$WORK/mnt
RESULTS=$WORK/results.tsv
mkdir -p "$WORK" "$MNT"
export DATAMON_HOME=$WORK/home-$FILES
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost
# The source tree's launcher: the program's own permissions (scripts/permissions.txt), not -A.
DATAMON=("$ROOT/bin/datamon")
datamon() { "${DATAMON[@]}" "$@"; }

cleanup() {
  fusermount3 -uz "$MNT" 2>/dev/null || true
  rm -rf "$WORK/download"
  [[ $KEEP -eq 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

# Refuses to start without room for the source and the download: ~4.2 KiB and 2 inodes a file.
check_disk() {
  local need_kib=$((FILES * 9)) need_inodes=$((FILES * 2 + 10000)) free_kib free_inodes
  free_kib=$(df --output=avail -k "$WORK" | tail -n 1)
  free_inodes=$(df --output=iavail "$WORK" | tail -n 1)
  echo "disk: $((free_kib / 1048576)) GiB and $free_inodes inodes free under $WORK;" \
    "needs ~$((need_kib / 1048576 + 1)) GiB and $need_inodes inodes" >&2
  if ((free_kib < need_kib || free_inodes < need_inodes)); then
    echo "million.sh: not enough room under $WORK: set BENCH_DIR or lower --files" >&2
    exit 1
  fi
}

# Writes FILES files of 70 random bytes, 1000 to a directory d00000/f000 ... (split is fast).
make_files() {
  if [[ -f "$DATA.complete" ]]; then
    echo "files: reusing $DATA" >&2
    return
  fi
  rm -rf "$DATA" "$DATA.complete"
  echo "files: writing $FILES files to $DATA" >&2
  local left=$FILES dir=0 n
  while ((left > 0)); do
    n=$((left < 1000 ? left : 1000))
    mkdir -p "$DATA/$(printf 'd%05d' $dir)"
    head -c $((n * 70)) /dev/urandom | split -b 70 -a 3 -d - "$DATA/$(printf 'd%05d' $dir)/f"
    left=$((left - n))
    dir=$((dir + 1))
  done
  touch "$DATA.complete"
}

# The last file of the bundle in name order, relative to its root.
last_file() {
  local last=$((FILES - 1))
  printf 'd%05d/f%03d' $((last / 1000)) $((last % 1000))
}

# Runs one datamon command under GNU time; prints and records seconds and peak RSS.
measure() {
  local op=$1
  shift
  local start end
  start=$(date +%s%N)
  if ! /usr/bin/time -f "%M" -o "$WORK/time.out" "$@" >"$WORK/cmd.out" 2>"$WORK/cmd.err"; then
    echo "million.sh: $op failed: $*" >&2
    tail -n 20 "$WORK/cmd.err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  record "$op" $((end - start)) "$(tail -n 1 "$WORK/time.out")"
}

# Prints and appends "files op seconds peak-MB".
record() {
  local op=$1 ns=$2 kib=$3
  local line
  line=$(awk -v f="$FILES" -v o="$op" -v ns="$ns" -v k="$kib" \
    'BEGIN { printf "%s\t%s\t%.1f\t%.0f\n", f, o, ns / 1e9, k * 1024 / 1e6 }')
  echo "$line" >>"$RESULTS"
  awk -F'\t' '{ printf "  %-28s %8ss %6s MB%s\n", $2, $3, $4, ($4 > 300 ? "  (above 300 MB)" : "") }' \
    <<<"$line" >&2
}

wanted() { [[ -z $ONLY || ",$ONLY," == *",$1,"* ]]; }

# Mounts in the foreground under GNU time, reads the last file, unmounts: the mount's peak RSS.
measure_mount() {
  local last
  last=$(last_file)
  local start
  start=$(date +%s%N)
  /usr/bin/time -f "%M" -o "$WORK/time.out" "${DATAMON[@]}" bundle mount --repo million \
    --mount "$MNT" >"$WORK/cmd.out" 2>"$WORK/cmd.err" &
  local pid=$!
  local tries=0
  until cmp -s "$MNT/$last" "$DATA/$last"; do
    tries=$((tries + 1))
    if ((tries > 6000)) || ! kill -0 "$pid" 2>/dev/null; then
      echo "million.sh: mount did not serve $last" >&2
      tail -n 20 "$WORK/cmd.err" >&2
      exit 1
    fi
    sleep 0.1
  done
  local first=$(($(date +%s%N) - start))
  datamon bundle unmount "$MNT" >/dev/null 2>&1 || fusermount3 -u "$MNT"
  wait "$pid" || true
  echo "  (mount: the last file read $(awk -v ns=$first 'BEGIN { printf "%.1f", ns / 1e9 }') s after starting)" >&2
  record "mount, cat last, unmount" $(($(date +%s%N) - start)) "$(tail -n 1 "$WORK/time.out")"
}

check_disk
make_files
: >"$RESULTS"
echo "source $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown); $(nproc) cores;" \
  "load $(cut -d' ' -f1-3 /proc/loadavg); $FILES files; store $DATAMON_HOME" >&2

if ! datamon bundle list --repo million >/dev/null 2>&1; then
  rm -rf "$DATAMON_HOME"
  datamon repo create --repo million --description bench >/dev/null
  measure upload "${DATAMON[@]}" bundle upload --repo million --path "$DATA" --message million --quiet
elif wanted upload; then
  measure "re-upload (all stored)" "${DATAMON[@]}" bundle upload --repo million --path "$DATA" \
    --message again --quiet
fi
if wanted list; then
  measure "bundle list files" "${DATAMON[@]}" bundle list files --repo million
  lines=$(wc -l <"$WORK/cmd.out")
  ((lines >= FILES)) || { echo "million.sh: bundle list files printed $lines lines" >&2; exit 1; }
fi
if wanted download; then
  rm -rf "$WORK/download"
  measure download "${DATAMON[@]}" bundle download --repo million --destination "$WORK/download" --quiet
  got=$(find "$WORK/download" -type f | wc -l)
  [[ $got -eq $FILES ]] || { echo "million.sh: download wrote $got files, not $FILES" >&2; exit 1; }
  cmp "$WORK/download/$(last_file)" "$DATA/$(last_file)"
  rm -rf "$WORK/download"
fi
if wanted fsck; then measure fsck "${DATAMON[@]}" fsck --quiet; fi
if wanted deep; then measure "fsck --deep" "${DATAMON[@]}" fsck --deep --quiet; fi
if wanted dry; then measure "purge --dry-run" "${DATAMON[@]}" purge --dry-run --json; fi
if wanted purge; then
  measure "purge (keeps everything)" "${DATAMON[@]}" purge --grace 0s --unsafe-grace --json
fi
if wanted mount; then measure_mount; fi
if wanted sweep; then
  # Last: the store then holds no bundle; the next run uploads again.
  datamon repo delete --repo million --force-yes >/dev/null
  measure "purge (after repo delete)" "${DATAMON[@]}" purge --grace 0s --unsafe-grace --json
fi
echo "at the end: load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
