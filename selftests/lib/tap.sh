# selftests/lib/tap.sh - sourced by the suites (bash) and by the VM guest's
# script (busybox sh): TAP helpers and KSM state.  POSIX sh only.
# shellcheck shell=bash
_tap_n=0 _tap_pass=0 _tap_fail=0 _tap_skip=0
# _tap_emit ok|notok|skip DESC: one result ("ok N DESC", "not ok N DESC";
# a skip is "ok N DESC" with DESC ending "# SKIP why")
_tap_emit() {
	_tap_n=$((_tap_n + 1))
	case $1 in
	notok) _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n $2" ;;
	skip) _tap_skip=$((_tap_skip + 1)); echo "ok $_tap_n $2" ;;
	*) _tap_pass=$((_tap_pass + 1)); echo "ok $_tap_n $2" ;;
	esac
}
ok()    { _tap_emit ok "$*"; }
notok() { _tap_emit notok "$*"; }
skip()  { _tap_emit skip "$1 # SKIP $2"; }
# check DESC CMD...: ok when CMD succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# tap_done: the plan, after the check that the suite left KSM as it found
# it (when it saved it); exit status 0 only if nothing failed
tap_done() {
	ksm_check_restored
	echo "1..$_tap_n"
	[ "$_tap_fail" = 0 ]
}

# tap_relay PREFIX: TAP read from stdin (another program's, or a whole
# suite's) re-emitted as results of this script, "PREFIX: desc" (just
# desc when PREFIX is empty); its comments and other lines as comments.
# A last line without its newline counts too.  Afterwards:
# _relay_plan (the 1..N it printed, empty if none), _relay_plans (how
# many plans), _relay_seen (results), _relay_failed (failures).
tap_relay() {
	local line rest num desc st pre=${1:+$1: }
	_relay_plan="" _relay_plans=0 _relay_seen=0 _relay_failed=0
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"not ok"*|"ok"*)
			case $line in
			"not ok"*) st=notok rest=${line#not ok} ;;
			*) st=ok rest=${line#ok} ;;
			esac
			case $rest in ""|" "*) ;; *) echo "# $line"; continue ;; esac
			rest=${rest# }
			num=${rest%% *}
			case $num in
			""|*[!0-9]*) desc=$rest ;;
			*) desc=${rest#"$num"}; desc=${desc# } ;;
			esac
			desc=${desc#- }
			_relay_seen=$((_relay_seen + 1))
			if [ $st = notok ]; then
				_relay_failed=$((_relay_failed + 1))
			else
				case $desc in *"# SKIP"*|*"# skip"*) st=skip ;; esac
			fi
			_tap_emit $st "$pre$desc"
			;;
		1..*)
			num=${line#1..}; num=${num%% *}
			case $num in
			""|*[!0-9]*) echo "# $line" ;;
			*) _relay_plan=$num; _relay_plans=$((_relay_plans + 1)) ;;
			esac
			;;
		"TAP version"*) ;;
		"Bail out!"*) _relay_failed=$((_relay_failed + 1))
			_tap_emit notok "$pre$line" ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done
}
# tap_relay_end NAME STATUS: after tap_relay, a failure unless the program
# exited 0 (or 1 having reported a failure: the usual "some failed") and
# printed exactly one plan matching its results
tap_relay_end() {
	local n=$1 st=$2
	case $st in
	0) ;;
	1) [ "$_relay_failed" -gt 0 ] || notok "$n: exited with status 1 without reporting a failure" ;;
	126|127) notok "$n: could not be started (status $st)" ;;
	*) if [ "$st" -gt 128 ] 2>/dev/null; then
		notok "$n: killed by signal $((st - 128)) (status $st)"
	   else
		notok "$n: exited with status $st"
	   fi ;;
	esac
	if [ "${_relay_plans:-0}" = 0 ]; then
		notok "$n: printed no plan (1..N) after $_relay_seen results: it stopped early"
	elif [ "$_relay_plans" != 1 ]; then
		notok "$n: printed $_relay_plans plans"
	elif [ "$_relay_plan" != "$_relay_seen" ]; then
		notok "$n: planned $_relay_plan results, printed $_relay_seen"
	fi
}
# tap_run NAME CMD...: run a program that prints TAP; its results become
# this script's ("NAME: desc"); its exit status and plan are checked
tap_run() {
	local n=$1 f st
	shift
	f=$(mktemp)
	"$@" >"$f" 2>&1
	st=$?
	tap_relay "$n" <"$f"
	rm -f "$f"
	tap_relay_end "$n" $st
}

