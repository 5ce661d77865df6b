#!/bin/sh
# selftests/vm/guest/ksm-vmtest.sh - runs inside the test VM (busybox sh).
#
# Runs every ksmwl workload with all ksm:* tracepoints enabled, then
# asserts from tracefs alone (no BPF) that each tracepoint of the series
# fired with plausible fields, then runs the kernel's own ksm_tests from
# the same source tree in every mode that applies.  Prints kselftest TAP.
#
#   ksm-vmtest.sh [tracepoints] [ksm_tests] [peers] [why] [cost] [groups] [mix]
#                                   (default: all but mix)
#
# mix: the workloads alone, no tracefs ($MIX: which ones, default all),
# for running under ksmtrace --check.
T=/sys/kernel/tracing
TR=/tmp/trace.all
. "$(dirname "$0")/tap.sh"
ksm_save

EV=/tmp/events
# split_events: one file per event under $EV holding the "key value" part
# of its lines (one pass: the trace can hold a few hundred thousand lines)
split_events() {
	rm -rf $EV; mkdir -p $EV
	awk -v dir=$EV '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^ksm_[a-z_]*:$/) {
				e = substr($i, 1, length($i) - 1)
				line = $0; sub(/.* ksm_[a-z_]*: /, "", line)
				print line > (dir "/" e); break
			}
	}' $TR
}
count() { if [ -f $EV/$1 ]; then wc -l <$EV/$1; else echo 0; fi; }
# fields EVENT: the "key value" part of each EVENT line
fields() { cat $EV/$1 2>/dev/null; }

run_workload() { # run_workload NAME ARGS...: one traced workload, one TAP line
	name=$1; shift
	echo 0 >$T/tracing_on
	echo >$T/trace
	echo 1 >$T/tracing_on
	out=$(ksmwl "$@" 2>&1); rc=$?
	echo 0 >$T/tracing_on
	cat $T/trace >>$TR
	lost=$(cat $T/per_cpu/cpu*/stats | awk '/^overrun:/ {s += $2} END {print s + 0}')
	echo "$out" | sed 's/^/# /'
	[ "$lost" -gt 0 ] && echo "# trace buffer overrun during $name: $lost events lost"
	case $rc in
	0) ok "workload $name" ;;
	4) skip "workload $name" "$(echo "$out" | sed -n 's/.*SKIP: //p' | tail -1)" ;;
	*) notok "workload $name (exit $rc)" ;;
	esac
	LAST_OUT=$out
}

# the upstream events' formats, for the host to compare with its own
print_formats() {
	for e in ksm_start_scan ksm_stop_scan ksm_enter ksm_exit ksm_merge_one_page \
		 ksm_merge_with_ksm_page ksm_remove_ksm_page ksm_remove_rmap_item; do
		echo "FMT $e $(normalize_format $T/events/ksm/$e/format)"
	done
}

