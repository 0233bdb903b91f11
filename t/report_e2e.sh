#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# report_e2e.sh - DMARC aggregate reports end to end: messages through the daemon
# (bench/mltload as the MTA, zone DNS) land as rows in the history store, and
# mailauth-report turns them into RFC 9990 reports that validate against the
# schema (t/data/report/rfc9990.xsd, xmllint) with the right counts per domain,
# in the urn:ietf:params:xml:ns:dmarc-2.0 namespace with RFC 9990's elements.
# Both stores: SQLite always; PostgreSQL when this runs as root with Debian's
# postgresql installed (a private cluster on a unix socket in the test
# directory). Also: --dry-run writes files and changes nothing; sending goes
# through ReportSendmail (a script here that keeps each message), a URI never
# gets the same day twice (also after a sendmail failure for another URI), an
# obsolete size limit (!N) is ignored (RFC 9989), the external destination check
# skips URIs, rows are marked reported, old rows expire. A store created by the
# first release's schema (before discovery_method, np and testing) is migrated
# by the daemon, and its old rows still give valid reports. With PostgreSQL stopped under load the daemon keeps
# answering every message, logs the loss, and writes again once it is back.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

REPORT=${MAILAUTH_REPORT:-$top_builddir/tools/mailauth-report}
XSD=$TDATA/report/rfc9990.xsd
NS=urn:ietf:params:xml:ns:dmarc-2.0

if [ ! -x "$MAILAUTH" ] || [ ! -x "$REPORT" ]; then
	echo "1..0 # SKIP mailauth or mailauth-report not built"
	exit 0
fi
for t in sqlite3 xmllint gzip; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "1..0 # SKIP $t missing (scripts/bootstrap.sh installs it)"
		exit 0
	fi
done
make_tmp
need_mltload

# the zone: t/data/milter/test.zone with rua= on its DMARC records
#   example.com        -> dmarc@example.com (same organizational domain)
#   reject.example     -> agg@reports.example (external, authorized, and its
#                         confirming record's rua= sends the report to
#                         inbox@reports.example instead: RFC 9990 section 4
#                         step 9) and tiny@reject.example!100 (an obsolete
#                         100-byte limit, ignored: RFC 9989)
#   quarantine.example -> x@unauthorized.example (external, not authorized) and
#                         y@away.example (authorized by a record whose rua= names
#                         another host: no report to either)
zone=$tmp/test.zone
sed -e 's|^_dmarc.example.com TXT .*|_dmarc.example.com TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"|' \
    -e 's|^_dmarc.reject.example TXT .*|_dmarc.reject.example TXT "v=DMARC1; p=reject; rua=mailto:agg@reports.example,mailto:tiny@reject.example!100"|' \
    -e 's|^_dmarc.quarantine.example TXT .*|_dmarc.quarantine.example TXT "v=DMARC1; p=quarantine; rua=mailto:x@unauthorized.example,mailto:y@away.example"|' \
    "$TDATA/milter/test.zone" >"$zone"
echo 'reject.example._report._dmarc.reports.example TXT "v=DMARC1; rua=mailto:inbox@reports.example"' >>"$zone"
echo 'quarantine.example._report._dmarc.away.example TXT "v=DMARC1; rua=mailto:y@elsewhere.example"' >>"$zone"

mkdir "$tmp/corpus"
corpus() { corpus_add "$tmp/corpus" "$@"; }
corpus pass.eml bounce@example.com accept
corpus unsigned.eml bounce@example.com accept
corpus reject.eml alice@reject.example reject
corpus quarantine.eml alice@quarantine.example quarantine
corpus tempfail.eml bounce@example.com tempfail

# a sendmail that keeps each message and its arguments; FAIL_TO makes it fail
# for that recipient
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$tmp/sent" | grep -c '^msg')
cat >"$tmp/sent/msg.\$n"
echo "\$*" >"$tmp/sent/args.\$n"
if [ -f "$tmp/fail_to" ] && grep -q "^To: \$(cat "$tmp/fail_to")\$" "$tmp/sent/msg.\$n"; then
	rm -f "$tmp/sent/msg.\$n" "$tmp/sent/args.\$n"
	exit 75
fi
exit 0
EOF
chmod 0755 "$tmp/sendmail"

