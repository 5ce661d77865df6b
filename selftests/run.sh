#!/usr/bin/env bash
# selftests/run.sh SUITE... - run test suites, print kselftest-style TAP,
# and end with one line "N passed, N failed, N skipped".
#
# A suite is $KSMSCOPE_SUITES/SUITE/run.sh (default selftests/) printing
# TAP ("ok N desc", "not ok N desc", "ok N desc # SKIP why") and one plan
# "1..N".  Results are renumbered into one stream; everything else a suite
# prints is passed on as a comment.  A suite fails, in the summary, when
# it exits non-zero without reporting a failure, dies, prints no plan or a
# plan that does not match its results, or leaves a /sys/kernel/mm/ksm
# knob changed.  A missing suite is one failure.
#
# Every run gets one temporary directory ($TMPDIR for the suites and what
# they start, so mktemp and the tools put their files there), removed at
# the end.
set -uo pipefail
shopt -s lastpipe
cd "$(dirname "$0")/.."
. selftests/lib/tap.sh
suites=${KSMSCOPE_SUITES:-selftests}

run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/ksmscope-run.XXXXXX") || {
	echo "run.sh: error: cannot create a temporary directory" >&2; exit 2; }
trap 'rm -rf "$run_tmp"' EXIT
export TMPDIR=$run_tmp

echo "TAP version 13"
for suite in "$@"; do
	script=$suites/$suite/run.sh
	if [ ! -f "$script" ]; then
		notok "$suite: no such suite ($script)"
		continue
	fi
	echo "# suite $suite: starting $(date -u +%H:%M:%S)"
	knobs=$(ksm_state)
	rcf=$run_tmp/rc.$suite
	rm -f "$rcf"
	# lastpipe: tap_relay runs in this shell and keeps its counts
	{ bash "$script" 2>&1; echo $? >"$rcf"; } | tap_relay "$suite"
	tap_relay_end "$suite" "$(cat "$rcf" 2>/dev/null || echo 255)"
	if [ -d $KSM ] && [ "$(ksm_state)" != "$knobs" ]; then
		notok "$suite: left /sys/kernel/mm/ksm changed:$(ksm_state_diff "$knobs")"
	fi
	echo "# suite $suite: done $(date -u +%H:%M:%S)"
done
echo "1..$_tap_n"
echo "$_tap_pass passed, $_tap_fail failed, $_tap_skip skipped"
[ "$_tap_fail" = 0 ]
