#!/usr/bin/env bash
# `make bench`: every speed benchmark of bench/, one after the other, each printing its figures
# beside the peers it can run here. Those that need ../shared say so and skip. Figures are only
# comparable within one run (a shared machine): see docs/performance.md for how they were read.
# usage: scripts/bench.sh [BUILD_DIR]
set -uo pipefail
build="${1:-build}"
bench="$build/bench"
if [[ ! -x "$bench/scan_bench" ]]; then
  echo "bench.sh: $bench/scan_bench not built (configure with benchmarks on, the default)" >&2
  exit 1
fi
status=0
run() {
  echo
  echo "=== $*"
  "$@" || { echo "bench.sh: '$*' failed ($?)" >&2; status=1; }
}
run "$bench/evtx_bench" 300 2            # EVTX decoding: Vigil vs evtx_dump, python-evtx
run "$bench/scan_bench" 1000 "$(nproc)" 2  # the full hunt over 1 GB of EVTX: 1 thread, then all cores
run "$bench/detect_bench" 3 both         # Matcher vs ReferenceMatcher on the demo logs
run "$bench/detect_bench" 3 evtx         # the matcher on the EVTX samples
run "$bench/detect_bench" 3 literals     # each literal database over the texts it scanned
run "$bench/detect_bench" 1 json         # the matcher by route over the Mordor JSON (real logs)
run "$bench/json_bench"                  # JSON reading (Mordor), gzip and plain
run "$bench/json_hunt_bench"             # hunting JSON logs
run "$bench/triage_bench"                # vigil triage's phases on the AIT alerts
run "$bench/ingest_bench"                # vigil serve's ingest into SQLite
exit $status
