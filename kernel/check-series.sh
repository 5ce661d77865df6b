#!/usr/bin/env bash
# kernel/check-series.sh - build the series patch by patch: every prefix
# of kernel/patches/series must build (bisectability), and every patch
# must pass checkpatch.pl --strict with 0 errors and 0 warnings.
# Builds go through kernel/build.sh, so they share its object directory
# and each step recompiles only what one more patch touches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SERIES=$(cd "${KERNEL_SERIES:-$here/patches}" && pwd)
CACHE=${KSMSCOPE_CACHE:-/var/cache/ksmscope}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t all < <(grep -v '^\s*#' "$SERIES/series" | sed '/^\s*$/d')
fail=0
for i in "${!all[@]}"; do
	p=${all[$i]}
	cp "$SERIES/$p" "$tmp/"
	echo "$p" >>"$tmp/series"
	if KERNEL_SERIES=$tmp "$here/build.sh" >/dev/null; then
		echo "ok $((i + 1)) builds with patches 1-$((i + 1)): $p"
	else
		echo "not ok $((i + 1)) build fails at $p"; fail=1
	fi
	src=$(ls -d "$CACHE"/src-* | head -1)
	res=$(cd "$src" && scripts/checkpatch.pl --strict --no-tree "$SERIES/$p" | grep '^total:' || true)
	echo "# checkpatch: $p: $res"
	echo "$res" | grep -q '^total: 0 errors, 0 warnings' || fail=1
done
exit $fail
