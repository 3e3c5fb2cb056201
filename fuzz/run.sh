#!/usr/bin/env bash
# Runs one fuzz target niced, for a fixed time, on its seed corpus (make-corpus.py first).
# usage: fuzz/run.sh TARGET SECONDS [BUILD_DIR]   (build: see docs/robustness.md)
# Findings land in fuzz/artifacts/TARGET/; the log in fuzz/artifacts/TARGET.log, and the run's
# wall and CPU time (GNU time -v) in fuzz/artifacts/TARGET.time. NICE overrides the niceness (10):
# at 19 on a busy machine a fuzzer gets ~1.5% of a core and does next to nothing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$1"; seconds="$2"; build="${3:-$here/../build-fuzz}"
case "$target" in  # MAX_LEN in the environment overrides
  evtx_file_fuzz) max_len=135168 ;;
  evtx_chunk_fuzz) max_len=65536 ;;
  read_fuzz) max_len=16385 ;;
  sigma_rule_fuzz) max_len=16384 ;;
  condition_fuzz) max_len=2048 ;;
  alert_fuzz) max_len=16384 ;;
  ingest_fuzz) max_len=16384 ;;
  http_fuzz) max_len=16384 ;;
  *) max_len=65536 ;;
esac
max_len="${MAX_LEN:-$max_len}"
mkdir -p "$here/artifacts/$target" "$here/corpus/$target"
exec nice -n "${NICE:-10}" /usr/bin/time -v -o "$here/artifacts/$target.time" \
  "$build/fuzz/$target" "$here/corpus/$target" \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -malloc_limit_mb=1024 -print_final_stats=1 \
  -artifact_prefix="$here/artifacts/$target/" >"$here/artifacts/$target.log" 2>&1
