#!/usr/bin/env bash
# CPU seconds (user + system, and each) a command's threads used, summed by thread name: the main thread
# (its program's name), the hashing Workers (worker-N), tokio's I/O threads (tokio-runtime-w) and
# V8's helpers. Threads are sampled every 0.1 s from /proc until the command ends, so the last
# ~0.1 s of each is missed. The command's own output goes to $THREAD_CPU_OUT (default /dev/null).
#   bench/thread_cpu.sh deno run ... main.ts bundle download --repo r --destination /tmp/d
set -euo pipefail
[[ $# -gt 0 ]] || { echo "usage: bench/thread_cpu.sh COMMAND [ARGS...]" >&2; exit 2; }
"$@" >"${THREAD_CPU_OUT:-/dev/null}" 2>&1 &
pid=$!
declare -A ticks
while kill -0 "$pid" 2>/dev/null; do
  for task in /proc/"$pid"/task/*; do
    stat=$(cat "$task/stat" 2>/dev/null) || continue
    name=$(cat "$task/comm" 2>/dev/null) || continue
    # Fields after the name (which may hold spaces and parentheses): utime and stime are 12, 13.
    read -r -a fields <<<"${stat##*) }"
    ticks["${task##*/} $name"]="${fields[11]} ${fields[12]}"
  done
  sleep 0.1
done
status=0
wait "$pid" || status=$?
for key in "${!ticks[@]}"; do echo "${key#* } ${ticks[$key]}"; done >"${TMPDIR:-/tmp}/thread_cpu.$$"
hz=$(getconf CLK_TCK)
awk -v hz="$hz" '{ n = $1; for (i = 2; i < NF - 1; i++) n = n " " $i; u[n] += $(NF - 1); k[n] += $NF; c[n]++ }
  END { for (n in u) printf "%-18s %3d thread(s) %6.2f s (user %.2f, system %.2f)\n", n, c[n], (u[n] + k[n]) / hz, u[n] / hz, k[n] / hz }' \
  "${TMPDIR:-/tmp}/thread_cpu.$$" | sort
awk -v hz="$hz" '{ t += $(NF - 1) + $NF } END { printf "%-30s %6.2f s\n", "total", t / hz }' "${TMPDIR:-/tmp}/thread_cpu.$$"
rm -f "${TMPDIR:-/tmp}/thread_cpu.$$"
exit "$status"
