#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# daemon_test.sh - the mailauth daemon as a process: -n, -V, start-up refusals, pid
# file, SIGUSR1 reload (good and broken), SIGTERM/SIGINT, UNIX socket handling and,
# when run as root, the privilege drop. Prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

if [ ! -x "$MAILAUTH" ]; then
	echo "1..0 # SKIP $MAILAUTH not built"
	exit 0
fi
make_tmp
mtdir=$top_srcdir/t/milter

# answers_as PORT ID - a milter session gets an A-R with this authserv-id
answers_as() {
	"$MILTERTEST" -D sock="inet:$1@127.0.0.1" -D mtdir="$mtdir" \
	    -D tdata="$TDATA/milter" -D want_id="$2" -s "$mtdir/authserv.lua" \
	    >"$tmp/mt.out" 2>&1 &&
	    ! grep -q '^not ok' "$tmp/mt.out" && grep -q '^ok' "$tmp/mt.out"
}

# answers PORT - something accepts TCP connections on the port
answers() {
	"$SYS_PYTHON3" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 5).close()' "$1"
}

# --- configuration check (-n), version, refusals -------------------------------
"$MAILAUTH" -n -c "$top_srcdir/conf/mailauth.conf" >"$tmp/out" 2>&1
tap_ok $? "-n accepts the shipped conf/mailauth.conf"
[ $? -eq 0 ] || diag_file "$tmp/out"

write_conf "$tmp/bad.conf" "NoSuchOption yes"	# line 6 of the file
badline=$(grep -n '^NoSuchOption' "$tmp/bad.conf" | cut -d: -f1)
"$MAILAUTH" -n -c "$tmp/bad.conf" >"$tmp/out" 2>&1
is "$?" 1 "-n on a broken config exits 1"
grep -q "^$tmp/bad.conf:$badline:" "$tmp/out"
tap_ok $? "-n names the file and line: $tmp/bad.conf:$badline:"
[ $? -eq 0 ] || diag_file "$tmp/out"

"$MAILAUTH" -f -c "$tmp/bad.conf" -u "" -P "" >"$tmp/out" 2>&1
is "$?" 78 "starting on a broken config exits EX_CONFIG (78)"
grep -q "^$tmp/bad.conf:$badline:" "$tmp/out"
tap_ok $? "the refusal names the file and line"

write_conf "$tmp/good.conf"
"$MAILAUTH" -n -c "$tmp/good.conf" -p "inet:notaport@127.0.0.1" >"$tmp/out" 2>&1
is "$?" 1 "-n with a bad socket specification exits 1"
grep -q 'bad Socket "inet:notaport@127.0.0.1"' "$tmp/out"
tap_ok $? "the message quotes the bad socket specification"
[ $? -eq 0 ] || diag_file "$tmp/out"

"$MAILAUTH" -V >"$tmp/out" 2>&1
grep -q '^mailauth [0-9]' "$tmp/out"
tap_ok $? "-V prints the version"

# --- one daemon on a loopback port ---------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
	run_as=nobody
	run_uid=$(id -u nobody)
else
	run_as=""
	run_uid=$(id -u)
fi
mkdir "$tmp/run"
[ -n "$run_as" ] && chown "$run_as" "$tmp/run"
port=$(free_port)
spec="inet:$port@127.0.0.1"
conf=$tmp/daemon.conf
write_conf "$conf"
chmod 0644 "$conf"
pidfile=$tmp/run/mailauth.pid

start_daemon "$tmp/a.log" -c "$conf" -p "$spec" -u "$run_as" -P "$pidfile"
a=$daemon_pid
wait_listening "$tmp/a.log" "$a"
tap_ok $? "the daemon starts and listens on $spec"
[ $? -eq 0 ] || diag_file "$tmp/a.log"
is "$(cat "$pidfile" 2>/dev/null)" "$a" "the pid file holds its pid"

"$MAILAUTH" -f -c "$conf" -p "$spec" -u "" -P "" >"$tmp/b.log" 2>&1
rc=$?
[ $rc -ne 0 ]
tap_ok $? "a second instance on the same port exits non-zero ($rc)"
grep -q "cannot listen on $spec: address in use?" "$tmp/b.log"
tap_ok $? "and says: cannot listen on $spec: address in use?"
[ $? -eq 0 ] || diag_file "$tmp/b.log"

