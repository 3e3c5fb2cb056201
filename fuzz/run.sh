#!/usr/bin/env bash
# Runs one fuzz target niced, for a fixed time, on its seed corpus (make-corpus.py first).
# usage: fuzz/run.sh TARGET SECONDS [BUILD_DIR]   (build: see docs/robustness.md)
# Findings land in fuzz/artifacts/TARGET/; the log in fuzz/artifacts/TARGET.log, and the run's
# wall and CPU time (GNU time -v) in fuzz/artifacts/TARGET.time. NICE overrides the niceness (10):
# at 19 on a busy machine a fuzzer gets ~1.5% of a core and does next to nothing. With
# MIN_CPU=S, a clean run that got fewer than S CPU-seconds is extended (TARGET.extN.log) until
# it has about that many (EXTEND_ONLY=1: only that, for a run already made). One summary line
# per run is appended to fuzz/artifacts/summary.txt. With CPU_SECONDS=S the run instead goes on
# until the fuzzer itself has used S CPU-seconds (then SIGINT; SECONDS only caps its wall time):
# the fair measure on a shared machine, where wall time says little about work done.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
target="$1"; seconds="$2"; build="${3:-$here/../build-fuzz}"
# RUN_NAME names the run's log, time file and findings folder (default: the target), so two
# workers of one target can share its corpus: RUN_NAME=http_fuzz.2 fuzz/run.sh http_fuzz ...
name="${RUN_NAME:-$target}"
timeout=10
case "$target" in  # MAX_LEN in the environment overrides
  evtx_file_fuzz) max_len=135168 ;;
  evtx_chunk_fuzz) max_len=65536 ;;
  read_fuzz) max_len=16385 ;;
  sigma_rule_fuzz) max_len=16384 ;;
  condition_fuzz) max_len=2048 ;;
  alert_fuzz) max_len=16384 ;;
  ingest_fuzz) max_len=16384 ;;
  http_fuzz) max_len=16384; timeout=30 ;;  # the harness itself gives a reply 20 s
  *) max_len=65536 ;;
esac
max_len="${MAX_LEN:-$max_len}"
art="$here/artifacts"
mkdir -p "$art/$name" "$here/corpus/$target"

# Sends SIGINT to the fuzzer under PID (GNU time's child) once it has used CPU_SECONDS of CPU,
# all its threads counted; libFuzzer then prints its final stats and exits with code 72.
watch_cpu() {  # PID
  local fuzzer="" hz ticks
  hz=$(getconf CLK_TCK)
  while kill -0 "$1" 2>/dev/null; do
    [ -n "$fuzzer" ] || fuzzer=$(pgrep -P "$1" | head -1)
    if [ -n "$fuzzer" ] && [ -r "/proc/$fuzzer/stat" ]; then
      ticks=$(sed 's/.*) //' "/proc/$fuzzer/stat" | awk '{print $12 + $13}')
      if [ "$((ticks / hz))" -ge "$CPU_SECONDS" ]; then kill -INT "$fuzzer"; return; fi
    fi
    sleep 5
  done
}

run() {  # SECONDS SUFFIX
  nice -n "${NICE:-10}" /usr/bin/time -v -o "$art/$name$2.time" \
    "$build/fuzz/$target" "$here/corpus/$target" \
    -max_total_time="$1" -max_len="$max_len" -timeout="$timeout" -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -print_final_stats=1 \
    -artifact_prefix="$art/$name/" >"$art/$name$2.log" 2>&1 &
  local pid=$! watcher="" rc
  if [ -n "${CPU_SECONDS:-}" ]; then watch_cpu "$pid" & watcher=$!; fi
  wait "$pid"; rc=$?
  [ -z "$watcher" ] || kill "$watcher" 2>/dev/null
  # 72: libFuzzer interrupted by the CPU budget, with no finding.
  if [ "$rc" -eq 72 ] && grep -q 'run interrupted' "$art/$name$2.log"; then rc=0; fi
  return "$rc"
}

# "wall_s cpu_s execs cov" of one run, from its GNU time file and libFuzzer log.
figures() {
  awk -F': ' '/Elapsed \(wall clock\)/{n=split($2,t,":"); w=(n==3)?t[1]*3600+t[2]*60+t[3]:t[1]*60+t[2]}
              /User time/{u=$2} /System time/{s=$2} END{printf "%d %d", w, u+s}' "$art/$name$1.time"
  printf " %s" "$(awk '/number_of_executed_units/{print $2}' "$art/$name$1.log" | tail -1)"
  printf " %s\n" "$(grep -o 'cov: [0-9]*' "$art/$name$1.log" | tail -1 | cut -d' ' -f2)"
}

rc=0
if [ -z "${EXTEND_ONLY:-}" ]; then
  run "$seconds" ""
  rc=$?
fi
read -r wall cpu execs cov <<<"$(figures "")"
echo "$(date -u +%FT%TZ) $name rc=$rc wall_s=$wall cpu_s=$cpu execs=${execs:-?} cov=${cov:-?}" \
  "findings=$(ls "$art/$name" | wc -l)" >>"$art/summary.txt"
# Extensions until the runs together had MIN_CPU CPU-seconds, each sized by the CPU share the
# last one got (at most three; a busy machine may give a niced fuzzer a fifth of a core).
total=$cpu; share_wall=$wall; share_cpu=$cpu; n=0
while [ "$rc" -eq 0 ] && [ -n "${MIN_CPU:-}" ] && [ "$total" -lt "$MIN_CPU" ] && [ "$n" -lt 3 ]; do
  n=$((n + 1))
  [ "$share_cpu" -gt 0 ] || share_cpu=1
  run $(( (MIN_CPU - total) * share_wall / share_cpu + 30 )) ".ext$n"
  rc=$?
  read -r wall cpu execs cov <<<"$(figures ".ext$n")"
  total=$((total + cpu)); share_wall=$wall; share_cpu=$cpu
  echo "$(date -u +%FT%TZ) $name extension$n rc=$rc wall_s=$wall cpu_s=$cpu execs=${execs:-?}" \
    "cov=${cov:-?} findings=$(ls "$art/$name" | wc -l) total_cpu_s=$total" >>"$art/summary.txt"
done
exit "$rc"
