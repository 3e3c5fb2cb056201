#!/usr/bin/env bash
# Runs fuzz targets one after another, SLOTS (2) at a time, each through run.sh for SECONDS
# (1800) and extended to MIN_CPU (900) CPU-seconds when the machine is busy.
# usage: fuzz/run-all.sh TARGET...      figures: fuzz/artifacts/summary.txt
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
slots="${SLOTS:-2}"; seconds="${SECONDS_EACH:-1800}"
export MIN_CPU="${MIN_CPU:-900}"
for target in "$@"; do
  while [ "$(jobs -rp | wc -l)" -ge "$slots" ]; do wait -n; done
  bash "$here/run.sh" "$target" "$seconds" &
done
wait
