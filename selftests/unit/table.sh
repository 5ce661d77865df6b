#!/usr/bin/env bash
# selftests/unit/table.sh SERIES_DIR - what the kernel series defines, in the
# form of `unit_tests --events`: rebuild include/trace/events/ksm.h from the
# patches, then read its TRACE_EVENTs (TP_PROTO names and types in order; an
# int printed by show_ksm_<enum>() has that enum as its kind) and its enums
# (values in order, __print_symbolic names).  selftests/unit/run.sh compares
# the two, so bpf/ksm_events.def cannot drift from the kernel patches.
set -euo pipefail
series=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$tmp" init -q
for p in $(grep -v '^#' "$series/series"); do
	git -C "$tmp" apply --include=include/trace/events/ksm.h "$(realpath "$series/$p")" ||
		{ echo "table.sh: $p does not apply to include/trace/events/ksm.h" >&2; exit 1; }
done
h=$tmp/include/trace/events/ksm.h
[ -s "$h" ] || { echo "table.sh: the series has no include/trace/events/ksm.h" >&2; exit 1; }
awk '
function kind(t) {
	if (t ~ /\*/) return "PTR"
	if (t ~ /^(unsigned|u8|u16|u32|u64)/) return "U"
	return "S"
}
/^(TRACE_EVENT|DEFINE_EVENT|DECLARE_EVENT_CLASS)\(/ {
	line = $0; sub(/^[A-Z_]+\(/, "", line); sub(/, *$/, "", line)
	n = split(line, w, /, */); name = w[n]
	want = $0 !~ /^DECLARE_EVENT_CLASS/; next
}
want && /TP_PROTO\(/ { proto = $0; inproto = 1 }
want && inproto && !/TP_PROTO\(/ { proto = proto " " $0 }
want && inproto && /\)/ {
	inproto = 0; want = 0
	sub(/.*TP_PROTO\(/, "", proto); sub(/\).*/, "", proto)
	gsub(/\t/, " ", proto); gsub(/  +/, " ", proto)
	n = split(proto, a, / *, */); ne++; evname[ne] = name; evn[ne] = n
	for (i = 1; i <= n; i++) {
		arg = a[i]; gsub(/^ +| +$/, "", arg)
		an = arg; sub(/.*[ *]/, "", an)
		at = substr(arg, 1, length(arg) - length(an)); gsub(/ +$/, "", at)
		evarg[ne, i] = an; evkind[ne, i] = kind(at)
	}
	next
}
ne && /show_ksm_[a-z_]+\(__entry->[a-z_]+\)/ {
	s = $0; sub(/.*show_ksm_/, "", s); k = s; sub(/\(.*/, "", k)
	f = s; sub(/^[a-z_]+\(__entry->/, "", f); sub(/\).*/, "", f)
	for (i = 1; i <= evn[ne]; i++)
		if (evarg[ne, i] == f) evkind[ne, i] = toupper(k)
}
/^enum ksm_[a-z_]+ \{/ { e = $2; sub(/^ksm_/, "", e); e = toupper(e); v = 0; inenum = 1; next }
inenum && /^\};/ { inenum = 0; next }
inenum && /^[ \t]*KSM_[A-Z_]+/ { c = $1; sub(/,.*/, "", c); val[c] = v; en[c] = e; v++ }
/\{[ \t]*KSM_[A-Z_]+,[ \t]*"[a-z_]+"[ \t]*\}/ {
	s = $0; sub(/.*\{[ \t]*/, "", s); c = s; sub(/,.*/, "", c)
	nm = s; sub(/^[^"]*"/, "", nm); sub(/".*/, "", nm)
	if (c in val) print "sym " en[c] " " val[c] " " nm
	else print "sym ? ? " c
}
END {
	for (e = 1; e <= ne; e++) {
		out = "event " evname[e]
		for (i = 1; i <= evn[e]; i++) out = out " " evarg[e, i] ":" evkind[e, i]
		print out
	}
}
' "$h"
