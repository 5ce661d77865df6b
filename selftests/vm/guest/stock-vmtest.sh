#!/bin/sh
# selftests/vm/guest/stock-vmtest.sh - runs inside the test VM (busybox
# sh) on any kernel: Debian's own images as well as the patched one.
#
#   stock-vmtest.sh REPRO
#
# REPRO says what the RCU Tasks reproducer must find on this kernel:
# "blocks" (ksmd, at sleep_millisecs 0, holds up RCU Tasks: the kernel
# has the bug) or "returns" (it does not).
#
# Then, with ksmd at sleep_millisecs 0 and a process holding merged
# pages, ksmtop and ksmtrace must each start and exit by themselves: a
# tool that is still running after its time is reported with its state
# and kernel stack, and ksmd is then slowed (sleep_millisecs 20) so that
# the guest can finish.  Prints kselftest TAP.
. "$(dirname "$0")/tap.sh"
repro=${1:?stock-vmtest.sh blocks|returns}
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
exits_alone 90 ksmtrace ksmtrace -d 5
verdict "ksmtrace -d 5: exits by itself within 90 s (status $tool_rc)" $?
exits_alone 90 "ksmtrace --check" ksmtrace --check -d 5
verdict "ksmtrace --check -d 5: exits by itself within 90 s (status $tool_rc)" $?

kill $wl 2>/dev/null
wait $wl 2>/dev/null
tap_done
