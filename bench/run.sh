#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# bench/run.sh - mailauth against Debian's opendkim + opendmarc chain (make bench)
#
# Runs as root (it binds a local unbound to 127.0.1.53:53 and bind-mounts a
# resolv.conf in a private mount namespace, because opendmarc resolves through the
# system resolver). Installs opendkim and opendmarc with apt-get when missing.
# Steps: generate the corpus (bench/gencorpus.py), start unbound with its records,
# mailauth (unbound backend forwarding there) and the chain (opendkim, opendmarc,
# same unbound); warm up; then at concurrency 1, 4 and 16 send the same messages
# to mailauth and to the chain (bench/mltload, two -s: Postfix order) and print
# msgs/s, p50/p99 and each daemon's peak RSS (VmHWM, reset before each row), with
# the ratios mailauth/chain. Last, a fresh mailauth gets 2 KB messages, then 50 MB
# ones: its peak RSS after each (memory flatness).
# Environment: MLTLOAD, MAILAUTH (binaries), SYS_PYTHON3, BENCH_ROUNDS (corpus
# passes, default 10), BENCH_OUT (a copy of the table).
# Every process started here is stopped by PID on exit.
set -u

srcdir=$(cd "$(dirname "$0")" && pwd)
: "${MLTLOAD:=./bench/mltload}"
: "${MAILAUTH:=./milter/mailauth}"
: "${SYS_PYTHON3:=/usr/bin/python3}"
: "${BENCH_ROUNDS:=10}"
NS=127.0.1.53

if [ -z "${BENCH_IN_NS:-}" ]; then
	if ! command -v opendkim >/dev/null || ! command -v opendmarc >/dev/null; then
		echo "bench: installing opendkim and opendmarc"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q opendkim opendmarc \
		    >/dev/null || { echo "bench: apt-get failed" >&2; exit 1; }
	fi
	command -v unbound >/dev/null || { echo "bench: unbound missing" >&2; exit 1; }
	MLTLOAD=$(readlink -f "$MLTLOAD") MAILAUTH=$(readlink -f "$MAILAUTH") \
	    BENCH_IN_NS=1 exec unshare -m /bin/bash "$0" "$@"
	echo "bench: unshare -m failed (root needed)" >&2
	exit 1
fi

dir=$(mktemp -d /tmp/mailauth-bench.XXXXXX)
chmod 0755 "$dir"
pids=""

# cleanup - stop every process we started, by PID; remove the work directory
cleanup() {
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in $pids; do
		for _ in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# port - a free TCP port on 127.0.0.1
port() {
	"$SYS_PYTHON3" -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# conf - peer/NAME with @SOCKET@ (SPEC), @NS@, @DIR@, @PIDFILE@ filled in, as OUT
conf() {
	sed -e "s|@SOCKET@|$2|g" -e "s|@NS@|$NS|g" -e "s|@DIR@|$dir|g" \
	    -e "s|@PIDFILE@|$dir/$3.pid|g" "$srcdir/peer/$1" >"$dir/$3"
}

# wait_sock - until SPEC (inet:PORT@127.0.0.1 or unix:PATH) accepts (15 s at most)
wait_sock() {
	for _ in $(seq 150); do
		case $1 in
		inet:*) p=${1#inet:}
			(exec 3<>"/dev/tcp/127.0.0.1/${p%@*}") 2>/dev/null && return 0 ;;
		unix:*) [ -S "${1#unix:}" ] && return 0 ;;
		esac
		sleep 0.1
	done
	echo "bench: nothing listens on $1 (see $2)" >&2
	cat "$2" >&2
	exit 1
}

# hwm - peak RSS of PID in MB; reset_hwm - start a new peak (clear_refs 5)
hwm() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
reset_hwm() { for p in "$@"; do echo 5 >"/proc/$p/clear_refs"; done; }

# field - the value of KEY in a mltload summary line
field() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# row - one table line: label, mailauth summary, chain summary, three RSS values
row() {
	awk -v c="$1" -v a="$(field "$2" msgs_per_s)" -v b="$(field "$3" msgs_per_s)" \
	    -v a50="$(field "$2" p50_ms)" -v b50="$(field "$3" p50_ms)" \
	    -v a99="$(field "$2" p99_ms)" -v b99="$(field "$3" p99_ms)" \
	    -v r1="$4" -v r2="$5" -v r3="$6" 'BEGIN {
		fmt = "%-7s | %9.1f %9.1f %5.2fx | %8.2f %8.2f | %8.2f %8.2f %5.2fx | %7s %7s %7s\n"
		printf(fmt, c, a, b, b > 0 ? a / b : 0, a50, b50, a99, b99,
		    b99 > 0 ? a99 / b99 : 0, r1, r2, r3)
	}'
}

# load - run mltload, bounded; prints its summary line
load() {
	timeout 150 "$MLTLOAD" -q -t 30 "$@" || true
}

"$SYS_PYTHON3" "$srcdir/gencorpus.py" "$dir" --big 50 || exit 1
ncorpus=$(ls "$dir/corpus" | wc -l)

