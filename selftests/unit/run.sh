#!/usr/bin/env bash
# selftests/unit/run.sh - fast checks that need neither root nor a kernel:
# bad input to the workloads, the VM harness and the kernel build script.
set -uo pipefail
cd "$(dirname "$0")/../.."
. selftests/lib/tap.sh
B=${BUILD:-build}
mkdir -p "$B"

if gcc -O2 -std=c11 -Wall -Wextra -Werror -Itools/lib -o "$B/ksmwl" \
	selftests/workloads/ksmwl.c tools/lib/ksm_sysfs.c 2>"$B/cc.log" &&
   clang -O2 -std=c11 -Wall -Wextra -Werror -Itools/lib -o "$B/ksmwl.clang" \
	selftests/workloads/ksmwl.c tools/lib/ksm_sysfs.c 2>>"$B/cc.log"; then
	ok "ksmwl builds warning-free with gcc and clang"
else
	sed 's/^/#   /' "$B/cc.log"; notok "ksmwl builds warning-free with gcc and clang"
	tap_done; exit 1
fi

# the RCU Tasks reproducer (selftests/vm/repro: no ksmscope code)
make -s "$B/rcu-tasks-ksmd" "$B/rcu-tasks-ksmd.clang" >"$B/cc-repro.log" 2>&1
st=$?
[ $st = 0 ] || sed 's/^/#   /' "$B/cc-repro.log"
verdict "rcu-tasks-ksmd builds warning-free with gcc and clang (-Wall -Wextra -Werror)" $st
out=$("$B/rcu-tasks-ksmd" -m uprobe 2>&1); st=$?
verdict "rcu-tasks-ksmd: an unknown -m is one line and exit 2 ($out)" \
	$([ $st = 2 ] && [ "$(echo "$out" | wc -l)" = 1 ]; echo $?)

# the tools: BPF object, skeleton, ksmtop with gcc and clang, unit tests
if make -s "$B/ksmtop" "$B/ksmtop.clang" "$B/ksmtrace" "$B/ksmtrace.clang" "$B/unit_tests" >"$B/cc-tools.log" 2>&1; then
	ok "ksmtop and tools/lib build warning-free with gcc and clang (-Wall -Wextra -Werror)"
	tap_run "unit_tests" "$B/unit_tests"
	# bpf/ksm_events.def against the series' include/trace/events/ksm.h;
	# ksm_advisor (6.8+) is the one event 6.1 has no counterpart of
	# (the probe tier's own events, no kernel's tracepoints, aside)
	ours=$("$B/unit_tests" --events | grep -v '^event [a-z_]* probe ' |
		sed 's/ \(upstream\|series\)//' | sort)
	if kern=$(selftests/unit/table.sh kernel/patches 2>&1 | sort); then
		only=$(comm -3 <(echo "$ours" | grep -v '^event ksm_advisor ') <(echo "$kern"))
		echo "$only" | sed '/^$/d; s/^\t/#   kernel:  /; /^#/!s/^/#   ours:    /'
		verdict "table: every event's args (names, order, kinds) and every enum value as kernel/patches define them" \
			$([ -z "$only" ] && [ -n "$kern" ]; echo $?)
	else
		echo "$kern" | sed 's/^/#   /'
		notok "table: every event's args (names, order, kinds) and every enum value as kernel/patches define them"
	fi
	verdict "table: ksm_break_ksm is the probe tier's own, in no kernel's tracepoints" \
		$("$B/unit_tests" --events | grep -q '^event ksm_break_ksm probe mm:PTR address:U$' &&
		  ! echo "$kern" | grep -q '^event ksm_break_ksm '; echo $?)
	verdict "table: ksm_advisor is upstream only, absent from the 6.1 series" \
		$("$B/unit_tests" --events | grep -q '^event ksm_advisor upstream ' &&
		  ! echo "$kern" | grep -q '^event ksm_advisor '; echo $?)
else
	sed 's/^/#   /' "$B/cc-tools.log" | tail -20
	notok "ksmtop and tools/lib build warning-free with gcc and clang (-Wall -Wextra -Werror)"
fi

# expect_fail DESC STATUS PATTERN CMD...: CMD exits STATUS, its last line matches
expect_fail() {
	local d=$1 st=$2 pat=$3 out rc; shift 3
	out=$("$@" 2>&1); rc=$?
	echo "#   $(echo "$out" | head -1)"
	verdict "$d" $([ "$rc" = "$st" ] && echo "$out" | grep -q -- "$pat"; echo $?)
}
expect_fail "ksmwl: unknown workload exits 2" 2 "unknown workload 'nosuch'" "$B/ksmwl" nosuch
expect_fail "ksmwl: -n 0 exits 2" 2 "-n needs a positive number" "$B/ksmwl" -n 0 merge
expect_fail "ksmwl: -s junk exits 2" 2 "-s needs a positive number" "$B/ksmwl" -s 1x merge
expect_fail "ksmwl: no workload exits 2" 2 "usage:" "$B/ksmwl"
out=$("$B/ksmwl" -h); verdict "ksmwl -h lists every workload" \
	$(for w in scan churn many merge zero stale chain fork-reclaim migrate numa-prune unmerge-all lazyfree lazyfree-pair cow exit-merge hotremove offline-fork; do
		echo "$out" | grep -q "^  $w " || exit 1; done; echo 0)

