# selftests/live/ksmtrace.sh - sourced by live/run.sh (tap.sh, ksm_save
# done): the invariant engine on synthetic streams, and ksmtrace on the
# running kernel: streaming, filters, JSON, Perfetto, --check, bad input.
# shellcheck shell=bash
KTR=$B/ksmtrace
if [ ! -x $KTR ] || [ ! -x "$B/check_tests" ]; then notok "ksmtrace: built"; return; fi

# the BPF checker, fed synthetic events (BPF_PROG_TEST_RUN)
tap_run "check_tests" "$B/check_tests"

before_why=$(ksm_state)
expect "ksmtrace: unknown event" 2 "unknown event 'nosuch'" $KTR -e nosuch
expect "ksmtrace: unknown option" 2 "unknown option '--nosuch'" $KTR --nosuch
expect "ksmtrace: a command that cannot run" 2 "cannot run '/nonexistent/cmd'" $KTR --check -- /nonexistent/cmd
expect "ksmtrace: unwritable --perfetto path" 2 "cannot write /nonexistent/dir/t.json" $KTR --perfetto /nonexistent/dir/t.json
expect "ksmtrace: not root" 2 "ksmtrace: error: needs root" setpriv --reuid=65534 --regid=65534 --clear-groups $KTR -d 1
expect "ksmtrace: a ring buffer size that is no power of 2" 2 "KSMSCOPE_RINGBUF_BYTES must be a power of 2" env KSMSCOPE_RINGBUF_BYTES=5000 $KTR -d 1
expect "ksmtrace: command without --" 2 "a command goes after --" $KTR true
expect "ksmtrace --why: a process that is not there" 2 "ksmtrace: error: no process 2147483" $KTR --why 2147483
expect "ksmtrace --why: a kernel thread (no mm)" 2 "has no memory: a kernel thread" $KTR --why 2
expect "ksmtrace --why: not a pid" 2 "bad pid 'abc' for --why" $KTR --why abc
expect "ksmtrace --why: with --check" 2 "--why takes only -d and -j" $KTR --why 1 --check
expect "ksmtop --why: a process that is not there" 2 "ksmtop: error: no process 2147483" $B/ksmtop --why 2147483
expect "ksmtop --why: with -p" 2 "--why takes only -j, -b and -d" $B/ksmtop --why 1 -p 1

# why not merging, on this kernel: the reasons a host can hold alone
# (the VM tests take every reason, NUMA included)
why_tmp=$(mktemp -d)
WHY_TMP=$why_tmp KSMWL=$WL KSMTRACE=$KTR KSMTOP=$B/ksmtop \
	ksm_why "why-merged=merged why-unregistered=not_registered why-shared=skipped_area why-unique=unique why-stopped=ksmd_stopped"
rm -rf "$why_tmp"
verdict "ksmtrace --why, ksmtop --why: the KSM settings as they were after the why-* workloads" \
	$([ "$(ksm_state)" = "$before_why" ]; echo $?)

# --check around a workload, on this kernel
before=$(ksm_state)
out=$($KTR --check -- "$WL" -n 512 merge 2>&1); rc=$?
echo "$out" | grep -v '^ksmwl' | sed 's/^/#   /'
verdict "ksmtrace --check -- ksmwl merge: exit 0 (no violation, no loss)" $rc
sum=$(echo "$out" | grep '^ksmtrace: events')
verdict "ksmtrace --check: one summary line with events, losses, violations" \
	$(echo "$sum" | grep -q 'merges=[1-9][0-9]*.*; lost 0; violations 0; checked:.*; command exit 0$'; echo $?)
if [ "$want" = upstream ]; then
	# I8 neither: the upstream merge event comes after mmap_read_unlock()
	verdict "ksmtrace --check on a stock kernel says it can check nothing, and why" \
		$(echo "$sum" | grep -q "checked: none; not checkable here: I1 I2 I3 I4 I5 I6 I7 I8 I9 (missing: the ksmscope series' tracepoints: not in this kernel; I8: .*mmap_read_unlock"; echo $?)
fi
verdict "ksmtrace --check left the KSM settings as they were" $([ "$(ksm_state)" = "$before" ]; echo $?)

# streaming: JSON lines and a Perfetto timeline
$KTR -j -K -e merge_with_ksm_page,ksm_enter --perfetto "$B/ksm.perfetto.json" \
	-- sh -c "$WL -n 256 merge >/dev/null" >"$B/ksmtrace.jsonl" 2>"$B/ksmtrace.err"; rc=$?
