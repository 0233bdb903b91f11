#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# run.sh - build the libFuzzer targets of t/fuzz/ with clang against the lib/ sources
# and run each for a bounded time from its seed corpus (t/fuzz/seeds/TARGET/).
# Prints TAP: one line per target (built and ran without a crash, leak or UB).
# A crashing input is kept in $top_builddir/t/fuzz-crashes/ and shown as hex.
#
# Environment: top_srcdir, top_builddir, TDATA (make check sets them);
# FUZZ_SECONDS (default 12) per target; CLANG (default clang).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=.}"
: "${TDATA:=$top_srcdir/t/data}"
: "${FUZZ_SECONDS:=12}"
: "${CLANG:=clang}"
export TDATA

targets="from authres upstream hdrtext dkim config zone message dmarc_record arc arc_key"

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "1..0 # SKIP $CLANG not installed"
	exit 0
fi
if [ ! -f "$top_builddir/autoconf.h" ] || [ ! -f "$top_builddir/Makefile" ]; then
	echo "1..0 # SKIP no configured build directory"
	exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/mailauth-fuzz.XXXXXX") || exit 1
trap '[ -n "$FUZZ_KEEP" ] || rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM

echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; return (int)n * 0; }' >"$work/probe.c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined -o "$work/probe" "$work/probe.c" \
    >"$work/probe.log" 2>&1; then
	echo "1..0 # SKIP clang's libFuzzer runtime is missing (libclang-rt-dev)"
	exit 0
fi

# mkvar NAME - a variable as configure wrote it into the build's Makefile
mkvar() {
	sed -n "s/^$1 = //p" "$top_builddir/Makefile" | head -n 1
}
# the literal quotes of SYSCONFDIR are meant (a C string)
# shellcheck disable=SC2089
cppflags="-I$top_builddir -I$top_srcdir/lib -I$top_srcdir/t/fuzz -D_GNU_SOURCE
	-DSYSCONFDIR=\"/etc\" $(mkvar OPENDKIM_CFLAGS)
	$(mkvar LIBBSD_CFLAGS) $(mkvar CRYPTO_CFLAGS) $(mkvar IDN2_CFLAGS) $(mkvar ZLIB_CFLAGS)
	$(mkvar SQLITE_CFLAGS) $(mkvar LIBPQ_CFLAGS)"
libs="$(mkvar OPENDKIM_LIBS) $(mkvar SPF2_LIBS) $(mkvar UNBOUND_LIBS)
	$(mkvar LIBBSD_LIBS) $(mkvar CRYPTO_LIBS)
	$(mkvar IDN2_LIBS) $(mkvar RESOLV_LIBS) $(mkvar PTHREAD_LIBS) $(mkvar ZLIB_LIBS)
	$(mkvar SQLITE_LIBS)"
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=gnu11 -g -O1 -fno-omit-frame-pointer $san"

n=0
failed=0
# result STATUS DESC - one TAP line
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

# the engine once, instrumented for coverage (fuzzer-no-link) and the sanitizers
objs=""
libok=0
for src in "$top_srcdir"/lib/*.c; do
	obj="$work/$(basename "$src" .c).o"
	# shellcheck disable=SC2086,SC2090
	if ! "$CLANG" $cflags -fsanitize=fuzzer-no-link $cppflags -c -o "$obj" "$src" \
	    >>"$work/build.log" 2>&1; then
		libok=1
	fi
	objs="$objs $obj"
done
if [ $libok -ne 0 ]; then
	sed 's/^/# /' "$work/build.log"
fi

mkdir -p "$top_builddir/t/fuzz-crashes"
for t in $targets; do
	exe="$work/fuzz_$t"
	# shellcheck disable=SC2086,SC2090
	if [ $libok -ne 0 ] || ! "$CLANG" $cflags -fsanitize=fuzzer $cppflags -o "$exe" \
	    "$top_srcdir/t/fuzz/fuzz_$t.c" $objs $libs >"$work/$t.build" 2>&1; then
		sed 's/^/# /' "$work/$t.build"
		result 1 "fuzz_$t builds with clang -fsanitize=fuzzer,address,undefined"
		continue
	fi
	corpus="$work/corpus-$t"
	mkdir -p "$corpus"
	cp "$top_srcdir/t/fuzz/seeds/$t"/* "$corpus/" 2>/dev/null
	arts="$work/art-$t/"
	mkdir -p "$arts"
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$exe" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2560 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix="$arts" \
	    "$corpus" >"$work/$t.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log")
	if [ $rc -ne 0 ]; then
		grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9]' "$work/$t.log" | head -40 |
		    sed 's/^/# /'
		for a in "$arts"*; do
			[ -f "$a" ] || continue
			cp "$a" "$top_builddir/t/fuzz-crashes/$t-$(basename "$a")"
			echo "# input ($a):"
			od -An -tx1 "$a" | head -20 | sed 's/^/# /'
		done
	fi
	result $rc "fuzz_$t: ${runs:-?} runs in ${FUZZ_SECONDS}s, no crash, leak or UB"
done
echo "1..$n"
[ $failed -eq 0 ]
