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
# a warning (KERN_WARNING, as WARN() and lockdep print) reaches the console
run_vm_rc run_vm -t 120 -- sh -c 'echo "<4>WARNING: CPU: 0 PID: 1 at ksmscope harness test" >/dev/kmsg'
verdict "harness: a kernel warning is reported as a splat (exit 102)" $([ $? = 102 ]; echo $?)
# the command's own channel: 300 lines, each followed by a kernel message
# on the console, then exit 7
run_vm_rc run_vm -t 120 -o "$B/vm-harness.out" -- sh -c \
	'for i in $(seq 300); do echo "ok $i line $i"; echo "<3>ksmscope-noise $i" >/dev/kmsg; done; exit 7'
verdict "harness: the guest's exit status is propagated (exit 7)" $([ $? = 7 ]; echo $?)
intact=$(grep -c '^ok [0-9]* line [0-9]*$' "$B/vm-harness.out")
verdict "harness: the guest's output arrives whole on its own channel ($intact of 300 lines), none of the kernel's" \
	$([ "$intact" = 300 ] && ! grep -q 'ksmscope-noise' "$B/vm-harness.out" &&
	  grep -q 'ksmscope-noise 300' "$B/vm-harness.log" && ! grep -q '^ok [0-9]* line' "$B/vm-harness.log"; echo $?)

run_vm_rc run_vm -t 60 -M /nonexistent -- true
verdict "harness: a module directory without a load list is a harness error (exit 104)" $([ $? = 104 ]; echo $?)

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

# boot_verdicts NAME RC: what run-vm.sh's status says about the boot,
# the kernel's log and the guest's end; 1 if the kernel did not boot
boot_verdicts() {
	verdict "$1: booted" $([ $2 != 100 ]; echo $?)
	[ $2 = 100 ] && return 1
	verdict "$1: no kernel oops/BUG/WARN/lockdep/hung task/stall splat" $([ $2 != 102 ]; echo $?)
	verdict "$1: guest finished in time and reported its status" \
		$([ $2 != 101 ] && [ $2 != 103 ] && [ $2 != 104 ]; echo $?)
}

# --- the real run
if ! make -s "$B/ksmwl.static" "$B/ksmtop.static" "$B/ksmtrace.static" "$B/rcu-tasks-ksmd.static"; then
	notok "workloads: build static ksmwl, ksmtop, ksmtrace and rcu-tasks-ksmd"; tap_done; exit 1
fi
mkdir -p "$B/guest"
cp "$B/ksmwl.static" "$B/guest/ksmwl"
cp "$B/ksmtop.static" "$B/guest/ksmtop"
cp "$B/ksmtrace.static" "$B/guest/ksmtrace"
cp "$B/rcu-tasks-ksmd.static" "$B/guest/rcu-tasks-ksmd"
cp "$kdir/ksm_tests" selftests/vm/guest/ksm-vmtest.sh selftests/vm/guest/stock-vmtest.sh \
	selftests/lib/tap.sh "$B/guest/"
# the whole mix and ksm_tests run under ksmtrace --check: it must stay
# silent.  The guest's output comes on its own channel (run-vm.sh -o): its
# TAP, the script's exit status and its plan are checked here.
chan=$B/vm-guest.out
rm -f "$chan"
run_vm -t "${VM_TIMEOUT:-2400}" -l "$B/vm-console.log" -o "$chan" \
	-f "$B/guest/ksmwl" -f "$B/guest/ksmtop" -f "$B/guest/ksmtrace" -f "$B/guest/ksm_tests" \
	-f "$B/guest/ksm-vmtest.sh" -f "$B/guest/tap.sh" \
	-- sh -c "ksmtrace --check --kmsg -- sh ksm-vmtest.sh ${VM_PARTS:-tracepoints ksm_tests peers why cost groups}; echo KSMTRACE_RC \$?" \
	>"$B/vm-run.out" 2>&1
