#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# install_test.sh - README's "Installing" steps, followed in a temporary copy of
# the source tree (the files git tracks, as a fresh clone has them) into a
# temporary DESTDIR; the real system's /etc, /usr and /run are never touched.
#
#   autoreconf -fi && ./configure && make && make check && make install
#   adduser ... mailauth; systemd-tmpfiles --create ...; systemctl ...
#
# make check runs only t/config_test here (the whole suite is what make check in
# the real tree does, and it includes this test); make install gets DESTDIR;
# adduser becomes a passwd/group file inside DESTDIR and systemd-tmpfiles runs
# with --root=DESTDIR; systemctl is not run: systemd-analyze verify --root=DESTDIR
# checks every installed unit instead (its ExecStart binaries must exist and be
# executable inside DESTDIR, its man: pages must be installed). Then the paths the
# binary, the units and the man pages name must be one and the same,
# scripts/bootstrap.sh must build after the in-place ./configure, and the in-place
# build work again after it. Slow (three full builds); prints TAP.
. "${top_srcdir:-$(dirname "$0")/..}/t/lib.sh"

src=$(cd "$top_srcdir" && pwd)
if ! command -v git >/dev/null 2>&1 || ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	echo "1..0 # SKIP not a git checkout"
	exit 0
fi
readme=$src/README.md
make_tmp
copy=$tmp/src
dest=$tmp/dest
log=$tmp/build.log
mkdir -p "$copy" "$dest"

# README's commands, as README writes them (a change there must change this test)
for line in \
    'autoreconf -fi && ./configure && make && make check && make install' \
    'adduser --system --group --no-create-home --home /nonexistent mailauth' \
    'systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/mailauth.conf' \
    'systemctl daemon-reload && systemctl enable --now mailauth'; do
	grep -qxF "    $line" "$readme"
	tap_ok $? "README Installing says: $line"
done

# a fresh clone: the tracked (and new, not ignored) files of the working tree
(cd "$src" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	tar --null -T - -cf -) | tar -xf - -C "$copy"
tap_ok $? "copy of the source tree" || tap_done

cd "$copy" || exit 1
MAKEFLAGS=-j2 && export MAKEFLAGS
{ autoreconf -fi && ./configure && make && make check TESTS=t/config_test &&
	make install DESTDIR="$dest"; } >"$log" 2>&1
tap_ok $? "autoreconf -fi && ./configure && make && make check && make install" ||
	{ tail -40 "$log" | sed 's/^/#   /'; tap_done; }

# what README says make install puts where (default prefix /usr/local)
p=$dest/usr/local
for f in sbin/mailauth sbin/mailauth-report bin/mailauth-verify; do
	test -x "$p/$f"
	tap_ok $? "installed executable /usr/local/$f"
done
for f in etc/mailauth.conf lib/tmpfiles.d/mailauth.conf \
    lib/systemd/system/mailauth.service lib/systemd/system/mailauth-report.service \
    lib/systemd/system/mailauth-report.timer share/man/man8/mailauth.8 \
    share/man/man8/mailauth-report.8 share/man/man5/mailauth.conf.5 \
    share/man/man1/mailauth-verify.1; do
	test -f "$p/$f"
	tap_ok $? "installed /usr/local/$f"
done

