#!/usr/bin/env bash
# selftests/vm/run.sh - the VM suite (make vmtest): build the patched
# kernel (cached), check the harness itself, then boot the kernel and run
# the workloads, the tracepoint assertions and the kernel's ksm_tests.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}
mkdir -p "$B"

if ! kdir=$(kernel/build.sh); then
	notok "kernel: build the patched kernel (kernel/build.sh)"
	tap_done; exit 1
fi
ok "kernel: patched kernel built or cached in $kdir"
bz=$kdir/arch/x86/boot/bzImage
run_vm() { selftests/vm/run-vm.sh -k "$bz" "$@"; }

# --- the harness tells its failures apart
echo "# harness: a kernel image that does not boot"
run_vm_rc() { local rc; "$@" >"$B/vm-harness.log" 2>&1; rc=$?; sed 's/^/#   /' "$B/vm-harness.log" | tail -3; return $rc; }
head -c 4096 /dev/urandom >"$B/not-a-kernel"
run_vm_rc selftests/vm/run-vm.sh -k "$B/not-a-kernel" -t 60 -- true
verdict "harness: a kernel that does not boot is reported (exit 100)" $([ $? = 100 ]; echo $?)
run_vm_rc run_vm -t 60 -- sleep 600
verdict "harness: a guest that hangs is reported as timeout (exit 101)" $([ $? = 101 ]; echo $?)
run_vm_rc run_vm -t 120 -- sh -c 'echo c > /proc/sysrq-trigger'
verdict "harness: a kernel crash is reported as a splat (exit 102)" $([ $? = 102 ]; echo $?)
run_vm_rc run_vm -t 120 -- sh -c 'exit 7'
verdict "harness: the guest's exit status is propagated (exit 7)" $([ $? = 7 ]; echo $?)

# --- build.sh refuses bad input with one clear line
bad() { # bad DESC EXPECTED-TEXT ENV...
	local d=$1 want=$2 out rc; shift 2
	out=$(env "$@" kernel/build.sh 2>&1 >/dev/null); rc=$?
	echo "#   $out" | tail -1
	verdict "kernel/build.sh: $d" $([ $rc != 0 ] && echo "$out" | tail -1 | grep -q "$want"; echo $?)
}
bad "missing tarball" "tarball not found" KERNEL_TARBALL=/nonexistent/linux.tar.xz
bad "unknown EXTRA_PATCHES path" "EXTRA_PATCHES: no such file" EXTRA_PATCHES=/nonexistent.patch
printf -- '--- a/mm/ksm.c\n+++ b/mm/ksm.c\n@@ -1,1 +1,1 @@\n-this line is not in ksm.c\n+nor this one\n' >"$B/broken.patch"
bad "patch that does not apply" "patch does not apply: .*broken.patch" EXTRA_PATCHES="$B/broken.patch"

# --- the real run
if ! make -s "$B/ksmwl.static" "$B/ksmtop.static" "$B/ksmtrace.static"; then
	notok "workloads: build static ksmwl, ksmtop and ksmtrace"; tap_done; exit 1
fi
mkdir -p "$B/guest"
cp "$B/ksmwl.static" "$B/guest/ksmwl"
cp "$B/ksmtop.static" "$B/guest/ksmtop"
cp "$B/ksmtrace.static" "$B/guest/ksmtrace"
cp "$kdir/ksm_tests" selftests/vm/guest/ksm-vmtest.sh selftests/lib/tap.sh "$B/guest/"
# the whole mix and ksm_tests run under ksmtrace --check: it must stay silent
run_vm -t "${VM_TIMEOUT:-2400}" -l "$B/vm-console.log" \
	-f "$B/guest/ksmwl" -f "$B/guest/ksmtop" -f "$B/guest/ksmtrace" -f "$B/guest/ksm_tests" \
	-f "$B/guest/ksm-vmtest.sh" -f "$B/guest/tap.sh" \
	-- sh -c "ksmtrace --check --kmsg -- sh ksm-vmtest.sh ${VM_PARTS:-tracepoints ksm_tests}; echo KSMTRACE_RC \$?" \
	> >(grep --line-buffered -v '^KSMTOP \|^KSMPROM \|^    [0-9]')
rc=$?
wait $! 2>/dev/null
verdict "vm: patched kernel booted" $([ $rc != 100 ]; echo $?)
verdict "vm: no kernel oops/BUG/WARN/lockdep splat" $([ $rc != 102 ]; echo $?)
verdict "vm: guest finished in time and reported its status" $([ $rc != 101 ] && [ $rc != 103 ] && [ $rc != 104 ]; echo $?)

# --- ksmtop on the patched kernel, from the JSON it printed in the guest
if grep -aq '^KSMTOP_RC' "$B/vm-console.log"; then
	sed -n 's/^KSMTOP_ERR /#   ksmtop: /p' "$B/vm-console.log"
	verdict "ksmtop (vm): SIGTERM ends it with status 0" \
		$(grep -aq '^KSMTOP_RC 0$' "$B/vm-console.log"; echo $?)
	grep -a '^KSMTOP {' "$B/vm-console.log" | cut -c8- >"$B/vm-ksmtop.json"
	json_check vm "$B/vm-ksmtop.json"
	# the exporter on the patched kernel: full fidelity, every class
	verdict "ksmtop --prometheus (vm): scraped in the guest (busybox wget)" \
		$(grep -aq '^KSMPROM_RC 0$' "$B/vm-console.log"; echo $?)
	grep -a '^KSMPROM ' "$B/vm-console.log" | cut -c9- | tr -d '\r' >"$B/vm-metrics.txt"
	lint=$(promtool check metrics <"$B/vm-metrics.txt" 2>&1); prc=$?
	verdict "ksmtop --prometheus (vm): promtool check metrics finds nothing${lint:+ ($lint)}" \
		$([ $prc = 0 ] && [ -z "$lint" ]; echo $?)
	tap_lines python3 selftests/lib/prom_check.py vm "$B/vm-metrics.txt"
