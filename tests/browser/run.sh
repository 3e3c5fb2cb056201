#!/usr/bin/env bash
# Runs the console test in headless Chromium. Exit 77 (ctest: skipped) when Chromium or Node.js
# is missing. Installs playwright-core from package-lock.json (npm ci) into a folder of the build
# tree, so the source tree stays clean. Usage: run.sh VIGIL_BINARY ARTIFACTS_DIR WORK_DIR
set -euo pipefail
vigil=$(realpath -m "$1") artifacts=$(realpath -m "$2") work=$(realpath -m "$3")
here=$(cd "$(dirname "$0")" && pwd)
if [[ ! -x /usr/bin/chromium ]]; then echo "SKIP: needs /usr/bin/chromium (apt-get install chromium)"; exit 77; fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then echo "SKIP: needs node and npm (apt-get install nodejs npm)"; exit 77; fi
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/console.test.mjs" "$here/scenario.mjs" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$work/node_modules/.installed-lock"
fi
cd "$work" && node console.test.mjs "$vigil" "$artifacts"