# the binary, the units and the man pages agree on the paths
"$p/sbin/mailauth" -h 2>&1 | grep -qF '(default /usr/local/etc/mailauth.conf)'
tap_ok $? "mailauth -h: default configuration /usr/local/etc/mailauth.conf"
"$p/sbin/mailauth-report" -h 2>&1 | grep -qF '/usr/local/etc/mailauth.conf'
tap_ok $? "mailauth-report -h: default configuration /usr/local/etc/mailauth.conf"
units=$p/lib/systemd/system
execs=$(sed -n 's/^Exec[A-Za-z]*=[-@+!:]*\([^ ]*\).*/\1/p' "$units"/*.service | sort -u)
bad=""
for e in $execs; do
	case $e in
	/usr/local/sbin/mailauth | /usr/local/sbin/mailauth-report | /bin/kill) ;;
	*) bad="$bad $e" ;;
	esac
done
is "$bad" "" "the units run only the installed binaries (and /bin/kill)"
is "$(grep -h -o -- '-c [^ ]*' "$units"/*.service | sort -u)" \
    "-c /usr/local/etc/mailauth.conf" "the units name the installed mailauth.conf"
for m in man8/mailauth.8 man8/mailauth-report.8 man5/mailauth.conf.5 man1/mailauth-verify.1; do
	! grep -qE '(^|[^/a-z])/etc/mailauth\.conf|/usr/s?bin/mailauth' "$p/share/man/$m" &&
		grep -q '/usr/local/etc/mailauth\.conf' "$p/share/man/$m"
	tap_ok $? "man page $m names /usr/local/etc/mailauth.conf only"
done
"$p/sbin/mailauth" -n -c "$p/etc/mailauth.conf" >"$tmp/n.out" 2>&1
tap_ok $? "mailauth -n accepts the installed mailauth.conf" || diag_file "$tmp/n.out"

# adduser, inside DESTDIR: the user the units and the tmpfiles entry name
mkdir -p "$dest/etc"
echo 'root:x:0:0:root:/root:/bin/sh' >"$dest/etc/passwd"
echo 'mailauth:x:999:999::/nonexistent:/usr/sbin/nologin' >>"$dest/etc/passwd"
printf 'root:x:0:\nmailauth:x:999:\n' >"$dest/etc/group"
if [ "$(id -u)" -eq 0 ] && command -v systemd-tmpfiles >/dev/null 2>&1; then
	systemd-tmpfiles --root="$dest" --create "$p/lib/tmpfiles.d/mailauth.conf" \
		>"$tmp/tf.out" 2>&1
	tap_ok $? "systemd-tmpfiles --create the installed entry" || diag_file "$tmp/tf.out"
	is "$(stat -c '%a %u' "$dest/run/mailauth" 2>/dev/null)" "755 999" \
	    "/run/mailauth created for the user mailauth"
else
	skip "systemd-tmpfiles: needs root (it chowns to mailauth) and systemd-tmpfiles"
	skip "systemd-tmpfiles: needs root and systemd-tmpfiles"
fi

# systemctl daemon-reload && enable: systemd-analyze verify of every unit in DESTDIR
if command -v systemd-analyze >/dev/null 2>&1 && command -v man >/dev/null 2>&1; then
	# the units they order against and want (network-online.target, ...)
	mkdir -p "$dest/usr/lib/systemd"
	cp -a /usr/lib/systemd/system "$dest/usr/lib/systemd/" 2>/dev/null
	for u in mailauth.service mailauth-report.service mailauth-report.timer; do
		MANPATH=$p/share/man systemd-analyze verify --root="$dest" "$units/$u" \
			>"$tmp/verify.out" 2>&1 && ! grep -q . "$tmp/verify.out"
		tap_ok $? "systemd-analyze verify $u" || diag_file "$tmp/verify.out"
	done
	# systemd-analyze security: the milter 1.8 OK, the report job 5.4 (was 8.7
	# EXPOSED; what remains is what sendmail's setgid postdrop needs, see the unit)
	for u in mailauth.service:2 mailauth-report.service:6; do
		systemd-analyze security --offline=yes --root="$dest" \
			--threshold="${u#*:}0" "$units/${u%:*}" >"$tmp/sec.out" 2>&1
		tap_ok $? "systemd-analyze security ${u%:*}: exposure at most ${u#*:}.0 ($(
		    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
		    "$tmp/sec.out"))" || tail -3 "$tmp/sec.out" | sed 's/^/#   /'
	done
	# and the check can fail: a unit naming a binary that is not installed
	# (inside DESTDIR: verify --root finds no unit file outside it)
	mkdir -p "$dest/etc/systemd/system"
	wrong=$dest/etc/systemd/system/wrong.service
	sed 's|^ExecStart=/usr/local/sbin/mailauth |ExecStart=/usr/sbin/mailauth |' \
		"$units/mailauth.service" >"$wrong"
	MANPATH=$p/share/man systemd-analyze verify --root="$dest" "$wrong" \
		>"$tmp/verify.out" 2>&1
	grep -q '/usr/sbin/mailauth is not executable' "$tmp/verify.out"
	tap_ok $? "systemd-analyze verify fails for /usr/sbin/mailauth (not installed)" ||
		diag_file "$tmp/verify.out"
	rm -f "$wrong"
else
	skip "systemd-analyze or man not installed"
fi

# scripts/bootstrap.sh after README's in-place ./configure
sh scripts/bootstrap.sh build >"$log" 2>&1 && test -x build/milter/mailauth
tap_ok $? "scripts/bootstrap.sh build after the in-place ./configure" ||
	tail -20 "$log" | sed 's/^/#   /'
# and README's in-place build after bootstrap.sh's build/
{ autoreconf -fi && ./configure && make; } >"$log" 2>&1 && test -x milter/mailauth
tap_ok $? "README's in-place ./configure && make after scripts/bootstrap.sh" ||
	tail -20 "$log" | sed 's/^/#   /'
tap_done