"$MAILAUTH" -f -c "$conf" -p "inet:$(free_port)@127.0.0.1" -u "" -P "$pidfile" \
    >"$tmp/c.log" 2>&1
rc=$?
[ $rc -ne 0 ] && grep -q "another mailauth (pid $a) holds $pidfile" "$tmp/c.log"
tap_ok $? "an instance wanting the same pid file is refused, naming pid $a"
[ $? -eq 0 ] || diag_file "$tmp/c.log"

if [ -n "$run_as" ]; then
	uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$a/status")
	is "$uids" "$run_uid $run_uid $run_uid $run_uid" \
	    "privileges dropped to $run_as (real, effective, saved, fs uid)"
	gids=$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$a/status")
	g=$(id -g "$run_as")
	is "$gids" "$g $g $g $g" "group dropped to $run_as's"
	capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$a/status")
	is "$capeff" "0000000000000000" "no capabilities left"
else
	skip "privilege drop: not running as root"
	skip "group drop: not running as root"
	skip "capabilities: not running as root"
fi

have_mt=false
[ -n "$MILTERTEST" ] && [ -x "$MILTERTEST" ] && have_mt=true
if $have_mt; then
	answers_as "$port" mx.test.example
	tap_ok $? "a milter session gets an A-R from mx.test.example"
	[ $? -eq 0 ] || diag_file "$tmp/mt.out"
else
	skip "miltertest not installed"
fi

# --- SIGUSR1: a good configuration, then a broken one --------------------------
write_conf "$conf.new" "# reloaded"
sed 's/^AuthservID .*/AuthservID mx2.test.example/' "$conf.new" >"$conf"
rm -f "$conf.new"
kill -USR1 "$a"
wait_log "$tmp/a.log" "configuration reloaded"
tap_ok $? "SIGUSR1 with a good config is logged as reloaded"
if $have_mt; then
	answers_as "$port" mx2.test.example
	tap_ok $? "the new configuration is in force (authserv-id mx2.test.example)"
	[ $? -eq 0 ] || diag_file "$tmp/mt.out"
else
	skip "miltertest not installed"
fi

echo "NoSuchOption yes" >>"$conf"
badline=$(grep -n '^NoSuchOption' "$conf" | cut -d: -f1)
kill -USR1 "$a"
wait_log "$tmp/a.log" "keeping the running configuration"
tap_ok $? "SIGUSR1 with a broken config logs that the running one is kept"
grep -q "reload failed: $conf:$badline:" "$tmp/a.log"
tap_ok $? "the log names the file and line ($conf:$badline)"
still_running "$a"
tap_ok $? "the daemon keeps running"
if $have_mt; then
	answers_as "$port" mx2.test.example
	tap_ok $? "and still answers with the previous configuration"
	[ $? -eq 0 ] || diag_file "$tmp/mt.out"
else
	answers "$port"
	tap_ok $? "and still accepts connections"
fi

# --- SIGTERM --------------------------------------------------------------------
stop_daemon "$a"
is "$exit_status" 0 "SIGTERM stops it with exit status 0"
[ ! -e "$pidfile" ]
tap_ok $? "the pid file is removed"
grep -q "stopped" "$tmp/a.log"
tap_ok $? "\"stopped\" is logged"
grep -qiE 'sanitizer|runtime error' "$tmp/a.log"
[ $? -ne 0 ]
tap_ok $? "no sanitizer report in the log"
[ $? -eq 0 ] || diag_file "$tmp/a.log"

# --- SIGINT ---------------------------------------------------------------------
write_conf "$conf.int"
start_daemon "$tmp/i.log" -c "$conf.int" -p "$spec" -u "" -P ""
ipid=$daemon_pid
if wait_listening "$tmp/i.log" "$ipid"; then
	kill -INT "$ipid"
	wait_exit "$ipid"
	is "$exit_status" 0 "SIGINT stops it with exit status 0"
else
	tap_ok 1 "SIGINT: the daemon did not start"
	diag_file "$tmp/i.log"
fi

