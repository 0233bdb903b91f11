#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# postfix_e2e.sh - mailauth between a real Postfix and a real DNS server: unbound
# serves the test zones (t/e2e/unbound.conf.in), mailauth resolves through it
# (DNSBackend unbound), Postfix (its own config, queue and data directories) calls
# mailauth as its milter, swaks is the SMTP client. Every scenario is asserted on
# what Postfix did: the delivered file, the SMTP reply, the hold queue.
#
# The DMARC SERVFAIL case: _dmarc.broken.example is a local zone of type "refuse";
# unbound answers REFUSED, and libunbound, which forwards to it, reports that as
# rcode SERVFAIL (no other forwarder to try): DNS_TEMPFAIL, dmarc=temperror, 451 4.4.3.
#
# The ARC case (RFC 8617) goes through two hops: this Postfix and mailauth deliver
# example.com's signed message to a mailing list; the list (t/e2e/arclist.py, a
# test-only sealer on python3-dkim's ARC signer) changes it and seals it as
# list.example; the list's copy comes back through this Postfix and mailauth: with
# TrustedARCSealers list.example accepted with dmarc=fail and arc=pass, rejected
# when changed after the seal, and rejected after a reload that drops the sealer.
#
# Runs as root only. The script re-executes itself under unshare: private network
# (only lo), mount and PID namespaces, so nothing of the host is touched, the fixed
# ports cannot clash, the work directory is a tmpfs, and every process left behind
# dies with the namespace. Each daemon is still stopped by its PID at the end (trap
# on EXIT). The whole run is bounded by timeout(1). Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

e2e=$top_srcdir/t/e2e
SMTPPORT=2525
DNSPORT=5353
MPORT=8891
RCPT=bob@rcpt.test
HELO=mx.example.com

# skip_all - nothing can run here
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# ---- outer part: prerequisites, then the same script inside the namespaces --------
if [ -z "${MAILAUTH_E2E_TMP:-}" ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network and mount namespaces)"
	for c in postfix postqueue postcat unbound swaks unshare ip timeout; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
	done
	[ -x "$MAILAUTH" ] || skip_all "$MAILAUTH not built"
	if ! getent passwd postfix >/dev/null || ! getent passwd nobody >/dev/null ||
	    ! getent group postdrop >/dev/null; then
		skip_all "user postfix or nobody, or group postdrop missing"
	fi
	"$SYS_PYTHON3" -c 'import dkim, authres' 2>/dev/null ||
	    skip_all "$SYS_PYTHON3 cannot import dkim, authres (python3-dkim, -authres)"
	unshare -mnpf --mount-proc true 2>/dev/null ||
	    skip_all "cannot create network, mount and PID namespaces here"
	e2e_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-e2e.XXXXXX") || exit 1
	MAILAUTH_E2E_TMP=$e2e_tmp
	export MAILAUTH_E2E_TMP top_srcdir top_builddir TDATA MAILAUTH SYS_PYTHON3
	timeout -k 5 110 unshare -mnpf --mount-proc --kill-child /bin/sh "$0"
	rc=$?
	rmdir "$e2e_tmp" 2>/dev/null || rm -rf "$e2e_tmp"
	[ $rc -eq 124 ] || [ $rc -eq 137 ] && echo "Bail out! timed out after 110 s"
	exit $rc
fi

# ---- inner part: PID 1 of private namespaces --------------------------------------
T=$MAILAUTH_E2E_TMP
PFC=$T/pf/etc
OUT=$T/out
pf_started=no

# e2e_cleanup - stop Postfix, then every daemon by PID (lib_cleanup)
e2e_cleanup() {
	if [ "$pf_started" = yes ]; then
		postfix -c "$PFC" stop >/dev/null 2>&1
		wait_gone "$(master_pid)"
	fi
	lib_cleanup
}
trap e2e_cleanup EXIT