KSM=/sys/kernel/mm/ksm
# ksm_knobs: "name value" for every writable file of /sys/kernel/mm/ksm,
# whatever this kernel has (root may write anything: go by the mode bits);
# a choice ("[none] scan-time") as the chosen value, which is what it takes
ksm_knobs() {
	local f
	[ -d $KSM ] || return 0
	for f in $KSM/*; do
		[ -f "$f" ] && [ "$(stat -c %A "$f" | cut -c3)" = w ] || continue
		echo "${f##*/} $(ksm_knob "${f##*/}")"
	done
}
# ksm_knob NAME: its value as ksm_knobs gives it
ksm_knob() {
	local v
	v=$(cat $KSM/$1 2>/dev/null)
	case $v in *"["*"]"*) v=${v#*\[}; v=${v%%\]*} ;; esac
	echo "$v"
}
# ksm_save: remember every writable knob of /sys/kernel/mm/ksm; tap_done
# checks that they are as found, and they are restored when the suite
# exits, whichever way it exits
ksm_save() {
	[ -d $KSM ] || return 0
	_ksm_saved=$(mktemp)
	ksm_knobs >"$_ksm_saved"
	trap tap_cleanup EXIT
	trap 'exit 130' INT TERM
}
# ksm_check_restored: one result, whether every knob saved by ksm_save
# has its value again (names the ones that differ)
ksm_check_restored() {
	[ -n "${_ksm_saved:-}" ] && [ -f "$_ksm_saved" ] || return 0
	local k v now diff="" n=0
	while read -r k v; do
		n=$((n + 1))
		now=$(ksm_knob $k)
		[ "$now" = "$v" ] || diff="$diff $k=$now (was $v)"
	done <"$_ksm_saved"
	if [ -z "$diff" ]; then
		ok "every writable /sys/kernel/mm/ksm knob ($n) as the suite found it"
	else
		notok "every writable /sys/kernel/mm/ksm knob ($n) as the suite found it:$diff"
	fi
}
# tap_cleanup: on the suite's exit, end what it started (newest first:
# workloads put back the knobs they changed) and put back what it changed
_tap_pids=""
tap_cleanup() {
	local p live
	live=" $(jobs -p | tr '\n' ' ') "
	for p in $_tap_pids; do	# only children not yet waited for
		case $live in *" $p "*) kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null ;; esac
	done
	_tap_pids=""
	ksm_restore; tracefs_umount
}
# stop_on_exit PID: end PID (SIGTERM) when the suite exits, if still there
stop_on_exit() { _tap_pids="$1 $_tap_pids"; trap tap_cleanup EXIT; }
# tracefs_mount: the running kernel's tracefs at $TRACEFS, mounted for the
# suite if nothing had mounted it (a fresh machine), unmounted at exit
TRACEFS=/sys/kernel/tracing
tracefs_mount() {
	[ -d $TRACEFS/events ] && return 0
	mount -t tracefs tracefs $TRACEFS 2>/dev/null || return 1
	_tracefs_mounted=1
	trap tap_cleanup EXIT
}
tracefs_umount() {
	[ "${_tracefs_mounted:-0}" = 1 ] && umount $TRACEFS 2>/dev/null
	_tracefs_mounted=0
}
ksm_restore() {
	[ -n "${_ksm_saved:-}" ] && [ -f "$_ksm_saved" ] || return 0
	local k v need_empty=0
	while read -r k v; do
		case $k in merge_across_nodes|max_page_sharing)
			[ "$(ksm_knob $k)" = "$v" ] || need_empty=1 ;;
		esac
	done <"$_ksm_saved"
	[ $need_empty = 1 ] && echo 2 >$KSM/run
	while read -r k v; do
		[ "$k" = run ] || [ "$(ksm_knob $k)" = "$v" ] || echo "$v" >$KSM/$k 2>/dev/null
	done <"$_ksm_saved"
	while read -r k v; do
		[ "$k" = run ] && [ "$(cat $KSM/run)" != "$v" ] && echo "$v" >$KSM/run
	done <"$_ksm_saved"
	rm -f "$_ksm_saved"
}
# ksm_state: every writable knob on one line ("run=1 pages_to_scan=100 ..."),
# to compare before and after something that may change them
ksm_state() { ksm_knobs | sed 's/ /=/' | tr '\n' ' ' | sed 's/ $//'; }
# ksm_state_diff BEFORE: the knobs whose value is not the one in BEFORE (a
# ksm_state line), as "name=now (was then)"
ksm_state_diff() {
	local kv k
	for kv in $(ksm_state); do
		k=${kv%%=*}
		case " $1 " in *" $kv "*) ;; *) printf ' %s (was %s)' "$kv" \
			"$(echo " $1 " | tr ' ' '\n' | sed -n "s/^$k=//p")" ;; esac
	done
}
# wait_until SECONDS CMD...: poll CMD (every 0.1 s) until it succeeds; its
# status then, or 1 after SECONDS.  Tests wait on conditions, not on time:
# the bound is generous, only a hang reaches it.
wait_until() {
	local end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.1
	done
}
# ksm_children PID: how many children of PID KSM has rmap_items for
ksm_children() {
	local c
	c=$(sed 's|[0-9][0-9]*|/proc/&/ksm_stat|g' /proc/$1/task/$1/children 2>/dev/null)
	[ -n "$c" ] || { echo 0; return; }
	# shellcheck disable=SC2086
	awk '$1 == "ksm_rmap_items" && $2 > 0 {n++} END {print n + 0}' $c 2>/dev/null
}
# verdict DESC STATUS: ok when STATUS (an exit status) is 0
verdict() { if [ "$2" = 0 ]; then ok "$1"; else notok "$1"; fi; }
# normalize_format FILE: a tracepoint's own fields and print fmt on one line
normalize_format() {
	sed -n '/common_pid/,$p' "$1" | grep -v common_pid | tr -s ' \t' ' ' | tr '\n' '|'
}
# wait_held FD: pass on a `ksmwl -p` workload's lines read from FD (as
# comments) until it says it holds what it merged; 0 if it did in 300 s
wait_held() {
	local line
	while read -r -t 300 line <&"$1"; do
		echo "#   $line"
		case $line in *"holding until a signal"*) return 0 ;; esac
	done
	return 1
}
# tap_lines CMD...: a checker's "PASS desc" / "FAIL desc" lines as TAP (a
# crash of a Python checker is a failure too)
tap_lines() {
	local st d f rc n=0
	f=$(mktemp)
	"$@" >"$f" 2>&1
	rc=$?
	while read -r st d; do
		n=$((n + 1))
		if [ "$st" = PASS ]; then ok "$d"; else notok "$d"; fi
	done < <(sed 's/^Traceback/FAIL checker crashed: Traceback/' "$f" | grep -E '^(PASS|FAIL) ')
	[ $n -gt 0 ] || notok "checker $1 ${2:-}: printed no result (exit $rc): $(tail -1 "$f")"
	[ $rc = 0 ] || grep -q '^FAIL ' "$f" || notok "checker $1 ${2:-}: exit $rc: $(tail -1 "$f")"
	rm -f "$f"
}
# json_check ARGS...: selftests/lib/ksmtop_json.py ARGS, as TAP
json_check() { tap_lines python3 selftests/lib/ksmtop_json.py "$@"; }