rc=$?
grep -a '^vm:' "$B/vm-run.out" | sed 's/^/#   /'
# a guest that did not boot is that one failure: nothing ran to judge
boot_verdicts "vm: patched kernel" $rc && {
	# the guest script's results, plan and exit status ("command exit N"
	# of ksmtrace's summary); ksmtop's and the exporter's lines apart
	script_rc=$(sed -n 's/^ksmtrace: events.*; command exit \([0-9]*\)$/\1/p' "$chan" | tail -1)
	tap_relay "guest" < <(grep -av '^KSMTOP \|^KSMPROM \|^KSMTRACE_RC \|^KSMSCOPE-EXIT=\|^FMT \|^    [0-9]' "$chan")
	tap_relay_end "guest: ksm-vmtest.sh" "${script_rc:-255}"

# --- ksmtop on the patched kernel, from the JSON it printed in the guest
if grep -aq '^KSMTOP_RC' "$chan"; then
	sed -n 's/^KSMTOP_ERR /#   ksmtop: /p' "$chan"
	verdict "ksmtop (vm): SIGTERM ends it with status 0" \
		$(grep -aq '^KSMTOP_RC 0$' "$chan"; echo $?)
	grep -a '^KSMTOP {' "$chan" | cut -c8- >"$B/vm-ksmtop.json"
	json_check vm "$B/vm-ksmtop.json"
	# the exporter on the patched kernel: full fidelity, every class
	verdict "ksmtop --prometheus (vm): scraped in the guest (busybox wget)" \
		$(grep -aq '^KSMPROM_RC 0$' "$chan"; echo $?)
	grep -a '^KSMPROM ' "$chan" | cut -c9- | tr -d '\r' >"$B/vm-metrics.txt"
	lint=$(promtool check metrics <"$B/vm-metrics.txt" 2>&1); prc=$?
	verdict "ksmtop --prometheus (vm): promtool check metrics finds nothing${lint:+ ($lint)}" \
		$([ $prc = 0 ] && [ -z "$lint" ]; echo $?)
	tap_lines python3 selftests/lib/prom_check.py vm "$B/vm-metrics.txt"
else
	notok "ksmtop (vm): ran in the guest"
fi

# --- ksmtrace --check on the unmutated kernel: silence
sed -n 's/^\(ksmtrace: .*\)/#   \1/p' "$chan"
viol=$(grep -a '^VIOLATION' "$chan" | cut -d' ' -f2 | sort | uniq -c | tr -s ' \n' ' ')
verdict "ksmtrace --check (vm): the mix and ksm_tests on the patched kernel: no violation, no lost event${viol:+ (violated:$viol)}" \
	$(grep -aq '^KSMTRACE_RC 0$' "$chan"; echo $?)
}

# --- make vmcheck's verdict: its last line, and its status
vmcheck_last() { # vmcheck_last ARGS...: runs vmcheck.sh, sets vrc and vlast
	local o
	o=$(selftests/vm/vmcheck.sh "$@" 2>&1); vrc=$?
	vlast=$(echo "$o" | tail -1)
	echo "#   $vlast"
}
vmcheck_last -w "merge" -l "$B/vmcheck-clean.log"
verdict "vmcheck: the unmutated kernel under one workload: exit 0, says every invariant held and the mix passed" \
	$([ $vrc = 0 ] && echo "$vlast" | grep -q '^vmcheck: every invariant held, and all [1-9][0-9]* workloads'; echo $?)
vmcheck_last -w "merge nosuch" -l "$B/vmcheck-badmix.log"
verdict "vmcheck: a workload of the mix that fails fails the check (exit 3), and its last line says so" \
	$([ $vrc = 3 ] && echo "$vlast" | grep -q '^vmcheck: FAILED: no violation, but the mix failed (.*nosuch'; echo $?)

