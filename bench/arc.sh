#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/arc.sh - what one ARC set costs next to one DKIM signature (make bench-arc)
#
# bench/gencorpus.py --arc writes one mailing-list copy four ways, in 2 KB and
# 64 KB: "arc" (one ARC set, rsa-2048, the author's signature broken by the list),
# "broken" (the same without the set), "dkim" (one valid rsa-2048 DKIM signature,
# relaxed/relaxed), "unsigned". bench/msgcost feeds each through the engine (DNS
# from the corpus zone, no network, no root), after a warm-up, and prints:
#   - CPU microseconds per message (over BENCH_ARC_RUNS messages,
#     default 300; noisy on a shared machine), and
#   - with valgrind installed, instructions per message (callgrind: a run of
#     BENCH_ARC_CG + 1 messages less a run of 1, divided by BENCH_ARC_CG, default
#     10; repeatable to a few hundred instructions),
# with the cost of the ARC set = arc - broken, of the DKIM signature = dkim -
# unsigned, and their ratio, all from this run.
# Environment: MSGCOST (binary), SYS_PYTHON3, BENCH_ARC_RUNS, BENCH_ARC_CG.
set -u

srcdir=$(cd "$(dirname "$0")" && pwd)
: "${MSGCOST:=./bench/msgcost}"
: "${SYS_PYTHON3:=/usr/bin/python3}"
: "${BENCH_ARC_RUNS:=300}"
: "${BENCH_ARC_CG:=10}"

dir=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-bench-arc.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
trap 'exit 1' HUP INT TERM

"$SYS_PYTHON3" "$srcdir/gencorpus.py" "$dir" --arc >/dev/null || exit 1
printf 'AuthservID mx.receiver.example\nLogLevel warning\n' >"$dir/bench.conf"
set -- -c "$dir/bench.conf" --zone "$dir/bench.zone" --ip 192.0.2.25 \
    --helo mx.sender.example --mail-from news@sender.example

# check SIZE KIND WORD - the verdict of the measured message has WORD
check() {
	grep -q "^$dir/arc/$1-$2.eml .* $3" "$dir/cpu.out" || {
		echo "bench-arc: $1-$2.eml: no \"$3\" in its verdict:" >&2
		grep "/$1-$2.eml " "$dir/cpu.out" >&2
		exit 1
	}
}

# cg ARGS... - instructions of a msgcost run (no warm-up) of $cg_n messages $cg_file
cg() {
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" \
	    "$MSGCOST" "$@" -w 0 -n "$cg_n" "$cg_file" >/dev/null 2>"$dir/cg.err" ||
	    { cat "$dir/cg.err" >&2; exit 1; }
	sed -n 's/^totals: *//p' "$dir/cg.out"
}

kinds="arc broken dkim unsigned"
files=""
for size in 2k 64k; do
	for k in $kinds; do
		files="$files $dir/arc/$size-$k.eml"
	done
done
# shellcheck disable=SC2086
"$MSGCOST" "$@" -n "$BENCH_ARC_RUNS" $files >"$dir/cpu.out" || exit 1
for size in 2k 64k; do
	check "$size" arc "arc=pass"
	check "$size" broken "dkim=fail"
	check "$size" broken "arc=none"
	check "$size" dkim "dkim=pass"
	check "$size" unsigned "dkim=none"
done

echo "one ARC set (rsa-2048) against one DKIM signature (rsa-2048), $(date -u +%Y-%m-%d)"
echo "ARC = arc - broken, DKIM = dkim - unsigned; ratio = ARC/DKIM"
printf '%-5s %-8s | %12s %12s %12s %12s | %10s %10s %6s\n' size unit \
    arc broken dkim unsigned ARC DKIM ratio
for size in 2k 64k; do
	line="$size"
	for k in $kinds; do
		line="$line $(awk -v f="$dir/arc/$size-$k.eml" '$1 == f { print $2 }' \
		    "$dir/cpu.out")"
	done
	echo "$line" | awk '{ fmt = "%-5s %-8s | %12.1f %12.1f %12.1f %12.1f | %10.1f %10.1f %5.2fx\n"
		printf(fmt, $1, "cpu us", $2, $3, $4, $5, $2 - $3, $4 - $5,
		    $4 - $5 > 0 ? ($2 - $3) / ($4 - $5) : 0) }'
	command -v valgrind >/dev/null || continue
	line="$size"
	for k in $kinds; do
		cg_file=$dir/arc/$size-$k.eml
		cg_n=$((BENCH_ARC_CG + 1)); a=$(cg "$@")
		cg_n=1; b=$(cg "$@")
		line="$line $(((a - b) / BENCH_ARC_CG))"
	done
	echo "$line" | awk '{ fmt = "%-5s %-8s | %12d %12d %12d %12d | %10d %10d %5.2fx\n"
		printf(fmt, $1, "instr", $2, $3, $4, $5, $2 - $3, $4 - $5,
		    $4 - $5 > 0 ? ($2 - $3) / ($4 - $5) : 0) }'
done
command -v valgrind >/dev/null ||
    echo "(valgrind not installed: no instruction counts)"
exit 0
