#!/usr/bin/env bash
# selftests/vm/run-vm.sh - boot a kernel under QEMU and run commands in it.
#
#   run-vm.sh -k BZIMAGE [-t TIMEOUT] [-m MEM_MB] [-a KERNEL_ARGS] [-M MODDIR]
#             [-f FILE]... [-l LOG] [-o OUT] [-i] [-N NAME] -- COMMAND [ARGS...]
#
# The guest is a busybox initramfs built on the fly: static busybox, the
# files given with -f copied to /opt/ksmscope (and on PATH), and COMMAND
# run by /init as root.  The machine has 2 vCPUs in 2 NUMA nodes (QEMU
# NUMA, one CPU and half the memory each), zram swap, tracefs, cgroup2,
# and movablecore= so that a memory block can be offlined.
#
# -M: a directory of kernel modules to load at boot, before zram is set
# up: MODDIR/load lists the .ko files in load order (a distribution's
# kernel, whose zram is a module: selftests/vm/debian-kernel.sh).
#
# Two channels: the console (ttyS0: the kernel's messages, boot and exit
# markers) is streamed to stdout (and to LOG); COMMAND's stdout and stderr
# and its exit status go to a second serial port (ttyS1), which printk
# never writes to, so its lines arrive whole.  That output goes to OUT,
# or to stdout after the console when there is no -o.
#
# -N: the guest's name (QEMU -name guest=NAME; default ksmscope), which
# tools on the host show for its QEMU process.
#
# -i: the guest clock counts instructions (QEMU -icount, shift 3: 8 ns
# each; single-threaded TCG, one vCPU: with two, 6.1 does not bring the
# second up under -icount; node 1 keeps its memory, without a CPU), so
# time measured in the guest does not depend on how busy the host is:
# for benchmarks.
#
# Exit status:
#   0..99  the guest COMMAND's own exit status
#   100    the kernel did not boot (no userspace marker on the console)
#   101    timeout: the guest did not finish in TIMEOUT seconds
#   102    a kernel splat (oops, BUG, WARNING, lockdep, panic, ...)
#   103    the guest stopped without reporting an exit status (crash)
#   104    harness error (missing kernel, busybox or qemu)
set -uo pipefail

kernel="" timeout=600 mem=2048 log="" out="" extra_args="" files=() moddir="" name=ksmscope
accel=(-accel tcg,thread=multi) smp=2 node1=",cpus=1"
while getopts "k:t:m:a:f:l:o:iM:N:" o; do
	case $o in
	k) kernel=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	a) extra_args=$OPTARG ;;
	f) files+=("$OPTARG") ;;
	l) log=$OPTARG ;;
	o) out=$OPTARG ;;
	M) moddir=$OPTARG ;;
	N) name=$OPTARG ;;
	i) accel=(-accel tcg,thread=single -icount shift=3) smp=1 node1="" ;;
	*) echo "usage: run-vm.sh -k BZIMAGE [-t SEC] [-m MB] [-a ARGS] [-M MODDIR] [-f FILE]... [-l LOG] [-o OUT] [-i] [-N NAME] -- CMD..." >&2; exit 104 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { echo "vm: error: no command to run in the guest" >&2; exit 104; }

fail() { echo "vm: error: $*" >&2; exit 104; }
[ -f "$kernel" ] || fail "kernel image not found: ${kernel:-<none>} (run 'make kernel')"
busybox=$(command -v busybox || true)
[ -x /bin/busybox ] && busybox=/bin/busybox
[ -n "$busybox" ] && file -L "$busybox" 2>/dev/null | grep -q 'statically linked' ||
	fail "static busybox not found (apt-get install busybox-static, or 'make deps')"
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not found ('make deps')"
[[ "$timeout" =~ ^[0-9]+$ ]] && [ "$timeout" -gt 0 ] || fail "bad timeout: $timeout"

work=$(mktemp -d "${TMPDIR:-/tmp}/ksmscope-vm.XXXXXX")
qpid=""
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,opt/ksmscope,etc}
cp "$busybox" "$root/bin/busybox"
for f in "${files[@]}"; do
	[ -e "$f" ] || fail "file for the guest not found: $f"
	cp -a "$f" "$root/opt/ksmscope/"
