#!/bin/sh
# selftests/vm/guest/stock-vmtest.sh - runs inside the test VM (busybox
# sh) on any kernel: Debian's own images as well as the patched one.
#
#   stock-vmtest.sh REPRO FIDELITY
#
# REPRO says what the RCU Tasks reproducer must find on this kernel:
# "blocks" (ksmd, at sleep_millisecs 0, holds up RCU Tasks: the kernel
# has the bug) or "returns" (it does not).
#
# Then, with ksmd at sleep_millisecs 0 and a process holding merged
# pages, ksmtop and ksmtrace must each start and exit by themselves: a
# tool that is still running after its time is reported with its state
# and kernel stack, and ksmd is then slowed (sleep_millisecs 20) so that
# the guest can finish.
#
# Last, the same binaries under the workload mix: ksmtrace --check runs
# it and must exit 0 (no violation, no lost event) with FIDELITY on its
# start-up line; ksmtop -j watches it, and its JSON lines go to the host
# (KSMTOPJ lines) to check the fidelity and that every rate this kernel
# can show rose.  Prints kselftest TAP.
. "$(dirname "$0")/tap.sh"
repro=${1:?stock-vmtest.sh blocks|returns FIDELITY}
fidelity=${2:?stock-vmtest.sh blocks|returns FIDELITY}
# clean: forked children's counters must agree with the events; bug: the
# kernel copies the parent's counters into the child (6.1 before
# kernel/patches' fork fix): the checker must say so
forks=${3:-clean}
ksm_save
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "# kernel $(uname -r) ($(uname -v)); preempt: $(cat /sys/kernel/debug/sched/preempt 2>/dev/null ||
	echo "no debugfs"); $(ls /sys/kernel/tracing/events/ksm 2>/dev/null | grep -c '^ksm_') ksm:* tracepoints"

# the reproducer (no ksmscope code): ftrace through tracefs, then fentry
# (a kprobe's ftrace_ops is static: turning it off waits for plain RCU
# only, so it must return on every kernel)
for mode in ftrace fentry kprobe; do
	want=$repro
	[ $mode = kprobe ] && want=returns
	{ rcu-tasks-ksmd -m $mode -t 15 2>&1; echo $? >/tmp/repro.rc; } | sed 's/^/#   /'
	rc=$(cat /tmp/repro.rc)
	case $want:$rc in
	blocks:1|returns:0) verdict "rcu-tasks-ksmd -m $mode: $want on this kernel (exit $rc)" 0 ;;
	*) verdict "rcu-tasks-ksmd -m $mode: $want on this kernel (exit $rc)" 1 ;;
	esac
done

# the tools, next to a held KSM process and ksmd at sleep_millisecs 0
# (pages_to_scan back to its default once merged: ksmd then starts a full
# scan, whose lru_add_drain_all() may sleep, only every 41 batches, as on a
# host where KSM has much more memory than one batch)
ksmwl -p -n 4096 merge >/tmp/wl.log 2>&1 &
wl=$!
stop_on_exit $wl
wait_until 300 grep -q 'holding until a signal' /tmp/wl.log
echo 100 >/sys/kernel/mm/ksm/pages_to_scan
verdict "ksmwl -p merge: holds its merged pages (pages_to_scan $(cat /sys/kernel/mm/ksm/pages_to_scan), sleep_millisecs $(cat /sys/kernel/mm/ksm/sleep_millisecs))" \
	$(grep -q 'holding until a signal' /tmp/wl.log; echo $?)

