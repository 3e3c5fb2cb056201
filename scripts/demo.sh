#!/usr/bin/env bash
# make demo: the main job on the bundled scenario (demo/logs: two days of a small office's
# Windows logs with one intrusion hidden in them; demo/rules: the project's own Sigma rules).
set -euo pipefail
VIGIL=${1:-build/vigil}
cd "$(dirname "$0")/.."
echo "== vigil hunt demo/logs -r demo/rules --min-level medium"
"$VIGIL" hunt demo/logs -r demo/rules --min-level medium
