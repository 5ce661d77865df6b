# selftests/lib/tap.sh - sourced by the suites: TAP helpers and KSM state.
# shellcheck shell=bash
_tap_n=0
_tap_fail=0
ok()    { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n $*"; }
notok() { _tap_n=$((_tap_n + 1)); _tap_fail=$((_tap_fail + 1)); echo "not ok $_tap_n $*"; }
skip()  { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n $1 # SKIP $2"; }
# check DESC CMD...: ok when CMD succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
tap_done() { echo "1..$_tap_n"; [ "$_tap_fail" = 0 ]; }

KSM=/sys/kernel/mm/ksm
# ksm_save: remember every writable knob of /sys/kernel/mm/ksm and restore
# them when the suite exits, whichever way it exits.
ksm_save() {
	[ -d $KSM ] || return 0
	_ksm_saved=$(mktemp)
	for f in $KSM/*; do
		# root may write anything: go by the mode bits
		[ -f "$f" ] && [ "$(stat -c %A "$f" | cut -c3)" = w ] &&
			echo "$(basename "$f") $(cat "$f")"
	done >"$_ksm_saved"
	trap tap_cleanup EXIT
	trap 'exit 130' INT TERM
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
			[ "$(cat $KSM/$k)" = "$v" ] || need_empty=1 ;;
		esac
	done <"$_ksm_saved"
	[ $need_empty = 1 ] && echo 2 >$KSM/run
	while read -r k v; do
		[ "$k" = run ] || [ "$(cat $KSM/$k)" = "$v" ] || echo "$v" >$KSM/$k 2>/dev/null
	done <"$_ksm_saved"
	while read -r k v; do
		[ "$k" = run ] && [ "$(cat $KSM/run)" != "$v" ] && echo "$v" >$KSM/run
	done <"$_ksm_saved"
	rm -f "$_ksm_saved"
}
# ksm_state: one line with the knobs the before-stop check looks at
ksm_state() { echo "run=$(cat $KSM/run) pages_to_scan=$(cat $KSM/pages_to_scan) sleep_millisecs=$(cat $KSM/sleep_millisecs) merge_across_nodes=$(cat $KSM/merge_across_nodes) max_page_sharing=$(cat $KSM/max_page_sharing) use_zero_pages=$(cat $KSM/use_zero_pages)"; }
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
	local st d
	while read -r st d; do
		if [ "$st" = PASS ]; then ok "$d"; else notok "$d"; fi
	done < <("$@" 2>&1 | sed 's/^Traceback/FAIL checker crashed: Traceback/' | grep -E '^(PASS|FAIL) ')
}
# json_check ARGS...: selftests/lib/ksmtop_json.py ARGS, as TAP
json_check() { tap_lines python3 selftests/lib/ksmtop_json.py "$@"; }