# exits_alone SECONDS NAME CMD...: CMD must end by itself within SECONDS.
# Nothing runs meanwhile but one watchdog, asleep: a polling loop would
# fork, the forks' pages would wait in per-CPU LRU batches, and ksmd's
# lru_add_drain_all() at its next full scan would sleep, which is just
# the voluntary switch that lets an RCU Tasks grace period end.  If CMD
# is still there after SECONDS, the watchdog records its state and
# kernel stack and slows ksmd (sleep_millisecs 20), so that it can end.
exits_alone() {
	secs=$1 name=$2; shift 2
	rm -f /tmp/tool.late
	"$@" >/tmp/tool.out 2>/tmp/tool.err &
	pid=$!
	(
		sleep "$secs"
		kill -0 $pid 2>/dev/null || exit 0
		{ echo "state $(cut -d' ' -f3 /proc/$pid/stat)"; cat /proc/$pid/stack; } >/tmp/tool.late 2>&1
		echo 20 >/sys/kernel/mm/ksm/sleep_millisecs
	) &
	dog=$!
	wait $pid
	tool_rc=$?
	kill $dog 2>/dev/null
	wait $dog 2>/dev/null
	head -3 /tmp/tool.err | sed 's/^/#   /'
	[ -f /tmp/tool.late ] || return 0
	echo "#   $name was still running after ${secs}s:"
	sed 's/^/#     /' /tmp/tool.late | head -12
	echo "#   it ended (status $tool_rc) once ksmd slept (sleep_millisecs 20)"
	echo 0 >/sys/kernel/mm/ksm/sleep_millisecs
	return 1
}
exits_alone 90 ksmtop ksmtop -b -n 3 --json
verdict "ksmtop -b -n 3 --json: exits by itself within 90 s (status $tool_rc)" $?
grep '^{' /tmp/tool.out | tail -1 | sed 's/^/KSMTOP /'
# what the kernel says of the held process, right after: the host compares
echo "WLPROC $wl $(cat /proc/$wl/ksm_merging_pages 2>/dev/null || echo -1)"
echo "RELEASE $(uname -r)"
exits_alone 90 ksmtrace ksmtrace -d 5
verdict "ksmtrace -d 5: exits by itself within 90 s (status $tool_rc)" $?
exits_alone 90 "ksmtrace --check" ksmtrace --check -d 5
verdict "ksmtrace --check -d 5: exits by itself within 90 s (status $tool_rc)" $?

kill $wl 2>/dev/null
wait $wl 2>/dev/null
echo 20 >/sys/kernel/mm/ksm/sleep_millisecs
# FIDELITY "-": the RCU Tasks part only
[ "$fidelity" = - ] && { tap_done; exit; }
# an empty stable tree to start from (run=2 removes every node), so that
# I5 can count the whole tree from the events
echo 2 >/sys/kernel/mm/ksm/run
echo 0 >/sys/kernel/mm/ksm/run

# the mix, each workload setting (and restoring) what it needs; hotremove
# first, while the movable zone is where new pages go
cat >/tmp/mix.sh <<'EOF'
for w in hotremove merge stale chain migrate unmerge-all exit-merge cow; do
	case $w in
	migrate) args="-n 256 -s 8" ;;
	hotremove) args="-n 2048" ;;
	chain) args="-n 64" ;;
	*) args="-n 512" ;;
	esac
	ksmwl $args $w >/tmp/mix-$w.log 2>&1 ||
		{ echo "MIXFAIL $w $?"; tail -3 /tmp/mix-$w.log | sed 's/^/MIXFAIL   /'; }
done
EOF
ksmtop -j -d 1 >/tmp/ksmtop.json 2>/tmp/ksmtop.err &
kt=$!
ksmtrace --check -j -e purge -- sh /tmp/mix.sh >/tmp/check.out 2>/tmp/check.err
check_rc=$?
kill -TERM $kt 2>/dev/null
wait $kt
top_rc=$?
sed 's/^/#   /' /tmp/check.err | cut -c1-600
grep -v '^VIOLATION\|^MIXFAIL' /tmp/check.out | grep '^ksmtrace\|^  ' | head -20 | sed 's/^/#   /'
grep -A12 '^VIOLATION' /tmp/check.out | head -60 | sed 's/^/#   /'
grep '^MIXFAIL' /tmp/check.out | sed 's/^/#   /'
verdict "the mix: every workload passed" $(! grep -q '^MIXFAIL' /tmp/check.out; echo $?)
verdict "ksmtrace --check over the mix: exit 0 (no violation, no lost event; status $check_rc)" \
	$([ $check_rc = 0 ]; echo $?)
# who removed the nodes: run=2 (unmerge-all) and memory hot-remove are
# told apart, and no removal is of unknown cause
np() { grep -c "\"event\":\"ksm_purge\".*\"cause\":\"$1\"" /tmp/check.out; }
verdict "ksm_purge over the mix: cause remove_all $(np remove_all) times, hotremove $(np hotremove), unknown $(np unknown)" \
	$([ "$(np remove_all)" -gt 0 ] && [ "$(np hotremove)" -gt 0 ] && [ "$(np unknown)" = 0 ]; echo $?)
verdict "ksmtrace: fidelity $fidelity on its start-up line" \
	$(grep -q "^ksmtrace: attached .*fidelity $fidelity\$" /tmp/check.err; echo $?)