# master_pid - the PID of Postfix's master, from its pid file
master_pid() {
	tr -d ' \n' <"$T/pf/spool/pid/master.pid" 2>/dev/null
}

# wait_gone - wait (at most about 10 s) until PID (not our child) has exited
wait_gone() {
	[ -n "$1" ] || return 0
	_wi=0
	while still_running "$1" && [ $_wi -lt 100 ]; do
		sleep 0.1
		_wi=$((_wi + 1))
	done
	! still_running "$1"
}

# bail - a fatal setup failure: show the logs, stop
bail() {
	echo "Bail out! $*"
	for f in "$T"/*.log "$T/maillog" "$T/postfix-start.out"; do
		[ -s "$f" ] && diag "$f:" && diag_file "$f"
	done
	exit 1
}

# subst TEMPLATE OUTPUT - a configuration from a template in t/e2e
subst() {
	sed -e "s|@TMP@|$T|g" -e "s|@MPORT@|$MPORT|g" -e "s|@DNSPORT@|$DNSPORT|g" \
	    -e "s|@SMTPPORT@|$SMTPPORT|g" "$e2e/$1" >"$2"
}

# send NAME MAILFROM [RCPTTO] - one SMTP transaction with swaks, message
# $T/data/NAME.eml, to $RCPT unless RCPTTO; transcript in $T/NAME.swaks; sets
# qid (empty when not queued)
send() {
	swaks --server 127.0.0.1 --port "$SMTPPORT" --helo "$HELO" --from "$2" \
	    --to "${3:-$RCPT}" --data "@$T/data/$1.eml" --timeout 40 \
	    >"$T/$1.swaks" 2>&1 </dev/null
	qid=$(sed -n 's/^<- *250 .*queued as \([0-9A-Za-z]*\).*/\1/p' "$T/$1.swaks" |
	    head -n 1)
}

# smtp_reply NAME CODE XCODE - the transcript has an error reply CODE XCODE
smtp_reply() {
	grep -E "^<\*\* +$2[ -]$(printf '%s' "$3" | sed 's/\./\\./g') " "$T/$1.swaks"
}

# delivered QID [RCPTTO] - wait (at most about 15 s) until Postfix reports the
# delivery (to $RCPT unless RCPTTO)
delivered() {
	[ -n "$1" ] && wait_log "$T/maillog" " $1: to=<${2:-$RCPT}>.* status=sent" &&
	    [ -s "$OUT/$1" ]
}

# fields FILE - the header fields of a message, unfolded, one per line
fields() {
	awk '/^\r?$/ { exit }
		/^[ \t]/ { sub(/^[ \t]+/, ""); f = f " " $0; next }
		{ if (f != "") print f; f = $0 }
		END { if (f != "") print f }' "$1"
}

# field_values FILE NAME - the (unfolded) values of every field NAME, in order
field_values() {
	fields "$1" | awk -v n="$2" 'BEGIN { n = tolower(n) }
		{ i = index($0, ":"); if (tolower(substr($0, 1, i - 1)) != n) next
		  v = substr($0, i + 1); sub(/^[ \t]+/, "", v); print v }'
}

# body FILE - the body of a message, without CR
body() {
	awk 'b { print } /^\r?$/ { b = 1 }' "$1" | tr -d '\r'
}

# has TEXT NEEDLE DESC - a plain substring test
has() {
	case $1 in
	*"$2"*) tap_ok 0 "$3" ;;
	*) tap_ok 1 "$3"; diag "no \"$2\" in: $1" ;;
	esac
}

mount -t tmpfs -o mode=0755 mailauth-e2e "$T" || bail "cannot mount a tmpfs on $T"
ip link set lo up || bail "cannot bring up lo"
# a syslog socket is a file, not part of the network namespace: hide the host's
[ -e /dev/log ] && mount --bind /dev/null /dev/log
mkdir -p "$PFC" "$T/pf/spool" "$T/pf/lib" "$OUT" "$T/data" || bail "mkdir"
chown postfix "$T/pf/lib"	# data_directory: master.lock, caches
chmod 1777 "$OUT"	# the pipe transport writes as nobody
"$SYS_PYTHON3" "$e2e/mkdata.py" "$e2e" "$T/data" >"$T/mkdata.log" 2>&1 ||
    bail "mkdata.py failed"

