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
# With --s3, seq and small run on S3 instead (s3rver behind bench/shaping_proxy.ts, default
# 30 ms round trip and 50 MB/s per connection), against s3fs mounting the same data from the
# same server through the same proxy; the small case reads 1,000 files one after another in
# name order, and the ratios are s3fs seconds / datamon seconds (> 1: datamon is faster).
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/mount_bench.sh [--runs N] [--size-mib N] [--small N] [--ttfb-files N] [--only seq|small|ttfb] [--keep]
                            [--s3 [--rtt MS] [--bandwidth MBPS] [--loopback]]
  --runs N         timed runs of every case (default 3)
  --size-mib N     size of the sequential-read file (default 1024)
  --small N        number of 4 KiB files of the small-file case (default 10000)
  --ttfb-files N   number of files of the time-to-first-byte bundle (default 100000)
  --only CASE      run one case
  --keep           keep the work directory (datasets and stores are reused by the next run)
  --s3             seq and small on S3 against s3fs (defaults then: --size-mib 256, --small 1000)
  --rtt MS         with --s3: round trip the proxy adds (default 30)
  --bandwidth MBPS with --s3: the proxy's cap per connection and direction in MB/s (default 50)
  --loopback       with --s3: no proxy
Work directory: $BENCH_DIR, default bench/.work-mount.
EOF
}

RUNS=3
SIZE_MIB=""
SMALL=""
TTFB_FILES=100000
ONLY=""
KEEP=0
S3=0
RTT_MS=30
BANDWIDTH_MBPS=50
LOOPBACK=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?}; shift 2 ;;
    --size-mib) SIZE_MIB=${2:?}; shift 2 ;;
    --small) SMALL=${2:?}; shift 2 ;;
    --ttfb-files) TTFB_FILES=${2:?}; shift 2 ;;
    --only) ONLY=${2:?}; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --s3) S3=1; shift ;;
    --rtt) RTT_MS=${2:?}; shift 2 ;;
    --bandwidth) BANDWIDTH_MBPS=${2:?}; shift 2 ;;
    --loopback) LOOPBACK=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "mount_bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [[ $S3 == 1 ]]; then
  SIZE_MIB=${SIZE_MIB:-256} SMALL=${SMALL:-1000}
else
  SIZE_MIB=${SIZE_MIB:-1024} SMALL=${SMALL:-10000}
fi

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${BENCH_DIR:-$ROOT/bench/.work-mount}
mkdir -p "$WORK"
export DATAMON_HOME=$WORK/home
MNT=$WORK/mnt
mkdir -p "$MNT"
# The source tree's launcher: the program's own permissions (scripts/permissions.txt), not -A.
DATAMON=("$ROOT/bin/datamon")

