#!/usr/bin/env bash
# Start-up time of short commands on the local store: `datamon version` and `datamon repo list`,
# from the source tree (main.ts), from the bundle (dist/datamon.js, built first; with the other
# everyday lists: `label list`, `bundle list`, `context list`) and, where
# DENORT_BIN names a denort (scripts/compile.sh), from the compiled binary, beside an empty Deno
# program. hyperfine runs each; the table shows medians of wall clock and mean user and system
# CPU (CPU is the steadier number on a shared machine). The target is 80 ms.
set -euo pipefail
unset RUST_BACKTRACE

usage() {
  cat <<'EOF'
usage: bench/startup_bench.sh [--runs N]
  --runs N   timed runs of every command (default 20, after 3 warm-ups)
EOF
}

RUNS=20
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "startup_bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
done
for tool in deno hyperfine python3; do
  command -v "$tool" >/dev/null || {
    echo "startup_bench.sh: missing $tool: apt-get install -y hyperfine python3 (and Deno 2.9.6)" >&2
    exit 1
  }
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
bash scripts/bundle.sh >&2
export DATAMON_HOME="$SCRATCH/home" DATAMON_CONFIG="$SCRATCH/home/config.yaml"
export DATAMON_NAME=bench DATAMON_EMAIL=bench@localhost
mapfile -t PERMISSIONS < <(grep -v -e '^#' -e '^$' scripts/permissions.txt | sed "s|{self}|deno|")
echo 'console.log("")' >"$SCRATCH/empty.js"
# --cached-only: from the source tree, Deno otherwise re-fetches npm package documents that are
# not in its cache on every run (see /work/shared/notes/ENVIRONMENT.md).
run_source=(deno run --quiet --cached-only "${PERMISSIONS[@]}" main.ts)
run_bundle=(deno run --quiet "${PERMISSIONS[@]}" dist/datamon.js)
"${run_source[@]}" repo create --repo bench >/dev/null 2>&1
binary=()
if [ -n "${DENORT_BIN:-}" ]; then
  DATAMON_DIST="$SCRATCH/dist" bash scripts/compile.sh >&2
  binary=(-n "binary: version" "$SCRATCH/dist/datamon version"
    -n "binary: repo list" "$SCRATCH/dist/datamon repo list")
fi

hyperfine --shell=none --warmup 3 --runs "$RUNS" --export-json "$SCRATCH/startup.json" \
  -n "empty deno" "deno run --quiet $SCRATCH/empty.js" \
  -n "source: version" "${run_source[*]} version" \
  -n "source: repo list" "${run_source[*]} repo list" \
  -n "bundle: version" "${run_bundle[*]} version" \
  -n "bundle: repo list" "${run_bundle[*]} repo list" \
  -n "bundle: label list" "${run_bundle[*]} label list --repo bench" \
  -n "bundle: bundle list" "${run_bundle[*]} bundle list --repo bench" \
  -n "bundle: context list" "${run_bundle[*]} context list" "${binary[@]}" >&2

echo "start-up, $RUNS runs each, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$SCRATCH/startup.json" <<'EOF'
import json, sys
print(f"{'command':<20} {'median ms':>10} {'min ms':>8} {'user ms':>8} {'sys ms':>7} {'<= 80 ms':>9}")
for r in json.load(open(sys.argv[1]))["results"]:
    median = r["median"] * 1000
    met = "-" if r["command"] == "empty deno" else ("yes" if median <= 80 else "NO")
    print(f"{r['command']:<20} {median:>10.0f} {r['min'] * 1000:>8.0f} {r['user'] * 1000:>8.0f} "
          f"{r['system'] * 1000:>7.0f} {met:>9}")
EOF
