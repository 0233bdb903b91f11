# SPDX-License-Identifier: BSD-2-Clause
# t/lib.sh - shared helpers for the shell tests of the mailauth daemon (sourced)
#
# TAP:      tap_ok COND-STATUS DESC, ok DESC CMD..., is GOT WANT DESC, skip DESC,
#           diag TEXT, tap_done (prints the plan last, exit 1 if anything failed)
# Daemon:   make_tmp, free_port, write_conf FILE [LINE...], start_daemon NAME ARGS...,
#           wait_log FILE PATTERN, stop_daemon PID, still_running PID
# Load:     find_mltload, need_mltload, corpus_add DIR FILE MAILFROM EXPECT,
#           corpus_milter DIR
# Every daemon started here is remembered and stopped by PID when the script exits,
# also after a failure (trap on EXIT); the temporary directory is removed.
#
# Environment (set by make check): top_srcdir, top_builddir, TDATA, MILTERTEST,
# SYS_PYTHON3. MAILAUTH overrides the daemon binary.

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
: "${TDATA:=$top_srcdir/t/data}"
: "${MAILAUTH:=$top_builddir/milter/mailauth}"
: "${SYS_PYTHON3:=/usr/bin/python3}"

tap_n=0
tap_failed=0
lib_pids=""
lib_tmp=""

# tap_ok - one test line from the exit status of the previous command ($1);
# returns 0 for a pass and 1 for a failure, so "|| diag_file LOG" can follow
tap_ok() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$tap_n" "$2"
		return 0
	fi
	printf 'not ok %d - %s\n' "$tap_n" "$2"
	tap_failed=$((tap_failed + 1))
	return 1
}

# ok - run a command quietly; pass when it succeeds
ok() {
	_ld=$1
	shift
	"$@" >/dev/null 2>&1
	tap_ok $? "$_ld"
}

# is - compare two strings
is() {
	if [ "$1" = "$2" ]; then
		tap_ok 0 "$3"
	else
		tap_ok 1 "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}

# skip - a skipped test line
skip() {
	tap_n=$((tap_n + 1))
	printf 'ok %d # SKIP %s\n' "$tap_n" "$1"
}

# diag - a comment line (every line of the text)
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file - show a file (log) as comment lines
diag_file() {
	[ -f "$1" ] && sed 's/^/#   /' "$1"
}

# tap_done - the plan, and the exit status
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
	exit $?
}

# lib_cleanup - stop every daemon we started (by PID), remove the temp dir
lib_cleanup() {
	for _lp in $lib_pids; do
		if still_running "$_lp"; then
			kill -TERM "$_lp" 2>/dev/null
			_li=0
			while still_running "$_lp" && [ $_li -lt 100 ]; do
				sleep 0.1
				_li=$((_li + 1))
			done
			kill -KILL "$_lp" 2>/dev/null
		fi
	done
	[ -n "$lib_tmp" ] && rm -rf "$lib_tmp"
}
trap lib_cleanup EXIT
trap 'exit 1' HUP INT TERM

# make_tmp - a private temporary directory, readable by an unprivileged daemon;
# sets tmp and lib_tmp (call it directly, not in $(...): lib_cleanup removes lib_tmp)
make_tmp() {
	lib_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-test.XXXXXX") || exit 1
	chmod 0755 "$lib_tmp"
	tmp=$lib_tmp
}

