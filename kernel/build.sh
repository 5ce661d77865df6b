#!/usr/bin/env bash
# kernel/build.sh - build the ksmscope test kernel, cached outside the clone.
#
#   kernel/build.sh            build (or reuse) and print the build directory
#   kernel/build.sh --dir      print the build directory without building
#
# Inputs (environment):
#   KERNEL_TARBALL  Debian kernel source tarball  (/usr/src/linux-source-6.1.tar.xz)
#   KERNEL_SERIES   patch directory holding a `series` file (kernel/patches)
#   KERNEL_CONFIG   config fragment merged on tinyconfig (kernel/ksmscope.config)
#   EXTRA_PATCHES   space-separated patch files applied after the series
#   KSMSCOPE_CACHE  cache root (/var/cache/ksmscope)
#   JOBS            make -j (nproc)
#
# The result directory is $KSMSCOPE_CACHE/build-<hash>, the hash covering
# the tarball identity, every patch of the series, the extra patches, the
# config fragment and this script; it holds bzImage, vmlinux (with BTF),
# .config, the kernel's ksm_tests and the build log.  Compilation happens
# in one object directory per tarball and config (work-<hash>), from one
# git tree per tarball that is only re-patched between builds: make then
# recompiles just the files the patches touch.  (Copying an object
# directory to a new path would not do: objtool's command line holds the
# absolute path, so it is rebuilt, and every object with it.)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
SERIES=${KERNEL_SERIES:-$here/patches}
FRAGMENT=${KERNEL_CONFIG:-$here/ksmscope.config}
CACHE=${KSMSCOPE_CACHE:-/var/cache/ksmscope}
JOBS=${JOBS:-$(nproc)}
read -r -a EXTRA <<<"${EXTRA_PATCHES:-}"

die() { echo "kernel: error: $*" >&2; exit 1; }
log() { echo "kernel: $*" >&2; }

[ -f "$TARBALL" ] || die "kernel source tarball not found: $TARBALL (run 'make deps' or set KERNEL_TARBALL)"
[ -f "$FRAGMENT" ] || die "config fragment not found: $FRAGMENT"
[ -f "$SERIES/series" ] || die "no series file in $SERIES"
# the build runs inside the source tree: every input path made absolute
abs() { realpath -m -- "$1"; }
TARBALL=$(abs "$TARBALL") FRAGMENT=$(abs "$FRAGMENT") SERIES=$(abs "$SERIES") CACHE=$(abs "$CACHE")

patches=()
while read -r p; do
	p=${p%%#*}; p=${p//[[:space:]]/}
	[ -n "$p" ] || continue
	[ -f "$SERIES/$p" ] || die "patch listed in $SERIES/series not found: $p"
	patches+=("$SERIES/$p")
done <"$SERIES/series"
for p in "${EXTRA[@]}"; do
	[ -f "$p" ] || die "EXTRA_PATCHES: no such file: $p"
	patches+=("$(abs "$p")")
done

base_id="$(basename "$TARBALL")-$(stat -c '%s-%Y' "$TARBALL")"
hash=$( { echo "$base_id"; cat "$FRAGMENT" "$0";
	  for p in "${patches[@]}"; do echo "== $(basename "$p")"; cat "$p"; done; } |
	sha256sum | cut -c1-16)
out="$CACHE/build-$hash"
work_hash=$( { echo "$base_id"; cat "$FRAGMENT"; } | sha256sum | cut -c1-16)
work="$CACHE/work-$work_hash"

if [ "${1:-}" = "--dir" ]; then echo "$out"; exit 0; fi
if [ -f "$out/.done" ]; then log "cached: $out"; echo "$out"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

src="$CACHE/src-$base_id"
if [ ! -d "$src/.git" ]; then
	log "unpacking $TARBALL"
	rm -rf "$src.tmp"; mkdir -p "$src.tmp"
	tar -xf "$TARBALL" -C "$src.tmp" --strip-components=1 || die "cannot unpack $TARBALL"
	(cd "$src.tmp" && git init -q && git add -A -f &&
	 git -c user.name=ksmscope -c user.email=ksmscope@localhost commit -qm base &&
	 git tag base) || die "cannot create git tree in $src.tmp"
	mv "$src.tmp" "$src"
fi

cd "$src"
git checkout -q -f base
git clean -q -f -d -x
for p in "${patches[@]}"; do
	git apply --whitespace=nowarn "$p" 2>/dev/null ||
		die "patch does not apply: $p"
done
log "applied ${#patches[@]} patch(es) on $(make -s kernelversion)"

rm -rf "$out.tmp"
mkdir -p "$work" "$out.tmp/arch/x86/boot"
if [ ! -f "$work/.config" ]; then
	make -s O="$work" ARCH=x86_64 tinyconfig >/dev/null
	scripts/kconfig/merge_config.sh -m -O "$work" "$work/.config" "$FRAGMENT" >/dev/null
	make -s O="$work" ARCH=x86_64 olddefconfig >/dev/null
fi
missing=0
while read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	grep -qx -- "$line" "$work/.config" || { log "config: $line did not stick"; missing=1; }
done <"$FRAGMENT"
[ $missing = 0 ] || { rm -f "$work/.config"; die "config fragment not satisfied (see above)"; }

log "building in $work (-j$JOBS)"
if ! make O="$work" ARCH=x86_64 LOCALVERSION= -j"$JOBS" bzImage >"$out.tmp/build.log" 2>&1; then
	grep -E 'error|Error' "$out.tmp/build.log" | head -20 >&2
	mv "$out.tmp/build.log" "$CACHE/last-failed-build.log"
	die "kernel build failed, full log: $CACHE/last-failed-build.log"
fi

# The kernel's own KSM selftest, from the same tree, static for the initramfs.
st=tools/testing/selftests/vm
gcc -static -O2 -Wall -I tools/testing/selftests -I . -I "$st" \
	-o "$out.tmp/ksm_tests" "$st/ksm_tests.c" -lnuma -lpthread ||
	die "cannot build $st/ksm_tests.c"

cp "$work/arch/x86/boot/bzImage" "$out.tmp/arch/x86/boot/"
cp "$work/vmlinux" "$work/.config" "$work/System.map" "$out.tmp/"
printf '%s\n' "${patches[@]}" >"$out.tmp/patches.list"
rm -rf "$out"
mv "$out.tmp" "$out"
touch "$out/.done"
log "done: $out/arch/x86/boot/bzImage"
echo "$out"