done
if [ -n "$moddir" ]; then
	[ -f "$moddir/load" ] || fail "no module list: $moddir/load"
	mkdir -p "$root/lib/modules"
	while read -r m; do
		[ -f "$moddir/$m" ] || fail "module not found: $moddir/$m"
		cp "$moddir/$m" "$root/lib/modules/"
		echo "$m" >>"$root/lib/modules/load"
	done <"$moddir/load"
fi
{
	printf 'cd /opt/ksmscope\n'
	printf '%q ' "$@"
	printf '\n'
} >"$root/run.sh"
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/opt/ksmscope:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
if [ -f /lib/modules/load ]; then
	while read -r m; do
		insmod "/lib/modules/$m" || echo "insmod $m failed"
	done </lib/modules/load
fi
echo "KSMSCOPE-BOOTED $(uname -r) nodes=$(ls -d /sys/devices/system/node/node* | wc -l) cpus=$(nproc)"
if [ -e /sys/block/zram0/disksize ]; then
	echo 512M > /sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null &&
		swapon /dev/zram0 && echo "zram swap: $(grep SwapTotal /proc/meminfo)"
fi
# the command's channel: ttyS1, raw (bytes as written, no CR added)
stty -F /dev/ttyS1 raw -echo 2>/dev/null
exec 3>/dev/ttyS1
sh /run.sh >&3 2>&3 3>&-
rc=$?
echo "KSMSCOPE-EXIT=$rc" >&3
echo "KSMSCOPE-EXIT=$rc"
exec 3>&-
# what is still in the UART's buffer gets out before the power goes
sleep 1
sync
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz" ||
	fail "cannot build the initramfs"

half=$((mem / 2))
console=$work/console.log
chan=$work/channel.log
# loglevel=5: KERN_WARNING reaches the console, so a WARN or a lockdep
# report is seen (at 4 they were printed to the log buffer only)
args="console=ttyS0 panic=-1 oops=panic quiet loglevel=5 no_hash_pointers movablecore=$((mem / 2))M $extra_args"
echo "vm: booting $(basename "$kernel") mem=${mem}M cpus=$smp nodes=2 timeout=${timeout}s"
start=$(date +%s)
timeout -k 10 "$timeout" qemu-system-x86_64 \
	"${accel[@]}" -name "guest=$name" -cpu max -smp $smp,sockets=$smp -m "${mem}M" \
	-object memory-backend-ram,id=m0,size="${half}M" \
	-object memory-backend-ram,id=m1,size="$((mem - half))M" \
	-numa node,nodeid=0,cpus=0,memdev=m0 \
	-numa node,nodeid=1$node1,memdev=m1 \
	-kernel "$kernel" -initrd "$work/initrd.gz" -append "$args" \
	-display none -monitor none -nic none -serial stdio -serial file:"$chan" \
	-no-reboot </dev/null 2>&1 |
	sed -u 's/\r$//' | tee "$console" ${log:+"$log"}
qrc=${PIPESTATUS[0]}
echo "vm: qemu exited with $qrc after $(($(date +%s) - start))s"
touch "$chan"
if [ -n "$out" ]; then
	cp "$chan" "$out" || fail "cannot write $out"
else
	cat "$chan"
fi

splat='(BUG:|Oops|WARNING:|Kernel panic|kernel BUG at|general protection fault|possible circular locking|possible recursive locking|inconsistent lock state|INFO: task .* blocked|rcu_.*stall|UBSAN:|KASAN:|Call Trace:)'
if ! grep -q '^KSMSCOPE-BOOTED' "$console"; then
	echo "vm: result: kernel did not boot (no userspace marker on the console)"
	exit 100
fi
# (ksmtrace --kmsg's reports are not splats, whatever their text)
if grep -Ev 'ksmscope: VIOLATION' "$console" | grep -Eq "$splat"; then
	echo "vm: result: kernel splat:"
	# with the console line numbers: what came before it is ordered
	grep -nE "$splat" "$console" | grep -v 'ksmscope: VIOLATION' | head -5 |
		sed 's/^\([0-9]*\):/vm:   line \1: /'
	exit 102
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "vm: result: timeout after ${timeout}s"
	exit 101
fi
# the status as the guest's init sent it on the command's channel
rc=$(sed -n 's/^KSMSCOPE-EXIT=\([0-9]*\)$/\1/p' "$chan" | tail -1)
if [ -z "$rc" ]; then
	echo "vm: result: guest stopped without an exit status (crash?)"
	exit 103
fi
echo "vm: result: guest exit status $rc"
[ "$rc" -lt 100 ] || rc=99
exit "$rc"