verdict "ksmtrace -j -K --perfetto -- ksmwl merge: exit 0" $rc
cat >"$B/ksmtrace-check.py" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
names = {e["event"] for e in ev}
ok = names <= {"ksm_merge_with_ksm_page", "ksm_enter"} and "ksm_merge_with_ksm_page" in names
print("PASS" if ok else "FAIL", f"ksmtrace -j: {len(ev)} JSON events, only the asked types ({sorted(names)})")
m = [e for e in ev if e["event"] == "ksm_merge_with_ksm_page" and e["args"]["err"] == 0]
print("PASS" if len(m) >= 256 else "FAIL", f"ksmtrace -j: a successful merge event per merged page ({len(m)} >= 256)")
keys = all({"ts_ns", "cpu", "pid", "tid", "comm", "event", "args", "stack"} <= set(e) for e in ev)
print("PASS" if keys else "FAIL", "ksmtrace -j: timestamp, CPU, pid, comm, fields and stack in every event")
st = [e for e in ev if e["stack"]]
print("PASS" if st else "FAIL", f"ksmtrace -K: kernel stacks present ({len(st)} of {len(ev)})")
t = json.load(open(sys.argv[2]))
inst = [e for e in t["traceEvents"] if e.get("ph") == "i"]
tracks = [e for e in t["traceEvents"] if e.get("name") == "thread_name"]
good = len(inst) == len(ev) and tracks and all("args" in e and "ts" in e and "tid" in e for e in inst)
print("PASS" if good else "FAIL", f"--perfetto: trace-event JSON, {len(inst)} instants, {len(tracks)} CPU tracks")
PY
while read -r st d; do
	if [ "$st" = PASS ]; then ok "$d"; else notok "$d"; fi
done < <(python3 "$B/ksmtrace-check.py" "$B/ksmtrace.jsonl" "$B/ksm.perfetto.json" 2>&1 |
	sed 's/^Traceback.*/FAIL ksmtrace JSON checks crashed/' | grep -E '^(PASS|FAIL) ')
tap_lines python3 selftests/lib/sources_check.py host "$B/ksmtrace.jsonl" "$B/ksm.perfetto.json" "$B/ksmtrace.err"
expect "ksmtrace: kernel without BTF: nothing to attach, exit 2" 2 "nothing to attach: no kernel BTF" \
	env KSMSCOPE_BTF=/nonexistent $KTR -d 1

# filters in BPF, in force from the first event: another process merges
# first, then the tracer starts filtered on one pid, 20 times over; not
# one event of another mm may be streamed
merging() { [ "$(cat /proc/$1/ksm_merging_pages 2>/dev/null || echo 0)" -gt 0 ]; }
"$WL" -r 4000 -n 2048 -s 600 churn >/dev/null 2>&1 &
wl=$!
stop_on_exit $wl
# one after the other: each saves the knobs the one before it set, so
# stopped newest first they put back what they found
wait_until 120 merging $wl
"$WL" -n 1024 -s 600 churn >/dev/null 2>&1 &
other=$!
stop_on_exit $other
wait_until 120 merging $other
: >"$B/ksmtrace-pid.jsonl"
for i in $(seq 20); do
	$KTR -j -p $wl -d 0.5 >>"$B/ksmtrace-pid.jsonl" 2>"$B/ksmtrace-pid.err" ||
		echo "#   run $i: exit $?: $(tail -1 "$B/ksmtrace-pid.err")"
