#!/usr/bin/env bash
# tools/ksmtop/demo.sh - what `make run` runs: ksmtop on the running kernel
# next to a small demo workload (ksmwl churn: 8192 pages, a sixteenth of
# them rewritten every 200 ms), so the screen is not empty.  The workload
# saves the KSM settings it changes and restores them when it is stopped,
# which happens when ksmtop exits, whichever way.
set -u
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
if [ "$(id -u)" != 0 ]; then
	echo "make run: ksmtop needs root: sudo make run" >&2
	exit 1
fi
"$B/ksmwl" -r 4000 -n 8192 -s 86400 churn >"$B/demo.log" 2>&1 &
wl=$!
stop() { kill -TERM $wl 2>/dev/null; wait $wl 2>/dev/null; }
trap stop EXIT
trap 'exit 130' INT TERM
sleep 0.5
if [ -t 0 ] && [ -t 1 ]; then
	"${BUILD:-build}/ksmtop" "$@"
else
	echo "make run: no terminal, so ten text frames (ksmtop -b -n 10)"
	"${BUILD:-build}/ksmtop" -b -n 10 "$@"
fi