tracepoint_tests() {
	if [ ! -d $T/events/ksm ]; then
		notok "tracefs has events/ksm"
		return
	fi
	print_formats
	echo 16384 >$T/buffer_size_kb
	echo 0 >$T/tracing_on
	echo 1 >$T/events/ksm/enable
	: >$TR

	# ksmtop watches the whole mix, exporting as well; the host checks
	# its JSON lines and its last scrape
	if command -v ksmtop >/dev/null; then
		ip link set lo up
		ksmtop -j -d 2 -N 5 --prometheus 127.0.0.1:9757 >/tmp/ksmtop.json 2>/tmp/ksmtop.err &
		KSMTOP_PID=$!
	fi

	# first, while the movable zone is still where new pages go
	run_workload hotremove -n 2048 hotremove
	run_workload merge -n 1024 merge
	run_workload zero -n 256 zero
	run_workload stale -n 512 stale
	run_workload chain -n 64 chain
	run_workload fork-reclaim -n 512 fork-reclaim
	run_workload migrate -n 256 -s 8 migrate
	moved=$(echo "$LAST_OUT" | sed -n 's/.* moved=\([0-9]*\).*/\1/p')
	retries_in_migrate=$(grep -c " ksm_get_ksm_page_retry: " $T/trace)
	# a retry is a race won now and then (13 to 40 in 8 s, most runs):
	# wait for one, by rounds, with a bound, not for a time
	round=1
	while [ "$retries_in_migrate" = 0 ] && [ $round -lt 6 ]; do
		round=$((round + 1))
		echo "# no get_ksm_page retry yet: migrate again (round $round)"
		run_workload "migrate (round $round)" -n 256 -s 8 migrate
		retries_in_migrate=$(grep -c " ksm_get_ksm_page_retry: " $T/trace)
	done
	run_workload numa-prune -n 512 numa-prune
	run_workload unmerge-all -n 512 unmerge-all
	run_workload lazyfree -n 512 lazyfree
	# the mutants' workloads: silent on the unmutated kernel too
	run_workload lazyfree-pair -n 512 lazyfree-pair
	run_workload cow -n 512 cow
	run_workload exit-merge -n 512 exit-merge
	run_workload offline-fork -n 512 offline-fork
	if [ -n "${KSMTOP_PID:-}" ]; then
		sleep 3
		wget -q -O /tmp/metrics http://127.0.0.1:9757/metrics
		echo "KSMPROM_RC $?"
		sed 's/^/KSMPROM /' /tmp/metrics
		kill -TERM $KSMTOP_PID; wait $KSMTOP_PID
		echo "KSMTOP_RC $?"
		sed 's/^/KSMTOP_ERR /' /tmp/ksmtop.err
		sed 's/^/KSMTOP /' /tmp/ksmtop.json
	fi
	echo 0 >$T/events/ksm/enable
	split_events

	echo "# events per tracepoint:"
	for e in $(ls $T/events/ksm | grep '^ksm_'); do
		echo "#   $e $(count "$e")"
	done

	# --- group A: the upstream ABI
	for e in ksm_start_scan ksm_stop_scan ksm_enter ksm_exit ksm_remove_ksm_page ksm_remove_rmap_item; do
		c=$(count $e); verdict "$e fired ($c)" $([ "$c" -gt 0 ]; echo $?)
	done
	fields ksm_stop_scan | awk '$1 == "seq" && $2 >= 0 && $3 == "rmap" && $4 == "size" && $5 >= 0 {ok=1} END {exit !ok}'
	verdict "ksm_stop_scan has seq and rmap size" $?
	fields ksm_merge_one_page | grep -q '^ksm pfn [1-9][0-9]* rmap_item .* error 0$'
	verdict "ksm_merge_one_page: a zero-page merge succeeded" $?
	fields ksm_merge_with_ksm_page | grep -q '^ksm pfn [1-9][0-9]* rmap_item .* error 0$'
	verdict "ksm_merge_with_ksm_page: a merge with a KSM page succeeded" $?
	fields ksm_remove_ksm_page | grep -q '^pfn [1-9]'
	verdict "ksm_remove_ksm_page carries a pfn" $?
	for f in /sys/kernel/tracing/events/ksm/ksm_merge_one_page/format; do
		grep -q 'print fmt: "ksm pfn %lu rmap_item %p mm %p error %d"' $f
		verdict "ksm_merge_one_page print format matches upstream" $?
	done

	# --- group B: new tracepoints
	for role in node chain dup; do
		fields ksm_stable_tree_insert | grep -q "kpfn [1-9][0-9]* nid [01] role $role\$"
		verdict "ksm_stable_tree_insert role $role" $?
	done
	fields ksm_stable_tree_insert | grep -Eq "nid [01] role replug(_dup)?\$"
	verdict "ksm_stable_tree_insert role replug/replug_dup (migrated node back in tree)" $?
	fields ksm_unstable_tree_insert | grep -q 'address 0x[0-9a-f]*000 pfn [1-9][0-9]* nid [01]$'
	verdict "ksm_unstable_tree_insert with page-aligned address and pfn" $?
	fields ksm_stable_tree_append | awk '{for (i = 1; i < NF; i++) if ($i == "hlist_len" && $(i+1) >= 2) ok=1} END {exit !ok}'
	verdict "ksm_stable_tree_append reaches hlist_len >= 2" $?
	fields ksm_remove_rmap_item_from_tree | grep -Eqv ' node (0000000000000000|\(null\)) '
	verdict "ksm_remove_rmap_item_from_tree from a stable node" $?
	fields ksm_remove_rmap_item_from_tree | grep -Eq ' node (0000000000000000|\(null\)) .* kpfn 0 hlist_len 0$'
	verdict "ksm_remove_rmap_item_from_tree from the unstable tree" $?
	for why in mapping; do
		fields ksm_stale_node | grep -q "kpfn [1-9][0-9]* why $why\$"
		verdict "ksm_stale_node why $why" $?
	done
	echo "# ksm_stale_node reasons: $(fields ksm_stale_node | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"
	c=$(count ksm_get_ksm_page_retry)
	echo "# ksm_get_ksm_page_retry fired $retries_in_migrate times while the migrate workload moved ${moved:-0} pages ($c in all)"
	verdict "ksm_get_ksm_page_retry fired ($c)" $([ "$c" -gt 0 ]; echo $?)
	fields ksm_get_ksm_page_retry | awk '$4 != $6 {ok=1} END {exit !ok}'
	verdict "ksm_get_ksm_page_retry: old_kpfn != new_kpfn" $?
	fields ksm_migrate_page | awk '$4 != $6 && $8 != $10 {ok=1} END {exit !ok}'
	verdict "ksm_migrate_page: a KSM page moved to the other node" $?
	fields ksm_rmap_walk | grep -q 'pass 0 rmap_items [1-9][0-9]* vmas [1-9]'
	verdict "ksm_rmap_walk pass 0 visited the own vma" $?
	fields ksm_rmap_walk | grep -q 'pass 1 rmap_items [1-9][0-9]* vmas [1-9]'
	verdict "ksm_rmap_walk pass 1 found a forked vma (search_new_forks)" $?
	echo "# ksm_purge causes: $(fields ksm_purge | awk '{print $NF}' | sort | uniq -c | tr '\n' ' ')"
	for cause in remove_all dup_prune chain_collapse chain_free lazyfree hotremove migrate_nodes; do
		fields ksm_purge | grep -q "cause $cause\$"
		verdict "ksm_purge cause $cause" $?
	done
	fields ksm_purge | grep -q "pfn [1-9][0-9]* .*cause hotremove\$"
	verdict "ksm_purge hotremove carries the offlined kpfn" $?
}