done
# foreign: neither naming the process's mm nor in its own context (an
# event without an mm, like ksmd's scan start, is foreign too)
read -r nev foreign mms < <(python3 -c "
import collections, json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
mm = collections.Counter(x['args'].get('mm') for x in e if x['args'].get('mm'))
own = mm.most_common(1)[0][0] if mm else None
bad = [x for x in e if x['args'].get('mm') != own and x['pid'] != int(sys.argv[2])]
print(len(e), len(bad), ' '.join(f'{k}:{v}' for k, v in mm.items()) or '-')" "$B/ksmtrace-pid.jsonl" $wl)
echo "#   $nev events in 20 runs of -p $wl, $foreign foreign; by mm: $mms"
verdict "ksmtrace -p PID, started while another process merges: not one foreign event in 20 runs (${foreign:-?} of ${nev:-?})" \
	$([ "${nev:-0}" -gt 0 ] && [ "${foreign:-1}" = 0 ] && [ "$(echo "$mms" | wc -w)" = 1 ]; echo $?)
# newest first: each workload puts back the knobs it found
kill -TERM $other; wait $other 2>/dev/null
kill -TERM $wl; wait $wl 2>/dev/null
out=$($KTR --pfn 1 -d 1 2>&1 >/dev/null)
verdict "ksmtrace: a filter that matches nothing gives a warning" \
	$(echo "$out" | grep -q "warning: the filters matched no event"; echo $?)

# lost events: a reader that falls behind (stopped) while a 4 KiB ring
# buffer fills; the losses are counted in BPF and decide the verdict
lossy() { # lossy OUT ARGS...: ksmtrace, SIGSTOPped while ksmwl merges
	local out=$1 kt go wpid; shift
	go=$(mktemp -u)
	rm -f "$out.pid"
	# the workload starts once the tracer is stopped, and the tracer goes
	# on once the workload has merged everything and exited
	KSMSCOPE_RINGBUF_BYTES=4096 $KTR "$@" -e merge_with_ksm_page \
		-- sh -c "echo \$\$ >$out.pid; while [ ! -e $go ]; do sleep 0.1; done; exec $WL -n 2048 merge >/dev/null" \
		>"$out" 2>"$out.err" &
	kt=$!
	attached() { grep -q '^ksmtrace: attached' "$out.err" && [ -s "$out.pid" ]; }
	wait_until 60 attached
	wpid=$(cat "$out.pid")
	kill -STOP $kt
	touch "$go"
	# ksmtrace cannot reap it while stopped: done is a zombie
	finished() { [ "$(awk '{print $3}' /proc/$wpid/stat 2>/dev/null)" = Z ]; }
	wait_until 300 finished
	kill -CONT $kt
	wait $kt
	local st=$?
	rm -f "$go"
	return $st
}
lossy "$B/ksmtrace-loss.out" --check; rc=$?
lost=$(sed -n 's/.*; lost \([0-9]*\);.*/\1/p' "$B/ksmtrace-loss.out")
echo "#   $(grep '^ksmtrace: events' "$B/ksmtrace-loss.out")"
verdict "ksmtrace --check: lost events are counted and fail the check (lost ${lost:-?}, exit $rc)" \
	$([ "${lost:-0}" -gt 0 ] && [ $rc = 1 ]; echo $?)
lossy "$B/ksmtrace-loss.out" --check --tolerate-loss; rc=$?
lost=$(sed -n 's/.*; lost \([0-9]*\);.*/\1/p' "$B/ksmtrace-loss.out")
verdict "ksmtrace --check --tolerate-loss: losses reported (${lost:-?}), exit 0" \
	$([ "${lost:-0}" -gt 0 ] && [ $rc = 0 ]; echo $?)
lossy "$B/ksmtrace-loss.out"; rc=$?
sum=$(grep '^ksmtrace: events' "$B/ksmtrace-loss.out.err")
echo "#   $sum"
verdict "ksmtrace (streaming): losses reported in the summary next to streamed and fired" \
	$(echo "$sum" | grep -Eq '; lost [1-9][0-9]*; streamed [0-9]+ of [0-9]+ fired'; echo $?)

# a command still running at the end of -d is ended, and its status said
# as for one that ended by itself (128 + SIGTERM)
sum=$($KTR -d 1 -- sleep 300 2>&1 >/dev/null | grep '^ksmtrace: events')
verdict "ksmtrace -d 1 -- sleep 300: the command is ended, 'command exit 143'" \
	$(echo "$sum" | grep -q '; command exit 143$'; echo $?)

# SIGINT in the middle of a check: summary so far, exit 130, nothing left
rm -f "$B/ksmtrace-int.pid"
$KTR --check -- sh -c "echo \$\$ >$B/ksmtrace-int.pid; exec $WL -n 256 -s 30 churn" >"$B/ksmtrace-int.out" 2>&1 &
kt=$!
started() { grep -q '^ksmtrace: attached' "$B/ksmtrace-int.out" && [ -s "$B/ksmtrace-int.pid" ]; }
wait_until 60 started
kill -INT $kt; wait $kt; rc=$?
verdict "ksmtrace --check: SIGINT prints the summary so far and exits 130 ($rc)" \
	$([ $rc = 130 ] && grep -q '^ksmtrace: events.*interrupted$' "$B/ksmtrace-int.out"; echo $?)
cmdpid=$(cat "$B/ksmtrace-int.pid" 2>/dev/null)
verdict "ksmtrace --check: SIGINT ends its command too (pid ${cmdpid:-?})" \
	$([ -n "$cmdpid" ] && ! kill -0 "$cmdpid" 2>/dev/null; echo $?)
[ -n "$cmdpid" ] && kill -TERM "$cmdpid" 2>/dev/null
verdict "ksmtrace: no BPF program left after SIGINT ($(ksm_progs))" $([ "$(ksm_progs)" = 0 ]; echo $?)
verdict "ksmtrace: KSM settings unchanged after SIGINT" $([ "$(ksm_state)" = "$before" ]; echo $?)