# conf FILE STORE-LINES... - the daemon and reporter configuration
conf() {
	_cf=$1
	shift
	{
		echo "AuthservID mx.test.example"
		echo "DNSBackend zone"
		echo "DNSZoneFile $zone"
		echo "LogLevel info"
		echo "ReportEmail dmarc-reports@mx.test.example"
		echo "ReportOrgName Test Receiver"
		echo "ReportSendmail $tmp/sendmail"
		for _l in "$@"; do
			printf '%s\n' "$_l"
		done
	} >"$_cf"
}

# load SPEC N - N messages through the daemon, each answered as expected
load() {
	ASAN_OPTIONS=detect_leaks=0 "$MLTLOAD" -s "$1" -c 4 -n "$2" -p 5 -t 60 --expect \
	    "$tmp/corpus" >"$tmp/load.out" 2>&1
}

# xpath FILE EXPR - an XPath 1.0 value from a report, element names matched by
# local name (so the expression holds with or without a namespace)
xpath() {
	_xe=$(printf '%s' "$2" | sed "s|/\([a-z_]*\)|/*[local-name()='\1']|g")
	xmllint --xpath "$_xe" "$1" 2>/dev/null
}

# xpath_raw FILE EXPR - an XPath 1.0 value, the expression as given
xpath_raw() { xmllint --xpath "$2" "$1" 2>/dev/null; }

