#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bootstrap.sh - set up a fresh Debian 12 machine, build mailauth, then run it or test it
#
#   scripts/bootstrap.sh run    install dependencies, build, start the milter in the
#                               foreground on the shipped conf/mailauth.conf
#   scripts/bootstrap.sh test   install dependencies, build, run the whole test suite
#                               (also a second build under ASan/UBSan for the unit tests);
#                               ends with one line "N passed, N failed, N skipped"
#   scripts/bootstrap.sh build  install dependencies and build only
#
# Builds go to build/ (normal) and build-asan/ (sanitizers) inside the source tree.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# libopendmarc-dev and libyaml-dev are for the tests only (t/dmarc_oracle_test and
# the YAML conformance suites; configure skips them when missing): CI runs them.
PACKAGES="build-essential autoconf automake libtool pkg-config
	libmilter-dev libssl-dev libopendkim-dev libspf2-dev libopendmarc-dev
	libbsd-dev libunbound-dev libidn2-dev libyaml-dev libsqlite3-dev libpq-dev
	zlib1g-dev postgresql sqlite3
	publicsuffix dns-root-data miltertest
	postfix swaks unbound python3-dkim python3-authres python3-nacl python3-dnspython
	python3-cryptography iproute2 openssl libxml2-utils
	libmicrohttpd-dev prometheus curl
	clang libclang-rt-14-dev systemd man-db"

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "bootstrap: run as root (it installs packages with apt-get)" >&2
		exit 1
	fi
}

install_deps() {
	missing=""
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	need_root
	echo "bootstrap: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	# postfix: install only, configure nothing (the tests use their own config dir)
	echo "postfix postfix/main_mailer_type select No configuration" |
		debconf-set-selections 2>/dev/null || true
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
}

build() {
	# $1 build dir, rest: configure arguments
	dir=$1; shift
	[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
		autoreconf -fi
	# README's in-place ./configure leaves config.status and objects in the source
	# tree; a build directory then refuses to configure ("source directory already
	# configured") or finds the in-place objects through VPATH: clean them first
	if [ -f config.status ] && [ -f Makefile ]; then
		echo "bootstrap: the source tree was configured in place; make distclean there" >&2
		make distclean >/dev/null
	fi
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
		make -j"$(nproc)" >/dev/null)
}

# count_results DIR... - sum the per-test-point results the TAP driver recorded
count_results() {
	cat "$@" 2>/dev/null | awk '
		/^:test-result: PASS/  { p++ }
		/^:test-result: XFAIL/ { s++ }
		/^:test-result: SKIP/  { s++ }
		/^:test-result: (FAIL|XPASS|ERROR)/ { f++ }
		END { printf "%d %d %d\n", p, f, s }'
}

case "${1:-}" in
run)
	install_deps
	build build
	if [ "$(id -u)" -eq 0 ] && ! getent passwd mailauth >/dev/null; then
		adduser --system --group --no-create-home --home /nonexistent \
			--quiet mailauth
	fi
	[ "$(id -u)" -eq 0 ] && install -d -m 0755 -o mailauth -g mailauth /run/mailauth
	exec build/milter/mailauth -f -c conf/mailauth.conf
	;;
build)
	install_deps
	build build
	;;
test)
	install_deps
	if ! build build; then
		echo "bootstrap: the build failed"
		echo "0 passed, 1 failed"
		exit 1
	fi
	rc=0
	(cd build && make -k check >/dev/null 2>&1) || rc=1
	build build-asan --enable-sanitizers || rc=1
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 make -k check-unit >/dev/null 2>&1) || rc=1
	for d in build build-asan; do
		for f in "$d"/t/*.log "$d"/t/fuzz/*.log; do
			case $f in */test-suite.log) continue ;; esac
			# failures only: a "not ok ... # TODO" is a documented deviation
			grep -E '^(not ok|Bail out)' "$f" 2>/dev/null |
				grep -qv '# TODO' || continue
			echo "=== $f"; grep -vE '^ok |# TODO' "$f" | head -40
		done
	done
	set -- $(count_results build/t/*.trs build/t/fuzz/*.trs build-asan/t/*.trs)
	echo "normal build: $(count_results build/t/*.trs build/t/fuzz/*.trs | awk '{print $1" passed, "$2" failed, "$3" skipped"}')"
	echo "sanitizer build (unit tests): $(count_results build-asan/t/*.trs | awk '{print $1" passed, "$2" failed, "$3" skipped"}')"
	[ "$2" -eq 0 ] || rc=1
	echo "$1 passed, $2 failed, $3 skipped"
	exit $rc
	;;
*)
	echo "usage: $0 run|test|build" >&2
	exit 2
	;;
esac
