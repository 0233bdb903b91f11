#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# metrics.sh - the MetricsSocket listener during a load (zone DNS backend,
# bench/mltload as the MTA) while a hostile client holds connections to it.
# Checks: GET /metrics answers 200 and promtool check metrics accepts the output;
# other paths are 404, other methods 405; scrapes from a second address succeed
# during the load while the hostile client (from 127.0.0.2) keeps silent and slow
# connections open; every message is answered with its expected verdict (mltload
# --expect: no timeouts, no mismatches); after the load, mailauth_messages_total
# for each action equals what mltload counted, exactly, and the evaluation
# histogram counted every message; a SIGUSR1 reload after it (changing
# MetricsSocket: a warning, the listener stays) moves the generation and the
# reload counter; the server closed the silent connections (idle timeout), the
# listener still answers and the daemon stops with status 0.
# Environment: METRICS_MESSAGES (default 10000), METRICS_CONC (16), CURL, PROMTOOL.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

: "${METRICS_MESSAGES:=10000}"
: "${METRICS_CONC:=16}"
: "${CURL:=$(command -v curl)}"
: "${PROMTOOL:=$(command -v promtool)}"

if [ ! -x "$MAILAUTH" ]; then
	echo "1..0 # SKIP $MAILAUTH not built"
	exit 0
fi
if [ -z "$CURL" ]; then
	echo "1..0 # SKIP curl not installed (Debian package curl)"
	exit 0
fi
if ! "$MAILAUTH" -V >/dev/null 2>&1 ||
    ! grep -q '^#define HAVE_MICROHTTPD 1' "$top_builddir/autoconf.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libmicrohttpd (no metrics listener)"
	exit 0
fi
make_tmp
need_mltload
mkdir "$tmp/corpus"
corpus_milter "$tmp/corpus"

mport=$(free_port)
murl="http://127.0.0.1:$mport/metrics"
conf=$tmp/mailauth.conf
write_conf "$conf.tmp" "MetricsSocket inet:$mport@127.0.0.1"
sed 's/^LogLevel debug$/LogLevel info/' "$conf.tmp" >"$conf"
spec="inet:$(free_port)@127.0.0.1"
start_daemon "$tmp/daemon.log" -c "$conf" -p "$spec" -u "" -P ""
pid=$daemon_pid
wait_listening "$tmp/daemon.log" "$pid"
tap_ok $? "mailauth listens on $spec" || { diag_file "$tmp/daemon.log"; tap_done; }
grep -q "metrics on inet:$mport@127.0.0.1" "$tmp/daemon.log"
tap_ok $? "the metrics listener started"

# sample FILE SERIES - the value of one sample in a scrape ("" if absent)
sample() {
	awk -v s="$2" '$1 == s { print $2 }' "$1"
}

code=$("$CURL" --noproxy '*' -s -m 5 -o "$tmp/m0" -w '%{http_code} %{content_type}' "$murl")
is "$code" "200 text/plain; version=0.0.4; charset=utf-8" "GET /metrics: 200, text format 0.0.4"
is "$(sample "$tmp/m0" 'mailauth_messages_total{action="accept"}')" 0 \
    "no message yet: accept 0"
is "$(sample "$tmp/m0" 'mailauth_config_generation')" 1 "generation 1 at start"
is "$("$CURL" --noproxy '*' -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/")" 404 \
    "GET /: 404"
is "$("$CURL" --noproxy '*' -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/metricsx")" \
    404 "GET /metricsx: 404"
is "$("$CURL" --noproxy '*' -s -m 5 -o /dev/null -w '%{http_code}' -X POST -d x "$murl")" 405 \
    "POST /metrics: 405"
is "$("$CURL" --noproxy '*' -s -m 5 -o /dev/null -w '%{http_code}' -I "$murl")" 405 "HEAD /metrics: 405"

# the hostile client: from 127.0.0.2, three connections that send nothing and
# three that send a request one byte every half second, held for HOLD seconds;
# prints how many silent ones the server closed, and how many slow ones it dropped
cat >"$tmp/hostile.py" <<'PY'
import socket, sys, time
port, hold = int(sys.argv[1]), float(sys.argv[2])
silent, slow = [], []
for i in range(6):
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    try:
        s.connect(("127.0.0.1", port))
    except OSError:
        continue
    s.setblocking(False)
    (silent if i < 3 else slow).append(s)
print("opened", len(silent) + len(slow), flush=True)
req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
closed, pos, end = set(), 0, time.time() + hold
while time.time() < end:
    for s in silent:
        try:
            if s.recv(100) == b"":
                closed.add(s)
        except BlockingIOError:
            pass
        except OSError:
            closed.add(s)
    for s in slow:
        try:
            s.send(req[pos % len(req):pos % len(req) + 1])
        except OSError:
            pass
    pos += 1
    time.sleep(0.5)
