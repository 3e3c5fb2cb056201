#!/usr/bin/env bash
# make demo: the main job on the bundled scenario (demo/logs: two days of a small office's
# Windows logs with one intrusion hidden in them; demo/rules: the project's own Sigma rules).
# One pass: Sigma detection, then triage into ranked, explained incidents; the routine (daily
# scheduled tasks, the inventory PowerShell) is learned and auto-closed.
set -euo pipefail
VIGIL=${1:-build/vigil}
cd "$(dirname "$0")/.."
OUT=$(dirname "$VIGIL")
echo "== vigil triage demo/logs -r demo/rules --all"
"$VIGIL" triage demo/logs -r demo/rules --all --detections "$OUT/demo-detections.jsonl"
"$VIGIL" triage demo/logs -r demo/rules -q --format html -o "$OUT/demo-report.html"
echo
echo "The same incidents explained, with a timeline: $OUT/demo-report.html"
echo "Their alerts (record N = line N+1): $OUT/demo-detections.jsonl"
