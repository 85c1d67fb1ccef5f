#!/usr/bin/env bash
# Makes `deno` available: the one on PATH, else Deno 2.9.6 from the npm registry into .tools/
# (the binary ships inside the npm package; nothing else is downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v deno >/dev/null 2>&1 || [ -x .tools/node_modules/.bin/deno ]; then exit 0; fi
echo "deno not found: installing deno@2.9.6 from npm into .tools/" >&2
npm install --silent --no-audit --no-fund --prefix .tools deno@2.9.6 >&2
.tools/node_modules/.bin/deno --version >&2
