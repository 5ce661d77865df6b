#!/usr/bin/env bash
# selftests/vm/vmcheck.sh - `make vmcheck`: build the patched kernel with
# $EXTRA_PATCHES on top, boot it, run the workload mix (and the kernel's
# ksm_tests) under `ksmtrace --check`, print each violated invariant with
# its report.  Exit 0 only if every invariant held; 1 on a violation,
# lost events or a kernel splat; 2 when it could not run.
#
#   vmcheck.sh [-w "WORKLOAD ..."] [-T] [-l LOG]
#     -w  ksmwl workloads of the mix (default: all of them)
#     -T  also the kernel's ksm_tests
#     -l  console log (default: $BUILD/vmcheck.log)
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${BUILD:-build}
mix="" parts="mix" log="$B/vmcheck.log"
while getopts "w:Tl:" o; do
	case $o in
	w) mix=$OPTARG ;;
	T) parts="mix ksm_tests" ;;
	l) log=$OPTARG ;;
	*) echo "usage: vmcheck.sh [-w WORKLOADS] [-T] [-l LOG]" >&2; exit 2 ;;
	esac
done
mkdir -p "$B/guest"
make -s "$B/ksmwl.static" "$B/ksmtrace.static" >&2 || { echo "vmcheck: error: cannot build the guest tools" >&2; exit 2; }
kdir=$(kernel/build.sh) || { echo "vmcheck: error: kernel build failed (EXTRA_PATCHES=${EXTRA_PATCHES:-})" >&2; exit 2; }
cp "$B/ksmwl.static" "$B/guest/ksmwl"
cp "$B/ksmtrace.static" "$B/guest/ksmtrace"
cp "$kdir/ksm_tests" selftests/vm/guest/ksm-vmtest.sh selftests/lib/tap.sh "$B/guest/"
selftests/vm/run-vm.sh -k "$kdir/arch/x86/boot/bzImage" -t "${VM_TIMEOUT:-1200}" -l "$log" \
	-f "$B/guest/ksmwl" -f "$B/guest/ksmtrace" -f "$B/guest/ksm_tests" \
	-f "$B/guest/ksm-vmtest.sh" -f "$B/guest/tap.sh" \
	-- sh -c "MIX='$mix' ksmtrace --check --kmsg -- sh ksm-vmtest.sh $parts; echo KSMTRACE_RC \$?" >/dev/null 2>&1
rc=$?
grep -a -A40 '^VIOLATION' "$log" | grep -av '^\(ok\|not ok\|#\|KSMTRACE\)' | head -200
grep -a '^ksmtrace: events' "$log"
case $rc in
102) echo "vmcheck: kernel splat (oops/BUG/WARN/lockdep) during the mix: see $log"; exit 1 ;;
100|101|103|104) echo "vmcheck: error: the VM did not run the check (harness status $rc): see $log" >&2; exit 2 ;;
esac
st=$(grep -a '^KSMTRACE_RC ' "$log" | tail -1 | cut -d' ' -f2)
case $st in
0) echo "vmcheck: every invariant held"; exit 0 ;;
1) echo "vmcheck: violated: $(grep -a '^VIOLATION' "$log" | cut -d' ' -f2 | sort | uniq -c | tr -s ' \n' ' ')"; exit 1 ;;
*) echo "vmcheck: error: ksmtrace --check exited ${st:-?} in the guest: see $log" >&2; exit 2 ;;
esac