cleanup() {
  fusermount3 -uz "$MNT" 2>/dev/null || true
  if [[ $S3 == 1 ]]; then
    umount -l "$MNT" 2>/dev/null || true
    stop_test_servers
    rm -rf "$WORK/s3rver" "$WORK/s3-home"
  fi
  if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
# Peak RSS is per invocation: a kept work directory must not carry an earlier run's.
rm -f "$WORK"/rss-*

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
# Peak RSS (MB) of the mount serving $MNT, read before it is unmounted, one line per run.
note_rss() {
  local pid
  pid=$(pgrep -f -- "bundle mount --repo $CURRENT_REPO --mount $MNT" | head -n 1) || return 0
  awk '/VmHWM/ { printf "%.0f\n", $2 * 1024 / 1e6 }' "/proc/$pid/status" >>"$WORK/rss-$CURRENT_REPO"
}
unmount_repo() { note_rss; datamon bundle unmount "$MNT" 2>/dev/null; }
peak_rss() { sort -g "$WORK/rss-$1" 2>/dev/null | tail -n 1; }
clear_download() { rm -rf "$WORK/download"; }
none() { :; }
download() { datamon bundle download --repo "$CURRENT_REPO" --destination "$WORK/download" --quiet 2>/dev/null; }
cat_all() { find "$1" -type f -print0 | xargs -0 cat; }

# The big random file $WORK/seq/big.bin (made once) uploaded as repo seq, made current.
seq_dataset() {
  local src=$WORK/seq
  if [[ ! -f $src/big.bin ]]; then
    mkdir -p "$src"
    head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$src/big.bin"
  fi
  CURRENT_REPO=seq
  repo seq "$src"
}

run_seq() {
  local src=$WORK/seq
  seq_dataset
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
    awk '/VmHWM/ { printf "%.0f\n", $2 * 1024 / 1e6 }' "/proc/$server/status" >>"$WORK/rss-ttfb"
    kill -TERM "$server"
    wait "$server" || true
  done
  TIMES[ttfb]="${runs[*]}"
  echo "ttfb: ${runs[*]} s (range $(range ttfb) s; target <= 2 s); mount peak RSS $(peak_rss ttfb) MB"
}

# --s3: s3rver (objects under $WORK/s3rver) behind the shaping proxy, a fresh DATAMON_HOME
# with a context on it, and the peer's copies of the datasets put straight to the server.
setup_s3() {
  # shellcheck source=scripts/test_servers.sh
  source scripts/test_servers.sh
  install_server_packages || exit 1
  rm -rf "$WORK/s3rver" "$WORK/s3-home"
  mkdir -p "$WORK/s3rver"
  start_s3rver_server "$WORK/s3rver" || exit 1
  ENDPOINT=$S3RVER_ENDPOINT
  LINK="raw loopback"
  if [[ $LOOPBACK == 0 ]]; then
    local port
    port=$(free_port)
    start_server proxy "$port" deno run --no-config --allow-net=127.0.0.1 \
      "$ROOT/bench/shaping_proxy.ts" --target "${S3RVER_ENDPOINT#http://}" --listen "$port" \
      --rtt "$RTT_MS" --bandwidth "$BANDWIDTH_MBPS" || exit 1
    ENDPOINT="http://127.0.0.1:$port"
    LINK="${RTT_MS} ms round trip, ${BANDWIDTH_MBPS} MB/s per connection (bench/shaping_proxy.ts)"
  fi
  # s3rver checks signatures against this key.
  export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
  # rclone's AWS SDK refuses AWS_CA_BUNDLE with its own transport; the server is plain http.
  unset AWS_CA_BUNDLE
  export RCLONE_CONFIG=$WORK/rclone.conf
  : >"$RCLONE_CONFIG"
  RAW_REMOTE=":s3,provider=Other,endpoint='$S3RVER_ENDPOINT',access_key_id=S3RVER,secret_access_key=S3RVER,force_path_style=true:"
  rclone mkdir "${RAW_REMOTE}bench"
  printf 'S3RVER:S3RVER\n' >"$WORK/s3fs.passwd"
  chmod 600 "$WORK/s3fs.passwd"
  export DATAMON_HOME=$WORK/s3-home
  datamon context create --context s3 --store "s3://bench/datamon?endpoint=$ENDPOINT" >/dev/null 2>&1
  datamon config set --context s3 >/dev/null 2>&1
  echo "S3: s3rver at $S3RVER_ENDPOINT; link: $LINK; peer: $(s3fs --version | head -n 1)"
}

# The peer's copy of dataset $1 (a directory under $WORK), put straight to the server.
peer_copy() { rclone copy "$WORK/$1" "${RAW_REMOTE}bench/peer/$1"; }
s3fs_mount() {
  s3fs "bench:/peer/$CURRENT_REPO" "$MNT" -o ro -o url="$ENDPOINT" -o use_path_request_style \
    -o passwd_file="$WORK/s3fs.passwd"
  until mountpoint -q "$MNT"; do sleep 0.05; done
}
s3fs_unmount() { umount "$MNT"; }
# cat of the files named in $WORK/names-$CURRENT_REPO (relative, name order), from $1.
cat_listed() { (cd "$1" && xargs -d '\n' cat <"$WORK/names-$CURRENT_REPO"); }
# speedup A B: median seconds of B over those of A (> 1: A is faster).
speedup() { ratio "$2" "$1"; }

run_s3_seq() {
  seq_dataset
  peer_copy seq
  echo "== s3 seq: cat of one ${SIZE_MIB} MiB file"
  timed seq-datamon mount_repo unmount_repo cat "$MNT/big.bin"
  timed seq-s3fs s3fs_mount s3fs_unmount cat "$MNT/big.bin"
  echo "seq: datamon $(range seq-datamon) s ($(rate "$SIZE_MIB" seq-datamon) MiB/s median), s3fs $(range seq-s3fs) s; datamon peak RSS $(peak_rss seq) MB"
  echo "seq: s3fs/datamon $(speedup seq-datamon seq-s3fs)x (target >= 1.5)"
}

run_s3_small() {
  local src=$WORK/small-s3
  if [[ ! -d $src ]]; then
    mkdir -p "$src"
    for ((d = 0; d < 10; d++)); do mkdir -p "$src/d$d"; done
    for ((i = 0; i < SMALL; i++)); do
      head -c 4096 /dev/urandom >"$src/d$((i % 10))/f$(printf '%06d' "$i")"
    done
  fi
  CURRENT_REPO=small-s3
  repo small-s3 "$src"
  peer_copy small-s3
  (cd "$src" && find . -type f -printf '%P\n' | LC_ALL=C sort) >"$WORK/names-small-s3"
  echo "== s3 small: cat of ${SMALL} files x 4 KiB, one after another in name order"
  timed small-datamon mount_repo unmount_repo cat_listed "$MNT"
  timed small-s3fs s3fs_mount s3fs_unmount cat_listed "$MNT"
  echo "small: datamon $(range small-datamon) s, s3fs $(range small-s3fs) s; datamon peak RSS $(peak_rss small-s3) MB"
  echo "small: s3fs/datamon $(speedup small-datamon small-s3fs)x (target >= 20)"
}

if [[ $S3 == 1 ]]; then
  command -v s3fs >/dev/null && command -v rclone >/dev/null ||
    { echo "mount_bench.sh: --s3 needs s3fs and rclone: apt-get install -y s3fs rclone" >&2; exit 1; }
  setup_s3
  for case in seq small; do
    if [[ -z $ONLY || $ONLY == "$case" ]]; then "run_s3_$case"; fi
  done
  [[ -z $ONLY || $ONLY == ttfb ]] && echo "(ttfb runs on the local store: run without --s3)"
  echo "load: $(uptime)"
  exit 0
fi

for case in seq small ttfb; do
  if [[ -z $ONLY || $ONLY == "$case" ]]; then "run_$case"; fi
done
