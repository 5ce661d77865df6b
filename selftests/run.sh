#!/usr/bin/env bash
# selftests/run.sh SUITE... - run test suites, print kselftest-style TAP,
# and end with one line "N passed, N failed, N skipped".
#
# A suite is selftests/SUITE/run.sh printing TAP ("ok N desc",
# "not ok N desc", "ok N desc # SKIP why").  Results are renumbered into
# one stream; everything else a suite prints is passed on as a comment.
# A suite that exits non-zero without reporting a failure gets one.
set -uo pipefail
cd "$(dirname "$0")/.."

total=0 pass=0 fail=0 skip=0
echo "TAP version 13"
for suite in "$@"; do
	script=selftests/$suite/run.sh
	if [ ! -f "$script" ]; then
		total=$((total + 1)); fail=$((fail + 1))
		echo "not ok $total $suite: no such suite ($script)"
		continue
	fi
	echo "# suite $suite: starting $(date -u +%H:%M:%S)"
	suite_fail=0 rc=0
	while IFS= read -r line; do
		if [[ $line =~ ^__suite_rc=([0-9]+)$ ]]; then
			rc=${BASH_REMATCH[1]}
		elif [[ $line =~ ^(not\ )?ok\ [0-9]+\ *(-\ )?(.*)$ ]]; then
			total=$((total + 1))
			desc=${BASH_REMATCH[3]}
			if [ -n "${BASH_REMATCH[1]}" ]; then
				fail=$((fail + 1)); suite_fail=$((suite_fail + 1))
			elif [[ $desc == *"# SKIP"* ]]; then
				skip=$((skip + 1))
			else
				pass=$((pass + 1))
			fi
			echo "${BASH_REMATCH[1]}ok $total $suite: $desc"
		elif [[ $line =~ ^1\.\.[0-9]+$ || $line == "TAP version"* ]]; then
			:
		elif [[ $line == "#"* ]]; then
			echo "$line"
		else
			echo "# $line"
		fi
	done < <(bash "$script" 2>&1; echo "__suite_rc=$?")
	if [ "$rc" != 0 ] && [ "$suite_fail" = 0 ]; then
		total=$((total + 1)); fail=$((fail + 1))
		echo "not ok $total $suite: suite exited with status $rc"
	fi
	echo "# suite $suite: done $(date -u +%H:%M:%S)"
done
echo "1..$total"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
