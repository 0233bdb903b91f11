#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# verify_test.sh - mailauth-verify and the daemon agree: every saved message of
# t/data/message/ (zone t/data/message/test.zone) is judged offline by
# mailauth-verify --zone and, through the milter protocol, by a running mailauth
# driven by miltertest (t/e2e/verify.lua); both must give the same action, the same
# SMTP reply and byte-identical Authentication-Results and Received-SPF values.
# The expected action of each case is the one DMARC/SPF prescribe for it (the same
# table as t/message_test.c). Without miltertest only the offline part runs.
# Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

: "${MAILAUTH_VERIFY:=$top_builddir/tools/mailauth-verify}"
if [ ! -x "$MAILAUTH_VERIFY" ]; then
	echo "1..0 # SKIP $MAILAUTH_VERIFY not built"
	exit 0
fi
data=$TDATA/message
zone=$data/test.zone
make_tmp
conf=$tmp/mailauth.conf
cat >"$conf" <<EOF
# written by verify_test.sh: used by mailauth-verify and by the daemon
AuthservID mx.test.example
DNSBackend zone
DNSZoneFile $zone
LogLevel debug
TrustedRelays 192.0.2.25
TrustedAuthservIDs gw.test.example
EOF

# the cases: FILE CLIENT-IP HELO MAIL-FROM EXPECTED-ACTION [WORD]; WORD must be in
# mailauth-verify's output and in the daemon's log line of the message
cases='pass.eml 192.0.2.1 mx.example.com <bounce@example.com> accept
reject-unsigned.eml 198.51.100.7 mail.reject.example <x@reject.example> reject
reject-signed.eml 198.51.100.7 mail.reject.example <x@reject.example> accept
reject-altered.eml 198.51.100.7 mail.reject.example <x@reject.example> reject
quarantine.eml 198.51.100.7 h.quarantine.example <x@quarantine.example> quarantine
tempfail.eml 198.51.100.7 h.broken.example <x@broken.example> tempfail
forged.eml 192.0.2.1 mx.example.com <bounce@example.com> accept
twofrom.eml 198.51.100.7 h.evil.example <x@evil.example> reject
fromspace-pair.eml 198.51.100.7 mail.reject.example <x@reject.example> reject
fromspace-only.eml 198.51.100.7 mail.reject.example <x@reject.example> reject
fromcase-pair.eml 198.51.100.7 mail.reject.example <x@reject.example> reject several From fields
walk.eml 198.51.100.7 h.walk.example <x@walk.example> reject dis=reject
psd.eml 198.51.100.7 h.psd.example <x@other.psd.example> quarantine dis=quarantine
testing.eml 198.51.100.7 h.testing.example <x@testing.example> quarantine dis=quarantine
np.eml 198.51.100.7 h.np.example <x@np.example> reject policy=reject
tlabel.eml 198.51.100.7 h.tlabel.example <x@sub.tlabel.example> tempfail dmarc=temperror
pass.eml 192.0.2.10 mx.example.com <> accept
pass.eml 127.0.0.1 localhost <x@example.com> accept
arc-forwarded.eml 198.51.100.7 list.example.com <x@example.com> reject
arc-broken.eml 198.51.100.7 list.example.com <x@example.com> reject
arc-unauth.eml 198.51.100.7 list.example.com <x@example.com> reject
arc-forged.eml 198.51.100.7 list.example.com <x@example.com> reject
gateway.eml 192.0.2.25 gw.test.example <x@reject.example> accept
gateway.eml 198.51.100.7 mail.reject.example <x@reject.example> reject'