# free_port - a TCP port on 127.0.0.1 that nobody listens on right now
free_port() {
	"$SYS_PYTHON3" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# write_conf - a test configuration: zone DNS backend on t/data/milter/test.zone
write_conf() {
	_lf=$1
	shift
	{
		echo "# written by $(basename "$0")"
		echo "AuthservID mx.test.example"
		echo "DNSBackend zone"
		echo "DNSZoneFile $TDATA/milter/test.zone"
		echo "LogLevel debug"
		for _ll in "$@"; do
			printf '%s\n' "$_ll"
		done
	} >"$_lf"
}

# start_daemon - run mailauth -f in the background, output to LOG; sets daemon_pid
start_daemon() {
	_llog=$1
	shift
	"$MAILAUTH" -f "$@" >"$_llog" 2>&1 &
	daemon_pid=$!
	lib_pids="$lib_pids $daemon_pid"
}

# wait_log - wait (at most about 15 s) until LOG has a line matching PATTERN
wait_log() {
	_li=0
	while [ $_li -lt 150 ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_li=$((_li + 1))
	done
	return 1
}

# wait_listening - the daemon logged that it listens, and is still alive
wait_listening() {
	_li=0
	while [ $_li -lt 150 ]; do
		grep -q "listening on" "$1" 2>/dev/null && still_running "$2" && return 0
		still_running "$2" || return 1
		sleep 0.1
		_li=$((_li + 1))
	done
	return 1
}

# find_mltload - set MLTLOAD to a usable bench/mltload (the built one, else one
# compiled into $tmp); returns 1 (MLTLOAD empty, $tmp/cc.log says why) if none
find_mltload() {
	: "${MLTLOAD:=$top_builddir/bench/mltload}"
	[ -x "$MLTLOAD" ] && return 0
	MLTLOAD=$tmp/mltload
	${CC:-cc} -std=gnu11 -O2 -pthread -o "$MLTLOAD" \
	    "$top_srcdir/bench/mltload.c" >"$tmp/cc.log" 2>&1 && return 0
	MLTLOAD=
	return 1
}

# need_mltload - find_mltload, or print a TAP skip-all line and exit
need_mltload() {
	find_mltload && return 0
	echo "1..0 # SKIP cannot build bench/mltload: $(head -n 1 "$tmp/cc.log")"
	exit 0
}

# corpus_add DIR FILE MAILFROM EXPECT - an mltload corpus entry: t/data/milter/FILE
# from 192.0.2.10 (HELO mx.example.com) with its envelope and expected verdict
corpus_add() {
	{
		echo "X-Bench-IP: 192.0.2.10"
		echo "X-Bench-Helo: mx.example.com"
		echo "X-Bench-From: <$3>"
		echo "X-Bench-Rcpt: <postmaster@mx.test.example>"
		echo "X-Bench-Expect: $4"
		cat "$TDATA/milter/$2"
	} >"$1/$2"
}

# corpus_milter DIR - the six t/data/milter messages with the verdicts the
# records of t/data/milter/test.zone call for
corpus_milter() {
	corpus_add "$1" pass.eml bounce@example.com accept
	corpus_add "$1" unsigned.eml bounce@example.com accept
	corpus_add "$1" forged.eml bounce@example.com accept
	corpus_add "$1" reject.eml alice@reject.example reject
	corpus_add "$1" quarantine.eml alice@quarantine.example quarantine
	corpus_add "$1" tempfail.eml bounce@example.com tempfail
}

# still_running - the process exists and is not a zombie waiting to be reaped
still_running() {
	kill -0 "$1" 2>/dev/null || return 1
	_ls=$(ps -o stat= -p "$1" 2>/dev/null)
	case $_ls in
	Z*) return 1 ;;
	esac
	return 0
}

# reap_load PID OUT - end a background mltload run: kill it if it is still running
# (a failed test point), wait for it, show OUT as diagnostics; sets load_rc
reap_load() {
	if still_running "$1"; then
		kill -KILL "$1" 2>/dev/null
		tap_ok 1 "mltload finished within the bound"
	fi
	wait "$1"
	load_rc=$?
	while IFS= read -r _rl; do diag "mltload: $_rl"; done <"$2"
}

# wait_exit - wait (at most about 30 s) for our child PID; sets exit_status
wait_exit() {
	_li=0
	while still_running "$1" && [ $_li -lt 300 ]; do
		sleep 0.1
		_li=$((_li + 1))
	done
	if still_running "$1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		exit_status=999
		return 1
	fi
	wait "$1" 2>/dev/null
	exit_status=$?
	return 0
}

# stop_daemon - SIGTERM, then wait; sets exit_status (used by the caller)
stop_daemon() {
	kill -TERM "$1" 2>/dev/null
	wait_exit "$1"
}