expect_fail "run-vm.sh: missing kernel image exits 104" 104 "kernel image not found" \
	selftests/vm/run-vm.sh -k /nonexistent/bzImage -- true
expect_fail "run-vm.sh: bad timeout exits 104" 104 "bad timeout" \
	selftests/vm/run-vm.sh -k /bin/sh -t 0 -- true
expect_fail "run-vm.sh: no command exits 104" 104 "no command" \
	selftests/vm/run-vm.sh -k /bin/sh

# the build cache key: stable, and different for every input that matters
d1=$(kernel/build.sh --dir) d2=$(kernel/build.sh --dir)
verdict "kernel/build.sh --dir is stable" $([ -n "$d1" ] && [ "$d1" = "$d2" ]; echo $?)
printf 'x\n' >"$B/extra.patch"
d3=$(EXTRA_PATCHES="$B/extra.patch" kernel/build.sh --dir)
verdict "kernel/build.sh: EXTRA_PATCHES get their own cache entry" $([ -n "$d3" ] && [ "$d3" != "$d1" ]; echo $?)
cp kernel/ksmscope.config "$B/frag.config"; echo "CONFIG_KSM=y" >>"$B/frag.config"
d4=$(KERNEL_CONFIG="$B/frag.config" kernel/build.sh --dir)
verdict "kernel/build.sh: another config gets its own cache entry" $([ "$d4" != "$d1" ]; echo $?)
verdict "kernel/patches/series lists every patch, in order" \
	$([ "$(ls kernel/patches/*.patch | xargs -n1 basename)" = "$(grep -v '^#' kernel/patches/series)" ]; echo $?)
# man pages: they render without warnings and name every option of --help
for t in ksmtop ksmtrace; do
	page=docs/man/$t.8
	warn=$(groff -man -ww -z "$page" 2>&1)
	verdict "man $t.8 renders without warnings${warn:+ ($warn)}" $([ -z "$warn" ] && [ -s "$page" ]; echo $?)
	missing=$("$B/$t" -h | grep -o -- '--[a-z][a-z-]*' | sort -u | while read -r o; do
		grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$page" || echo "$o"; done)
	verdict "man $t.8 documents every option of $t -h${missing:+ (missing: $(echo $missing))}" $([ -z "$missing" ]; echo $?)
done
# make install / uninstall honour PREFIX and DESTDIR
dest=$(mktemp -d)
make -s install DESTDIR="$dest" PREFIX=/opt/ksmscope >"$B/install.log" 2>&1
got=$(cd "$dest" && find . -type f -printf '%m %p\n' | sort | tr '\n' ' ')
want="644 ./opt/ksmscope/share/man/man8/ksmtop.8 644 ./opt/ksmscope/share/man/man8/ksmtrace.8 755 ./opt/ksmscope/sbin/ksmtop 755 ./opt/ksmscope/sbin/ksmtrace "
verdict "make install DESTDIR PREFIX: the tools (0755) and man pages (0644) under DESTDIR/PREFIX" $([ "$got" = "$want" ]; echo $?)
[ "$got" = "$want" ] || echo "#   got: $got"
verdict "installed man page opens with man -l" $(man -l "$dest/opt/ksmscope/share/man/man8/ksmtrace.8" 2>/dev/null | grep -q 'ksmtrace - trace Kernel Samepage'; echo $?)
make -s uninstall DESTDIR="$dest" PREFIX=/opt/ksmscope >>"$B/install.log" 2>&1
verdict "make uninstall removes every installed file" $([ -z "$(find "$dest" -type f)" ]; echo $?)
rm -rf "$dest"

# the fleet view: the dashboard is well-formed, the rules load and their
# tests pass (a real Prometheus runs both in the VM suite's host view)
tap_lines python3 selftests/lib/dashboard_check.py static contrib/grafana/ksmscope-dashboard.json
out=$(promtool check rules contrib/prometheus/ksmscope-rules.yml 2>&1); rc=$?
echo "$out" | tail -2 | sed 's/^/#   /'
verdict "promtool check rules contrib/prometheus/ksmscope-rules.yml" $rc
out=$(cd contrib/prometheus && promtool test rules ksmscope-rules.test.yml 2>&1); rc=$?
echo "$out" | tail -3 | sed 's/^/#   /'
verdict "promtool test rules: every alert fires where it should and nowhere else, the recording rules compute" \
	$([ $rc = 0 ] && echo "$out" | grep -q SUCCESS; echo $?)

# the Debian package: built, installed, checked, purged (root: dpkg)
if [ "$(id -u)" = 0 ]; then
	. selftests/unit/package.sh
else
	notok "package: make deb, install and purge need root"
fi

if [ "$(id -u)" = 0 ]; then
	expect_fail "make deps: a package apt cannot install is named in one error line" 2 \
		"deps: error: apt-get could not install: ksmscope-no-such-package" \
		make -s deps DEB_PACKAGES=ksmscope-no-such-package
else
	skip "make deps with an uninstallable package" "needs root"
fi
tap_done