# --- checker self-test: each mutant kernel must be caught: ksmtrace
# --check names the expected invariant before any splat (the kernel log
# orders its --kmsg line and the splat).  A kernel that only splats is a
# separate outcome, and not a catch.
table=$B/vm-mutants.txt
printf '%-44s %-8s %-14s %-6s %s\n' mutant expected reported splat verdict >"$table"
while read -r patch inv workloads; do
	case $patch in ''|'#'*) continue ;; esac
	log="$B/vmcheck-${patch%.patch}.log"
	# a mutant kernel is broken on purpose: now and then it wedges its
	# workload before the race (mutant 01: merging never completes, so
	# no page migrates).  Such a run is inconclusive (vmcheck exit 3),
	# not a miss: one more try.
	for try in 1 2; do
		out=$(EXTRA_PATCHES="kernel/mutants/$patch" selftests/vm/vmcheck.sh -1 -w "$workloads" -l "$log" 2>&1); rc=$?
		echo "$out" | grep -v '^    ' | grep -v '^vmcheck: \(reported\|splat\|named\)' | tail -4 | sed 's/^/#   /'
		[ $rc = 3 ] && [ $try = 1 ] || break
		echo "#   mutant $patch: its workload failed before the race: inconclusive, once more"
	done
	reported=$(echo "$out" | sed -n 's/^vmcheck: reported: //p' | sed 's/ *$//')
	before=" $(echo "$out" | sed -n 's/^vmcheck: named before any splat: //p') "
	splat=$(echo "$out" | grep -q '^vmcheck: splat: yes' && echo yes || echo no)
	if [[ $before == *" $inv "* ]]; then
		v="caught"
	elif [ $splat = yes ]; then
		v="splat only (not caught)"
	elif [ $rc = 3 ]; then
		v="inconclusive: the workload failed"
	else
		v="missed"
	fi
	printf '%-44s %-8s %-14s %-6s %s\n' "${patch%.patch}" "$inv" "${reported:--}" "$splat" "$v" >>"$table"
	verdict "mutant $patch: ksmtrace --check names $inv before any splat ($v; reported: ${reported:--}; splat: $splat; vmcheck exit $rc)" \
		$([ "$v" = caught ]; echo $?)
done <kernel/mutants/series
echo "# mutants: what the checker said on each broken kernel"
sed 's/^/#   /' "$table"

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

# --- a real QEMU guest seen from the host: QEMU marks guest RAM
# mergeable, so the host's ksmd merges the zeroes the guest wrote; ksmtop
# names the QEMU process by its -name and puts it in its cgroup unit, and
# --why counts its merged pages.  The QEMU process is found by pid: the
# child of the harness's timeout, the child of run-vm.sh.
ksm_save
hv_name=ksmscope-hostview-$$
selftests/vm/run-vm.sh -k "$bz" -N "$hv_name" -m 512 -t 400 -o "$B/vm-hostview.out" -- \
	sh -c 'dd if=/dev/zero of=/tmp/zero bs=1M count=128 2>/dev/null; echo filled; sleep 300' \
	>"$B/vm-hostview.log" 2>&1 &
hv=$!
qemu_of() { # qemu_of PID: the qemu-system process below PID
	local c g
	for c in $(cat /proc/$1/task/*/children 2>/dev/null); do
		for g in $(cat /proc/$c/task/*/children 2>/dev/null) $c; do
			case $(readlink /proc/$g/exe 2>/dev/null) in *qemu-system*) echo $g; return ;; esac
		done
	done
}
qp="" i=0
while [ -z "$qp" ] && [ $i -lt 300 ]; do qp=$(qemu_of $hv); sleep 0.1; i=$((i + 1)); done
echo 1 >$KSM/run; echo 20000 >$KSM/pages_to_scan; echo 10 >$KSM/sleep_millisecs
hv_merged() { [ -n "$qp" ] && [ "$(cat /proc/$qp/ksm_merging_pages 2>/dev/null || echo 0)" -gt 1000 ]; }
wait_until 240 hv_merged
# the fleet view on it: ksmtop --prometheus, scraped by a real Prometheus
# that loads contrib/'s rules; every dashboard expression must give data
ep=$(python3 selftests/lib/prom_check.py free-port)
pp=$(python3 selftests/lib/prom_check.py free-port)
ptmp=$(mktemp -d)
"$B/ksmtop" --prometheus 127.0.0.1:$ep -d 1 -N 10 >/dev/null 2>"$B/vm-hostview-exporter.err" &
hexp=$!
cp contrib/prometheus/ksmscope-rules.yml "$ptmp/"
printf 'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [ksmscope-rules.yml]\nscrape_configs:\n  - job_name: ksmscope\n    static_configs:\n      - targets: [\x27127.0.0.1:%s\x27]\n' \
	$ep >"$ptmp/prometheus.yml"
