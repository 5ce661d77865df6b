#!/usr/bin/env bash
# selftests/runner/run.sh - the runner and tap.sh cannot lose a result:
# suites that crash half-way, exit 0 early, end without a newline, plan
# wrongly, run a binary that does not start or a TAP program that crashes
# must each end "N failed" with N >= 1; a good suite must pass.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}

fx=$(mktemp -d)
trap 'rm -rf "$fx"' EXIT
fixture() { # fixture NAME: the suite's script on stdin
	mkdir -p "$fx/$1"
	{ echo "cd $PWD; . selftests/lib/tap.sh"; cat; } >"$fx/$1/run.sh"
}
fixture good <<'EOF'
ok "one"; skip "two" "not here"; echo "a line that is not TAP"; tap_done
EOF
fixture crash <<'EOF'
ok "one"; echo "1..3"; kill -SEGV $$; ok "never"
EOF
fixture early <<'EOF'
ok "one"; exit 0; ok "two"; tap_done
EOF
fixture nonl <<'EOF'
printf '1..2\nok 1 one\nnot ok 2 two'; exit 1
EOF
fixture plan <<'EOF'
echo "1..3"; echo "ok 1 one"; echo "ok 2 two"
EOF
fixture twoplans <<'EOF'
echo "1..1"; echo "ok 1 one"; echo "1..1"
EOF
fixture status <<'EOF'
ok "one"; tap_done; exit 3
EOF
fixture nobin <<'EOF'
tap_run "missing" /nonexistent/ksmscope-test-binary; tap_done
EOF
fixture ccrash <<EOF
tap_run "unit_tests" env KSMSCOPE_UNIT_ABORT_AFTER=2 $PWD/$B/unit_tests; tap_done
EOF
fixture knob <<'EOF'
ok "one"; tap_done
[ -w /sys/kernel/mm/ksm/pages_to_scan ] && echo $(( $(cat /sys/kernel/mm/ksm/pages_to_scan) + 1 )) >/sys/kernel/mm/ksm/pages_to_scan
EOF

# expect SUITE WANT DESC: the runner's last line matches WANT (ERE), its
# exit status says whether anything failed
expect() {
	local s=$1 want=$2 d=$3 out last rc good
	out=$(KSMSCOPE_SUITES=$fx selftests/run.sh "$s" 2>&1); rc=$?
	last=$(echo "$out" | tail -1)
	echo "$out" | grep -E '^(not )?ok ' | sed 's/^/#   /'
	# the status agrees with the summary: 0 exactly when nothing failed
	good=$(echo "$last" | grep -q ' 0 failed' && echo 0 || echo 1)
	if echo "$last" | grep -Eq "^$want\$" && { [ $rc = 0 ] || [ $good = 1 ]; } &&
	   { [ $rc != 0 ] || [ $good = 0 ]; }; then
		ok "$d ($last, exit $rc)"
	else
		notok "$d ($last, exit $rc; wanted /$want/)"
	fi
}
N='[0-9]+'
F='[1-9][0-9]*'
expect good "1 passed, 0 failed, 1 skipped" "a good suite passes, its skip counted"
expect crash "$N passed, $F failed, $N skipped" "a suite that crashes half-way fails"
expect early "1 passed, $F failed, 0 skipped" "a suite that exits 0 before its plan fails"
expect nonl "1 passed, 1 failed, 0 skipped" "a last line without a newline is counted (its failure too)"
expect plan "2 passed, 1 failed, 0 skipped" "a suite that prints fewer results than planned fails"
expect twoplans "1 passed, 1 failed, 0 skipped" "a suite that prints two plans fails"
expect status "1 passed, 1 failed, 0 skipped" "a suite that exits non-zero without a failure fails"
expect nosuch "0 passed, 1 failed, 0 skipped" "a suite that does not exist is one named failure"
expect nobin "0 passed, $F failed, 0 skipped" "a test binary that cannot start is a named failure"
if [ -x "$B/unit_tests" ]; then
	# line-buffered C TAP: the two results before the crash arrive
	expect ccrash "2 passed, $F failed, 0 skipped" "a C TAP program that crashes half-way: results so far kept, then failures"
else
	notok "$B/unit_tests built (for the crashing C program case)"
fi
if [ "$(id -u)" = 0 ] && [ -w /sys/kernel/mm/ksm/pages_to_scan ]; then
	pts=$(cat /sys/kernel/mm/ksm/pages_to_scan)
	expect knob "1 passed, 1 failed, 0 skipped" "a suite that leaves a KSM knob changed fails"
	echo "$pts" >/sys/kernel/mm/ksm/pages_to_scan
fi

# tap_relay itself: numbering, SKIP, comments, a missing newline, Bail out
got=$(printf 'TAP version 13\nok 7 - a\nnot ok 8 b # TODO x\nok 9 c # SKIP d\n# note\nnoise\n1..3\nok e' |
	(_tap_n=0 _tap_pass=0 _tap_fail=0 _tap_skip=0; tap_relay P; echo "$_tap_pass $_tap_fail $_tap_skip $_relay_plan $_relay_seen"))
want=$(printf 'ok 1 P: a\nnot ok 2 P: b # TODO x\nok 3 P: c # SKIP d\n# note\n# noise\nok 4 P: e\n2 1 1 3 4')
verdict "tap_relay: renumbers, prefixes, counts skips and failures, keeps comments, reads a last line without newline" \
	$([ "$got" = "$want" ]; echo $?)
[ "$got" = "$want" ] || echo "$got" | sed 's/^/#   got: /'
tap_done
