#!/usr/bin/env bash
# selftests/live/run.sh - the workloads on the running kernel: they merge
# what they should, and leave /sys/kernel/mm/ksm as they found it, also
# when killed.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}

if [ "$(id -u)" != 0 ]; then notok "live tests need root"; tap_done; exit 1; fi
if [ ! -d $KSM ]; then notok "running kernel has KSM (/sys/kernel/mm/ksm)"; tap_done; exit 1; fi
mkdir -p "$B"
make -s "$B/ksmwl" "$B/ksmtop" "$B/ksmtrace" "$B/check_tests" || { notok "build ksmwl, ksmtop, ksmtrace"; tap_done; exit 1; }
ksm_save
before=$(ksm_state)
echo "# ksm before: $before"

for w in "merge -n 512" "zero -n 128" "stale -n 256" "chain -n 32" "unmerge-all -n 256"; do
	# shellcheck disable=SC2086
	out=$(timeout 300 "$B/ksmwl" $w 2>&1); rc=$?
	echo "$out" | sed 's/^/#   /'
	verdict "ksmwl $w on $(uname -r)" $rc
	verdict "ksmwl $w restored every KSM knob" $([ "$(ksm_state)" = "$before" ]; echo $?)
done
out=$("$B/ksmwl" -n 256 merge)
merged=$(echo "$out" | sed -n 's/.* merged=\([0-9]*\) .*/\1/p')
verdict "ksmwl merge: /proc/PID/ksm_merging_pages reached all 256 pages (${merged:-none})" \
	$([ "${merged:-0}" = 256 ]; echo $?)

# killed while it holds merged pages: SIGTERM restores as well
fifo=$(mktemp -u); mkfifo "$fifo"
"$B/ksmwl" -p -n 1024 merge >"$fifo" 2>&1 &
pid=$!
exec 9<"$fifo"
held=0
wait_held 9 && held=1
during=$(ksm_state)
kill -TERM $pid; wait $pid; rc=$?
exec 9<&-; rm -f "$fifo"
verdict "ksmwl -p held its merged pages with ksmd running" $([ $held = 1 ] && [ "$during" != "$before" ]; echo $?)
verdict "ksmwl killed by SIGTERM exits by the signal (status $rc)" $([ $rc = 143 ]; echo $?)
verdict "ksmwl killed by SIGTERM restored every KSM knob" $([ "$(ksm_state)" = "$before" ]; echo $?)

. selftests/live/ksmtop.sh
. selftests/live/ksmtrace.sh
. selftests/live/prometheus.sh
tap_done
