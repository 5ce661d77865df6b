#!/usr/bin/env bash
# selftests/vm/vmcheck.sh - `make vmcheck`: build the patched kernel with
# $EXTRA_PATCHES on top, boot it, run the workload mix (and the kernel's
# ksm_tests) under `ksmtrace --check --kmsg`, print each violated
# invariant with its report, and say in the last line what happened.
#
#   vmcheck.sh [-w "WORKLOAD ..."] [-T] [-1] [-l LOG]
#     -w  ksmwl workloads of the mix (default: all of them)
#     -T  also the kernel's ksm_tests
#     -1  stop at the first violation (ksmtrace --first): for a kernel
#         that may not survive the race it is caught in
#     -l  console log (default: $BUILD/vmcheck.log); the guest's own output
#         (TAP, reports, summary) goes next to it, LOG with .out for .log,
#         and what the harness said to .out.vm
#
# Exit status:
#   0  every invariant held, and every workload and ksm_tests mode passed
#   1  a violation, lost events, or a kernel splat
#   2  it could not run (build, harness, the VM did not boot or finish)
#   3  no violation, but the mix itself failed: a workload or a ksm_tests
#      mode failed, or the guest's results are incomplete (its plan or exit
#      status say so), so the kernel was not exercised as planned
#
# Besides the reports it prints three lines for scripts:
#   vmcheck: reported: I3 I4          (invariants named, in order; or -)
#   vmcheck: splat: no | yes: LINE    (the first splat on the console)
#   vmcheck: named before any splat: I3 I4   (or -)
# "Named" is the kernel-log line `ksmscope: VIOLATION In` that --kmsg
# writes: the kernel log orders it with the splat, two channels cannot.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}
mix="" parts="mix" log="$B/vmcheck.log" first=""
while getopts "w:T1l:" o; do
	case $o in
	w) mix=$OPTARG ;;
	T) parts="mix ksm_tests" ;;
	1) first=--first ;;
	l) log=$OPTARG ;;
	*) echo "usage: vmcheck.sh [-w WORKLOADS] [-T] [-1] [-l LOG]" >&2; exit 2 ;;
	esac
done
out=${log%.log}.out
[ "$out" != "$log" ] || out=$log.out
mkdir -p "$B/guest"
make -s "$B/ksmwl.static" "$B/ksmtrace.static" >&2 || { echo "vmcheck: error: cannot build the guest tools" >&2; exit 2; }
kdir=$(kernel/build.sh) || { echo "vmcheck: error: kernel build failed (EXTRA_PATCHES=${EXTRA_PATCHES:-})" >&2; exit 2; }
cp "$B/ksmwl.static" "$B/guest/ksmwl"
cp "$B/ksmtrace.static" "$B/guest/ksmtrace"
cp "$kdir/ksm_tests" selftests/vm/guest/ksm-vmtest.sh selftests/lib/tap.sh "$B/guest/"
rm -f "$out"
selftests/vm/run-vm.sh -k "$kdir/arch/x86/boot/bzImage" -t "${VM_TIMEOUT:-1200}" -l "$log" -o "$out" \
	-f "$B/guest/ksmwl" -f "$B/guest/ksmtrace" -f "$B/guest/ksm_tests" \
	-f "$B/guest/ksm-vmtest.sh" -f "$B/guest/tap.sh" \
	-- sh -c "MIX='$mix' ksmtrace --check --kmsg $first -- sh ksm-vmtest.sh $parts; echo KSMTRACE_RC \$?" >"$out.vm" 2>&1
rc=$?
touch "$out"

# the reports, and the summary line
grep -a -A40 '^VIOLATION' "$out" | grep -av '^\(ok\|not ok\|#\|KSMTRACE\|ksmtrace\|KSMSCOPE\)' | head -200
grep -a '^ksmtrace: events' "$out"

# named, and in which order with the first splat (the console: one log)
# (run-vm.sh names the first splat's line: "vm:   line N: TEXT")
first_splat=$(sed -n 's/^vm:   line \([0-9]*\): /\1:/p' "$out.vm" | head -1)
splat_at=${first_splat%%:*}
reported=$(grep -a '^VIOLATION ' "$out" | cut -d' ' -f2 | awk '!s[$0]++' | tr '\n' ' ' | sed 's/ $//')
before=$(grep -an 'ksmscope: VIOLATION I[0-9]' "$log" |
	awk -F: -v s="${splat_at:-0}" 's == 0 || $1 < s' |
	sed 's/.*ksmscope: VIOLATION \(I[0-9]*\).*/\1/' | awk '!s[$0]++' | tr '\n' ' ' | sed 's/ $//')
echo "vmcheck: reported: ${reported:--}"
if [ -n "$first_splat" ]; then
	echo "vmcheck: splat: yes: ${first_splat#*:}"
else
	echo "vmcheck: splat: no"
fi
echo "vmcheck: named before any splat: ${before:--}"

case $rc in
102) echo "vmcheck: FAILED: kernel splat (oops/BUG/WARN/lockdep) during the mix${before:+, after ksmtrace named ${before% }}: see $log"; exit 1 ;;
100|101|103|104) echo "vmcheck: error: the VM did not run the check (harness status $rc): see $log and $out" >&2; exit 2 ;;
esac

# the mix's own results: every workload and ksm_tests mode, the plan, the
# script's exit status (ksmtrace reports it as "command exit N")
script_rc=$(sed -n 's/^ksmtrace: events.*; command exit \([0-9]*\)$/\1/p' "$out" | tail -1)
res=$(mktemp)
_tap_n=0 _tap_pass=0 _tap_fail=0 _tap_skip=0
tap_relay "" < <(grep -av '^KSMTRACE_RC \|^KSMSCOPE-EXIT=' "$out") >"$res"
ran=$_relay_seen
tap_relay_end "ksm-vmtest.sh" "${script_rc:-255}" >>"$res"
failed=$(sed -n 's/^not ok [0-9]* //p' "$res" | head -5 | tr '\n' ';' | sed 's/;$//')
rm -f "$res"
st=$(grep -a '^KSMTRACE_RC ' "$out" | tail -1 | cut -d' ' -f2)
case $st in
0) if [ "$_tap_fail" = 0 ]; then
	echo "vmcheck: every invariant held, and all $ran workloads and tests of the mix passed"
	exit 0
   fi
   echo "vmcheck: FAILED: no violation, but the mix failed ($_tap_fail of $ran: $failed): the kernel was not exercised as planned"
   exit 3 ;;
1) # with -1 the mix was cut short on purpose: its failures say nothing
   [ -n "$first" ] && failed="" first=" (stopped at the first, -1)"
   echo "vmcheck: FAILED: violated:$(grep -a '^VIOLATION' "$out" | cut -d' ' -f2 | sort | uniq -c | tr -s ' \n' ' ' | sed 's/ *$//')$first${failed:+ (and the mix failed: $failed)}"
   exit 1 ;;
*) echo "vmcheck: error: ksmtrace --check exited ${st:-?} in the guest: see $out" >&2; exit 2 ;;
esac
