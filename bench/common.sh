# Shared by bench/compare.sh and bench/compare_s3.sh: the workloads, timing one command, and
# the tables of medians and ratios. Expects WORK, SCRATCH, RESULTS, RUNS set, and WORKLOADS.

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

# What else the machine was doing: load, and memory stalls (other processes thrashing memory
# slow every tool here by orders of magnitude).
machine_state() {
  local pressure=""
  [[ -r /proc/pressure/memory ]] &&
    pressure=", memory stall avg60 $(awk -F'avg60=' 'NR == 1 { split($2, a, " "); print a[1] }' /proc/pressure/memory)%"
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg)$pressure"
}