prometheus --config.file="$ptmp/prometheus.yml" --storage.tsdb.path="$ptmp/data" \
	--web.listen-address=127.0.0.1:$pp --log.level=warn >"$B/vm-hostview-prom.log" 2>&1 &
hprom=$!
tap_lines python3 selftests/lib/prom_check.py wait-up 127.0.0.1:$pp ksmscope 60
sleep 20	# rates over [1m] need a few scrapes; a pass measured needs two
tap_lines python3 selftests/lib/dashboard_check.py live 127.0.0.1:$pp \
	contrib/grafana/ksmscope-dashboard.json "$ptmp/ksmscope-rules.yml" 90
kill -TERM $hprom $hexp; wait $hprom; wait $hexp
rm -rf "$ptmp"
"$B/ksmtop" -j -n 2 -d 1 -p "${qp:-1}" >"$B/vm-hostview.json" 2>"$B/vm-hostview.err"; jrc=$?
"$B/ksmtrace" --why "${qp:-1}" -j >"$B/vm-hostview-why.json" 2>>"$B/vm-hostview.err"; wrc=$?
[ -n "$qp" ] && kill -TERM "$qp" 2>/dev/null
wait $hv
ksm_restore
echo "#   host view: qemu pid ${qp:-none}, $(tail -1 "$B/vm-hostview.json" | grep -o '"processes":\[[^]]*\]' | cut -c1-400)"
cat >"$B/hostview-check.py" <<'PY'
import json, sys
name, jf, wf = sys.argv[1:4]
def say(ok, d): print("PASS" if ok else "FAIL", d)
try:
    fr = json.loads(open(jf).read().splitlines()[-1])
    rows = fr["processes"]
except (OSError, ValueError, IndexError, KeyError) as e:
    say(False, f"host view: ksmtop -j -p QEMU printed a frame ({e})")
    sys.exit()
q = [r for r in rows if r.get("guest") == name]
say(len(q) == 1 and q[0]["merging_pages"] > 1000,
    f"host view: ksmtop names the QEMU guest '{name}' and its merged RAM "
    f"({q[0]['merging_pages'] if q else 'no row'} pages)")
g = [x for x in fr.get("groups", []) if q and x["cgroup"] == q[0]["cgroup"]]
say(bool(q) and q[0]["cgroup"] and len(g) == 1 and g[0]["merging_pages"] >= q[0]["merging_pages"],
    f"host view: the guest is in its cgroup unit's group ({q[0]['cgroup'] if q else '-'})")
try:
    w = json.loads(open(wf).read())
    m = w["reasons"]["merged"]
except (OSError, ValueError, KeyError, TypeError) as e:
    say(False, f"host view: ksmtrace --why QEMU gave its JSON ({e})")
    sys.exit()
say(m and m > 1000 and w["comm"].startswith("qemu"),
    f"host view: ksmtrace --why counts {m} merged pages of {w['anon_pages']} in the guest's QEMU")
PY
verdict "host view: a QEMU guest booted and its process found (pid ${qp:-none})" $([ -n "$qp" ]; echo $?)
verdict "host view: ksmtop -j and ksmtrace --why ran on it (exit $jrc, $wrc)" $([ $jrc = 0 ] && [ $wrc = 0 ]; echo $?)
tap_lines python3 "$B/hostview-check.py" "$hv_name" "$B/vm-hostview.json" "$B/vm-hostview-why.json"

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
	done < <(grep -a '^FMT ' "$chan")
	nfmt=$(grep -ac '^FMT ' "$chan")
	verdict "formats: the guest printed the 8 upstream formats ($nfmt)" $([ "$nfmt" = 8 ]; echo $?)
fi