# DNS: unbound with the test zones
subst unbound.conf.in "$T/unbound.conf"
unbound -d -c "$T/unbound.conf" >"$T/unbound-stderr.log" 2>&1 &
unbound_pid=$!
lib_pids="$lib_pids $unbound_pid"
wait_log "$T/unbound.log" "start of service" && still_running "$unbound_pid"
tap_ok $? "unbound serves the test zones on 127.0.0.1@$DNSPORT" ||
    bail "unbound did not start"

# mailauth: unbound backend forwarding to it
subst mailauth.conf.in "$T/mailauth.conf"
"$MAILAUTH" -n -c "$T/mailauth.conf" >"$T/mailauth-n.log" 2>&1
tap_ok $? "mailauth -n accepts the test configuration" || diag_file "$T/mailauth-n.log"
start_daemon "$T/mailauth.log" -c "$T/mailauth.conf"
mailauth_pid=$daemon_pid
wait_listening "$T/mailauth.log" "$mailauth_pid"
tap_ok $? "mailauth listens on inet:$MPORT@127.0.0.1" || bail "mailauth did not start"

# Postfix: own config directory, queue and data under the tmpfs
subst main.cf.in "$PFC/main.cf"
subst master.cf.in "$PFC/master.cf"
pf_started=yes
postfix -c "$PFC" start >"$T/postfix-start.out" 2>&1
pf_rc=$?
wait_log "$T/maillog" "daemon started" && still_running "$(master_pid)"
tap_ok $? "postfix -c DIR start (exit status $pf_rc): master runs, smtpd on 127.0.0.1:$SMTPPORT" ||
    bail "Postfix did not start"

# 1. SPF pass + DKIM pass: delivered, our fields on top, above Postfix's Received
send pass bounce@example.com
[ -n "$qid" ]
tap_ok $? "pass: queued (250)" || diag_file "$T/pass.swaks"
delivered "$qid"
tap_ok $? "pass: delivered to $OUT/$qid" || diag_file "$T/maillog"
msg=$OUT/$qid
case $(head -n 1 "$msg" 2>/dev/null) in
"Authentication-Results: mx.test.example;"*) tap_ok 0 "pass: first line is our Authentication-Results" ;;
*) tap_ok 1 "pass: first line is our Authentication-Results"
   diag "first line: $(head -n 1 "$msg" 2>/dev/null)" ;;
esac
names=$(fields "$msg" 2>/dev/null | head -n 3 | cut -d: -f1 | tr '\n' ' ')
is "$names" "Authentication-Results Received-SPF Received " \
    "pass: field order A-R, Received-SPF, then Postfix's Received"
has "$(fields "$msg" | sed -n 3p)" "by mx.test.example (Postfix)" \
    "pass: the third field is Postfix's own Received"
ar=$(field_values "$msg" Authentication-Results)
is "$(printf '%s\n' "$ar" | grep -c .)" 1 "pass: exactly one Authentication-Results"
for want in "mx.test.example;" "spf=pass smtp.mailfrom=bounce@example.com" \
    "smtp.helo=mx.example.com" "dkim=pass" "header.d=example.com" "header.s=s1" \
    "dmarc=pass" "header.from=example.com"; do
	has "$ar" "$want" "pass: A-R has $want"
