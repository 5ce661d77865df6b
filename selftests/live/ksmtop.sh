# selftests/live/ksmtop.sh - sourced by live/run.sh (tap.sh, ksm_save done):
# ksmtop on the running kernel: bad input, JSON against /proc, a real
# terminal under tmux, many processes, clean exit.
# shellcheck shell=bash
KT=$B/ksmtop
WL=$B/ksmwl
if [ ! -x $KT ]; then notok "ksmtop: built ($KT)"; return; fi

# expect DESC STATUS PATTERN CMD...: CMD exits STATUS; one line matches
expect() {
	local d=$1 st=$2 pat=$3 out rc; shift 3
	out=$("$@" 2>&1 </dev/null); rc=$?
	echo "#   $(echo "$out" | head -1)"
	verdict "$d (exit $rc)" $([ "$rc" = "$st" ] && echo "$out" | grep -q -- "$pat"; echo $?)
}
expect "ksmtop: unknown option" 2 "unknown option '--nosuch'" $KT --nosuch
expect "ksmtop: interval 0" 2 "-d needs seconds > 0" $KT -b -d 0
expect "ksmtop: negative interval" 2 "-d needs seconds > 0" $KT -b -d -2
expect "ksmtop: no terminal without -b" 2 "no terminal: use -b or -j" $KT
expect "ksmtop: not root" 1 "ksmtop: error: needs root" setpriv --reuid=65534 --regid=65534 --clear-groups $KT -b -n 1
expect "ksmtop: kernel without KSM" 1 "the kernel has no KSM" env KSMSCOPE_SYSFS=/nonexistent $KT -b -n 1
expect "ksmtop: kernel without BTF: the counters, and why" 0 "no kernel BTF .*fidelity counters" env KSMSCOPE_BTF=/nonexistent $KT -b -n 1 -d 0.2
echo 0 >$KSM/run
expect "ksmtop: ksmd off is a notice, not an error" 0 "notice: ksmd is off (run=0)" $KT -b -n 1 -d 0.2
ksm_restore; ksm_save
expect "ksmtop --counters: no BPF, fidelity counters" 0 "fidelity counters" $KT -b -n 1 -d 0.2 --counters

# the attach line: what a stock kernel with upstream tracepoints gives
# (tracefs, mounted for the test if it is not: the tools do not need it)
tracefs_mount || echo "# cannot mount tracefs at $TRACEFS"
if [ -d $TRACEFS/events/ksm/ksm_stable_tree_insert ]; then want=full
elif [ -d $TRACEFS/events/ksm/ksm_merge_with_ksm_page ]; then want=upstream
else want=counters; fi
expect "ksmtop: one line says what was attached and the fidelity ($want)" 0 "^ksmtop: attached .* fidelity $want\$" $KT -b -n 1 -d 0.2
# programs of ksmtops that exited: freed after an RCU grace period
ksm_progs() {
	local i n
	for i in $(seq 20); do
		n=$(bpftool prog show 2>/dev/null | grep -c ' name btf_ksm_\| name raw_ksm_')
		[ "$n" = 0 ] && break; sleep 0.25
	done
	echo "$n"
}

# --- merging in progress: JSON against /proc
before=$(ksm_state)
fifo=$(mktemp -u); mkfifo "$fifo"
$WL -r 10000 -n 40000 -p merge >"$fifo" 2>&1 &
wl=$!
exec 7<"$fifo"
# ksmd is paced to <= 10000 pages/s, so merging 40000 pages takes >= 4 s
# once it starts (the second pass): start watching when it has started
for _ in $(seq 1200); do
	[ "$(cat /proc/$wl/ksm_merging_pages 2>/dev/null || echo 0)" -gt 0 ] && break
	sleep 0.1