# --- the kernels users run (Debian 12's own 6.1 and 6.12 images) and the
# series kernel, with and without its RCU Tasks fix, under one guest
# script: the reproducer must block where the kernel has the bug and
# return where it does not, and ksmtop and ksmtrace must exit by
# themselves next to ksmd at sleep_millisecs 0 on every one of them
measured=$B/kernels-measured.txt
: >"$measured"
stock_guest() { # stock_guest NAME BZIMAGE MODDIR REPRO FIDELITY|- [FORKS]
	local name=$1 k=$2 m=$3 repro=$4 fid=$5 forks=${6:-clean} rc chan=$B/vm-$1.out wpid wmerg
	rm -f "$chan"
	selftests/vm/run-vm.sh -k "$k" ${m:+-M "$m"} -t "${VM_STOCK_TIMEOUT:-1200}" \
		-l "$B/vm-$name.console" -o "$chan" \
		-f "$B/guest/ksmwl" -f "$B/guest/ksmtop" -f "$B/guest/ksmtrace" \
		-f "$B/guest/rcu-tasks-ksmd" -f "$B/guest/stock-vmtest.sh" -f "$B/guest/tap.sh" \
		-- sh stock-vmtest.sh "$repro" "$fid" "$forks" >"$B/vm-$name.run" 2>&1
	rc=$?
	grep -a '^vm:' "$B/vm-$name.run" | sed 's/^/#   /'
	boot_verdicts "$name" $rc || return
	tap_relay "$name" < <(grep -av '^KSMTOP \|^KSMTOPJ \|^WLPROC \|^RELEASE \|^INVARIANTS \|^SOURCES \|^EVJ \|^PFT \|^EVSU \|^KSMSCOPE-EXIT=' "$chan")
	tap_relay_end "$name: stock-vmtest.sh" "$([ $rc -lt 100 ] && echo $rc || echo 255)"
	# the held process: ksmtop's row against what the kernel said after it
	grep -a '^KSMTOP ' "$chan" | cut -c8- >"$B/vm-$name-held.json"
	read -r _ wpid wmerg < <(grep -a '^WLPROC ' "$chan")
	json_check merging "$B/vm-$name-held.json" "$name" "${wpid:-0}" "${wmerg:--1}"
	[ "$fid" = - ] && return
	grep -a '^KSMTOPJ ' "$chan" | cut -c9- >"$B/vm-$name-ksmtop.json"
	json_check tier "$B/vm-$name-ksmtop.json" "$name" "$fid"
	grep -a '^EVJ ' "$chan" | cut -c5- >"$B/vm-$name-ev.jsonl"
	grep -a '^PFT ' "$chan" | cut -c5- >"$B/vm-$name-ev.perfetto"
	grep -a '^EVSU ' "$chan" | cut -c6- >"$B/vm-$name-ev.err"
	tap_lines python3 selftests/lib/sources_check.py "$name" "$B/vm-$name-ev.jsonl" \
		"$B/vm-$name-ev.perfetto" "$B/vm-$name-ev.err"
	grep -a '^RELEASE \|^SOURCES \|^INVARIANTS ' "$chan" | sed "s/^/$name /" >>"$measured"
}
for line in 6.1 6.12; do
	if ddir=$(selftests/vm/debian-kernel.sh $line); then
		echo "# debian $line: $(cat "$ddir/package"), uname -r $(cat "$ddir/release")"
		ok "debian $line: image fetched or cached ($(cat "$ddir/package"))"
		# 6.1.y copies a parent's KSM counters into its child (fixed
		# by kernel/patches/0012, and upstream in 6.17, 6.12.y, 6.6.y)
		fid=probes forks=bug
		[ $line = 6.12 ] && fid=upstream+probes forks=clean
		stock_guest "debian-$line" "$ddir/vmlinuz" "$ddir/modules" blocks $fid $forks
	else
		notok "debian $line: fetch the current Debian 12 image (selftests/vm/debian-kernel.sh $line)"
	fi
