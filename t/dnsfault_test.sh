#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# dnsfault_test.sh - the daemon with the unbound backend and broken DNS: forwarding to
# a port where nothing listens, to t/fuzz/fakedns.py answering SERVFAIL, truncated
# (TC, TCP closed), malformed, garbage, wrong-ID or mixed replies, and to a server
# killed while the daemon runs. DNSTimeout 1 and EvaluationTimeout 2: every message
# must be answered (451 with the default TempErrorAction, accept with
# TempErrorAction accept), within a generous bound on each miltertest run (a hang
# fails; the time taken is not asserted), and the daemon must survive and stop
# cleanly. The miltertest script is t/fuzz/dnsfault.lua. Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "1..0 # SKIP miltertest not installed"
	exit 0
fi
if [ ! -x "$MAILAUTH" ]; then
	echo "1..0 # SKIP $MAILAUTH not built"
	exit 0
fi
if ! "$SYS_PYTHON3" -c 'import socket' 2>/dev/null; then
	echo "1..0 # SKIP no $SYS_PYTHON3"
	exit 0
fi
make_tmp
fakedns=$top_srcdir/t/fuzz/fakedns.py
# seconds a whole miltertest run may take before it counts as hung: far above the
# 2 s per milter step the configuration allows
bound=90

# start_fake MODE - run fakedns.py; sets fake_pid and fake_port
start_fake() {
	rm -f "$tmp/$1.port"
	"$SYS_PYTHON3" "$fakedns" "$1" "$tmp/$1.port" 2>"$tmp/$1.fake.log" &
	fake_pid=$!
	lib_pids="$lib_pids $fake_pid"
	_i=0
	while [ ! -s "$tmp/$1.port" ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	fake_port=$(cat "$tmp/$1.port" 2>/dev/null)
	[ -n "$fake_port" ]
}

# start_mailauth NAME FORWARDER [LINE...] - a daemon on the unbound backend
start_mailauth() {
	_n=$1
	_fwd=$2
	shift 2
	{
		echo "# written by $(basename "$0")"
		echo "AuthservID mx.test.example"
		echo "DNSBackend unbound"
		echo "DNSForwarders $_fwd"
		echo "DNSTimeout 1"
		echo "EvaluationTimeout ${eval_timeout:-2}"
		echo "LogLevel debug"
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
	} >"$tmp/$_n.conf"
	daemon_name=$_n
	spec="inet:$(free_port)@127.0.0.1"
	start_daemon "$tmp/$_n.log" -c "$tmp/$_n.conf" -p "$spec" -u "" -P ""
	mailauth_pid=$daemon_pid
	wait_listening "$tmp/$_n.log" "$mailauth_pid"
	tap_ok $? "$_n: mailauth listens (forwarding to $_fwd)" || diag_file "$tmp/$_n.log"
}

# send NAME EXPECT N FILE MAILFROM - N messages through miltertest, bounded
send() {
	"$MILTERTEST" -D sock="$spec" -D mtdir="$top_srcdir/t/milter" \
	    -D tdata="$TDATA/milter" -D tag="$1" -D expect="$2" -D n="$3" \
	    -D file="$4" -D from="$5" -s "$top_srcdir/t/fuzz/dnsfault.lua" \
	    >"$tmp/$1.out" 2>&1 &
	_mp=$!
	_i=0
	while still_running "$_mp" && [ $_i -lt $((bound * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if still_running "$_mp"; then
		kill -KILL "$_mp" 2>/dev/null
		wait "$_mp" 2>/dev/null
		tap_ok 1 "$1: every message answered within ${bound}s (miltertest hung)"
		diag_file "$tmp/$1.out"
		return
	fi
	wait "$_mp"
	_rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*) tap_ok 0 "${line#ok - }" ;;
		"not ok - "*) tap_ok 1 "${line#not ok - }" ;;
		*) diag "$line" ;;
		esac
	done <"$tmp/$1.out"
	tap_ok $_rc "$1: miltertest ran to the end within ${bound}s (exit status $_rc)"
	# the verdict of each message: exactly one summary line for its queue id
	_q=$(printf '%s' "$1" | tr '[:lower:]' '[:upper:]' | tr -cd '[:upper:][:digit:]')
	_i=1
	while [ $_i -le "$3" ]; do
		_lines=$(grep -c ": $_q$_i: .* action=" "$tmp/$daemon_name.log")
		_act=$(grep ": $_q$_i: .* action=" "$tmp/$daemon_name.log" |
		    sed -n 's/.* action=\([a-z]*\).*/\1/p' | head -n 1)
		is "$_lines $_act" "1 $2" "$1 #$_i: one summary line, action=$2"
		_i=$((_i + 1))
	done
}

# finish NAME - the daemon survived, answers no more, stops with status 0, no
# sanitizer report
finish() {
	still_running "$mailauth_pid"
	tap_ok $? "$1: the daemon is still running"
	stop_daemon "$mailauth_pid"
	is "$exit_status" 0 "$1: SIGTERM, exit status 0"
	! grep -qiE 'sanitizer|runtime error' "$tmp/$1.log"
	tap_ok $? "$1: no sanitizer report in the daemon's log" || diag_file "$tmp/$1.log"
}

# (a) nothing listens at the forwarder's port
start_mailauth closed "127.0.0.1@$(free_port)"
send closed tempfail 3 pass.eml bounce@example.com
finish closed

# (b) a fake server per kind of broken answer
for mode in servfail tc malformed garbage wrongid mixed; do
	if ! start_fake "$mode"; then
		tap_ok 1 "$mode: fakedns.py starts"
		diag_file "$tmp/$mode.fake.log"
		continue
	fi
	start_mailauth "$mode" "127.0.0.1@$fake_port"
	send "$mode" tempfail 2 pass.eml bounce@example.com
	finish "$mode"
	grep -q "^$mode: [0-9]* queries" "$tmp/$mode.fake.log"
	tap_ok $? "$mode: the queries reached fakedns.py"
	kill -TERM "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
done

# TempErrorAction accept: the same failure delivers, with the A-R field
if start_fake servfail; then
	start_mailauth accept "127.0.0.1@$fake_port" "TempErrorAction accept"
	send accept accept 2 pass.eml bounce@example.com
	finish accept
	kill -TERM "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
else
	tap_ok 1 "accept: fakedns.py starts"
fi

# (d) the outage detector (lib/dns_outage.c): nothing listens at the forwarder;
# after the first message's timeouts and an unanswered probe the resolver counts
# as down, later messages fail their lookups at once (the same 451), and the
# outage is logged once, not per message. EvaluationTimeout 10, so that no step
# deadline shortens the 1 s query timeouts: without the detector each of these
# messages waits for three of them (SPF HELO, SPF MAIL FROM, DMARC).
now_ms() { "$SYS_PYTHON3" -c 'import time; print(int(time.monotonic() * 1000))'; }
eval_timeout=10
start_mailauth outage "127.0.0.1@$(free_port)"
t0=$(now_ms)
send outage-first tempfail 1 pass.eml bounce@example.com
t1=$(now_ms)
send outage-next tempfail 4 pass.eml bounce@example.com
t2=$(now_ms)
diag "outage: first message $((t1 - t0)) ms, the next four $((t2 - t1)) ms"
[ $((t2 - t1)) -lt 3000 ]
tap_ok $? "outage: four messages after the first answered in under 3 s ($((t2 - t1)) ms)"
is "$(grep -c 'dns: the resolver does not answer' "$tmp/outage.log")" 1 \
    "outage: logged once (dns: the resolver does not answer), not per message"
grep -q 'queries in a row timed out, and a probe of a random name' "$tmp/outage.log"
tap_ok $? "outage: declared only after a probe got no answer either"
finish outage
eval_timeout=

# (e) no downgrade: a spoofer's own names time out (MAIL FROM a.slow.example and
# the DKIM key of key.slow.example: two timeouts in a row on different names),
# the resolver itself works. The probe answers, so the spoofed domain's DMARC
# record (reject.example, p=reject) is still looked up and the message rejected,
# not deferred; the next message is checked as usual too.
if start_fake policy; then
	eval_timeout=10
	start_mailauth spoof "127.0.0.1@$fake_port"
	send spoof reject 2 slowdkim.eml x@a.slow.example
	grep -q 'timed out, but the resolver answers a probe' "$tmp/spoof.log"
	tap_ok $? "spoof: the timeouts led to a probe, which answered" ||
		diag_file "$tmp/spoof.log"
	! grep -q 'dns: the resolver does not answer' "$tmp/spoof.log"
	tap_ok $? "spoof: the resolver was never taken for down"
	grep ': SPOOF1: .*550 5.7.26\|: SPOOF1: .*dmarc=fail' "$tmp/spoof.log" >/dev/null
	tap_ok $? "spoof: the spoofed domain's DMARC policy was applied (dmarc=fail)"
	finish spoof
	eval_timeout=
	kill -TERM "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
else
	tap_ok 1 "spoof: fakedns.py starts"
fi

# (c) a working upstream (NXDOMAIN for everything: no policy, accept) killed while
# the daemon runs: later messages (names not in unbound's cache) get 451
if start_fake nxdomain; then
	start_mailauth killed "127.0.0.1@$fake_port"
	send killed-before accept 2 pass.eml bounce@example.com
	kill -KILL "$fake_pid" 2>/dev/null
	wait "$fake_pid" 2>/dev/null
	send killed-after tempfail 3 tempfail.eml bounce@broken.example
	finish killed
else
	tap_ok 1 "killed: fakedns.py starts"
fi
tap_done
