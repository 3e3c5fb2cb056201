#!/usr/bin/env bash
# The CLI over standard input and pipes gives what it gives over the files themselves:
# hunt (same detections), triage (same incidents and statuses) and, with ../shared, dump of an
# EVTX (byte-identical JSON lines and XML). usage: cli_stream_test.sh VIGIL SOURCE_DIR SHARED_DIR
set -euo pipefail
vigil="$1"; src="$2"; shared="$3"
demo="$src/demo"
# Compiled literal databases go to a cache of this run's own, not the user's.
XDG_CACHE_HOME=$(mktemp -d)
export XDG_CACHE_HOME
trap 'rm -rf "$XDG_CACHE_HOME"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

rules_of() { grep -o '"rule_id":"[^"]*"' | sort; }
files=$("$vigil" hunt "$demo/logs" -r "$demo/rules" -q --format jsonl | rules_of)
[[ -n "$files" ]] || fail "no detections from the demo files"
piped=$(cat "$demo"/logs/*.jsonl.gz | "$vigil" hunt - -r "$demo/rules" -q --format jsonl | rules_of)
[[ "$files" == "$piped" ]] || fail "hunt over standard input differs from hunt over the files"
substituted=$("$vigil" hunt <(cat "$demo"/logs/*.jsonl.gz) -r "$demo/rules" -q --format jsonl | rules_of)
[[ "$files" == "$substituted" ]] || fail "hunt over a pipe differs from hunt over the files"
echo "hunt: $(wc -l <<<"$files") detections, the same from files, standard input and a pipe"

incidents() { grep -o '"id":"INC-[^"]*","status":"[a-z_]*"' | sort; }
a=$("$vigil" triage "$demo/logs" -r "$demo/rules" -q --format json | incidents)
b=$(cat "$demo"/logs/*.jsonl.gz | "$vigil" triage - -r "$demo/rules" -q --format json | incidents)
[[ -n "$a" && "$a" == "$b" ]] || fail "triage over standard input differs from triage over the files"
echo "triage: $(wc -l <<<"$a") incidents and groups, the same from standard input"

evtx="$shared/data/evtx/EVTX-ATTACK-SAMPLES/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx"
if [[ ! -f "$evtx" ]]; then
  echo "dump: skipped (needs ../shared/data/evtx)"
  exit 0
fi
[[ "$("$vigil" dump "$evtx" | md5sum)" == "$(cat "$evtx" | "$vigil" dump - | md5sum)" ]] ||
  fail "dump of standard input differs ($evtx)"
[[ "$("$vigil" dump "$evtx" --format xml | md5sum)" == "$("$vigil" dump <(cat "$evtx") --format xml | md5sum)" ]] ||
  fail "dump --format xml of a pipe differs ($evtx)"
n=$("$vigil" hunt "$evtx" -r "$shared/data/sigma/rules/windows" -q --format jsonl | wc -l)
m=$(cat "$evtx" | "$vigil" hunt - -r "$shared/data/sigma/rules/windows" -q --format jsonl | wc -l)
[[ "$n" -gt 0 && "$n" == "$m" ]] || fail "hunt over EVTX from standard input: $m detections, $n from the file"
echo "dump and hunt of $(basename "$evtx") from standard input and a pipe: identical ($n detections)"