done
echo "#   merging started: $(cat /proc/$wl/ksm_merging_pages) pages"
$KT -j -n 4 -d 1 >"$B/live-ksmtop.json" 2>"$B/live-ksmtop.err"; rc=$?
after=$(cat /proc/$wl/ksm_merging_pages 2>/dev/null || echo 0)
sed 's/^/#   /' "$B/live-ksmtop.err"
verdict "ksmtop -j -n 4 -d 1 during merging exits 0" $rc
json_check live "$B/live-ksmtop.json" $wl $want "$after"
wait_held 7
verdict "workload merged everything and holds it" $?
$KT -j -n 1 -d 0.5 -p $wl >"$B/live-ksmtop-q.json" 2>/dev/null
stat=$(cat /proc/$wl/ksm_stat)
m=$(cat /proc/$wl/ksm_merging_pages)
r=$(echo "$stat" | awk '$1 == "ksm_rmap_items" {print $2}')
p=$(echo "$stat" | awk '$1 == "ksm_process_profit" {print $2}')
[ -n "$p" ] || p=$((m * $(getconf PAGESIZE) - r * 64))
json_check exact "$B/live-ksmtop-q.json" $wl "$m" "$r" "$p"

# --- a real terminal: tmux at 80x24 and 200x50, keys, q exits 0
if ! command -v tmux >/dev/null; then
	notok "ksmtop (tmux): tmux installed"