done
rspf=$(field_values "$msg" Received-SPF)
has "$rspf" "pass" "pass: Received-SPF says pass"
case $rspf in pass*) tap_ok 0 "pass: Received-SPF starts with the result" ;;
*) tap_ok 1 "pass: Received-SPF starts with the result"; diag "Received-SPF: $rspf" ;;
esac
is "$(body "$msg" 2>/dev/null)" "$(body "$T/data/pass.eml")" "pass: body delivered unchanged"
diag "the header of the delivered message:"
fields "$msg" | cut -c 1-160 | sed 's/^/  /' | while IFS= read -r l; do diag "$l"; done

# 2. SPF fail, p=reject, no DKIM: refused with 550 5.7.26 (RFC 7372) naming the domain
send reject x@reject.example
line=$(smtp_reply reject 550 5.7.26)
tap_ok $? "reject: 550 5.7.26 after the message" || diag_file "$T/reject.swaks"
has "$line" "reject.example" "reject: the reply names reject.example"
[ -z "$qid" ]
tap_ok $? "reject: not queued"
grep -q "milter-reject: END-OF-MESSAGE" "$T/maillog"
tap_ok $? "reject: Postfix logs milter-reject at END-OF-MESSAGE"

# 3. p=quarantine: accepted into the hold queue, never delivered
send quarantine x@quarantine.example
[ -n "$qid" ]
tap_ok $? "quarantine: accepted (250)" || diag_file "$T/quarantine.swaks"
postqueue -c "$PFC" -p >"$T/mailq.out" 2>&1
grep -q "^$qid!" "$T/mailq.out"
tap_ok $? "quarantine: postqueue -p marks $qid held ('!')" || diag_file "$T/mailq.out"
[ -n "$qid" ] && [ -f "$T/pf/spool/hold/$qid" ]
tap_ok $? "quarantine: the queue file is in the hold directory"
postcat -c "$PFC" -h -q "$qid" >"$T/held.out" 2>&1
qar=$(field_values "$T/held.out" Authentication-Results)
has "$qar" "dmarc=fail" "quarantine: the held message carries our A-R with dmarc=fail"
[ -n "$qid" ] && [ ! -e "$OUT/$qid" ]
tap_ok $? "quarantine: not delivered"

# 4. DMARC record lookup SERVFAIL: 451 4.4.3, the sender retries
send tempfail x@broken.example
smtp_reply tempfail 451 4.4.3 >/dev/null
tap_ok $? "tempfail: 451 4.4.3 on the DMARC SERVFAIL" || diag_file "$T/tempfail.swaks"
[ -z "$qid" ]
tap_ok $? "tempfail: not queued"

# 5. forged Authentication-Results claiming our authserv-id are removed
send forged bounce@example.com
delivered "$qid"
tap_ok $? "forged: delivered" || { diag_file "$T/forged.swaks"; diag_file "$T/maillog"; }
far=$(field_values "$OUT/$qid" Authentication-Results 2>/dev/null)
is "$(printf '%s\n' "$far" | grep -c .)" 2 "forged: two Authentication-Results remain" ||
    diag "$far"
first=$(printf '%s\n' "$far" | sed -n 1p)
case $first in
"mx.test.example;"*"dkim=pass"*) tap_ok 0 "forged: the first is ours (dkim=pass)" ;;
*) tap_ok 1 "forged: the first is ours (dkim=pass)"; diag "$first" ;;
esac
is "$(printf '%s\n' "$far" | sed -n 2p)" \
    "other.example; spf=pass smtp.mailfrom=other.example" \
    "forged: the one of another authserv-id stays, unchanged"
! printf '%s\n' "$far" | grep -qi "reject.example\|sneaky"
tap_ok $? "forged: both fields claiming mx.test.example (any case) are gone"

# 7. "From :" (RFC 5322 section 4.5.6): Postfix's milter8.c strips the WSP before
# the colon and hands the name "From"; either way the second From is not missed,
# the message has two From fields: BadFromAction reject
send fromspace x@reject.example
line=$(smtp_reply fromspace 550 5.7.1)
tap_ok $? "fromspace: 550 5.7.1 for two From fields" || diag_file "$T/fromspace.swaks"
has "$line" "several From fields" "fromspace: the reply says several From fields"
[ -z "$qid" ]
tap_ok $? "fromspace: not queued"