# DNS: our unbound answers the corpus records; everybody's resolver points at it
conf unbound.conf - unbound.conf
echo "nameserver $NS" >"$dir/resolv.conf"
mount --bind "$dir/resolv.conf" /etc/resolv.conf || exit 1
unbound -d -c "$dir/unbound.conf" >"$dir/unbound.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 100); do
	getent hosts mx.sender.example >/dev/null && break
	sleep 0.1
done
getent hosts mx.sender.example >/dev/null ||
    { echo "bench: local unbound does not answer" >&2; cat "$dir/unbound.log"; exit 1; }

# start_set TAG KIND - mailauth, opendkim, opendmarc on tcp or unix sockets;
# sets sm/sk/sd (socket specs) and ma/dk/dm (PIDs)
start_set() {
	if [ "$2" = tcp ]; then
		sm=inet:$(port)@127.0.0.1; sk=inet:$(port)@127.0.0.1; sd=inet:$(port)@127.0.0.1
	else
		sm=unix:$dir/$1-ma.sock; sk=unix:$dir/$1-dk.sock; sd=unix:$dir/$1-dm.sock
	fi
	conf mailauth.conf "$sm" "$1-mailauth.conf"
	conf opendkim.conf "$sk" "$1-opendkim.conf"
	conf opendmarc.conf "$sd" "$1-opendmarc.conf"
	"$MAILAUTH" -f -c "$dir/$1-mailauth.conf" >"$dir/$1-mailauth.log" 2>&1 &
	ma=$!
	opendkim -f -x "$dir/$1-opendkim.conf" >"$dir/$1-opendkim.log" 2>&1 &
	dk=$!
	opendmarc -f -c "$dir/$1-opendmarc.conf" >"$dir/$1-opendmarc.log" 2>&1 &
	dm=$!
	pids="$pids $ma $dk $dm"
	wait_sock "$sm" "$dir/$1-mailauth.log"
	wait_sock "$sk" "$dir/$1-opendkim.log"
	wait_sock "$sd" "$dir/$1-opendmarc.log"
}

out="$dir/table"
{
	echo "mailauth vs opendkim+opendmarc, $(date -u +%Y-%m-%d), $(nproc)-core shared machine"
	echo "corpus: $ncorpus messages (2 KB/64 KB/1 MB, 0/1/2/6 signatures, rsa/ed25519)"
	printf '%-7s | %9s %9s %6s | %8s %8s | %8s %8s %6s | %7s %7s %7s\n' \
	    conc "ma msg/s" "ch msg/s" ratio "ma p50" "ch p50" "ma p99" "ch p99" \
	    ratio "ma MB" "dkim MB" "dmarc MB"
} >"$out"
for kind in tcp unix; do
	start_set "$kind" "$kind"
	# warm-up (resolver caches, page cache) and correctness of both sides
	echo "bench: $kind sockets: warm-up, checking verdicts ($ncorpus corpus messages)"
	echo "  mailauth: $(load -s "$sm" -c 2 -n $((ncorpus * 2)) --expect "$dir/corpus")"
	echo "  chain:    $(load -s "$sk" -s "$sd" -c 2 -n $((ncorpus * 2)) --expect "$dir/corpus")"
	for c in 1 4 16; do
		n=$((ncorpus * BENCH_ROUNDS * (c == 1 ? 2 : c == 4 ? 4 : 8)))
		reset_hwm "$ma" "$dk" "$dm"
		rm_=$(load -s "$sm" -c "$c" -n "$n" "$dir/corpus")
		rc_=$(load -s "$sk" -s "$sd" -c "$c" -n "$n" "$dir/corpus")
		echo "  c=$c mailauth: $rm_"
		echo "  c=$c chain:    $rc_"
		row "$kind $c" "$rm_" "$rc_" "$(hwm "$ma")" "$(hwm "$dk")" "$(hwm "$dm")" >>"$out"
		e1=$(($(field "$rm_" errors) + $(field "$rm_" timeouts)))
		e2=$(($(field "$rc_" errors) + $(field "$rc_" timeouts)))
		[ "$e1$e2" = 00 ] || echo "    errors: mailauth $e1, chain $e2" >>"$out"
	done
done

# memory flatness: a fresh mailauth, 2 KB messages, then 50 MB ones
sf=unix:$dir/mem.sock
conf mailauth.conf "$sf" mem-mailauth.conf
"$MAILAUTH" -f -c "$dir/mem-mailauth.conf" >"$dir/mem-mailauth.log" 2>&1 &
mf=$!
pids="$pids $mf"
wait_sock "$sf" "$dir/mem-mailauth.log"
load -s "$sf" -c 2 -n 20 --expect "$dir/big/small.eml" >/dev/null
small=$(hwm "$mf")
big_=$(load -s "$sf" -c 2 -n 4 --expect "$dir/big/big.eml")
big=$(hwm "$mf")
{
	echo "ratio = mailauth/chain (msgs/s: higher is better; p99: lower is better)"
	echo "memory: fresh mailauth peak RSS $small MB after 2 KB messages," \
	    "$big MB after 4 x 50 MB ($(field "$big_" accept) accepted," \
	    "p50 $(field "$big_" p50_ms) ms)"
} >>"$out"
echo
cat "$out"
[ -n "${BENCH_OUT:-}" ] && cp "$out" "$BENCH_OUT"
exit 0