# ksm_peers "WORKLOAD=pass|fail|na ...": the peers of the kernel's
# ksm_functional_tests.c (ksmwl ft-*), each under ksmtrace --check.
# Each must end as this kernel is expected to: pass (exit 0), fail (exit
# 1: a bug of this kernel, named in its last line) or na (exit 4: the
# interface came later, "not on this kernel"); and the checker must stay
# silent (exit 0: no violation, no lost event) whatever the outcome.
ksm_peers() {
	local e w want x rc crc line
	for e in $1; do
		w=${e%%=*} want=${e#*=}
		case $want in pass) x=0 ;; fail) x=1 ;; na) x=4 ;; *) x=bad ;; esac
		ksmtrace --check -- ksmwl -n 256 "$w" >/tmp/peer-$w.out 2>/tmp/peer-$w.err
		crc=$?
		rc=$(sed -n 's/^ksmtrace: events.*; command exit \([0-9]*\)$/\1/p' /tmp/peer-$w.out | tail -1)
		line=$(grep "^ksmwl: $w: " /tmp/peer-$w.out | tail -1 | cut -c1-240)
		grep -A3 '^VIOLATION' /tmp/peer-$w.out | head -8 | cut -c1-300 | sed 's/^/#   /'
		[ $crc = 0 ] || tail -2 /tmp/peer-$w.err | sed 's/^/#   /'
		verdict "peer $w: $want on this kernel (exit ${rc:-none}: ${line:-no result line}), ksmtrace --check silent (exit $crc)" \
			$([ "${rc:-none}" = $x ] && [ $crc = 0 ]; echo $?)
	done
}
# every reason of ksm_why.h with the workload that holds pages in it
KSM_WHY_ALL="why-merged=merged why-unregistered=not_registered why-shared=skipped_area why-unique=unique why-volatile=volatile why-zero=zero_filled why-stopped=ksmd_stopped why-slow=not_reached why-max-sharing=max_page_sharing why-other-node=other_node"
# ksm_why "WORKLOAD=REASON ...": each ksmwl why-* workload holds its pages
# in the state its name says and prints how many ("ready pid=P pages=N");
# ksmtrace --why P -j must count at least 90% of N under REASON (a key of
# its "reasons") and exit 0; ksmtop --why P (text) must name REASON with
# the same order of count.  Both read the process from outside.  Files
# go to $WHY_TMP (default /tmp: the guest's own); $KSMWL, $KSMTRACE and
# $KSMTOP name the programs where they are not in PATH.
ksm_why() {
	local e w want wl i n got crc trc tgot pass d=${WHY_TMP:-/tmp}
	for e in $1; do
		w=${e%%=*} want=${e#*=}
		"${KSMWL:-ksmwl}" -n 256 "$w" >$d/why-$w.out 2>&1 &
		wl=$!
		i=0
		while ! grep -q " ready pid=" $d/why-$w.out && kill -0 $wl 2>/dev/null &&
		      [ $i -lt 1800 ]; do
			sleep 0.1; i=$((i + 1))
		done
		n=$(sed -n 's/.* ready pid=[0-9]* pages=\([0-9]*\).*/\1/p' $d/why-$w.out)
		if [ -z "$n" ]; then
			kill -TERM $wl 2>/dev/null; wait $wl; i=$?
			tail -2 $d/why-$w.out | sed 's/^/#   /'
			notok "why $w: the workload never got ready (exit $i)"
			continue
		fi
		"${KSMTRACE:-ksmtrace}" --why $wl -j >$d/why-$w.json 2>$d/why-$w.err
		crc=$?
		got=$(grep -o "\"$want\":[0-9]*" $d/why-$w.json | head -1 | cut -d: -f2)
		"${KSMTOP:-ksmtop}" --why $wl >$d/why-$w.txt 2>>$d/why-$w.err
		trc=$?
		tgot=$(awk -v k="$want" '$1 == k {print $2}' $d/why-$w.txt)
		kill -TERM $wl 2>/dev/null; wait $wl
		cut -c1-400 $d/why-$w.json | sed 's/^/#   /'
		[ $crc = 0 ] && [ $trc = 0 ] || tail -2 $d/why-$w.err | sed 's/^/#   /'
		verdict "why $w: ksmtrace --why counts ${got:-none} of its $n pages $want (want >= 90%, exit $crc)" \
			$([ $crc = 0 ] && [ "${got:-0}" -ge $((n * 9 / 10)) ]; echo $?)
		verdict "why $w: ksmtop --why counts ${tgot:-none} $want (want >= 90% of $n, exit $trc)" \
			$([ $trc = 0 ] && [ "${tgot:-0}" -ge $((n * 9 / 10)) ] 2>/dev/null; echo $?)
		[ $w = why-slow ] || continue
		# the scan model: 1 page a second over >= N pages
		pass=$(grep -o '"pass_s":[0-9]*' $d/why-$w.json | cut -d: -f2)
		verdict "why $w: a full pass at 1 page a second takes ${pass:-?} s by the model (want >= $n)" \
			$([ "${pass:-0}" -ge $n ]; echo $?)
	done
}
# ksm_cost: what ksmd costs, by ksmtop -j, while ksmwl holds merged pages
# with ksmd at a known pace (-r 2000: 200 pages every 100 ms): ksmd found,
# its CPU time, pages scanned per second, a full pass measured between
# two full scans and by the scan model, and a what-if.  The two passes
# are printed side by side; their ratio is a measurement (make bench
# holds the model to a target), not a pass/fail here.
ksm_cost() {
	local d=${WHY_TMP:-/tmp} wl i j f
	"${KSMWL:-ksmwl}" -r 2000 -n 2048 -p merge >$d/cost-wl.out 2>&1 &
	wl=$!
	i=0
	while ! grep -q "holding until a signal" $d/cost-wl.out && kill -0 $wl 2>/dev/null &&
	      [ $i -lt 3000 ]; do
		sleep 0.1; i=$((i + 1))
	done
	# --counters: what ksmd costs comes from /proc and sysfs, and no probe
	# is attached next to a busy ksmd (docs/kernels.md: that crashed
	# Debian's kernels in our guests)
	"${KSMTOP:-ksmtop}" -j -d 1 -n 15 --counters --what-if 400:100 >$d/cost.json 2>$d/cost.err
	j=$?
	kill -TERM $wl 2>/dev/null; wait $wl
	f=$(tail -1 $d/cost.json | grep -o '"ksmd":{.*"what_if":{[^}]*}}')
	echo "#   $f" | cut -c1-600
	_cost_v() { echo "$f" | grep -o "\"$1\":[0-9.]*" | head -1 | cut -d: -f2; }
	verdict "cost: ksmtop -j ran 15 intervals beside ksmd at 200 pages / 100 ms (exit $j)" \
		$([ $j = 0 ] && [ -n "$f" ]; echo $?)
	verdict "cost: ksmd found (pid $(_cost_v pid)), its CPU time $(_cost_v cpu_seconds) s, share $(_cost_v cpu_percent)%" \
		$([ "$(_cost_v pid)" -gt 0 ] 2>/dev/null && [ -n "$(_cost_v cpu_seconds)" ] && [ -n "$(_cost_v cpu_percent)" ]; echo $?)
	verdict "cost: pages scanned per second ($(_cost_v pages_scanned_per_s)) and CPU per page ($(_cost_v cpu_us_per_page) us)" \
		$(awk -v a="$(_cost_v pages_scanned_per_s)" -v b="$(_cost_v cpu_us_per_page)" 'BEGIN {exit !(a > 0 && b > 0)}'; echo $?)
	verdict "cost: a full pass measured $(_cost_v full_pass_s) s, by the model $(_cost_v full_pass_model_s) s, over $(_cost_v full_pass_pages) pages" \
		$(awk -v a="$(_cost_v full_pass_s)" -v b="$(_cost_v full_pass_model_s)" 'BEGIN {exit !(a > 0 && b > 0)}'; echo $?)
	verdict "cost: what-if 400:100 has a pass and a CPU share: $(echo "$f" | grep -o '"what_if":{[^}]*}')" \
		$(echo "$f" | grep -q '"what_if":{"pages_to_scan":400,"sleep_millisecs":100,"full_pass_s":[0-9.]*,"cpu_percent":[0-9.]*}'; echo $?)
}
# ksm_groups CGROUP2_MOUNT: per cgroup unit.  Two cgroups of a parent of
# this run's own, one ksmwl -p merge in a and two in b; ksmtop -j must
# list each unit with its processes' count and their merging pages
# summed (as /proc/PID/ksm_merging_pages has them), and every process
# with its cgroup.  The parent is removed after.
ksm_groups() {
	local root=$1 d=${WHY_TMP:-/tmp} t p pids="" i n j got want c
	t=$root/ksmscope-groups-$$
	if ! mkdir -p $t/a $t/b 2>/dev/null; then
		notok "groups: cgroups can be made under $root"
		return
	fi
	# one after another: each saves the knobs the last one set and puts
	# them back when it ends, so they end newest first
	n=0
	for c in a b b; do
		n=$((n + 1))
		sh -c "echo \$\$ >$t/$c/cgroup.procs && exec ${KSMWL:-ksmwl} -p -n 256 merge" \
			>$d/groups-$n.out 2>&1 &
		pids="$! $pids"
		i=0
		while ! grep -q 'holding until a signal' $d/groups-$n.out && [ $i -lt 1200 ]; do
			sleep 0.1; i=$((i + 1))
		done
	done
	# --counters: the groups come from /proc, and no probe is attached
	# next to a busy ksmd (see ksm_cost)
	"${KSMTOP:-ksmtop}" -j -n 2 -d 0.5 --counters >$d/groups.json 2>$d/groups.err
	j=$?
	for c in a b; do
		want=0 n=0
		for p in $pids; do
			grep -q "^0::/ksmscope-groups-$$/$c\$" /proc/$p/cgroup 2>/dev/null || continue
			want=$((want + $(cat /proc/$p/ksm_merging_pages)))
			n=$((n + 1))
		done
		got=$(tail -1 $d/groups.json | grep -o "{\"cgroup\":\"/ksmscope-groups-$$/$c\",\"processes\":[0-9]*,\"merging_pages\":[0-9]*" | head -1)
		echo "#   $got"
		verdict "groups: ksmtop -j has /ksmscope-groups-$$/$c with its $n processes and their $want merging pages (exit $j)" \
			$([ $j = 0 ] && [ "$got" = "{\"cgroup\":\"/ksmscope-groups-$$/$c\",\"processes\":$n,\"merging_pages\":$want" ]; echo $?)
	done
	n=$(tail -1 $d/groups.json | grep -o '"comm":"ksmwl"[^}]*"cgroup":"/ksmscope-groups-[0-9]*/[ab]"' | wc -l)
	verdict "groups: each of the 3 processes carries its cgroup ($n)" $([ "$n" = 3 ]; echo $?)
	for p in $pids; do kill -TERM $p 2>/dev/null; wait $p; done
	rmdir $t/a $t/b $t 2>/dev/null
	verdict "groups: the test's cgroups are gone" $([ ! -d $t ]; echo $?)
}
