#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# milter_smoke.sh - real messages through the running daemon with miltertest (the
# MTA side of the milter protocol): negotiation, A-R insertion, forged A-R removal,
# DMARC reject (550 5.7.26), DNS SERVFAIL (451 4.4.3), quarantine, body skipping; "no
# reply" steps (SMFIP_NR_*): the same answers and headers with and without them
# (miltertest and bench/mltload), and internal errors met in those steps (test
# faults) answered later with InternalErrorAction tempfail and accept; a daemon
# behind a gateway (TrustedRelays, TrustedAuthservIDs). The Lua
# scripts are t/milter/*.lua, the messages and zone t/data/milter/. Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

: "${MAILAUTH_VERIFY:=$top_builddir/tools/mailauth-verify}"
if [ -z "$MILTERTEST" ] || [ ! -x "$MILTERTEST" ]; then
	echo "1..0 # SKIP miltertest not installed"
	exit 0
fi
if [ ! -x "$MAILAUTH" ]; then
	echo "1..0 # SKIP $MAILAUTH not built"
	exit 0
fi
make_tmp
mtdir=$top_srcdir/t/milter
data=$TDATA/milter
conf=$tmp/mailauth.conf
write_conf "$conf"
ip=192.0.2.10
helo=mx.example.com

# verify FILE MAILFROM - what the engine decides offline (mailauth-verify)
verify() {
	"$MAILAUTH_VERIFY" -c "$conf" --ip "$ip" --helo "$helo" --mail-from "$2" \
	    --qid VERIFY "$data/$1" 2>"$tmp/verify.err"
}

# reply_part OUTPUT N - field N of "Action: ACTION CODE XCODE TEXT..." (N=4: text)
reply_part() {
	printf '%s\n' "$1" | awk -v n="$2" '/^Action: / {
		if (n < 4) { print $(n + 1); exit }
		sub(/^Action: [^ ]+ [^ ]+ [^ ]+ /, ""); print; exit }'
}

# authres_of OUTPUT - the (multi-line) Authentication-Results value
authres_of() {
	printf '%s\n' "$1" | awk '
		/^Authentication-Results: / { sub(/^Authentication-Results: /, ""); v = $0; on = 1; next }
		on && /^[ \t]/ { v = v "\n" $0; next }
		{ on = 0 }
		END { printf "%s", v }'
}

# the engine's own answers for the same messages: the milter must pass them on
# unchanged (apart from '%' doubled for libmilter)
set --
if [ -x "$MAILAUTH_VERIFY" ]; then
	out=$(verify pass.eml bounce@example.com)
	ar=$(authres_of "$out")
	[ -n "$ar" ] && set -- "$@" -D "expected_authres_pass=$ar"
	out=$(verify reject.eml alice@reject.example)
	if [ "$(reply_part "$out" 1)" = reject ]; then
		set -- "$@" -D "expected_reject_text=$(reply_part "$out" 4 | sed 's/%/%%/g')"
	else
		diag "mailauth-verify on reject.eml: $out $(cat "$tmp/verify.err")"
	fi
	out=$(verify tempfail.eml bounce@example.com)
	if [ "$(reply_part "$out" 1)" = tempfail ]; then
		set -- "$@" -D "expected_tempfail_xcode=$(reply_part "$out" 3)" \
		    -D "expected_tempfail_text=$(reply_part "$out" 4 | sed 's/%/%%/g')"
	else
		diag "mailauth-verify on tempfail.eml: $out $(cat "$tmp/verify.err")"
	fi
else
	diag "$MAILAUTH_VERIFY not built: exact reply texts cannot be compared"
fi

port=$(free_port)
spec="inet:$port@127.0.0.1"
start_daemon "$tmp/daemon.log" -c "$conf" -p "$spec" -u "" -P ""
pid=$daemon_pid
wait_listening "$tmp/daemon.log" "$pid"
tap_ok $? "mailauth listens on $spec"
if [ $? -ne 0 ]; then
	diag_file "$tmp/daemon.log"
	tap_done
fi

# run_script SPEC NAME - one Lua script; each "ok - ..." line it prints becomes a
# numbered TAP line, anything else a comment
# (further arguments go to miltertest: the -D expected_* settings)
run_script() {
	rs_spec=$1
	rs_name=$2
	shift 2
	"$MILTERTEST" -D sock="$rs_spec" -D mtdir="$mtdir" -D tdata="$data" "$@" \
	    -s "$mtdir/$rs_name.lua" >"$tmp/$rs_name.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			tap_ok 0 "$rs_name: ${line#ok - }" ;;
		"not ok - "*)
			tap_ok 1 "$rs_name: ${line#not ok - }" ;;
		*)
			diag "$line" ;;
		esac
	done <"$tmp/$rs_name.out"
	tap_ok $rc "$rs_name.lua ran to the end (miltertest exit status $rc)"
}

for script in pass forged reject tempfail quarantine clients noreply; do
	run_script "$spec" "$script" "$@"
done