grep '^ksmtrace: invariants' /tmp/check.err | sed 's/^/INVARIANTS /'
grep '^ksmtrace: attached' /tmp/check.err | sed 's/^/SOURCES /'
head -3 /tmp/ksmtop.err | sed 's/^/#   ksmtop: /'
grep -A6 'VIOLATION' /tmp/ksmtop.err | head -40 | cut -c1-400 | sed 's/^/#   ksmtop: /'
verdict "ksmtop -j over the mix: SIGTERM ends it with status 0 ($top_rc)" $([ $top_rc = 0 ]; echo $?)
sed 's/^/KSMTOPJ /' /tmp/ksmtop.json
# KSM pages moving between the two NUMA nodes: old and new pfn and node
ksmtrace -j -e migrate_page -- sh -c 'ksmwl -n 64 -s 2 migrate >/dev/null 2>&1' >/tmp/mig.jsonl 2>/dev/null
mig() { grep -c "\"old_nid\":$1,\"new_nid\":$2}" /tmp/mig.jsonl; }
verdict "ksm_migrate_page: $(mig 0 1) moves from node 0 to 1, $(mig 1 0) back, $(grep -c '"old_pfn":\([0-9]*\),"new_pfn":\1,' /tmp/mig.jsonl) with an unchanged pfn" \
	$([ "$(mig 0 1)" -gt 0 ] && [ "$(mig 1 0)" -gt 0 ] &&
	  [ "$(grep -c '"old_pfn":\([0-9]*\),"new_pfn":\1,' /tmp/mig.jsonl)" = 0 ]; echo $?)
# each event's source, in JSON and Perfetto (checked on the host)
ksmtrace -j -K --perfetto /tmp/ev.perfetto -- sh -c 'ksmwl -n 64 merge >/dev/null 2>&1' >/tmp/ev.jsonl 2>/tmp/ev.err
verdict "ksmtrace -j -K --perfetto -- ksmwl merge: exit 0 ($?)" $?
sed 's/^/EVJ /' /tmp/ev.jsonl
sed 's/^/PFT /' /tmp/ev.perfetto
grep '^ksmtrace: attached' /tmp/ev.err | sed 's/^/EVSU /'
# forks: every process's counters against its mm's events (I5 per process)
for w in fork fork-stopped; do
	ksmtrace --check -- ksmwl -n 512 -s 6 $w >/tmp/fk-$w.out 2>/tmp/fk-$w.err
	frc=$?
	grep '^ksmtrace: I5 per process\|^ksmwl: .*ok\|^VIOLATION' /tmp/fk-$w.out | cut -c1-400 | sed 's/^/#   /'
	judged=$(sed -n 's/^ksmtrace: I5 per process.*: \([0-9]*\) readings judged.*/\1/p' /tmp/fk-$w.out)
	verdict "ksmwl $w under ksmtrace --check: the family's data held" \
		$(grep -q "^ksmwl: $w: ok stopped" /tmp/fk-$w.out; echo $?)
	if [ "$forks" = clean ]; then
		verdict "ksmwl $w: every process's counters agree with the events (${judged:-0} readings judged, exit $frc)" \
			$([ $frc = 0 ] && [ "${judged:-0}" -gt 0 ]; echo $?)
	else
		verdict "ksmwl $w: the kernel's fork bug reported: a child's ksm_merging_pages is its parent's (exit $frc)" \
			$([ $frc = 1 ] && grep -q '^VIOLATION I5 .*pid [0-9]* (ksmwl): ksm_merging_pages [0-9]*, events say' /tmp/fk-$w.out; echo $?)
	fi
done
# the peers of ksm_functional_tests.c (the series, forks=clean, has the
# fixes; Debian's 6.1 does not): 6.1.y unmerges nothing under
# uffd-wp (kernel/patches/0013) or PROT_NONE (0014), hands a child its
# parent's count (0012), and has neither prctl (6.4) nor KSM zero page
# counters (6.10)
case $(uname -r)/$forks in
6.1.*/clean) ksm_peers "ft-unmerge=pass ft-unmerge-discarded=pass ft-unmerge-uffd-wp=pass ft-prot-none=pass ft-fork-count=pass ft-unmerge-zero=na ft-fork-zero=na ft-prctl=na" ;;
6.1.*) ksm_peers "ft-unmerge=pass ft-unmerge-discarded=pass ft-unmerge-uffd-wp=fail ft-prot-none=fail ft-fork-count=fail ft-unmerge-zero=na ft-fork-zero=na ft-prctl=na" ;;
*) ksm_peers "ft-unmerge=pass ft-unmerge-discarded=pass ft-unmerge-uffd-wp=pass ft-prot-none=pass ft-fork-count=pass ft-unmerge-zero=pass ft-fork-zero=pass ft-prctl=pass" ;;
esac
# why not merging: every reason, read from /proc alone, on every kernel
# (the series runs them in ksm-vmtest.sh, under the outer checker)
case $(uname -r)/$forks in
6.1.*/clean) ;;
*) ksm_why "$KSM_WHY_ALL"; ksm_cost; ksm_groups /sys/fs/cgroup ;;
esac
tap_done
