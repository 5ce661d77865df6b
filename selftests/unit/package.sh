# selftests/unit/package.sh - sourced by unit/run.sh as root (tap.sh
# loaded, $B the build directory): make deb builds the package and
# lintian finds nothing; it installs on this machine, its tools run from
# /usr/sbin, its exporter unit passes systemd-analyze verify, the unit's
# capabilities alone still load and attach the BPF programs; purged, it
# leaves nothing behind.
# shellcheck shell=bash
if dpkg-query -W -f='${Status}' ksmscope 2>/dev/null | grep -q installed; then
	notok "package: ksmscope is not installed on this machine before the test (it is: not touching it)"
	return
fi
out=$(make -s deb 2>&1); rc=$?
echo "$out" | tail -3 | sed 's/^/#   /'
deb=$(ls "$B"/deb/ksmscope_*_amd64.deb 2>/dev/null | head -1)
verdict "package: make deb builds $(basename "${deb:-none}") and lintian finds nothing (exit $rc)" \
	$([ $rc = 0 ] && [ -n "$deb" ]; echo $?)
[ -n "$deb" ] || return
files=$(dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {sub(/^\./, "", $6); print $6}')
out=$(dpkg -i "$deb" 2>&1); rc=$?
echo "$out" | tail -2 | sed 's/^/#   /'
verdict "package: dpkg -i installs it" $rc
missing=$(for f in $files; do [ -e "$f" ] || echo "$f"; done)
verdict "package: every file of it is in place ($(echo "$files" | wc -l))${missing:+ (missing: $missing)}" $([ -z "$missing" ]; echo $?)
verdict "package: /usr/sbin/ksmtop -h and ksmtrace -h run" \
	$(/usr/sbin/ksmtop -h | grep -q '^usage: ksmtop' && /usr/sbin/ksmtrace -h | grep -q '^usage: ksmtrace'; echo $?)
verdict "package: man ksmtop finds the installed page" $(man -w ksmtop 2>/dev/null | grep -q '^/usr/share/man/man8/ksmtop.8.gz$'; echo $?)
unit=/lib/systemd/system/ksmscope-exporter.service
out=$(systemd-analyze verify "$unit" 2>&1); rc=$?
echo "$out" | head -3 | sed 's/^/#   /'
verdict "package: systemd-analyze verify $unit: clean" $([ $rc = 0 ] && [ -z "$out" ]; echo $?)
# the unit's capability bounding set, and nothing else, as setpriv gives it
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -)
out=$(setpriv --bounding-set=-all,$caps --inh-caps=-all --no-new-privs \
	/usr/sbin/ksmtop -b -n 2 -d 0.5 2>&1); rc=$?
echo "$out" | grep -E '^ksmtop: (attached|error)|^overhead' | cut -c1-200 | sed 's/^/#   /'
verdict "package: with only the unit's capabilities ($caps) ksmtop attaches its BPF programs (exit $rc)" \
	$([ $rc = 0 ] && echo "$out" | grep -Eq '^ksmtop: attached [1-9][0-9]* ksm tracepoints' &&
	  ! echo "$out" | grep -q '^ksmtop: error'; echo $?)
out=$(dpkg --purge ksmscope 2>&1); rc=$?
echo "$out" | tail -1 | sed 's/^/#   /'
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done
       ls /var/lib/systemd/deb-systemd-helper-enabled /var/lib/systemd/deb-systemd-helper-masked 2>/dev/null | grep ksmscope
       dpkg-query -W ksmscope 2>/dev/null)
verdict "package: dpkg --purge removes it and leaves nothing behind${left:+ (left: $(echo $left))}" \
	$([ $rc = 0 ] && [ -z "$left" ]; echo $?)
