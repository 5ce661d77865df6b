#!/usr/bin/env bash
# selftests/bench/run.sh - the benchmark's smoke run (make test): about 30 s
# of bench.py --smoke on the running kernel.  It checks that the benchmark
# runs, prints its table and writes well-formed JSON, and that it puts
# back what it changes.  No figure is asserted: timings belong in
# `make bench`, not in pass/fail tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}

if [ "$(id -u)" != 0 ]; then notok "bench: needs root"; tap_done; exit 1; fi
if ! make -s "$B/ksmwl" "$B/ksmtop" "$B/ksmtrace"; then
	notok "bench: build ksmwl, ksmtop, ksmtrace"; tap_done; exit 1
fi
ksm_save
before=$(ksm_state) mounts=$(grep -c ' /sys/kernel/\(tracing\|debug\) ' /proc/mounts)
stats=$(cat /proc/sys/kernel/bpf_stats_enabled)
rm -f "$B/bench-results.json"
t0=$(date +%s)
# in a session of its own: what it leaves running is found by its group
pg=$(mktemp)
setsid sh -c 'echo $$ >"$1"; exec python3 selftests/bench/bench.py --smoke' sh "$pg" \
	>"$B/bench-smoke.out" 2>&1; rc=$?
pgid=$(cat "$pg"); rm -f "$pg"
t1=$(date +%s)
sed 's/^\([^#]\)/#   \1/' "$B/bench-smoke.out"
verdict "bench --smoke: exit 0 ($((t1 - t0)) s)" $rc

cat >"$B/bench-check.py" <<'PY'
import json, sys
def say(ok, d): print("PASS" if ok else "FAIL", d)
try:
    res = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    say(False, f"bench: {sys.argv[1]} is JSON ({e})")
    sys.exit()
keys = {"name", "ours", "peer", "ratio", "target", "met"}
say(isinstance(res, list) and res and all(isinstance(r, dict) and keys <= set(r) for r in res),
    f"bench: JSON is a list of {len(res)} objects with {', '.join(sorted(keys))}")
num = (int, float, type(None))
say(all(isinstance(r[k], num) for r in res for k in ("ours", "peer", "ratio", "target")) and
    all(r["met"] in (True, False, None) for r in res), "bench: figures are numbers or null, met a boolean or null")
want = ["cost per event: ksmtop", "cost per event: ksmtrace", "ksmd throughput: ksmtop",
        "event loss", "exporter: ksmtop --prometheus", "exporter: scrapes per second",
        "start-up: ksmtop / bpftrace", "start-up: ksmtop / bcc", "scan model"]
names = [r["name"] for r in res]
miss = [w for w in want if not any(n.startswith(w) for n in names)]
say(not miss, f"bench: a row for each measure (missing: {miss or 'none'})")
# the measures it could take here: a ratio where it had a peer
nomeas = [r["name"] for r in res if r["ratio"] is None and r["name"].split(":")[0] != "peak RSS"]
say(not nomeas, f"bench: every measure measured here (not: {nomeas or 'none'})")
out = open(sys.argv[2]).read().splitlines()
table = [l for l in out if any(l.startswith(n[:56]) for n in names)]
say(any(l.startswith("measure ") and l.rstrip().endswith("met") for l in out) and len(table) == len(res),
    f"bench: the table has a header and a line per result ({len(table)} of {len(res)})")
say(any(l == f"bench: results in {sys.argv[1]}" or l.endswith("bench-results.json") for l in out),
    "bench: prints where the JSON is")
PY
tap_lines python3 "$B/bench-check.py" "$B/bench-results.json" "$B/bench-smoke.out"
# --against: this build next to another; here, next to itself
pg=$(mktemp)
setsid sh -c 'echo $$ >"$1"; shift; exec "$@"' sh "$pg" python3 selftests/bench/bench.py --smoke \
	--against "$B" >"$B/bench-against.out" 2>&1; rc=$?
pgid2=$(cat "$pg"); rm -f "$pg"
sed 's/^\([^#]\)/#   \1/' "$B/bench-against.out"
verdict "bench --against: exit 0" $rc
rows=$(grep -cE '^cost per event: ksm(top|trace), this build / the other +[0-9.e+]+ +[0-9.e+]+ +[0-9.]+ ' \
	"$B/bench-against.out")
verdict "bench --against: a measured row for ksmtop and ksmtrace ($rows of 2)" $([ "$rows" = 2 ]; echo $?)
err=$(python3 selftests/bench/bench.py --against /nonexistent 2>&1); rc=$?
verdict "bench --against a directory with no build: exit 2, one line ($rc: $err)" \
	$([ $rc = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ]; echo $?)
verdict "bench: KSM settings as they were" $([ "$(ksm_state)" = "$before" ]; echo $?)
verdict "bench: kernel.bpf_stats_enabled as it was ($stats)" \
	$([ "$(cat /proc/sys/kernel/bpf_stats_enabled)" = "$stats" ]; echo $?)
verdict "bench: tracefs/debugfs mounts as they were" \
	$([ "$(grep -c ' /sys/kernel/\(tracing\|debug\) ' /proc/mounts)" = "$mounts" ]; echo $?)
left=$([ -n "$pgid" ] && ps -o pid=,args= -g "$pgid"; [ -n "$pgid2" ] && ps -o pid=,args= -g "$pgid2")
verdict "bench: no process of it left running${left:+ ($(echo $left | cut -c1-120))}" \
	$([ -n "$pgid" ] && [ -n "$pgid2" ] && [ -z "$left" ]; echo $?)
tap_done