else
	notok "ksmtop (vm): ran in the guest"
fi

# --- ksmtrace --check on the unmutated kernel: silence
sed -n 's/^\(ksmtrace: .*\)/#   \1/p' "$B/vm-console.log"
viol=$(grep -a '^VIOLATION' "$B/vm-console.log" | cut -d' ' -f2 | sort | uniq -c | tr -s ' \n' ' ')
verdict "ksmtrace --check (vm): the mix and ksm_tests on the patched kernel: no violation, no lost event${viol:+ (violated:$viol)}" \
	$(grep -aq '^KSMTRACE_RC 0$' "$B/vm-console.log"; echo $?)

# --- checker self-test: each mutant kernel must be caught
while read -r patch inv workloads; do
	case $patch in ''|'#'*) continue ;; esac
	log="$B/vmcheck-${patch%.patch}.log"
	# a mutant kernel is broken on purpose: now and then it wedges its
	# workload before the race (mutant 01: merging never completes, so
	# no page migrates).  Such a run is inconclusive, not a miss: one more
	# try.  A silent check after a workload that ran through still fails.
	for try in 1 2; do
		out=$(EXTRA_PATCHES="kernel/mutants/$patch" selftests/vm/vmcheck.sh -w "$workloads" -l "$log" 2>&1); rc=$?
		echo "$out" | grep -v '^    ' | tail -4 | sed 's/^/#   /'
		[ $rc = 0 ] && grep -aq '^not ok .*mix: workload' "$log" && [ $try = 1 ] || break
		echo "#   mutant $patch: its workload failed before the race ($(grep -a '^# ksmwl: .*error' "$log" | tail -1 | cut -c3-)): inconclusive, once more"
	done
	# caught: the expected report; or, failing that, a splat the harness saw
	splat=$(echo "$out" | grep -q "kernel splat" && echo ", then the kernel crashed")
	if grep -aq "^VIOLATION $inv " "$log"; then
		verdict "mutant $patch: ksmtrace --check reports $inv$splat (exit $rc)" $([ $rc = 1 ]; echo $?)
	elif [ -n "$splat" ]; then
		ok "mutant $patch: caught by the harness: kernel splat before any report"
	else
		notok "mutant $patch: ksmtrace --check reports $inv (exit $rc)"
	fi
done <kernel/mutants/series

# --- make kernel EXTRA_PATCHES=...: a separately cached kernel with the change
extra=selftests/vm/patches/extra-marker.patch
if xdir=$(EXTRA_PATCHES=$extra kernel/build.sh); then
	verdict "kernel: EXTRA_PATCHES build has its own cache entry" $([ "$xdir" != "$kdir" ]; echo $?)
	selftests/vm/run-vm.sh -k "$xdir/arch/x86/boot/bzImage" -t 120 -- \
		sh -c 'dmesg | grep "EXTRA_PATCHES test marker"' >"$B/vm-extra.log" 2>&1
	verdict "kernel: the EXTRA_PATCHES kernel boots and carries the extra change" $?
	verdict "kernel: the series kernel does not carry it" \
		$(! grep -aq "EXTRA_PATCHES test marker" "$kdir/vmlinux"; echo $?)
else
	notok "kernel: build with EXTRA_PATCHES=$extra"
fi

# --- group A formats: the patched 6.1 must print what the running kernel prints
tracefs_mount || echo "# cannot mount tracefs at $TRACEFS"
host_events=$TRACEFS/events/ksm
if [ ! -d $host_events ]; then
	skip "formats: upstream ksm:* formats match the running kernel" "the running kernel has no ksm:* tracepoints"
else
	while read -r _ e fmt; do
		host=$(normalize_format $host_events/$e/format 2>/dev/null)
		verdict "formats: $e identical to the running kernel's" $([ "$fmt" = "$host" ]; echo $?)
		[ "$fmt" = "$host" ] || { echo "#   vm:   $fmt"; echo "#   host: $host"; }
	done < <(grep '^FMT ' "$B/vm-console.log")
fi

# --- patch discipline: checkpatch --strict on every patch of the series
src=$(ls -d "${KSMSCOPE_CACHE:-/var/cache/ksmscope}"/src-* 2>/dev/null | head -1)
if [ -x "$src/scripts/checkpatch.pl" ]; then
	while read -r p; do
		p=${p%%#*}; [ -n "$p" ] || continue
		# from the kernel tree: checkpatch inside another git work tree
		# checks that tree's diff of the file, not the patch
		res=$(cd "$src" && scripts/checkpatch.pl --strict --no-tree "$OLDPWD/kernel/patches/$p" | grep '^total:')
		verdict "checkpatch --strict: $p: ${res:-no output}" $(echo "$res" | grep -q '^total: 0 errors, 0 warnings'; echo $?)
	done <kernel/patches/series
else
	notok "checkpatch: no unpacked kernel tree with scripts/checkpatch.pl"
fi
tap_done
