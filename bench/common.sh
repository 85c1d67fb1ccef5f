# Shared by bench/compare.sh, compare_s3.sh and compare_gcs.sh: the workloads, timing one
# command, and the tables of medians and ratios. Expects WORK, SCRATCH, RESULTS, RUNS set, and
# WORKLOADS. SERVER_PID and PROXY_PID, when set, name the server and the shaping proxy the
# timed command talks to: their CPU time during the command is recorded beside the command's.

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

# CPU seconds (user + system) a process has used so far, or "-" without one. The fields after
# the command name (which may hold spaces) start with the state; utime and stime are 12 and 13.
cpu_seconds() {
  local pid=${1:-}
  [[ -n "$pid" && -r /proc/$pid/stat ]] || { echo -; return; }
  sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($12 + $13) / hz }'
}

# CPU seconds a process used between two cpu_seconds readings, or "-".
cpu_between() {
  [[ $1 == - || $2 == - ]] && { echo -; return; }
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

# Runs a command once, timed; appends "workload tool operation run seconds peak-KiB cpu-seconds
# server-cpu-seconds proxy-cpu-seconds" (CPU: the command's own, then the server's and the
# proxy's during it; "-" where there is none).
measure() {
  local w=$1 tool=$2 op=$3 run=$4
  shift 4
  sync
  warm "$w"
  local start end server0 proxy0
  server0=$(cpu_seconds "${SERVER_PID:-}")
  proxy0=$(cpu_seconds "${PROXY_PID:-}")
  start=$(date +%s%N)
  if ! /usr/bin/time -f "%M %U %S" -o "$SCRATCH/time.out" "$@" >"$SCRATCH/cmd.out" 2>"$SCRATCH/cmd.err"; then
    echo "$(basename "$0"): $tool $op failed on workload $w: $*" >&2
    cat "$SCRATCH/cmd.err" >&2
    exit 1
  fi
  end=$(date +%s%N)
  local seconds rss cpu server proxy
  seconds=$(awk -v ns=$((end - start)) 'BEGIN { printf "%.3f", ns / 1e9 }')
  read -r rss cpu < <(tail -n 1 "$SCRATCH/time.out" | awk '{ printf "%s %.2f\n", $1, $2 + $3 }')
  server=$(cpu_between "$server0" "$(cpu_seconds "${SERVER_PID:-}")")
  proxy=$(cpu_between "$proxy0" "$(cpu_seconds "${PROXY_PID:-}")")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$tool" "$op" "$run" "$seconds" "$rss" \
    "$cpu" "$server" "$proxy" >>"$RESULTS"
  printf '  run %s  %-8s %-16s %8ss %6s MB  cpu %ss, server %ss, proxy %ss\n' "$run" "$tool" "$op" \
    "$seconds" "$(awk -v k="$rss" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }')" "$cpu" "$server" \
    "$proxy" >&2
}

# Fails if a restored tree differs from the workload (checked on the first run only).
check_same() {
  local what=$1 got=$2 data=$3
  diff -rq "$data" "$got" >/dev/null || { echo "compare.sh: $what differs from $data" >&2; exit 1; }
}

# Prints "median-seconds median-KiB median-cpu median-server-cpu median-proxy-cpu" of one
# operation; a CPU median is "-" when that column was not recorded.
median_of() {
  awk -F'\t' -v w="$1" -v t="$2" -v o="$3" '
    $1 == w && $2 == t && $3 == o { ++n; for (c = 5; c <= 9; c++) v[c, n] = $c }
    function median(c, n,   a, i, j, x) {
      for (i = 1; i <= n; i++) { if (v[c, i] == "-" || v[c, i] == "") return "-"; a[i] = v[c, i] + 0 }
      for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    END { if (n) print median(5, n), median(6, n), median(7, n), median(8, n), median(9, n) }' "$RESULTS"
}

# The table of one workload: per tool and operation, median seconds, MB/s, peak RSS, and the
# CPU seconds of the command, of the server and of the shaping proxy during it.
print_table() {
  local w=$1 tool op line
  echo
  echo "workload $w: ${DESCRIBE[$w]} ($(awk -v b="${BYTES[$w]}" 'BEGIN { printf "%.1f", b / 1e6 }') MB), $RUNS run(s), medians"
  printf '%-8s %-16s %10s %10s %14s %8s %11s %10s\n' tool operation seconds "MB/s" "peak RSS MB" \
    "CPU s" "server CPU" "proxy CPU"
  while IFS=$'\t' read -r tool op; do
    line=$(median_of "$w" "$tool" "$op")
    awk -v t="$tool" -v o="$op" -v b="${BYTES[$w]}" -v l="$line" 'BEGIN {
      split(l, x, " ")
      printf "%-8s %-16s %10.2f %10.1f %14.0f %8s %11s %10s\n", t, o, x[1], b / 1e6 / x[1],
        x[2] * 1024 / 1e6, x[3], x[4], x[5] }'
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

# One ratio row against the faster of several peers: datamon operation, target ("-" for none),
# then "tool op" pairs. Prints the ratio to the peer with the lowest median and names it.
ratio_best_row() {
  local w=$1 dop=$2 target=$3 mine best="" best_name="" pair theirs
  shift 3
  mine=$(median_of "$w" datamon "$dop")
  for pair in "$@"; do
    theirs=$(median_of "$w" ${pair})
    [[ -n "$theirs" ]] || continue
    if [[ -z "$best" ]] || awk -v a="${theirs%% *}" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=${theirs%% *}
      best_name=$pair
    fi
  done
  [[ -n "$mine" && -n "$best" ]] || return 0
  awk -v d="$dop" -v p="faster: $best_name" -v m="${mine%% *}" -v t="$best" -v g="$target" 'BEGIN {
    r = t / m
    met = g == "-" ? "-" : (r >= g ? "yes" : "NO")
    printf "%-10s %-24s %8.2fx %8s %5s\n", d, p, r, g == "-" ? "-" : ">= " g "x", met }'
}

# What else the machine was doing: load, and memory stalls (other processes thrashing memory
# slow every tool here by orders of magnitude).
machine_state() {
  local pressure=""
  [[ -r /proc/pressure/memory ]] &&
    pressure=", memory stall avg60 $(awk -F'avg60=' 'NR == 1 { split($2, a, " "); print a[1] }' /proc/pressure/memory)%"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg)$pressure"
}