ksm_tests_run() { # ksm_tests_run ARGS...
	out=$(ksm_tests "$@" 2>&1); rc=$?
	echo "$out" | tail -3 | sed 's/^/# /'
	case $rc in
	0) ok "ksm_tests $*" ;;
	4) skip "ksm_tests $*" "$(echo "$out" | tail -1)" ;;
	*) notok "ksm_tests $* (exit $rc)" ;;
	esac
}

kernel_ksm_tests() {
	# the modes of tools/testing/selftests/vm/ksm_tests.c (6.1), as
	# run_vmtests.sh runs them, plus the timing modes at a small size
	ksm_tests_run -M -p 10
	ksm_tests_run -U
	ksm_tests_run -Z -p 10 -z 0
	ksm_tests_run -Z -p 10 -z 1
	ksm_tests_run -N -m 1
	ksm_tests_run -N -m 0
	ksm_tests_run -P -s 16
	ksm_tests_run -H -s 16
	ksm_tests_run -C -p 64
}

mix_tests() {
	for w in ${MIX:-hotremove merge zero stale chain fork-reclaim migrate numa-prune unmerge-all lazyfree lazyfree-pair cow exit-merge offline-fork fork fork-stopped stale-held}; do
		if [ $w = stale-held ]; then
			# stale, its process held 12 s afterwards: the checker
			# judges its counters while it lives (I5 per process)
			ksmwl -n 512 -p stale >/tmp/stale-held.out 2>&1 &
			sp=$!
			sleep 12
			kill $sp; wait $sp
			sed 's/^/# /' /tmp/stale-held.out
			if grep -q '^ksmwl: stale: ok' /tmp/stale-held.out; then
				ok "mix: workload $w"
			else
				notok "mix: workload $w"
			fi
			continue
		fi
		case $w in
		migrate) args="-n 256 -s 8" ;;
		hotremove) args="-n 2048" ;;
		chain) args="-n 64" ;;
		fork*) args="-n 512 -s 6" ;;
		*) args="-n 512" ;;
		esac
		out=$(ksmwl $args $w 2>&1); rc=$?
		echo "$out" | sed 's/^/# /'
		case $rc in
		0) ok "mix: workload $w" ;;
		4) skip "mix: workload $w" "$(echo "$out" | sed -n 's/.*SKIP: //p' | tail -1)" ;;
		*) notok "mix: workload $w (exit $rc)" ;;
		esac
	done
}

# the peers of ksm_functional_tests.c on the series: unmerging under
# uffd-wp (patch 0013) and PROT_NONE (0014) and a fork's counters (0012)
# hold; prctl (6.4) and the KSM zero page counters (6.10) are not on 6.1
peer_tests() {
	ksm_peers "ft-unmerge=pass ft-unmerge-discarded=pass ft-unmerge-uffd-wp=pass ft-prot-none=pass ft-fork-count=pass ft-unmerge-zero=na ft-fork-zero=na ft-prctl=na"
}

echo "TAP version 13"
[ $# -gt 0 ] || set -- tracepoints ksm_tests peers why cost groups
for part in "$@"; do
	case $part in
	tracepoints) tracepoint_tests ;;
	ksm_tests) kernel_ksm_tests ;;
	mix) mix_tests ;;
	peers) peer_tests ;;
	why) ksm_why "$KSM_WHY_ALL" ;;
	cost) ksm_cost ;;
	groups) ksm_groups /sys/fs/cgroup ;;
	*) notok "unknown part $part" ;;
	esac
done
tap_done
