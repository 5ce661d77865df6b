# selftests/live/prometheus.sh - sourced by live/run.sh (tap.sh, ksm_save
# done): ksmtop --prometheus scraped by Debian's prometheus on loopback
# while a workload merges; what Prometheus' query API shows is checked
# against /proc and sysfs; then bad requests and a bounded scrape storm.
# Everything listens on 127.0.0.1 only.
# shellcheck shell=bash
KT=$B/ksmtop
WL=$B/ksmwl
PC="python3 selftests/lib/prom_check.py"
if [ ! -x $KT ]; then notok "ksmtop --prometheus: built ($KT)"; return; fi
if ! command -v prometheus >/dev/null || ! command -v promtool >/dev/null; then
	notok "ksmtop --prometheus: Debian's prometheus and promtool installed (make deps)"
	return
fi

# --- bad input: one line, exit 2
expect "ksmtop --prometheus: bad address" 2 "error: bad address '999.0.0.1:9757'" timeout 20 $KT --prometheus 999.0.0.1:9757
expect "ksmtop --prometheus: port out of range" 2 "the port must be 1-65535" timeout 20 $KT --prometheus=127.0.0.1:0
expect "ksmtop --prometheus: a host name is not an address" 2 "not a numeric IPv4 or IPv6 address" timeout 20 $KT --prometheus example.invalid:9757
expect "ksmtop --prometheus: -N past the bound" 2 "at most 1000 processes" timeout 20 $KT --prometheus -N 5000
ep=$($PC free-port)
# an address this machine does not have (TEST-NET-1): bind fails, nothing is sent
expect "ksmtop --prometheus: an address not on this machine" 2 "cannot listen on 192.0.2.1:$ep: Cannot assign requested address" timeout 20 $KT --prometheus 192.0.2.1:$ep
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
print("held", flush=True); time.sleep(60)' "$ep" >"$B/prom-hold.out" &
holder=$!
for _ in $(seq 50); do [ -s "$B/prom-hold.out" ] && break; sleep 0.1; done
expect "ksmtop --prometheus: port in use" 2 "cannot listen on 127.0.0.1:$ep: Address already in use" timeout 20 $KT --prometheus 127.0.0.1:$ep
kill $holder; wait $holder 2>/dev/null

# --- the exporter, Prometheus scraping it every second, then the workload
before=$(ksm_state)
# stable nodes of exited processes stay counted while ksmd is off: run=2
# (unmerge all, synchronous) empties the tree, run goes back at once
run=$(cat $KSM/run); echo 2 >$KSM/run; echo "$run" >$KSM/run
pages_before=$(( $(cat $KSM/pages_shared) + $(cat $KSM/pages_sharing) ))
pp=$($PC free-port)
ptmp=$(mktemp -d)
$KT --prometheus 127.0.0.1:$ep -d 0.5 -N 5 >"$B/prom-exporter.out" 2>"$B/prom-exporter.err" &
exporter=$!
stop_on_exit $exporter
cat >"$ptmp/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ksmscope
    static_configs:
      - targets: ['127.0.0.1:$ep']
EOF
prometheus --config.file="$ptmp/prometheus.yml" --storage.tsdb.path="$ptmp/data" \
	--web.listen-address=127.0.0.1:$pp --log.level=warn >"$B/prom-server.log" 2>&1 &
prom=$!
stop_on_exit $prom
tap_lines $PC wait-up 127.0.0.1:$pp ksmscope 60
sed 's/^/#   /' "$B/prom-exporter.err"
scrape=$(curl -s --max-time 5 http://127.0.0.1:$ep/metrics)
lint=$(echo "$scrape" | promtool check metrics 2>&1); rc=$?
echo "$lint" | head -5 | sed 's/^/#   promtool: /'
verdict "ksmtop --prometheus: promtool check metrics finds nothing (format and naming)" $([ $rc = 0 ] && [ -z "$lint" ]; echo $?)
verdict "ksmtop --prometheus: every family has HELP and TYPE" $(echo "$scrape" | awk '
	/^# HELP / {h[$3] = 1; next} /^# TYPE / {t[$3] = 1; next}
	{n = $1; sub(/\{.*/, "", n); if (!h[n] || !t[n]) bad++}
	END {exit bad > 0}'; echo $?)

fifo=$(mktemp -u); mkfifo "$fifo"
$WL -r 10000 -n 20000 -p merge >"$fifo" 2>&1 &
wl=$!
stop_on_exit $wl
exec 8<"$fifo"
wait_held 8
verdict "ksmtop --prometheus: the workload merged its 20000 pages and holds them" $?
# ten more KSM processes, so the top 5 leaves some out
$WL -n 40 -s 120 many >"$B/prom-many.log" 2>&1 &
many=$!
stop_on_exit $many
ten_met() { [ "$(ksm_children $many)" -ge 10 ]; }
wait_until 120 ten_met
tap_lines $PC live 127.0.0.1:$pp $wl $want 5 "$pages_before"
tap_lines $PC http 127.0.0.1:$ep $exporter
tap_lines $PC wait-up 127.0.0.1:$pp ksmscope 10

# newest first: each workload puts back the knobs it changed
kill -TERM $many; wait $many
kill -TERM $wl; wait $wl
exec 8<&-; rm -f "$fifo"
kill -TERM $exporter; wait $exporter; rc=$?
verdict "ksmtop --prometheus: SIGTERM ends it with status 0" $rc
progs_after=$(ksm_progs)
verdict "ksmtop --prometheus: no BPF program of it left loaded ($progs_after)" $([ "$progs_after" = 0 ]; echo $?)
verdict "ksmtop --prometheus: nothing listens on its port after it" $(! $PC probe 127.0.0.1:$ep 2>/dev/null; echo $?)
kill -TERM $prom; wait $prom
rm -rf "$ptmp"
verdict "ksmtop --prometheus and its workloads left the KSM settings as they were" $([ "$(ksm_state)" = "$before" ]; echo $?)
