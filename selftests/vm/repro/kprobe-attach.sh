#!/usr/bin/env bash
# selftests/vm/repro/kprobe-attach.sh - attach and detach the probe tier
# next to a busy ksmd, on one of Debian's kernels in the VM harness.
#
#   selftests/vm/repro/kprobe-attach.sh [6.1|6.12] [CYCLES]
#
# ksmwl churn keeps ksmd merging and unmerging (sleep_millisecs 0), and
# ksmtrace -d 0.3 starts and stops CYCLES times (default 60): each start
# attaches kprobes and kretprobes to try_to_merge_with_ksm_page(),
# try_to_merge_one_page(), remove_rmap_item_from_tree() and the others
# of docs/kernels.md's probe tier, each stop detaches them.  On
# 2026-12-02 both Debian 6.1.192 and 6.12.118 oopsed in ksmd within 1 to
# 26 cycles (RIP 0 at the entry of a probed function; also with the
# kretprobes left out): docs/kernels.md, "Patching kernel text next to a
# busy ksmd".  Prints the harness's verdict and the cycles done; exit 0
# if the guest survived every cycle, 1 if the kernel oopsed, 2 otherwise.
set -uo pipefail
cd "$(dirname "$0")/../../.."
line=${1:-6.1} cycles=${2:-60}
B=${BUILD:-build}
make -s "$B/ksmwl.static" "$B/ksmtrace.static" || exit 2
ddir=$(selftests/vm/debian-kernel.sh "$line") || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$B/ksmwl.static" "$tmp/ksmwl"
cp "$B/ksmtrace.static" "$tmp/ksmtrace"
cat >"$tmp/cycles.sh" <<EOS
ksmwl -n 4096 -s 3600 churn >/dev/null 2>&1 &
sleep 3
i=0
while [ \$i -lt $cycles ]; do
	i=\$((i + 1))
	ksmtrace -d 0.3 >/dev/null 2>&1
	echo "cycle \$i exit \$?"
done
kill -TERM %1; wait
EOS
selftests/vm/run-vm.sh -k "$ddir/vmlinuz" -M "$ddir/modules" -t 1200 \
	-f "$tmp/ksmwl" -f "$tmp/ksmtrace" -f "$tmp/cycles.sh" -o "$tmp/out" \
	-- sh /opt/ksmscope/cycles.sh >"$tmp/log" 2>&1
rc=$?
done=$(grep -c '^cycle ' "$tmp/out" 2>/dev/null)
grep '^vm: result\|^vm:   line' "$tmp/log" | head -4
grep -A12 'Call Trace' "$tmp/log" | head -8
echo "kprobe-attach: debian $line: ${done:-0} of $cycles cycles done, run-vm.sh exit $rc"
case $rc in 0) exit 0 ;; 102) exit 1 ;; *) exit 2 ;; esac
