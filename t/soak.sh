#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# soak.sh - many messages at concurrency 32 through the daemon (zone DNS backend)
# with bench/mltload as the MTA, and a SIGUSR1 reload (to a changed configuration)
# in the middle of the load. Checks: every message answered exactly once with the
# verdict its zone policy calls for (mltload --expect), exactly one summary log line
# per message, the reload logged, the daemon still running and stopping with
# status 0, and no AddressSanitizer/LeakSanitizer/UBSan report in its log (the
# sanitizer build's make check-unit runs this script with its instrumented daemon).
# Prints TAP and how long the load took (a diagnostic, not asserted).
#
# Environment: SOAK_MESSAGES (default 5000; make soak: 100000), SOAK_CONC (32),
# MLTLOAD (default $top_builddir/bench/mltload; compiled here with cc if absent).
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

: "${SOAK_MESSAGES:=5000}"
: "${SOAK_CONC:=32}"

if [ ! -x "$MAILAUTH" ]; then
	echo "1..0 # SKIP $MAILAUTH not built"
	exit 0
fi
make_tmp
need_mltload

# the corpus: t/data/milter messages with their envelope and the verdict the
# published records of t/data/milter/test.zone call for
mkdir "$tmp/corpus"
corpus_milter "$tmp/corpus"

conf=$tmp/mailauth.conf
# conf [LINE...] - the test configuration at LogLevel info (one line per message)
conf() {
	write_conf "$conf.tmp" "$@"
	sed 's/^LogLevel debug$/LogLevel info/' "$conf.tmp" >"$conf"
}
conf
spec="inet:$(free_port)@127.0.0.1"
start_daemon "$tmp/daemon.log" -c "$conf" -p "$spec" -u "" -P ""
pid=$daemon_pid
wait_listening "$tmp/daemon.log" "$pid"
tap_ok $? "mailauth listens on $spec" || { diag_file "$tmp/daemon.log"; tap_done; }

start=$(date +%s)
# the load client is not under test: its own exit-time leaks are not ours
ASAN_OPTIONS=detect_leaks=0 "$MLTLOAD" -s "$spec" -c "$SOAK_CONC" -n "$SOAK_MESSAGES" \
    -p 50 -t 120 --expect "$tmp/corpus" >"$tmp/load.out" 2>&1 &
load_pid=$!
lib_pids="$lib_pids $load_pid"

# the reload: once a tenth of the messages (at least one) have their summary line
want=$((SOAK_MESSAGES / 10))
[ "$want" -ge 1 ] || want=1
i=0
while still_running "$load_pid" && [ $i -lt 6000 ]; do
	[ "$(grep -c ' action=' "$tmp/daemon.log")" -ge "$want" ] && break
	sleep 0.1
	i=$((i + 1))
done
conf "MaximumSignatures 4"
reload_at=$(grep -c ' action=' "$tmp/daemon.log")
still_running "$load_pid"
tap_ok $? "the load is still running at the reload ($reload_at messages done)"
kill -USR1 "$pid"
wait_log "$tmp/daemon.log" "configuration reloaded from"
tap_ok $? "SIGUSR1 during the load: configuration reloaded"

# bounded wait for the load: far beyond what it needs even under ASan
i=0
while still_running "$load_pid" && [ $i -lt 36000 ]; do
	sleep 0.1
	i=$((i + 1))
done
reap_load "$load_pid" "$tmp/load.out"
rc=$load_rc
end=$(date +%s)
tap_ok $rc "$SOAK_MESSAGES messages at concurrency $SOAK_CONC: each answered once with the expected verdict (mltload --expect, exit $rc)"
got=$(sed -n 's/.* mismatches=\([0-9]*\).*/\1/p' "$tmp/load.out")
is "$got" 0 "mltload counts no verdict mismatches"
got=$(sed -n 's/.* errors=\([0-9]*\) timeouts=\([0-9]*\).*/\1 \2/p' "$tmp/load.out")
is "$got" "0 0" "mltload counts no protocol errors and no timeouts"
got=$(grep -c ' action=' "$tmp/daemon.log")
is "$got" "$SOAK_MESSAGES" "one summary log line per message"
diag "load: $((end - start)) s for $SOAK_MESSAGES messages"
still_running "$pid"
tap_ok $? "the daemon survived the load"
stop_daemon "$pid"
is "$exit_status" 0 "SIGTERM after the load: exit status 0"
! grep -qiE 'AddressSanitizer|LeakSanitizer|runtime error|ERROR: ' "$tmp/daemon.log"
tap_ok $? "no sanitizer report in the daemon's log" ||
    grep -iE -A30 'Sanitizer|runtime error' "$tmp/daemon.log" | head -60 | sed 's/^/# /'
tap_done