# every fixture is covered
missing=
for f in "$data"/*.eml; do
	b=$(basename "$f")
	printf '%s\n' "$cases" | grep -q "^$b " || missing="$missing $b"
done
is "$missing" "" "every message in t/data/message has a case"

# field OUTPUT NAME - the value of field NAME in mailauth-verify's output (folded
# lines joined with LF, as given), no trailing newline; status 1 when absent
field() {
	printf '%s\n' "$1" | awk -v n="$2: " '
		index($0, n) == 1 { v = substr($0, length(n) + 1); on = 1; found = 1; next }
		on && /^[ \t]/ { v = v "\n" $0; next }
		{ on = 0 }
		END { printf "%s", v; exit !found }'
}

# reply_part OUTPUT N - word N of the reply after "Action: ACTION" (N=3: the text)
reply_part() {
	printf '%s\n' "$1" | awk -v n="$2" '/^Action: / {
		if (n < 3) { print $(n + 2); exit }
		sub(/^Action: [^ ]+ [^ ]+ [^ ]+ /, ""); print; exit }'
}

# the daemon, unless miltertest is missing
milter=no
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	skip "miltertest not installed: the daemon side is not compared"
elif [ ! -x "$MAILAUTH" ]; then
	skip "$MAILAUTH not built: the daemon side is not compared"
else
	port=$(free_port)
	spec="inet:$port@127.0.0.1"
	start_daemon "$tmp/daemon.log" -c "$conf" -p "$spec" -u "" -P ""
	pid=$daemon_pid
	wait_listening "$tmp/daemon.log" "$pid"
	if tap_ok $? "mailauth listens on $spec (DNSBackend zone)"; then
		milter=yes
	else
		diag_file "$tmp/daemon.log"
	fi
fi

n=0
while read -r file ip helo from want word; do
	n=$((n + 1))
	name="$file from $ip $from"
	out=$("$MAILAUTH_VERIFY" -c "$conf" --zone "$zone" --ip "$ip" --helo "$helo" \
	    --mail-from "$from" --qid "VERIFY$n" "$data/$file" 2>"$tmp/verify.err")
	st=$?
	action=$(printf '%s\n' "$out" | sed -n 's/^Action: \([a-z]*\).*/\1/p')
	is "$action" "$want" "verify $name: action" || diag "$out" "$(cat "$tmp/verify.err")"
	case $st in
	0) sa=accept ;; 1) sa=quarantine ;; 2) sa=reject ;; 3) sa=tempfail ;; *) sa="status $st" ;;
	esac
	is "$sa" "$action" "verify $name: exit status $st matches the action"
	if [ -n "$word" ]; then
		printf '%s\n' "$out" "$(cat "$tmp/verify.err")" | grep -qF -- "$word"
		tap_ok $? "verify $name: says $word" || diag "$out" "$(cat "$tmp/verify.err")"
	fi
	[ $milter = yes ] || continue

	# the same message through the daemon
	code=$(reply_part "$out" 1)
	xcode=$(reply_part "$out" 2)
	text=$(reply_part "$out" 3 | sed 's/%/%%/g')
	res=$tmp/milter$n
	rm -f "$res" "$res.ar" "$res.spf"
	"$MILTERTEST" -D sock="$spec" -D msgfile="$data/$file" -D ip="$ip" \
	    -D helo="$helo" -D mailfrom="$from" -D qid="MILTER$n" -D code="$code" \
	    -D xcode="$xcode" -D text="$text" -D out="$res" \
	    -s "$top_srcdir/t/e2e/verify.lua" >"$tmp/mt$n.out" 2>&1
	st=$?
	tap_ok $st "milter $name: miltertest ran the session (exit status $st)" ||
	    diag_file "$tmp/mt$n.out"
	maction=$(sed -n 's/^action=//p' "$res" 2>/dev/null)
	is "$maction" "$action" "milter $name: same action as mailauth-verify"
	if [ -n "$word" ]; then
		grep "MILTER$n" "$tmp/daemon.log" | grep -qF -- "$word"
		tap_ok $? "milter $name: its log line says $word" ||
		    diag "$(grep "MILTER$n" "$tmp/daemon.log")"
	fi
	if [ -n "$code" ]; then
		is "$(sed -n 's/^reply=//p' "$res" 2>/dev/null)" same \
		    "milter $name: same reply $code $xcode $text"
	fi
	if printf '%s\n' "$out" | grep -q '^Delete: Authentication-Results'; then
		vdel=yes
	else
		vdel=no
	fi
	is "$(sed -n 's/^deleted=//p' "$res" 2>/dev/null)" "$vdel" \
	    "milter $name: deletes forged Authentication-Results exactly when verify does ($vdel)"
	case $action in
	reject|tempfail)
		# a refused message gets no header edits (verify still shows its A-R)
		[ ! -e "$res.ar" ] && [ ! -e "$res.spf" ]
		tap_ok $? "milter $name: no header inserted into a refused message"
		continue ;;
	esac
	for h in Authentication-Results:ar Received-SPF:spf; do
		hn=${h%:*}
		x=${h#*:}
		if v=$(field "$out" "$hn"); then
			# the daemon inserts " value" (SMFIP_HDR_LEADSPC)
			printf ' %s' "$v" >"$res.want-$x"
			cmp -s "$res.want-$x" "$res.$x"
			tap_ok $? "milter $name: same $hn value" || {
				diag "verify: $(cat "$res.want-$x")"
				diag "milter: $(cat "$res.$x" 2>/dev/null || echo '(none)')"
			}
		else
			[ ! -e "$res.$x" ]
			tap_ok $? "milter $name: no $hn, like mailauth-verify"
		fi
	done
done <<EOF
$cases
EOF

if [ $milter = yes ]; then
	still_running "$pid"
	tap_ok $? "the daemon survived every session"
	stop_daemon "$pid"
	is "$exit_status" 0 "the daemon stops on SIGTERM with exit status 0"
	! grep -qiE 'sanitizer|runtime error' "$tmp/daemon.log"
	tap_ok $? "no sanitizer report in the daemon's log"
	[ $tap_failed -eq 0 ] || diag_file "$tmp/daemon.log"
fi
# -h of every program: the usage on stdout, exit 0 (mailauth-verify and
# mailauth-report exited 64 with it on stderr)
for prog in "$MAILAUTH_VERIFY" "$top_builddir/tools/mailauth-report" "$MAILAUTH"; do
	"$prog" -h >"$tmp/h.out" 2>"$tmp/h.err"
	rc=$?
	is "$rc $(head -c 6 "$tmp/h.out") $(wc -c <"$tmp/h.err")" "0 usage: 0" \
	    "$(basename "$prog") -h: usage on stdout, exit 0"
done
"$top_builddir/tools/mailauth-report" --help | grep -q -- '--config FILE'
tap_ok $? "mailauth-report --help lists --config"

# the default AuthservID is the host's fully qualified name: in private UTS and
# mount namespaces the host is "vm" and /etc/hosts names it mx.example.test (as
# where Postfix's myhostname was mx.example.test and the authserv-id was "vm")
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null 2>&1 &&
    unshare -mu true 2>/dev/null; then
	grep -v '^AuthservID' "$conf" >"$tmp/noid.conf"
	printf '127.0.0.1 localhost\n192.0.2.53 mx.example.test vm\n' >"$tmp/hosts"
	unshare -mu sh -c 'hostname vm && mount --bind "$1" /etc/hosts &&
	    exec "$2" -c "$3" --ip 192.0.2.1 --helo mx.example.com \
	    --mail-from bounce@example.com "$4"' sh "$tmp/hosts" "$MAILAUTH_VERIFY" \
	    "$tmp/noid.conf" "$data/pass.eml" >"$tmp/noid.out" 2>&1
	is "$(sed -n 's/^Authentication-Results: \([^;]*\);.*/\1/p' "$tmp/noid.out")" \
	    "mx.example.test" "default AuthservID: the canonical name of host vm"
else
	skip "default AuthservID: needs root and unshare -mu"
fi

tap_done