# --- UNIX sockets ---------------------------------------------------------------
sock=$tmp/run/mailauth.sock
"$SYS_PYTHON3" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.close()' "$sock"
[ -S "$sock" ]
tap_ok $? "a stale UNIX socket is left at $sock"
write_conf "$tmp/unix.conf" "SocketMode 0640"
start_daemon "$tmp/u.log" -c "$tmp/unix.conf" -p "unix:$sock" -u "$run_as" -P ""
u=$daemon_pid
wait_listening "$tmp/u.log" "$u"
tap_ok $? "the daemon replaces the stale socket and listens"
[ $? -eq 0 ] || diag_file "$tmp/u.log"
grep -q "removed the stale socket $sock" "$tmp/u.log"
tap_ok $? "the removal is logged"
is "$(stat -c %a "$sock" 2>/dev/null)" 640 "the socket gets SocketMode 0640"
if [ -n "$run_as" ]; then
	is "$(stat -c %U "$sock" 2>/dev/null)" "$run_as" "the socket belongs to $run_as"
else
	skip "socket owner: not running as root"
fi

"$MAILAUTH" -f -c "$tmp/unix.conf" -p "unix:$sock" -u "" -P "" >"$tmp/u2.log" 2>&1
rc=$?
[ $rc -ne 0 ] && [ -S "$sock" ] && still_running "$u"
tap_ok $? "a second instance on a live UNIX socket fails and leaves it alone"
[ $? -eq 0 ] || diag_file "$tmp/u2.log"
stop_daemon "$u"
is "$exit_status" 0 "the UNIX-socket daemon stops with exit status 0"

printf 'precious data\n' >"$sock.file"
"$MAILAUTH" -f -c "$tmp/unix.conf" -p "unix:$sock.file" -u "" -P "" >"$tmp/u3.log" 2>&1
rc=$?
[ $rc -ne 0 ]
tap_ok $? "a regular file at the socket path: start-up fails ($rc)"
is "$(cat "$sock.file" 2>/dev/null)" "precious data" "and the file is not removed"
grep -q "is not a socket" "$tmp/u3.log"
tap_ok $? "the message says it is not a socket"
[ $? -eq 0 ] || diag_file "$tmp/u3.log"

# --- session limits: MaxSessions, HandshakeTimeout -------------------------------
# sessions.py opens milter sessions as an MTA does (negotiation, connect step) or
# connections that send nothing, as any local user may on 127.0.0.1.
sport=$(free_port)
write_conf "$tmp/cap.conf" "MaxSessions 3" "HandshakeTimeout 2"
start_daemon "$tmp/cap.log" -c "$tmp/cap.conf" -p "inet:$sport@127.0.0.1" -u "" -P ""
cpid=$daemon_pid
if wait_listening "$tmp/cap.log" "$cpid"; then
	"$SYS_PYTHON3" "$mtdir/sessions.py" "$sport" cap 4 >"$tmp/cap.out" 2>&1
	is "$(sed -n 's/^s[123]=//p' "$tmp/cap.out" | tr '\n' ' ')" "c c c " \
	    "MaxSessions 3: three sessions open at once are served"
	is "$(sed -n 's/^s4=//p' "$tmp/cap.out")" \
	    "y:421 4.3.2 Too many concurrent sessions, try again later" \
	    "the fourth gets a tempfail (421 4.3.2) at the connect step"
	grep -q "too many milter sessions (MaxSessions 3, 4 open now): refused 1 with tempfail 421 4.3.2" \
	    "$tmp/cap.log"
	tap_ok $? "and the refusal is logged"
	is "$(sed -n 's/^after=//p' "$tmp/cap.out")" c \
	    "once they are closed, a new session is served again"
	[ $? -eq 0 ] || diag_file "$tmp/cap.out"

	"$SYS_PYTHON3" "$mtdir/sessions.py" "$sport" silent 2 8 >"$tmp/silent.out" 2>&1
	is "$(tr '\n' ' ' <"$tmp/silent.out")" "closed=2 open=0 " \
	    "two connections that send nothing are closed (HandshakeTimeout 2)"
	grep -q "closed 2 milter connections that sent no option negotiation within 2 s" \
	    "$tmp/cap.log"
	tap_ok $? "the log says so, once for both"
	"$SYS_PYTHON3" "$mtdir/sessions.py" "$sport" silent 5 4 >"$tmp/silent.out" 2>&1
	is "$(tr '\n' ' ' <"$tmp/silent.out")" "closed=5 open=0 " \
	    "five silent connections (over MaxSessions) are closed sooner"
	grep -q "within 1 s (HandshakeTimeout, shortened at MaxSessions" "$tmp/cap.log"
	tap_ok $? "the log says the timeout was shortened"
	"$SYS_PYTHON3" "$mtdir/sessions.py" "$sport" cap 1 >"$tmp/cap.out" 2>&1
	is "$(sed -n 's/^s1=//p' "$tmp/cap.out")" c "and a session is served after them"
	stop_daemon "$cpid"
	is "$exit_status" 0 "the daemon stops with exit status 0"
	grep -qiE 'sanitizer|runtime error' "$tmp/cap.log"
	[ $? -ne 0 ]
	tap_ok $? "no sanitizer report in its log"
	[ $? -eq 0 ] || diag_file "$tmp/cap.log"
