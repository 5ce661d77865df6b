#!/usr/bin/env bash
# selftests/vm/debian-kernel.sh LINE - Debian 12's current amd64 kernel of
# LINE (6.1 or 6.12), for the VM suite.  Prints the directory it is in.
#
# The image comes from Debian's own package, linux-image-*-amd64-unsigned,
# fetched with `apt-get download` and unpacked with `dpkg-deb -x`: it is
# never installed on this machine.  Which package is current:
#   6.1   what linux-image-amd64 depends on (Debian 12's default kernel)
#   6.12  the highest linux-image-6.12.N+deb12-amd64-unsigned apt offers
# The directory ($KSMSCOPE_CACHE/debian/PACKAGE_VERSION) keeps:
#   vmlinuz, config, release (its uname -r), package (name version), and
#   modules/: the modules the busybox guest needs (zram and what zram
#   depends on), with modules/load listing them in load order.
# A cached package is not fetched again.  Exit 1, with one line, when the
# package cannot be found or fetched.
set -uo pipefail
line=${1:-}
cache=${KSMSCOPE_CACHE:-/var/cache/ksmscope}/debian
fail() { echo "debian-kernel: error: $*" >&2; exit 1; }
case $line in 6.1|6.12) ;; *) fail "which line? 6.1 or 6.12 (got '${line}')" ;; esac
[ "$(id -u)" = 0 ] || fail "needs root (apt-get, the cache in $cache)"

candidate() { apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | grep -v '(none)'; }
pick() {
	case $line in
	6.1)
		local img
		img=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -1)
		[ -n "$img" ] && echo "$img-unsigned" ;;
	6.12)
		apt-cache pkgnames linux-image-6.12. 2>/dev/null |
			grep -E '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' | sort -V |
			while read -r p; do [ -n "$(candidate "$p")" ] && echo "$p"; done | tail -1 ;;
	esac
}
pkg=$(pick)
if [ -z "$pkg" ]; then	# no package lists yet (a fresh machine)
	apt-get update -q >/dev/null 2>&1
	pkg=$(pick)
fi
[ -n "$pkg" ] || fail "no Debian 12 $line amd64 kernel package known to apt (apt-get update?)"
ver=$(candidate "$pkg")
[ -n "$ver" ] || fail "$pkg: apt has no candidate version"
dir=$cache/${pkg}_$ver
if [ -f "$dir/vmlinuz" ] && [ -f "$dir/modules/load" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$cache" || fail "cannot create $cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX") || fail "cannot create a directory in $cache"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"	# apt-get download writes as _apt where it can
(cd "$tmp" && apt-get download -q "$pkg=$ver" >"$tmp/apt.log" 2>&1) ||
	fail "apt-get download $pkg=$ver failed: $(tail -1 "$tmp/apt.log")"
deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "apt-get download $pkg=$ver left no .deb"
dpkg-deb -x "$deb" "$tmp/x" || fail "dpkg-deb -x $(basename "$deb") failed"
vmlinuz=$(ls "$tmp"/x/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || fail "$pkg has no boot/vmlinuz-*"
release=${vmlinuz##*/vmlinuz-}
mods=$tmp/x/lib/modules/$release

out=$tmp/out
mkdir -p "$out/modules"
cp "$vmlinuz" "$out/vmlinuz" && cp "$tmp/x/boot/config-$release" "$out/config" || fail "cannot copy the image"
echo "$release" >"$out/release"
echo "$pkg $ver" >"$out/package"
# zram and its dependencies, dependencies first (the package has no
# modules.dep: depmod runs at install, and this is not installed)
declare -A seen=()
load() {
	local name=${1//-/_} f d
	[ -n "${seen[$name]:-}" ] && return 0
	seen[$name]=1
	f=$(find "$mods" -name "$name.ko*" -o -name "${1//_/-}.ko*" | head -1)
	[ -n "$f" ] || return 0		# built in
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do load "$d"; done
	case $f in
	*.xz) xz -dc "$f" >"$out/modules/$name.ko" ;;
	*.zst) zstd -qdc "$f" >"$out/modules/$name.ko" ;;
	*) cp "$f" "$out/modules/$name.ko" ;;
	esac
	echo "$name.ko" >>"$out/modules/load"
}
load zram
[ -s "$out/modules/load" ] || grep -q '^CONFIG_ZRAM=y' "$out/config" || fail "$pkg: no zram module"
touch "$out/modules/load"
rm -rf "$dir" && mv "$out" "$dir" || fail "cannot move the image to $dir"
echo "$dir"
