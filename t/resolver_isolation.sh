#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# resolver_isolation.sh - proof that no library of mailauth asks the system
# resolver by itself, and DNSSEC reporting of DKIM keys end to end.
#
# Inside private network, mount and PID namespaces: a fake "system resolver"
# (t/e2e/fakedns.py) listens on 127.0.0.1:53 (UDP and TCP), logs every query and
# answers REFUSED; a resolv.conf naming only 127.0.0.1 is bind-mounted over
# /etc/resolv.conf. unbound serves the test data on 127.0.0.1:5353
# (t/e2e/isolation-unbound.conf.in, data from t/e2e/isodata.py), two zones of it
# DNSSEC-signed. mailauth-verify (DNSBackend unbound, DNSForwarders 127.0.0.1@5353)
# checks messages exercising SPF include, a, mx, ptr, exists, DKIM and DMARC, and
# the daemon (through miltertest and t/e2e/verify.lua, when both are there) checks
# some of them too, from its start to its stop. The
# verdicts must be right (so DNS went through the forwarder) and the fake resolver
# must have logged no query. Then the same with an empty /etc/resolv.conf (glibc
# would then ask 127.0.0.1:53 too). A control query through the C library
# (getent hosts) first shows that the fake resolver does see what uses the system
# resolver.
#
# DNSSEC: with DNSTrustAnchorFile naming the DNSKEYs of secure.example and bogus.example,
# the key of secure.example is reported "key DNSSEC-secure", the key of the unsigned
# inc.example "key DNSSEC-insecure", and the key of bogus.example (its signature damaged)
# gives dkim=temperror "key failed DNSSEC validation"; without a trust anchor none
# of that is said and the bogus.example signature passes.
#
# The test names are under "example." and the clients in 198.18.0.0/24: libunbound
# answers names under "test." and reverse names of 192.0.2.0/24 (and the other
# ranges of its default local zones) itself, NXDOMAIN, without asking anyone.
#
# Runs as root only; the whole run is bounded by timeout(1). Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

e2e=$top_srcdir/t/e2e
DNSPORT=5353
: "${MAILAUTH_VERIFY:=$top_builddir/tools/mailauth-verify}"

