# Sourced by scripts/test.sh (and bench/compare.sh --target s3): installs what the tests need
# on a fresh machine (apt packages, npm test servers) and starts the S3 and GCS test servers and
# a Prometheus Pushgateway on free loopback ports. Exports DATAMON_TEST_S3_ENDPOINT,
# DATAMON_TEST_GCS_ENDPOINT and DATAMON_TEST_PUSHGATEWAY; stop_test_servers stops them. Call
# from the repository root.

# Debian packages the tests use: FUSE for the mount tests; Chromium for the web view test; the
# Pushgateway for metrics; fish and zsh for the completion tests.
APT_PACKAGES=(fuse3 libfuse3-3 chromium prometheus-pushgateway curl fish zsh)
# npm packages of the test servers (and playwright-core, which drives Chromium in the web view
# test), pinned; installed under .tools/servers, never the repo root. s3rver is for
# bench/compare_s3.sh's large files (fauxqs caps bodies at 11 MiB and refuses rclone's
# multipart uploads).
SERVER_PACKAGES=(fauxqs@2.4.1 firebase-tools@15.34.2 s3rver@3.7.1 playwright-core@1.64.1)
SERVERS_DIR="$PWD/.tools/servers"
SERVER_LOGS="$PWD/.tools/server-logs"
SERVER_PIDS=()

install_apt_packages() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo -n"
  echo "installing apt packages: ${missing[*]}" >&2
  if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    $sudo apt-get install -y -qq "${missing[@]}"; } >"$SERVER_LOGS/apt.log" 2>&1; then
    echo "could not install ${missing[*]} (see $SERVER_LOGS/apt.log); install them and retry" >&2
    return 1
  fi
}

install_server_packages() {
  local stamp="$SERVERS_DIR/.installed"
  [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${SERVER_PACKAGES[*]}" ] && return 0
  echo "installing test servers: ${SERVER_PACKAGES[*]}" >&2
  mkdir -p "$SERVERS_DIR"
  # A package.json of its own keeps npm from installing into the repository's node_modules.
  echo '{"private": true}' >"$SERVERS_DIR/package.json"
  if ! (cd "$SERVERS_DIR" && npm install --no-audit --no-fund --loglevel=error \
    "${SERVER_PACKAGES[@]}") >"$SERVER_LOGS/npm.log" 2>&1; then
    echo "could not install the test servers (see $SERVER_LOGS/npm.log)" >&2
    return 1
  fi
  echo "${SERVER_PACKAGES[*]}" >"$stamp"
}

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_server NAME PORT COMMAND...: runs COMMAND in the background, waits for "ready PORT".
start_server() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$SERVER_LOGS"
  local log="$SERVER_LOGS/$name.log"
  DATAMON_SERVERS_DIR="$SERVERS_DIR" "$@" >"$log" 2>&1 &
  SERVER_PIDS+=($!)
  for _ in $(seq 1 600); do
    grep -q "^ready $port" "$log" && return 0
    if ! kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "the $name test server did not start (see $log):" >&2
  tail -n 5 "$log" >&2
  return 1
}

# start_s3_server: fauxqs on a free port; exports DATAMON_TEST_S3_ENDPOINT and test credentials.
start_s3_server() {
  local port
  port=$(free_port) || return 1
  # fauxqs needs node:sqlite (Node 22+); Deno provides it. It binds 0.0.0.0 whatever it is told.
  start_server s3 "$port" bash -c "cd '$SERVERS_DIR' && exec deno run --no-config \
    --node-modules-dir=manual --allow-net=0.0.0.0,127.0.0.1 --allow-read=. --allow-env \
    --allow-sys '$PWD/scripts/servers/s3_server.mjs' $port" || return 1
  export DATAMON_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
  # The server accepts any key; set ones keep the SDKs from probing for credentials.
  export AWS_ACCESS_KEY_ID=datamon-test AWS_SECRET_ACCESS_KEY=datamon-test AWS_REGION=us-east-1
}

# start_s3rver_server DIR: s3rver (objects on disk under DIR) on a free port; exports
# S3RVER_ENDPOINT. It checks signatures against the key S3RVER / S3RVER.
start_s3rver_server() {
  local port
  port=$(free_port) || return 1
  start_server s3rver "$port" node "$PWD/scripts/servers/s3rver_server.cjs" "$port" "$1" ||
    return 1
  export S3RVER_ENDPOINT="http://127.0.0.1:$port"
}

# start_gcs_server: firebase-tools' storage emulator; exports DATAMON_TEST_GCS_ENDPOINT.
start_gcs_server() {
  local port
  port=$(free_port) || return 1
  start_server gcs "$port" node "$PWD/scripts/servers/gcs_emulator.cjs" "$port" || return 1
  export DATAMON_TEST_GCS_ENDPOINT="http://127.0.0.1:$port"
}

# serve_until_ready PORT URL COMMAND...: runs COMMAND (a server that prints no "ready" line
# itself) and prints "ready PORT" once URL answers, for start_server; exits with the server.
serve_until_ready() {
  local port=$1 url=$2
  shift 2
  "$@" &
  local pid=$!
  trap 'kill $pid 2>/dev/null' TERM INT
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      echo "ready $port"
      break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$pid"
}

# start_pushgateway: Debian's prometheus-pushgateway on a free loopback port, its storage in
# memory; exports DATAMON_TEST_PUSHGATEWAY.
start_pushgateway() {
  local port
  port=$(free_port) || return 1
  start_server pushgateway "$port" serve_until_ready "$port" "http://127.0.0.1:$port/-/ready" \
    prometheus-pushgateway --web.listen-address="127.0.0.1:$port" || return 1
  export DATAMON_TEST_PUSHGATEWAY="http://127.0.0.1:$port"
}

# start_test_servers: installs what is missing, then starts the servers.
start_test_servers() {
  mkdir -p "$SERVER_LOGS"
  install_apt_packages || return 1
  install_server_packages || return 1
  start_s3_server && start_gcs_server && start_pushgateway
}

stop_test_servers() {
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  SERVER_PIDS=()
}