# problems met in "no reply" steps (test faults, milter/callbacks.c): answered at
# the next step that replies with InternalErrorAction, tempfail and accept
# fault_daemon NAME [CONF LINE] - start a daemon with MAILAUTH_TEST_FAULTS; sets fspec
fault_daemon() {
	write_conf "$tmp/$1.conf" "$2"
	fspec="inet:$(free_port)@127.0.0.1"
	MAILAUTH_TEST_FAULTS=1
	export MAILAUTH_TEST_FAULTS
	start_daemon "$tmp/$1.log" -c "$tmp/$1.conf" -p "$fspec" -u "" -P ""
	unset MAILAUTH_TEST_FAULTS
	fpid=$daemon_pid
	wait_listening "$tmp/$1.log" "$fpid" && return 0
	tap_ok 1 "a daemon with MAILAUTH_TEST_FAULTS starts ($1)"
	diag_file "$tmp/$1.log"
	return 1
}
if fault_daemon faults "InternalErrorAction tempfail"; then
	run_script "$fspec" faults
	run_script "$fspec" faults -D plain=1
	grep -q "FAULTheader: internal error: test fault at header; tempfail" \
	    "$tmp/faults.log"
	tap_ok $? "the header fault is logged with its queue id and the action taken"
	stop_daemon "$fpid"
	is "$exit_status" 0 "the fault daemon stops with exit status 0"
fi
if fault_daemon faults-accept "InternalErrorAction accept"; then
	run_script "$fspec" faults -D accept=1
	stop_daemon "$fpid"
	is "$exit_status" 0 "the InternalErrorAction accept fault daemon stops with exit status 0"
fi

# bench/mltload (the load client of make bench, Postfix's way of skipping
# replies) gets the same verdicts and headers with and without SMFIP_NR_*
find_mltload
if [ -n "$MLTLOAD" ]; then
	mkdir "$tmp/corpus"
	corpus_milter "$tmp/corpus"
	for mode in nr plain; do
		flag=
		[ $mode = plain ] && flag=-N
		ASAN_OPTIONS=detect_leaks=0 "$MLTLOAD" -s "$spec" -c 1 -n 18 -p 4 -t 20 \
		    $flag -r --expect "$tmp/corpus" >"$tmp/load-$mode.out" 2>&1
		tap_ok $? "mltload ($mode): every message got its expected verdict"
		grep '^msg ' "$tmp/load-$mode.out" >"$tmp/load-$mode.msgs"
	done
	cmp -s "$tmp/load-nr.msgs" "$tmp/load-plain.msgs"
	tap_ok $? "mltload: same verdicts, Authentication-Results and Received-SPF with and without SMFIP_NR_*"
	[ $? -eq 0 ] || diag_file "$tmp/load-plain.out"
	n=$(grep -c "verdict=accept fields=[0-9]* ar= mx.test.example;" "$tmp/load-nr.msgs")
	is "$n" 9 "mltload (nr): the 9 accepted messages carry our Authentication-Results"
	grep -q "^msg 1 .*/pass.eml verdict=accept .*dkim=pass" "$tmp/load-nr.msgs"
	tap_ok $? "mltload (nr): pass.eml passes DKIM"
else
	skip "bench/mltload not built and no compiler: $(head -n 1 "$tmp/cc.log")"
fi

# a second daemon refusing SPF failures at MAIL FROM already
conf2=$tmp/mailfrom.conf
write_conf "$conf2" "SPFRejectAtMailFrom yes"
port2=$(free_port)
spec2="inet:$port2@127.0.0.1"
start_daemon "$tmp/daemon2.log" -c "$conf2" -p "$spec2" -u "" -P ""
pid2=$daemon_pid
if wait_listening "$tmp/daemon2.log" "$pid2"; then
	run_script "$spec2" mailfrom
	stop_daemon "$pid2"
	is "$exit_status" 0 "the SPFRejectAtMailFrom daemon stops with exit status 0"
else
	tap_ok 1 "a daemon with SPFRejectAtMailFrom yes starts"
	diag_file "$tmp/daemon2.log"
fi

# a daemon behind a gateway: TrustedRelays and TrustedAuthservIDs
conf3=$tmp/upstream.conf
write_conf "$conf3" "TrustedRelays 192.0.2.25" "TrustedAuthservIDs gw.test.example"
spec3="inet:$(free_port)@127.0.0.1"
start_daemon "$tmp/daemon3.log" -c "$conf3" -p "$spec3" -u "" -P ""
pid3=$daemon_pid
if wait_listening "$tmp/daemon3.log" "$pid3"; then
	run_script "$spec3" upstream
	grep -q "UPSTREAM1: .* upstream=gw.test.example " "$tmp/daemon3.log"
	tap_ok $? "the log line names the trusted upstream"
	stop_daemon "$pid3"
	is "$exit_status" 0 "the TrustedAuthservIDs daemon stops with exit status 0"
else
	tap_ok 1 "a daemon with TrustedRelays and TrustedAuthservIDs starts"
	diag_file "$tmp/daemon3.log"
fi

grep -q ": PASS1: " "$tmp/daemon.log"
tap_ok $? "the queue id from the MTA's macro starts the message's log line"
still_running "$pid"
tap_ok $? "the daemon survived every session"
stop_daemon "$pid"
is "$exit_status" 0 "SIGTERM: exit status 0"
grep -qiE 'sanitizer|runtime error' "$tmp/daemon.log"
[ $? -ne 0 ]
tap_ok $? "no sanitizer report in the daemon's log"
if [ $tap_failed -ne 0 ]; then
	diag "daemon log:"
	diag_file "$tmp/daemon.log"
fi
tap_done