# skip_all - nothing can run here
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# ---- outer part: prerequisites, then the same script inside the namespaces --------
if [ -z "${MAILAUTH_ISO_TMP:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network and mount namespaces)"
	for c in unbound unshare ip timeout getent mount; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
	[ -x "$MAILAUTH_VERIFY" ] || skip_all "$MAILAUTH_VERIFY not built"
	[ -f /etc/resolv.conf ] || skip_all "no /etc/resolv.conf to mount over"
	"$SYS_PYTHON3" -c 'import dkim, dns.dnssec, dns.zone, cryptography' 2>/dev/null ||
	    skip_all "$SYS_PYTHON3 lacks dkim, dnspython or cryptography"
	unshare -mnpf --mount-proc true 2>/dev/null ||
	    skip_all "cannot create network, mount and PID namespaces here"
	iso_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-iso.XXXXXX") || exit 1
	MAILAUTH_ISO_TMP=$iso_tmp
	export MAILAUTH_ISO_TMP top_srcdir top_builddir MAILAUTH_VERIFY SYS_PYTHON3 OPENSSL \
	    MAILAUTH MILTERTEST
	timeout -k 5 110 unshare -mnpf --mount-proc --kill-child /bin/sh "$0"
	rc=$?
	rmdir "$iso_tmp" 2>/dev/null || rm -rf "$iso_tmp"
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "Bail out! timed out after 110 s"
	exit $rc
fi

# ---- inner part: PID 1 of private namespaces --------------------------------------
T=$MAILAUTH_ISO_TMP
FAKELOG=$T/fake53.log

# bail - a fatal setup failure: show the logs, stop
bail() {
	echo "Bail out! $*"
	for f in "$T"/*.log; do
		[ -s "$f" ] && diag "$f:" && diag_file "$f"
	done
	exit 1
}

# has TEXT NEEDLE DESC - a plain substring test
has() {
	case $1 in
	*"$2"*) tap_ok 0 "$3" ;;
	*) tap_ok 1 "$3"; diag "no \"$2\" in: $1" ;;
	esac
}

# hasnt TEXT NEEDLE DESC - the substring must not be there
hasnt() {
	case $1 in
	*"$2"*) tap_ok 1 "$3"; diag "\"$2\" in: $1" ;;
	*) tap_ok 0 "$3" ;;
	esac
}

# fake_queries - how many queries the fake system resolver has seen
fake_queries() {
	wc -l <"$FAKELOG" | tr -d ' '
}

# verify CONF NAME IP MAILFROM - mailauth-verify on $T/data/NAME.eml; sets out
# (stdout, fields unfolded onto one line each)
verify() {
	"$MAILAUTH_VERIFY" -c "$T/$1.conf" --ip "$3" --helo mx.inc.example \
	    --mail-from "$4" "$T/data/$2.eml" >"$T/$1-$2.out" 2>"$T/$1-$2.err"
	out=$(awk '/^[ \t]/ { sub(/^[ \t]+/, ""); printf " %s", $0; next }
		{ if (NR > 1) printf "\n"; printf "%s", $0 } END { printf "\n" }' \
	    "$T/$1-$2.out")
}

# check CONF NAME IP MAILFROM NEEDLE... - verify, then every NEEDLE is in the output
check() {
	_cc=$1 _cn=$2 _ci=$3 _cm=$4
	shift 4
	verify "$_cc" "$_cn" "$_ci" "$_cm"
	for _w in "$@"; do
		has "$out" "$_w" "$_cc $_cn ($_ci, $_cm): $_w"
	done
}

# all_cases CONF - every message with the trust anchor configuration CONF
all_cases() {
	check "$1" inc 198.18.0.10 x@inc.example "spf=pass smtp.mailfrom=x@inc.example" \
	    "dkim=pass (2048-bit rsa-sha256, key DNSSEC-insecure) header.d=inc.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" a 198.18.0.20 x@a.example "spf=pass smtp.mailfrom=x@a.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" mx 198.18.0.30 x@mx.example "spf=pass smtp.mailfrom=x@mx.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" ptr 198.18.0.40 x@ptr.example "spf=pass smtp.mailfrom=x@ptr.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" exists 198.18.0.50 x@exists.example "spf=pass smtp.mailfrom=x@exists.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" fail 198.18.0.99 x@a.example "spf=fail smtp.mailfrom=x@a.example" \
	    "dmarc=fail" "Action: reject"
	check "$1" secure 198.18.0.60 x@secure.example "spf=pass smtp.mailfrom=x@secure.example" \
	    "dkim=pass (2048-bit rsa-sha256, key DNSSEC-secure) header.d=secure.example" \
	    "dmarc=pass" "Action: accept"
	check "$1" bogus 198.18.0.70 x@bogus.example "spf=pass smtp.mailfrom=x@bogus.example" \
	    "dkim=temperror (key failed DNSSEC validation) header.d=bogus.example" \
	    "dmarc=pass"
}

# control NAME - a lookup through the C library must reach the fake resolver
control() {
	_before=$(fake_queries)
	getent hosts "$1" >/dev/null 2>&1
	_after=$(fake_queries)
	[ "$_after" -gt "$_before" ]
	tap_ok $? "control: getent hosts $1 reaches the fake resolver ($_before -> $_after queries)"
}

mount -t tmpfs -o mode=0755 mailauth-iso "$T" || bail "cannot mount a tmpfs on $T"
ip link set lo up || bail "cannot bring up lo"
[ -e /dev/log ] && mount --bind /dev/null /dev/log
mkdir -p "$T/data" || bail "mkdir"
"$SYS_PYTHON3" "$e2e/isodata.py" "$T/data" >"$T/isodata.log" 2>&1 ||
    bail "isodata.py failed"

# the fake system resolver on port 53, and a resolv.conf naming only it
"$SYS_PYTHON3" "$e2e/fakedns.py" 127.0.0.1 53 "$FAKELOG" >"$T/fakedns-stderr.log" 2>&1 &
fake_pid=$!
lib_pids="$lib_pids $fake_pid"
_i=0
while [ ! -s "$FAKELOG.ready" ] && [ $_i -lt 100 ] && still_running "$fake_pid"; do
	sleep 0.1
	_i=$((_i + 1))
done
[ -s "$FAKELOG.ready" ]
tap_ok $? "fake system resolver listens on 127.0.0.1:53 (UDP and TCP)" ||
    bail "fakedns.py did not start"
printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
is "$(cat /etc/resolv.conf)" "nameserver 127.0.0.1" \
    "/etc/resolv.conf in the namespace names only 127.0.0.1"
control control1.isolation.test

# unbound with the test data on port 5353
sed -e "s|@TMP@|$T|g" -e "s|@DNSPORT@|$DNSPORT|g" "$e2e/isolation-unbound.conf.in" \
    >"$T/unbound.conf"
unbound -d -c "$T/unbound.conf" >"$T/unbound-stderr.log" 2>&1 &
unbound_pid=$!
lib_pids="$lib_pids $unbound_pid"
wait_log "$T/unbound.log" "start of service" && still_running "$unbound_pid"
tap_ok $? "unbound serves the test data on 127.0.0.1@$DNSPORT" ||
    bail "unbound did not start"

for c in ta plain; do
	{
		echo "# written by resolver_isolation.sh"
		echo "AuthservID mx.example.example"
		echo "DNSBackend unbound"
		echo "DNSForwarders 127.0.0.1@$DNSPORT"
		echo "DNSTimeout 5"
		echo "EvaluationTimeout 15"
		echo "InternalHosts 192.0.2.255/32"
		[ "$c" = ta ] && echo "DNSTrustAnchorFile $T/data/ta.key"
	} >"$T/$c.conf"
done

# 1. resolv.conf names 127.0.0.1: verdicts right, nothing asked of port 53
base=$(fake_queries)
all_cases ta
# without validation: nothing said about DNSSEC, and the damaged signature is
# not noticed (the key itself is right)
check plain secure 198.18.0.60 x@secure.example \
    "dkim=pass (2048-bit rsa-sha256) header.d=secure.example"
check plain bogus 198.18.0.70 x@bogus.example \
    "dkim=pass (2048-bit rsa-sha256) header.d=bogus.example" "Action: accept"
check plain inc 198.18.0.10 x@inc.example \
    "dkim=pass (2048-bit rsa-sha256) header.d=inc.example" "spf=pass" "dmarc=pass"
hasnt "$(cat "$T"/plain-*.out)" "DNSSEC" "plain: no DNSSEC words without a trust anchor"
is "$(fake_queries)" "$base" "resolv.conf 127.0.0.1: the system resolver got no query"

# 2. an empty resolv.conf (glibc's default server is 127.0.0.1:53 as well)
: >"$T/resolv.empty"
umount /etc/resolv.conf && mount --bind "$T/resolv.empty" /etc/resolv.conf
is "$(wc -c </etc/resolv.conf | tr -d ' ')" 0 "/etc/resolv.conf in the namespace is empty"
control control2.isolation.test
base=$(fake_queries)
all_cases ta
check plain a 198.18.0.20 x@a.example "spf=pass smtp.mailfrom=x@a.example" "dmarc=pass"
is "$(fake_queries)" "$base" "empty resolv.conf: the system resolver got no query"

# 3. the daemon, from start-up (libmilter, the resolver) to its stop
if [ -x "$MAILAUTH" ] && [ -n "${MILTERTEST:-}" ] && [ -x "$MILTERTEST" ]; then
	{
		cat "$T/ta.conf"
		echo "Socket inet:8891@127.0.0.1"
		echo 'UserID ""'
		echo "PidFile $T/mailauth.pid"
		echo "LogLevel debug"
	} >"$T/daemon.conf"
	base=$(fake_queries)
	start_daemon "$T/mailauth.log" -c "$T/daemon.conf"
	mailauth_pid=$daemon_pid
	wait_listening "$T/mailauth.log" "$mailauth_pid"
	tap_ok $? "daemon: mailauth listens on inet:8891@127.0.0.1" ||
	    bail "mailauth did not start"
	while read -r name ip from want; do
		rm -f "$T/mt-$name" "$T/mt-$name.ar"
		"$MILTERTEST" -D sock=inet:8891@127.0.0.1 -D msgfile="$T/data/$name.eml" \
		    -D ip="$ip" -D helo=mx.inc.example -D mailfrom="<$from>" \
		    -D qid="ISO$name" -D code= -D xcode= -D text= -D out="$T/mt-$name" \
		    -s "$e2e/verify.lua" >"$T/mt-$name.log" 2>&1
		tap_ok $? "daemon $name: miltertest ran the session" ||
		    diag_file "$T/mt-$name.log"
		is "$(sed -n 's/^action=//p' "$T/mt-$name" 2>/dev/null)" accept \
		    "daemon $name: accept"
		has "$(tr '\r\n\t' '   ' <"$T/mt-$name.ar" 2>/dev/null)" "$want" \
		    "daemon $name: A-R has $want"
	done <<EOF
inc 198.18.0.10 x@inc.example dkim=pass (2048-bit rsa-sha256, key DNSSEC-insecure)
ptr 198.18.0.40 x@ptr.example spf=pass smtp.mailfrom=x@ptr.example
exists 198.18.0.50 x@exists.example spf=pass smtp.mailfrom=x@exists.example
secure 198.18.0.60 x@secure.example dkim=pass (2048-bit rsa-sha256, key DNSSEC-secure)
bogus 198.18.0.70 x@bogus.example dkim=temperror (key failed DNSSEC validation)
EOF
	stop_daemon "$mailauth_pid"
	is "$exit_status" 0 "daemon: stops on SIGTERM with exit status 0"
	is "$(fake_queries)" "$base" "daemon: the system resolver got no query"
else
	skip "daemon: mailauth or miltertest not there"
fi

kill -TERM "$unbound_pid"
wait_exit "$unbound_pid"
tap_ok $? "unbound stopped"

if [ $tap_failed -ne 0 ] || [ -n "${E2E_VERBOSE:-}" ]; then
	for f in "$FAKELOG" "$T/unbound.log" "$T"/ta-*.err "$T/mailauth.log"; do
		diag "$f:"
		diag_file "$f"
	done
fi
tap_done
