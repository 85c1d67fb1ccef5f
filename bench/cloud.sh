# Shared by bench/compare_s3.sh and bench/compare_gcs.sh: the cloud-shaped link (a shaping
# proxy in front of each server), the 1%-changed workload, and datamon's runs against a bucket.
# Expects common.sh and scripts/test_servers.sh sourced, and RTT_MS, BANDWIDTH_MBPS, LOOPBACK,
# ROOT, WORK, SCRATCH set. The including script defines use_workload W (sets ENDPOINT,
# SERVER_PID and PROXY_PID for the commands of workload W), datamon_store_url W RUN (the store
# URL of one run) and purge W PREFIX (removes a run's objects, untimed).

BYTES[a1]=${BYTES[a]}
DESCRIBE[a1]="workload a with a 1% run of each file changed, re-uploaded"

# Scoped permissions, as a user would run it (not -A).
DATAMON=(deno run --config "$ROOT/deno.json" --allow-read --allow-write --allow-env
  --allow-run=git --allow-sys --allow-net "$ROOT/main.ts")

# The link every timed command crosses, in words.
link_description() {
  if [[ $LOOPBACK -eq 1 ]]; then
    echo "raw loopback (no proxy)"
  else
    echo "shaped: ${RTT_MS} ms round trip, ${BANDWIDTH_MBPS} MB/s per connection and direction (bench/shaping_proxy.ts)"
  fi
}

# shaped_endpoint NAME ENDPOINT PORT: starts a shaping proxy on PORT in front of ENDPOINT
# (http://127.0.0.1:P) and sets SHAPED (its URL) and SHAPED_PID; with --loopback, SHAPED is
# ENDPOINT itself and SHAPED_PID is empty. PORT may be "" (a free one).
shaped_endpoint() {
  local name=$1 endpoint=$2 port=${3:-}
  if [[ $LOOPBACK -eq 1 ]]; then
    SHAPED=$endpoint
    SHAPED_PID=""
    return
  fi
  [[ -n "$port" ]] || port=$(free_port)
  start_server "proxy-$name" "$port" deno run --no-config --allow-net=127.0.0.1 \
    "$ROOT/bench/shaping_proxy.ts" --target "${endpoint#http://}" --listen "$port" \
    --rtt "$RTT_MS" --bandwidth "$BANDWIDTH_MBPS" || exit 1
  SHAPED="http://127.0.0.1:$port"
  SHAPED_PID=${SERVER_PIDS[-1]}
}

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

# datamon_context NAME URL: a fresh DATAMON_HOME with a context on the store URL, made current.
# Its messages (and the warning that an emulator has no identity to ask) show only on failure.
datamon_context() {
  rm -rf "$DATAMON_HOME"
  quietly "${DATAMON[@]}" context create --context "$1" --store "$2"
  quietly "${DATAMON[@]}" config set --context "$1"
  quietly "${DATAMON[@]}" repo create --repo bench
}

# Runs a command with its output kept back; shows it and stops the script if the command fails.
quietly() {
  "$@" >"$SCRATCH/quiet.out" 2>&1 || { cat "$SCRATCH/quiet.out" >&2; exit 1; }
}

# The data a download of workload W brings back: for a, its 1%-changed version, uploaded last.
latest_data() {
  [[ $1 == a ]] && echo "$WORK/a1/data" || echo "$WORK/$1/data"
}

# run_datamon W RUN: upload (and for a, the 1%-changed re-upload) and download of one workload.
run_datamon() {
  local w=$1 run=$2 data="$WORK/$1/data"
  use_workload "$w"
  datamon_context bench "$(datamon_store_url "$w" "$run")"
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
  [[ $run -eq 1 ]] && check_same "datamon download" "$SCRATCH/dm-dest" "$(latest_data "$w")"
  rm -rf "$SCRATCH/dm-dest"
  purge "$w" "dm-$w-$run"
}

# One line: the share of workload a's bytes datamon sent for the 1%-changed re-upload.
print_1pct_bytes() {
  awk -v total="${BYTES[a]}" '
    match($0, /"bytesStored": *[0-9]+/) { split(substr($0, RSTART, RLENGTH), kv, ":"); sent = kv[2] + 0 }
    END { pct = 100 * sent / total
      printf "%-10s %-24s %8.2f%% %8s %5s\n", "re-upload-1pct", "bytes sent / total", pct, "< 5%", pct < 5 ? "yes" : "NO" }' \
    "$SCRATCH/datamon-1pct.json"
}

# The issue's targets for datamon against the faster peer; none on loopback but big-file download.
target_for() {
  local case=$1
  if [[ $LOOPBACK -eq 1 ]]; then
    [[ $case == big-download ]] && echo 1 || echo -
    return
  fi
  case "$case" in
    big-upload | big-download) echo 1.5 ;;
    small-upload | small-download) echo 5 ;;
    1pct) echo 10 ;;
  esac
}