done
# a probe refused: under lockdown=confidentiality BPF may not read kernel
# memory (bpf_probe_read is an unknown helper), so no probe program
# loads; Debian's 6.1 has no tracepoint either: ksmtrace has nothing and
# says so (exit 2), ksmtop shows the counters and why
if ddir=$(selftests/vm/debian-kernel.sh 6.1 2>/dev/null); then
	selftests/vm/run-vm.sh -k "$ddir/vmlinuz" -M "$ddir/modules" -a lockdown=confidentiality \
		-t 300 -o "$B/vm-lockdown.out" -f "$B/guest/ksmtop" -f "$B/guest/ksmtrace" -- \
		sh -c 'ksmtrace -d 1; echo "TRACE_RC $?"; ksmtop -b -n 1 -d 0.2 >/dev/null; echo "TOP_RC $?"' \
		>"$B/vm-lockdown.run" 2>&1
	grep -a 'ksmtrace: \|ksmtop: ' "$B/vm-lockdown.out" | cut -c1-300 | sed 's/^/#   /'
	verdict "lockdown (debian 6.1): ksmtrace: nothing to attach, one line, exit 2" \
		$(grep -aq '^TRACE_RC 2$' "$B/vm-lockdown.out" &&
		  [ "$(grep -ac '^ksmtrace: ' "$B/vm-lockdown.out")" = 1 ] &&
		  grep -aq '^ksmtrace: error: nothing to attach: .*no probes (their programs did not load' "$B/vm-lockdown.out"; echo $?)
	verdict "lockdown (debian 6.1): ksmtop runs on the counters, says why, exit 0" \
		$(grep -aq '^TOP_RC 0$' "$B/vm-lockdown.out" &&
		  grep -aq '^ksmtop: .*no probes (their programs did not load.*; fidelity counters' "$B/vm-lockdown.out"; echo $?)
fi
out=$(selftests/vm/debian-kernel.sh 5.10 2>&1); rc=$?
verdict "debian-kernel.sh: a line it does not know: exit 1, one line ($out)" \
	$([ $rc = 1 ] && [ "$(echo "$out" | wc -l)" = 1 ]; echo $?)
stock_guest series "$bz" "" returns full
revert=selftests/vm/patches/revert-rcu-tasks-qs.patch
if rdir=$(EXTRA_PATCHES=$revert kernel/build.sh); then
	ok "kernel: the series without its RCU Tasks fix built or cached in $rdir"
	stock_guest series-without-fix "$rdir/arch/x86/boot/bzImage" "" blocks -
else
	notok "kernel: build the series without its RCU Tasks fix (EXTRA_PATCHES=$revert)"
fi

# --- the fourth kernel, this machine's: the same static binaries, a
# smaller mix (no NUMA node to migrate to, no memory to offline here)
host_tier() {
	local json=$B/host-ksmtop.json err=$B/host-ksmtrace.err w rc trc
	"$B/ksmtop.static" -j -d 1 >"$json" 2>"$B/host-ksmtop.err" &
	local kt=$!
	"$B/ksmtrace.static" --check -- sh -c 'for w in merge stale cow exit-merge; do
		"$0" -n 512 $w >/dev/null 2>&1 || echo "MIXFAIL $w $?"; done' "$B/ksmwl" \
		>"$B/host-ksmtrace.out" 2>"$err"
	trc=$?
	kill -TERM $kt; wait $kt; rc=$?
	sed 's/^/#   /' "$err" | cut -c1-400
	verdict "host ($(uname -r)): the mix under ksmtrace.static --check: every workload passed, exit 0 ($trc)" \
		$([ $trc = 0 ] && ! grep -q MIXFAIL "$B/host-ksmtrace.out"; echo $?)
	verdict "host: ksmtop.static -j: SIGTERM ends it with status 0 ($rc)" $([ $rc = 0 ]; echo $?)
	json_check tier "$json" host upstream
	{ echo "host RELEASE $(uname -r)"
	  sed -n 's/^\(ksmtrace: attached .*\)/host SOURCES \1/p; s/^\(ksmtrace: invariants .*\)/host INVARIANTS \1/p' "$err"; } >>"$measured"
}
ksm_save
host_tier

# --- docs/kernels.md: the table of what each kernel gives, as measured
python3 selftests/lib/kernels_table.py "$measured" >"$B/kernels-table.md" 2>"$B/kernels-table.err"
sed 's/^/#   /' "$B/kernels-table.err"
sed 's/^/#   /' "$B/kernels-table.md"
doc=$(sed -n '/^<!-- measured: begin -->$/,/^<!-- measured: end -->$/p' docs/kernels.md | sed '1d;$d')
verdict "docs/kernels.md: its table of kernels, sources and invariants is the one this run measured" \
	$([ -n "$doc" ] && [ "$doc" = "$(cat "$B/kernels-table.md")" ]; echo $?)
[ "$doc" = "$(cat "$B/kernels-table.md")" ] ||
	diff <(echo "$doc") "$B/kernels-table.md" | head -20 | sed 's/^/#   /'

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