else
	tap_ok 1 "session limits: the daemon did not start"
	diag_file "$tmp/cap.log"
fi

# --- a hostile run directory (root only) ----------------------------------------
# The run directory belongs to the user the daemon drops to, so that user can plant
# symbolic links there. Started as root, the daemon must never follow one: not for
# the pid file, not for the UNIX socket (a link swapped in after the bind, while the
# daemon is still root).
# start_or_refuse LOG ARGS... - start a daemon; started=yes (it listened, then was
# stopped) or started=no (it exited by itself)
start_or_refuse() {
	_sl=$1
	shift
	start_daemon "$_sl" "$@"
	if wait_listening "$_sl" "$daemon_pid"; then
		stop_daemon "$daemon_pid"
		started=yes
	else
		wait_exit "$daemon_pid"
		started=no
	fi
}
victim_state() {
	stat -c '%U:%G %a %s' "$tmp/victim"
	cat "$tmp/victim"
}
if [ -n "$run_as" ]; then
	printf 'root only\n' >"$tmp/victim"
	chmod 0600 "$tmp/victim"
	before=$(victim_state)
	ln -s "$tmp/victim" "$tmp/run/link.pid"
	start_or_refuse "$tmp/l.log" -c "$conf.int" -p "inet:$(free_port)@127.0.0.1" \
	    -u "$run_as" -P "$tmp/run/link.pid"
	is "$(victim_state)" "$before" \
	    "a symlink at the pid file path: the file it points to is unchanged"
	is "$started" no "and the daemon does not start"
	grep -q "PidFile $tmp/run/link.pid is a symbolic link" "$tmp/l.log"
	tap_ok $? "the log says the pid file is a symbolic link"
	[ $? -eq 0 ] || diag_file "$tmp/l.log"

	rsock=$tmp/run/race.sock
	MAILAUTH_TEST_BIND_PAUSE=1500
	export MAILAUTH_TEST_BIND_PAUSE
	start_daemon "$tmp/r.log" -c "$tmp/unix.conf" -p "unix:$rsock" -u "$run_as" -P ""
	r=$daemon_pid
	unset MAILAUTH_TEST_BIND_PAUSE
	_i=0
	while [ ! -S "$rsock" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	# the attacker, as the daemon's user, swaps the fresh socket for a link
	setpriv --reuid="$run_uid" --regid="$(id -g "$run_as")" --clear-groups \
	    ln -sfn "$tmp/victim" "$rsock"
	[ -L "$rsock" ]
	tap_ok $? "the socket path was swapped for a symlink after the bind"
	if wait_listening "$tmp/r.log" "$r"; then
		stop_daemon "$r"
		started=yes
	else
		wait_exit "$r"
		started=no
	fi
	is "$(victim_state)" "$before" \
	    "no chmod or chown through the swapped socket path"
	is "$started" no "and the daemon does not start"
	grep -q "unix:$rsock: $rsock was replaced" "$tmp/r.log"
	tap_ok $? "the log says the socket path was replaced"
	[ $? -eq 0 ] || diag_file "$tmp/r.log"

	# the socket is created as UserID: a directory only root may write is refused
	mkdir "$tmp/rootdir"
	start_or_refuse "$tmp/rd.log" -c "$tmp/unix.conf" -p "unix:$tmp/rootdir/m.sock" \
	    -u "$run_as" -P ""
	is "$started" no "a socket directory that $run_as cannot write: no start"
	grep -q "the directory $tmp/rootdir must be writable by UserID $run_as" \
	    "$tmp/rd.log"
	tap_ok $? "and the log names the directory and the user"
	[ $? -eq 0 ] || diag_file "$tmp/rd.log"
else
	for _t in 1 2 3 4 5 6 7 8 9; do
		skip "hostile run directory: not running as root"
	done
fi

tap_done