print("silent_closed", len([s for s in silent if s in closed]), flush=True)
PY
"$SYS_PYTHON3" "$tmp/hostile.py" "$mport" 15 >"$tmp/hostile.out" 2>&1 &
hostile_pid=$!
lib_pids="$lib_pids $hostile_pid"
sleep 1
diag "hostile client: $(head -n 1 "$tmp/hostile.out")"

ASAN_OPTIONS=detect_leaks=0 "$MLTLOAD" -s "$spec" -c "$METRICS_CONC" \
    -n "$METRICS_MESSAGES" -p 50 -t 120 --expect "$tmp/corpus" >"$tmp/load.out" 2>&1 &
load_pid=$!
lib_pids="$lib_pids $load_pid"

# scrapes during the load (and the attack), from 127.0.0.1
scrapes=0 good=0 i=0
while still_running "$load_pid" && [ $i -lt 3000 ]; do
	if [ $scrapes -lt 20 ]; then
		scrapes=$((scrapes + 1))
		"$CURL" --noproxy '*' -s -m 5 -o "$tmp/mid" "$murl" &&
		    [ -n "$(sample "$tmp/mid" 'mailauth_messages_total{action="accept"}')" ] &&
		    good=$((good + 1))
	fi
	sleep 0.05
	i=$((i + 1))
done
reap_load "$load_pid" "$tmp/load.out"
rc=$load_rc
tap_ok $rc "$METRICS_MESSAGES messages during the attack: each answered once with the expected verdict (mltload exit $rc)"
got=$(sed -n 's/.* errors=\([0-9]*\) timeouts=\([0-9]*\).*/\1 \2/p' "$tmp/load.out")
is "$got" "0 0" "mltload counts no protocol errors and no timeouts"
ok "scrapes during the load succeeded ($good of $scrapes)" [ "$good" -eq "$scrapes" ] &&
    [ "$good" -gt 0 ]

# the reload moves MetricsSocket: only a warning, the listener stays where it is
write_conf "$conf.tmp" "MetricsSocket inet:$(free_port)@127.0.0.1"
sed 's/^LogLevel debug$/LogLevel info/' "$conf.tmp" >"$conf"
kill -USR1 "$pid"
wait_log "$tmp/daemon.log" "configuration reloaded from"
tap_ok $? "SIGUSR1: configuration reloaded"
grep -q "MetricsSocket takes effect at the next restart only" "$tmp/daemon.log"
tap_ok $? "a reload that changes MetricsSocket says it needs a restart"
"$CURL" --noproxy '*' -s -m 5 -o "$tmp/m1" "$murl"
tap_ok $? "scrape after the load"
total=0
for a in accept quarantine reject tempfail; do
	want=$(sed -n "s/.* $a=\([0-9]*\).*/\1/p" "$tmp/load.out")
	got=$(sample "$tmp/m1" "mailauth_messages_total{action=\"$a\"}")
	is "$got" "${want:-0}" "mailauth_messages_total{action=\"$a\"} equals mltload's count"
	total=$((total + ${got:-0}))
done
is "$total" "$METRICS_MESSAGES" "the actions add up to the messages sent"
is "$(sample "$tmp/m1" 'mailauth_evaluation_duration_seconds_count')" "$METRICS_MESSAGES" \
    "the evaluation histogram counted every message"
is "$(sample "$tmp/m1" 'mailauth_evaluation_duration_seconds_bucket{le="+Inf"}')" \
    "$METRICS_MESSAGES" "... and its +Inf bucket equals its count"
q=$(sample "$tmp/m1" 'mailauth_dns_queries_total')
ok "DNS queries counted ($q)" [ "${q:-0}" -gt 0 ]
is "$(sample "$tmp/m1" 'mailauth_dns_query_duration_seconds_count')" "$q" \
    "one DNS latency observation per query"
is "$(sample "$tmp/m1" 'mailauth_config_generation')" 2 "generation 2 after the reload"
is "$(sample "$tmp/m1" 'mailauth_config_reloads_total')" 1 "one reload counted"
if [ -n "$PROMTOOL" ]; then
	"$PROMTOOL" check metrics <"$tmp/m1" >"$tmp/promtool.out" 2>&1
	tap_ok $? "promtool check metrics accepts the scrape" || diag_file "$tmp/promtool.out"
else
	skip "promtool not installed (Debian package prometheus)"
fi

wait "$hostile_pid"
diag "hostile client: $(tail -n 1 "$tmp/hostile.out")"
is "$(sed -n 's/^silent_closed //p' "$tmp/hostile.out")" 3 \
    "the server closed the three silent connections (idle timeout)"
"$CURL" --noproxy '*' -s -m 5 -o "$tmp/m2" "$murl" && [ -n "$(sample "$tmp/m2" mailauth_dns_queries_total)" ]
tap_ok $? "the listener still answers after the attack"
still_running "$pid"
tap_ok $? "the daemon survived"
stop_daemon "$pid"
is "$exit_status" 0 "SIGTERM: exit status 0"
! grep -qiE 'AddressSanitizer|LeakSanitizer|runtime error' "$tmp/daemon.log"
tap_ok $? "no sanitizer report in the daemon's log"
tap_done