# report_counts DIR - "domain:total" per .xml.gz report in DIR, sorted; every
# report must validate against the schema (else "INVALID:file")
report_counts() {
	for f in "$1"/*.xml.gz; do
		[ -f "$f" ] || continue
		gzip -dc "$f" >"$f.xml"
		if ! xmllint --noout --schema "$XSD" "$f.xml" 2>"$f.lint"; then
			echo "INVALID:$(basename "$f")"
			sed 's/^/# /' "$f.lint" >&2
			continue
		fi
		d=$(xpath "$f.xml" 'string(/feedback/policy_published/domain)')
		n=$(xpath "$f.xml" 'sum(/feedback/record/row/count)')
		echo "$d:$n"
	done | sort
}

# run_store NAME STORE-LINES... - the whole scenario against one store; SQL is
# the command that runs one query on that store and prints the value
run_store() {
	name=$1
	shift
	conf "$tmp/$name.conf" "$@"
	rm -rf "$tmp/sent" "$tmp/out" "$tmp/fail_to"
	mkdir "$tmp/sent" "$tmp/out"
	spec="inet:$(free_port)@127.0.0.1"
	start_daemon "$tmp/$name.log" -c "$tmp/$name.conf" -p "$spec" -u "" -P ""
	pid=$daemon_pid
	wait_listening "$tmp/$name.log" "$pid"
	tap_ok $? "$name: mailauth listens with the history store" ||
	    { diag_file "$tmp/$name.log"; return; }
	load "$spec" 50
	tap_ok $? "$name: 50 messages answered as expected" || diag_file "$tmp/load.out"
	stop_daemon "$pid"
	is "$exit_status" 0 "$name: daemon stops with status 0"
	grep -q "history: 40 rows submitted, 40 written, 0 dropped (queue full), 0 lost" \
	    "$tmp/$name.log"
	tap_ok $? "$name: the writer logged 40 rows written at stop (tempfails are not rows)" ||
	    grep history "$tmp/$name.log" | sed 's/^/# /'
	is "$(SQL "SELECT policy_domain || ':' || disposition || ':' || COUNT(*) FROM dmarc_rows GROUP BY policy_domain, disposition ORDER BY policy_domain" | tr '\n' ' ')" \
	    "example.com:pass:20 quarantine.example:quarantine:10 reject.example:reject:10 " \
	    "$name: rows per domain and disposition (pass: DMARC pass under p=reject)"

	# the day is not over: nothing to report yet
	"$REPORT" -c "$tmp/$name.conf" --dry-run "$tmp/out" >"$tmp/r0.log" 2>&1
	is "$?:$(ls "$tmp/out" | wc -l)" "0:0" "$name: today's rows are not reported yet"

	tomorrow=$(($(date +%s) + 86400))
	"$REPORT" -c "$tmp/$name.conf" --dry-run "$tmp/out" --now "$tomorrow" -v \
	    >"$tmp/r1.log" 2>&1
	is "$?" 0 "$name: mailauth-report --dry-run exits 0" || diag_file "$tmp/r1.log"
	is "$(report_counts "$tmp/out" | tr '\n' ' ')" \
	    "example.com:20 quarantine.example:10 reject.example:10 " \
	    "$name: one schema-valid report per domain, counts as the rows"
	f=$(ls "$tmp/out"/*example.com*.xml 2>/dev/null | grep '!example.com!' | head -n 1)
	is "$(xpath "$f" 'count(/feedback/record)')" 2 \
	    "$name: example.com's 20 messages group into 2 records (signed, unsigned)"
	is "$(xpath "$f" 'count(/feedback/record/row/policy_evaluated/disposition[.="pass"])')" 2 \
	    "$name: both with disposition pass (RFC 9990: DMARC pass, enforcing policy)"
	is "$(xpath "$f" 'string(/feedback/report_metadata/org_name)')" \
	    "Test Receiver" "$name: org_name from ReportOrgName"
	ls "$tmp/out" | grep -q '^mx.test.example!reject.example![0-9]*![0-9]*.xml.gz$'
	tap_ok $? "$name: file name receiver!domain!begin!end.xml.gz"
	is "$(ls "$tmp/out" | grep -c '\.eml$')" 3 \
	    "$name: dry run: 3 messages (example.com, reports.example, tiny); the unauthorized destination skipped"
	grep -q "rua mailto:agg@reports.example replaced by rua=mailto:inbox@reports.example of reject.example._report._dmarc.reports.example" "$tmp/r1.log" &&
	    grep -q "would send to inbox@reports.example" "$tmp/r1.log" &&
	    ! grep -q "would send to agg@reports.example" "$tmp/r1.log"
	tap_ok $? "$name: the confirming record's rua= overrides the destination (RFC 9990 section 4 step 9)" ||
	    diag_file "$tmp/r1.log"
	grep -q "rua mailto:y@away.example skipped: its confirming record quarantine.example._report._dmarc.away.example has rua=mailto:y@elsewhere.example, and it names a URI at another host: no report to either" "$tmp/r1.log" &&
	    ! grep -q "^To: y@" "$tmp/out"/*.eml
	tap_ok $? "$name: an overriding URI at another host: no report to the original or the override" ||
	    diag_file "$tmp/r1.log"
	grep -q "would send to tiny@reject.example ([0-9]* bytes)" "$tmp/r1.log"
	tap_ok $? "$name: the obsolete !100 size is ignored: tiny@reject.example gets the report" ||
	    diag_file "$tmp/r1.log"
	is "$(xpath_raw "$f" 'namespace-uri(/*)')" "$NS" "$name: <feedback> in the RFC 9990 namespace"
	is "$(xpath "$f" 'string(/feedback/version)')" "1.0" "$name: version 1.0"
	is "$(xpath "$f" 'string(/feedback/policy_published/discovery_method)'):$(xpath "$f" 'string(/feedback/policy_published/testing)')" \
	    "treewalk:n" "$name: discovery_method treewalk, testing n"
	xpath "$f" 'string(/feedback/report_metadata/generator)' | grep -q '^mailauth [0-9]'
	tap_ok $? "$name: generator names mailauth and its version"
	is "$(xpath_raw "$f" 'count(//*[local-name()="pct"])')" 0 "$name: no pct (RFC 9990 has none)"
	grep -q "x@unauthorized.example skipped: unauthorized.example does not accept reports for quarantine.example" "$tmp/r1.log"
	tap_ok $? "$name: the external destination check is logged"
	is "$(SQL "SELECT COUNT(*) FROM dmarc_rows WHERE reported IS NULL")" 40 \
	    "$name: the dry run marked nothing"

	# sending: the reports.example delivery fails once
	echo "inbox@reports.example" >"$tmp/fail_to"
	"$REPORT" -c "$tmp/$name.conf" --now "$tomorrow" -v >"$tmp/r2.log" 2>&1
	is "$?" 1 "$name: a sendmail failure: exit 1 (try again)" || diag_file "$tmp/r2.log"
	is "$(ls "$tmp/sent" | grep -c '^msg')" 2 "$name: the other two reports were sent"
	grep -q "^To: dmarc@example.com$" "$tmp/sent/msg.0" &&
	    grep -q "^To: tiny@reject.example$" "$tmp/sent/msg.1"
	tap_ok $? "$name: ... to dmarc@example.com and tiny@reject.example"
	is "$(cat "$tmp/sent/args.0")" "-oi -t -f dmarc-reports@mx.test.example" \
	    "$name: sendmail arguments"
	is "$(SQL "SELECT policy_domain || ':' || COUNT(*) FROM dmarc_rows WHERE reported IS NULL GROUP BY policy_domain" | tr '\n' ' ')" \
	    "reject.example:10 " "$name: only the failed domain's rows wait"
	rm -f "$tmp/fail_to"
	"$REPORT" -c "$tmp/$name.conf" --now "$tomorrow" -v >"$tmp/r3.log" 2>&1
	is "$?" 0 "$name: the retry exits 0" || diag_file "$tmp/r3.log"
	is "$(ls "$tmp/sent" | grep -c '^msg')" 3 "$name: the retry sent one message more"
	grep -q "^To: inbox@reports.example$" "$tmp/sent/msg.2"
	tap_ok $? "$name: ... to inbox@reports.example, agg@'s override (the others not again)"
	# the sent report is a gzip attachment with the same counts
	mkdir "$tmp/att"
	"$SYS_PYTHON3" - "$tmp/sent/msg.2" "$tmp/att" <<'EOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
for part in m.walk():
    fn = part.get_filename()
    if fn:
        open(sys.argv[2] + '/' + fn.replace('/', '_'), 'wb').write(part.get_payload(decode=True))
EOF
	is "$(report_counts "$tmp/att" | tr '\n' ' ')" "reject.example:10 " \
	    "$name: the sent attachment is a valid report with the counts"
	rm -rf "$tmp/att"
	is "$(SQL "SELECT COUNT(*) FROM dmarc_rows WHERE reported IS NULL")" 0 \
	    "$name: every row marked reported"
	"$REPORT" -c "$tmp/$name.conf" --now "$tomorrow" >"$tmp/r4.log" 2>&1
	is "$?:$(ls "$tmp/sent" | grep -c '^msg')" "0:3" "$name: a third run sends nothing"

	# expiry: 40 days later the rows are gone
	"$REPORT" -c "$tmp/$name.conf" --now "$(($(date +%s) + 40 * 86400))" -v \
	    >"$tmp/r5.log" 2>&1
	is "$?:$(SQL "SELECT COUNT(*) FROM dmarc_rows")" "0:0" \
	    "$name: rows older than ReportRetentionDays (31) deleted"
}

# the tables as the first release created them (lib/history.c before
# discovery_method, np and testing were kept)
OLD_SCHEMA="CREATE TABLE dmarc_rows (received BIGINT NOT NULL,
 policy_domain TEXT NOT NULL, rua TEXT, adkim TEXT NOT NULL, aspf TEXT NOT NULL,
 p TEXT NOT NULL, sp TEXT, pct INTEGER NOT NULL, fo TEXT,
 source_ip TEXT NOT NULL, header_from TEXT NOT NULL, envelope_from TEXT,
 spf_domain TEXT, spf_scope TEXT, spf_result TEXT NOT NULL, dkim TEXT NOT NULL,
 disposition TEXT NOT NULL, dkim_eval TEXT NOT NULL, spf_eval TEXT NOT NULL,
 reason_type TEXT, reason_comment TEXT, reported BIGINT)"
OLD_SENT="CREATE TABLE dmarc_reports_sent (policy_domain TEXT NOT NULL,
 period_begin BIGINT NOT NULL, uri TEXT NOT NULL, sent BIGINT NOT NULL,
 report_id TEXT NOT NULL, PRIMARY KEY (policy_domain, period_begin, uri))"

# run_old NAME STORE-LINES... - a store with the first release's tables and three
# rows it wrote two days ago (a HELO SPF identity, RFC 7489's sampled_out): the
# daemon adds the new columns and writes its rows; the old day's report leaves
# out what the old rows do not know and validates, today's has it all
run_old() {
	name=$1
	shift
	conf "$tmp/$name.conf" "$@"
	rm -rf "$tmp/sent" "$tmp/out"
	mkdir "$tmp/sent" "$tmp/out"
	SQL "DROP TABLE IF EXISTS dmarc_rows" >/dev/null
	SQL "DROP TABLE IF EXISTS dmarc_reports_sent" >/dev/null
	SQL "$OLD_SCHEMA" >/dev/null && SQL "$OLD_SENT" >/dev/null
	old=$(($(date +%s) - 2 * 86400))
	for ip in 192.0.2.77 192.0.2.77 192.0.2.78; do
		SQL "INSERT INTO dmarc_rows VALUES ($old, 'example.com',
		    'mailto:dmarc@example.com', 'r', 'r', 'reject', NULL, 0, NULL, '$ip',
		    'example.com', 'mx.example.com', 'mx.example.com', 'helo', 'pass',
		    'example.com/s1/pass', 'quarantine', 'pass', 'fail', 'sampled_out',
		    'pct=0', NULL)" >/dev/null
	done
	is "$(SQL "SELECT COUNT(*) FROM dmarc_rows")" 3 "$name: old-schema store with 3 rows"
	spec="inet:$(free_port)@127.0.0.1"
	start_daemon "$tmp/$name.log" -c "$tmp/$name.conf" -p "$spec" -u "" -P ""
	pid=$daemon_pid
	wait_listening "$tmp/$name.log" "$pid"
	tap_ok $? "$name: mailauth listens with the old store" ||
	    { diag_file "$tmp/$name.log"; return; }
	load "$spec" 50
	tap_ok $? "$name: 50 messages answered as expected" || diag_file "$tmp/load.out"
	stop_daemon "$pid"
	grep -q "history: 40 rows submitted, 40 written, 0 dropped (queue full), 0 lost" \
	    "$tmp/$name.log"
	tap_ok $? "$name: the writer added the columns and wrote 40 rows" ||
	    grep history "$tmp/$name.log" | sed 's/^/# /'
	is "$(SQL "SELECT COALESCE(discovery_method, '-') || ':' || COALESCE(testing, '-') || ':' || COUNT(*) FROM dmarc_rows GROUP BY discovery_method, testing ORDER BY 1" | tr '\n' ' ')" \
	    "-:-:3 treewalk:n:40 " "$name: old rows have no discovery method or testing, new rows do"
	"$REPORT" -c "$tmp/$name.conf" --dry-run "$tmp/out" --now "$(($(date +%s) + 86400))" \
	    >"$tmp/$name.r.log" 2>&1
	is "$?" 0 "$name: mailauth-report exits 0" || diag_file "$tmp/$name.r.log"
	is "$(report_counts "$tmp/out" | tr '\n' ' ')" \
	    "example.com:20 example.com:3 quarantine.example:10 reject.example:10 " \
	    "$name: every report validates, the old day's too"
	f=$tmp/out/mx.test.example!example.com!$((old - old % 86400))!$((old - old % 86400 + 86399)).xml.gz.xml
	is "$(xpath_raw "$f" 'namespace-uri(/*)')" "$NS" "$name: old day: RFC 9990 namespace"
	is "$(xpath "$f" 'count(/feedback/policy_published/discovery_method | /feedback/policy_published/testing | /feedback/policy_published/np)')" 0 \
	    "$name: old day: discovery_method, testing, np left out (unknown)"
	is "$(xpath "$f" 'string(/feedback/record/row/policy_evaluated/reason/type)'):$(xpath "$f" 'string(/feedback/record/auth_results/spf/scope)')" \
	    "policy_test_mode:mfrom" "$name: old day: sampled_out written as policy_test_mode, a HELO scope as mfrom"
}

# --- SQLite ----------------------------------------------------------------
db=$tmp/history.sqlite
SQL() { sqlite3 "$db" "$1"; }
run_store sqlite "HistoryStore sqlite" "HistoryFile $db"
db=$tmp/old.sqlite
run_old sqlite-old "HistoryStore sqlite" "HistoryFile $db"

# --- PostgreSQL ------------------------------------------------------------
# libpq (and the Kerberos/LDAP/TLS libraries it brings) is loaded only for a
# PostgreSQL store, never linked into the milter
! ldd "$MAILAUTH" | grep -q 'libpq\.'
tap_ok $? "the milter does not link libpq"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ "$(id -u)" -ne 0 ] || [ -z "$pgbin" ] || ! getent passwd postgres >/dev/null; then
	skip "PostgreSQL: needs root and Debian's postgresql package"
	tap_done
fi
pg=$tmp/pg
mkdir "$pg" "$pg/sock"
chown postgres "$pg" "$pg/sock"
pgport=$(free_port)
asp() { runuser -u postgres -- "$@"; }
if ! asp "$pgbin/initdb" -D "$pg/data" -A trust -U postgres >"$tmp/initdb.log" 2>&1; then
	tap_ok 1 "PostgreSQL: initdb" || diag_file "$tmp/initdb.log"
	tap_done
fi
pg_start() {
	asp "$pgbin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 \
	    -o "-k $pg/sock -p $pgport -c listen_addresses=''" start >/dev/null 2>&1
}
pg_stop() { asp "$pgbin/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null 2>&1; }
# stop the cluster whatever happens
trap 'pg_stop; lib_cleanup' EXIT
pg_start
tap_ok $? "PostgreSQL: a private cluster on $pg/sock:$pgport" ||
    { diag_file "$pg/server.log"; tap_done; }
asp "$pgbin/createdb" -h "$pg/sock" -p "$pgport" mailauth
tap_ok $? "PostgreSQL: database mailauth created"
conninfo="host=$pg/sock port=$pgport dbname=mailauth user=postgres"
SQL() { "$pgbin/psql" -X -q -A -t -d "$conninfo" -c "$1"; }
run_store postgresql "HistoryStore postgresql" "HistoryConnInfo \"$conninfo\""
run_old postgresql-old "HistoryStore postgresql" "HistoryConnInfo \"$conninfo\""

# the store goes down under load: mail keeps flowing, the loss is logged, and
# the writer writes again when the server is back
SQL "DELETE FROM dmarc_rows" >/dev/null
conf "$tmp/down.conf" "HistoryStore postgresql" "HistoryConnInfo \"$conninfo\""
spec="inet:$(free_port)@127.0.0.1"
start_daemon "$tmp/down.log" -c "$tmp/down.conf" -p "$spec" -u "" -P ""
pid=$daemon_pid
wait_listening "$tmp/down.log" "$pid"
tap_ok $? "store down: daemon listening"
load "$spec" 25
tap_ok $? "store down: 25 messages while the server is up" || diag_file "$tmp/load.out"
sleep 1
pg_stop
tap_ok $? "store down: PostgreSQL stopped"
load "$spec" 100
tap_ok $? "store down: 100 more messages, each answered as expected" ||
    diag_file "$tmp/load.out"
wait_log "$tmp/down.log" "history: store unavailable\|history: [0-9]* rows lost"
tap_ok $? "store down: the writer logs the outage" || diag_file "$tmp/down.log"
pg_start
tap_ok $? "store down: PostgreSQL started again"
# the writer retries every 5 s; rows waiting in the queue are written then
i=0
while [ $i -lt 200 ]; do
	grep -q "history: store open" "$tmp/down.log" && break
	sleep 0.1
	i=$((i + 1))
done
load "$spec" 25
tap_ok $? "store back: 25 messages" || diag_file "$tmp/load.out"
stop_daemon "$pid"
is "$exit_status" 0 "store down: daemon stops with status 0"
line=$(grep "history: [0-9]* rows submitted" "$tmp/down.log")
diag "$line"
sub=$(echo "$line" | sed -n 's/.*history: \([0-9]*\) rows submitted, \([0-9]*\) written, \([0-9]*\) dropped (queue full), \([0-9]*\) lost.*/\1 \2 \3 \4/p')
set -- $sub
is "$1" 120 "store down: 120 rows submitted (150 messages, 30 tempfails)"
is "$(($2 + $3 + $4))" 120 "store down: every row written, dropped or lost, each counted"
is "$(SQL "SELECT COUNT(*) FROM dmarc_rows")" "$2" "store down: the rows counted as written are in the database"
ok "store down: the rows of the first 25 messages and of the last 25 are in the database" \
    test "$2" -ge 40
tap_done