else
	# a tmux server of this run's own (its socket in the run's directory)
	tsock=$(mktemp -u)
	tm() { tmux -S "$tsock" "$@"; }
	screen() { tm capture-pane -p -t ksmtop-test; }
	shows() { screen | grep -Eq "$1"; }
	for size in 80x24 200x50 40x10; do
		rcf=$(mktemp); rm -f "$rcf"
		tm new-session -d -s ksmtop-test -x ${size%x*} -y ${size#*x} \
			"env TERM=screen $KT -d 0.5; echo \$? >$rcf"
		# each step waits for what it expects on the screen
		if [ $size = 40x10 ]; then
			wait_until 60 shows "too small"
			helpscr=""
		else
			wait_until 60 shows "^ksmtop .* fidelity"
			tm send-keys -t ksmtop-test h
			wait_until 30 shows "ksmtop keys"
			helpscr=$(screen)
			tm send-keys -t ksmtop-test x
			wait_until 30 shows "^ *$wl[ !] ksmwl +[0-9]+ "
			# w on the workload's row (filtered to it): why not merging
			tm send-keys -t ksmtop-test f "$wl" Enter
			wait_until 30 shows "filter .*pid"
			tm send-keys -t ksmtop-test w
			wait_until 60 shows "any key returns"
			whyscr=$(screen)
			tm send-keys -t ksmtop-test c
			wait_until 30 shows "^ *$wl[ !] ksmwl +[0-9]+ "
		fi
		scr=$(screen)
		echo "$scr" | head -3 | sed 's/^/#   | /'
		if [ $size = 40x10 ]; then
			verdict "ksmtop (tmux $size): smaller than the layout says so" \
				$(echo "$scr" | grep -q "too small"; echo $?)
		else
			verdict "ksmtop (tmux $size): header shown" \
				$(echo "$scr" | grep -q "^ksmtop .* fidelity $want" && echo "$scr" | grep -Eq "^ksmd: +run 1"; echo $?)
			verdict "ksmtop (tmux $size): the workload's row (pid $wl) shown" \
				$(echo "$scr" | grep -q "PID COMM" && echo "$scr" | grep -Eq "^ *$wl[ !] ksmwl +[0-9]+ "; echo $?)
			verdict "ksmtop (tmux $size): h shows the help screen" \
				$(echo "$helpscr" | grep -q "ksmtop keys"; echo $?)
			echo "$whyscr" | grep -E "^why:|^  merged" | sed 's/^/#   | /'
			verdict "ksmtop (tmux $size): w explains the selected process (pid $wl): its merged pages" \
				$(echo "$whyscr" | grep -q "^why: pid $wl (ksmwl)" && echo "$whyscr" | grep -Eq "^  merged +[1-9][0-9]* "; echo $?)
			# characters, not bytes: the sparklines may be UTF-8
			no_long=$(echo "$scr" | python3 -c 'import sys; w = int(sys.argv[1]); print(sum(len(l.rstrip("\n")) > w for l in sys.stdin))' ${size%x*})
			verdict "ksmtop (tmux $size): no line wider than the terminal" $([ "$no_long" = 0 ]; echo $?)
		fi
		tm send-keys -t ksmtop-test q
		wait_until 30 test -s "$rcf"
		verdict "ksmtop (tmux $size): q exits 0" $([ "$(cat "$rcf" 2>/dev/null)" = 0 ]; echo $?)
		rm -f "$rcf"
		tm kill-session -t ksmtop-test 2>/dev/null
	done
	tm kill-server 2>/dev/null
	rm -f "$tsock"
fi
kill -TERM $wl; wait $wl
exec 7<&-; rm -f "$fifo"

# --- thousands of processes, exiting between reads
$WL -n 6000 -s 300 many >"$B/live-many.log" 2>&1 &
wl=$!
stop_on_exit $wl
# until ksmd has met 1000 of its 1500 processes (rmap_items)
many_met() { [ "$(ksm_children $wl)" -ge 1000 ]; }
wait_until 240 many_met
echo "#   $(ksm_children $wl) processes with rmap_items"
( for _ in $(seq 400); do /bin/true; done ) &
$KT -j -n 3 -d 1 >"$B/live-ksmtop-many.json" 2>/dev/null; rc=$?
verdict "ksmtop -j with thousands of processes exits 0" $rc
json_check schema "$B/live-ksmtop-many.json"
n=$(python3 -c "import json,sys; print(max(len(json.loads(l)['processes']) for l in open(sys.argv[1])))" "$B/live-ksmtop-many.json" 2>/dev/null)
verdict "ksmtop lists the ${n:-0} KSM processes (>= 1000)" $([ "${n:-0}" -ge 1000 ]; echo $?)
$KT -b -n 2 -d 0.5 >"$B/live-ksmtop-many.txt" 2>&1; rc=$?
# every line between a table head and the blank line after it is a row
bad=$(awk '/^ +PID COMM/ {t = 1; next} t && !NF {t = 0} t {print}' "$B/live-ksmtop-many.txt" |
	grep -Ev '^ *[0-9]+ .{15} +[0-9]+ +[0-9]+ +[0-9]+ +-?[0-9.]+ +[-0-9.kMG]+ +[-0-9.kMG]+ +[-0-9]+$' | head -3)
rows=$(awk '/^ +PID COMM/ {t = 1; next} t && !NF {t = 0} t {n++} END {print n + 0}' "$B/live-ksmtop-many.txt")
echo "$bad" | sed 's/^/#   bad row: /'

verdict "ksmtop -b: $rows table rows, all intact, with thousands of processes" $([ $rc = 0 ] && [ -z "$bad" ] && [ "$rows" -ge 2000 ]; echo $?)
kill -TERM $wl 2>/dev/null; wait $wl 2>/dev/null
wait

# --- SIGTERM mid-run: status 0, every BPF program detached, KSM untouched
$KT -b -d 0.3 >"$B/live-ksmtop-term.txt" 2>&1 &
kt=$!
# mid-run: once it has drawn two frames
two_frames() { [ "$(grep -c '^ksmtop ' "$B/live-ksmtop-term.txt")" -ge 2 ]; }
wait_until 60 two_frames
kill -TERM $kt; wait $kt; rc=$?
verdict "ksmtop: SIGTERM ends it with status 0" $rc
progs_after=$(ksm_progs)
verdict "ksmtop: no BPF program of it left loaded ($progs_after)" $([ "$progs_after" = 0 ]; echo $?)
verdict "ksmtop and its workloads left the KSM settings as they were" $([ "$(ksm_state)" = "$before" ]; echo $?)

# per cgroup unit, with real cgroups of this machine (v2: /sys/fs/cgroup,
# or the unified hierarchy of a hybrid host)
cg2=/sys/fs/cgroup
[ -f $cg2/cgroup.controllers ] || cg2=/sys/fs/cgroup/unified
if [ -f $cg2/cgroup.controllers ]; then
	groups_tmp=$(mktemp -d)
	WHY_TMP=$groups_tmp KSMWL=$WL KSMTOP=$KT ksm_groups $cg2
	rm -rf "$groups_tmp"
else
	notok "groups: a cgroup v2 hierarchy on this machine (/sys/fs/cgroup or its unified/)"
fi