# 8. forwarded by a mailing list that seals (RFC 8617), two real hops. Hop 1:
# this Postfix and mailauth as the list's MX (example.com's DKIM passes). The
# list, t/e2e/arclist.py, tags the Subject, adds a footer (the author's signature
# breaks) and seals with d=list.example, its ARC-Authentication-Results copied from
# hop 1's. Hop 2: this Postfix and mailauth again, TrustedARCSealers list.example.
send arclist bounce@example.com e2e-list@rcpt.test
delivered "$qid" e2e-list@rcpt.test
tap_ok $? "arc: hop 1 delivered the author's message to the list" ||
    { diag_file "$T/arclist.swaks"; diag_file "$T/maillog"; }
hop1=$OUT/$qid
h1ar=$(field_values "$hop1" Authentication-Results 2>/dev/null)
has "$h1ar" "dmarc=pass" "arc: hop 1 found dmarc=pass for example.com"
"$SYS_PYTHON3" "$e2e/arclist.py" "$hop1" "$T/data/arcsealed.eml" \
    "$T/data/sealer.pem" mx.test.example >"$T/arclist.log" 2>&1 &&
    "$SYS_PYTHON3" "$e2e/arclist.py" "$hop1" "$T/data/arctamper.eml" \
    "$T/data/sealer.pem" mx.test.example --tamper >>"$T/arclist.log" 2>&1
tap_ok $? "arc: the list sealed its copy (arclist.py)" || diag_file "$T/arclist.log"
has "$(field_values "$T/data/arcsealed.eml" ARC-Authentication-Results)" \
    "dkim=pass" "arc: the list's ARC-Authentication-Results has hop 1's dkim=pass"

# hop 2, the sealer trusted: accepted despite dmarc=fail, arc=pass in our field
send arcsealed list-bounces@list.example
delivered "$qid"
tap_ok $? "arc trusted: hop 2 delivered (DMARC reject let go)" ||
    { diag_file "$T/arcsealed.swaks"; diag_file "$T/maillog"; }
aar=$(field_values "$OUT/$qid" Authentication-Results 2>/dev/null)
is "$(printf '%s\n' "$aar" | grep -c .)" 1 \
    "arc trusted: one Authentication-Results (hop 1's claims our id: removed)"
for want in "mx.test.example;" "dkim=fail" "header.d=example.com" "dmarc=fail" \
    "header.from=example.com" "arc=pass" "smtp.remote-ip=127.0.0.1" \
    "spf=pass smtp.mailfrom=list-bounces@list.example"; do
	has "$aar" "$want" "arc trusted: our A-R has $want"
done
case $aar in
*"dmarc=fail"*"arc=pass"*) tap_ok 0 "arc trusted: arc= follows dmarc=" ;;
*) tap_ok 1 "arc trusted: arc= follows dmarc="; diag "$aar" ;;
esac
has "$(field_values "$OUT/$qid" Subject)" "[e2e-list]" \
    "arc trusted: the list's copy was delivered (Subject tag)"
is "$(field_values "$OUT/$qid" ARC-Seal | grep -c 'i=1;.*d=list.example')" 1 \
    "arc trusted: the list's ARC-Seal is delivered"
line=$(grep "mailfrom=<list-bounces@list.example>" "$T/mailauth.log" | sed -n 1p)
for w in dmarc=fail policy=reject arc=pass override=arc sealer=list.example \
    action=accept; do
	has "$line" " $w" "arc trusted: mailauth's log line has $w"
done

