#!/usr/bin/env bash
# Builds dist/datamon.js, the program's entry (`deno run` it with the flags of
# scripts/permissions.txt), stamped with `git describe` so `datamon version` names its build.
# Works offline. scripts/compile.sh compiles it into the binary. DATAMON_DIST names another
# output directory (default dist).
# The bundle is code-split: datamon.js and the chunks beside it (chunk-*.js, one per command
# group, the cloud SDKs...). A command then parses only what it loads: `datamon version` read a
# 4.7 MB single file on every run, ~120 ms of its start-up. The previous build's chunks, listed
# in .datamon-bundle-files, are removed when the new ones are moved in. The packages' `require`
# of Node built-ins is scripts/bundle_require.js, copied in beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
unset RUST_BACKTRACE
dist=${DATAMON_DIST:-dist}
manifest="$dist/.datamon-bundle-files"
mkdir -p "$dist"
staging=$(mktemp -d "$dist/.bundling.XXXXXX")
trap 'rm -rf "$staging"' EXIT
# yaml's ES module build for browsers in place of the CommonJS build Deno resolves it to: that
# one requires node:process and node:buffer, and reads process.env on every parse, which starts
# Deno's Node compatibility layer (~45 ms of CPU) in every command that reads a document, `repo
# list` included. The browser build is the same code without Node built-ins: the one difference
# seen is that a warning (an unresolved tag in a sidecar's params file, say; the document codecs
# parse with warnings off) is printed by console.warn, with its stack, instead of
# process.emitWarning. An import map does it, as yaml's package exports do not name that file:
# deno.json's, with yaml's entry replaced.
import_map="$staging/.import_map.json"
# (Importing yaml first installs it in node_modules, where a fresh clone has nothing yet.)
deno eval --cached-only '
  import "yaml";
  const config = JSON.parse(Deno.readTextFileSync("deno.json"));
  const yaml = new URL("../browser/index.js", import.meta.resolve("yaml"));
  Deno.statSync(yaml);
  console.log(JSON.stringify({ imports: { ...config.imports, yaml: yaml.href } }));
' >"$import_map" || {
  echo "bundle: yaml's browser build (browser/index.js beside its dist/) was not found" >&2
  exit 1
}
deno bundle --quiet --platform=deno --code-splitting --import-map "$import_map" \
  --outdir "$staging" main.ts
# The entry is named after main.ts; no chunk imports it, so it may take the program's name.
if grep -q '"\./main\.js"' "$staging"/*.js; then
  echo "bundle: a chunk imports the entry main.js, which is renamed to datamon.js" >&2
  exit 1
fi
mv "$staging/main.js" "$staging/datamon.js"
# The CommonJS packages' require: scripts/bundle_require.js (see there why) in place of the
# createRequire of node:module that deno bundle writes into exactly one chunk.
runtime=$(grep -lF '= __deno_internal_createRequire(import.meta.url);' "$staging"/*.js || true)
if [ "$(wc -w <<<"$runtime")" != 1 ]; then
  echo "bundle: deno bundle's createRequire was not found in exactly one chunk: $runtime" >&2
  exit 1
fi
sed -i \
  -e 's|^import { createRequire as __deno_internal_createRequire } from "node:module";$|import { bundleRequire as __deno_internal_createRequire } from "./bundle_require.js";|' \
  -e 's|^var __require = __deno_internal_createRequire(import\.meta\.url);$|var __require = __deno_internal_createRequire;|' \
  "$runtime"
if grep -qF 'node:module' "$runtime" || ! grep -qxF 'var __require = __deno_internal_createRequire;' "$runtime"; then
  echo "bundle: could not replace deno bundle's createRequire in $runtime" >&2
  exit 1
fi
cp scripts/bundle_require.js "$staging/"
build=$(git describe --tags --always --dirty 2>/dev/null || echo unknown)
# The stamp is one string literal of lib/build.ts; exactly one must be replaced.
if [ "$(cat "$staging"/*.js | grep -c '"datamon-build:source"')" != 1 ]; then
  echo "bundle: the build stamp of lib/build.ts was not found once in the bundle" >&2
  exit 1
fi
sed -i "s|\"datamon-build:source\"|\"datamon-build:${build//|/-}\"|" "$staging"/*.js
if [ -f "$manifest" ]; then
  while IFS= read -r old; do rm -f "$dist/$old"; done <"$manifest"
fi
(cd "$staging" && ls -- *.js) >"$manifest"
mv "$staging"/*.js "$dist"/
echo "built $dist/datamon.js ($build, $(wc -l <"$manifest") files)"