# hop 2, a change after sealing: the chain is broken, the DMARC reject stands
send arctamper list-bounces@list.example
smtp_reply arctamper 550 5.7.26 >/dev/null
tap_ok $? "arc tampered: 550 5.7.26" || diag_file "$T/arctamper.swaks"
[ -z "$qid" ]
tap_ok $? "arc tampered: not queued"
line=$(grep "mailfrom=<list-bounces@list.example>" "$T/mailauth.log" | sed -n 2p)
for w in dmarc=fail arc=fail action=reject; do
	has "$line" " $w" "arc tampered: mailauth's log line has $w"
done
case $line in *override=*) tap_ok 1 "arc tampered: no override"; diag "$line" ;;
*) tap_ok 0 "arc tampered: no override" ;;
esac

# hop 2, the same sealed copy with list.example no longer trusted (SIGUSR1 reload)
sed 's/^TrustedARCSealers .*/TrustedARCSealers other.example/' \
    "$T/mailauth.conf" >"$T/mailauth.conf.new" &&
    mv "$T/mailauth.conf.new" "$T/mailauth.conf" &&
    kill -USR1 "$mailauth_pid" &&
    wait_log "$T/mailauth.log" "configuration reloaded"
tap_ok $? "arc untrusted: mailauth reloaded without list.example" ||
    diag_file "$T/mailauth.log"
send arcsealed list-bounces@list.example
line=$(smtp_reply arcsealed 550 5.7.26)
tap_ok $? "arc untrusted: 550 5.7.26" || diag_file "$T/arcsealed.swaks"
has "$line" "example.com" "arc untrusted: the reply names example.com"
[ -z "$qid" ]
tap_ok $? "arc untrusted: not queued"
line=$(grep "mailfrom=<list-bounces@list.example>" "$T/mailauth.log" | sed -n 3p)
for w in dmarc=fail arc=pass action=reject; do
	has "$line" " $w" "arc untrusted: mailauth's log line has $w"
done
case $line in *override=*) tap_ok 1 "arc untrusted: no override"; diag "$line" ;;
*) tap_ok 0 "arc untrusted: no override" ;;
esac

# 6. mailauth down: Postfix's milter_default_action = tempfail answers 451 4.7.1
stop_daemon "$mailauth_pid"
is "$exit_status" 0 "mailauth stops on SIGTERM with exit status 0"
! grep -qiE 'sanitizer|runtime error' "$T/mailauth.log"
tap_ok $? "no sanitizer report in mailauth's log"
send pass bounce@example.com
smtp_reply pass 451 4.7.1 >/dev/null
tap_ok $? "mailauth stopped: Postfix answers 451 4.7.1" || diag_file "$T/pass.swaks"
[ -z "$qid" ]
tap_ok $? "mailauth stopped: nothing queued"

# the daemon's summary line of each message says why (key=value words)
while read -r mf words; do
	line=$(grep "mailfrom=<$mf>" "$T/mailauth.log" | head -n 1)
	for w in $words; do
		has "$line" " $w" "mailauth's log line for <$mf> has $w"
	done
done <<EOF
bounce@example.com spf=pass spf_helo=pass dkim=pass:example.com:s1 dmarc=pass action=accept
x@reject.example spf=fail dkim=none dmarc=fail policy=reject action=reject
x@quarantine.example spf=fail dmarc=fail policy=quarantine action=quarantine
x@broken.example dmarc=temperror action=tempfail
EOF
grep -q " forged_ar_removed=2" "$T/mailauth.log"
tap_ok $? "mailauth logged forged_ar_removed=2 for the forged message"

# stop Postfix and unbound by PID
mpid=$(master_pid)
postfix -c "$PFC" stop >/dev/null 2>&1
wait_gone "$mpid"
tap_ok $? "postfix stop: master (pid $mpid) exited"
pf_started=no
kill -TERM "$unbound_pid"
wait_exit "$unbound_pid"
tap_ok $? "unbound stopped"

if [ $tap_failed -ne 0 ] || [ -n "${E2E_VERBOSE:-}" ]; then
	for f in mailauth.log maillog unbound.log held.out; do
		diag "$f:"
		diag_file "$T/$f"
	done
fi
tap_done
