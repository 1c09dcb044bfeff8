#!/bin/bash
# verify.sh - install into a throwaway root and check what systemd gets.
#
#   tests/systemd/verify.sh [BUILD]        (BUILD defaults to build)
#
# 1. `make install DESTDIR=ROOT PREFIX=/usr` into a temporary ROOT: every
#    file where the unit, sysusers.d, tmpfiles.d and man expect it, the
#    unit's @SBINDIR@/@SYSCONFDIR@ filled in, a changed care-milter.conf
#    kept by a second install.
# 2. The installed binary accepts the installed configuration and rules
#    (care-milter -n), so the unit's ExecStart would start.
# 3. systemd-sysusers and systemd-tmpfiles --root=ROOT apply the installed
#    files (as root only: they chown).
# 4. systemd-analyze verify --root=ROOT on the installed unit, with and
#    without the Postfix drop-in the README documents.  This works
#    offline (systemd need not be PID 1), but with --root it looks for
#    everything inside ROOT: the ExecStart binary (which is the point),
#    /bin/kill of ExecReload, and the targets every service depends on,
#    so the host's *.target units and kill are copied into ROOT.  Its
#    Documentation= check runs man(1) with MANPATH set to ROOT's pages.
#    Any output at all (an unknown key is only a warning) is a failure.
# 5. systemd-analyze security --offline=yes: the exposure score, which
#    must stay at or below SYSTEMD_EXPOSURE_MAX (default 2.0).
# 6. The man pages render without warnings.
#
# Prints PASS/FAIL lines and "N passed, M failed"; exit status 1 on any
# failure.  Writes nothing outside its temporary folder.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
MAKE=${MAKE:-make}
EXPOSURE_MAX=${SYSTEMD_EXPOSURE_MAX:-2.0}

T_PASS=0
T_FAIL=0
pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $1${2:+ -- $2}"; }
skip() { echo "SKIP: $1${2:+ -- $2}"; }
summary() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
# indent: show a command's output under a FAIL line
indent() { sed 's/^/    /' | head -n 40; }

for tool in systemd-analyze install sed grep; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "tools: $tool is not installed (make deps)"
		summary
		exit 1
	fi
done

WORK=$(mktemp -d /tmp/care-systemd.XXXXXX) || exit 1
[ -n "${KEEP:-}" ] || trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
UNIT=$ROOT/lib/systemd/system/care-milter.service
echo "== systemd and install checks ($BUILD, root $ROOT)"

# ---- 1. install ---------------------------------------------------------

if "$MAKE" -C "$TOP" --no-print-directory BUILD="$BUILD" install \
    DESTDIR="$ROOT" PREFIX=/usr >"$WORK/install.out" 2>&1; then
	pass "install: make install DESTDIR=ROOT PREFIX=/usr"
else
	fail "install: make install DESTDIR=ROOT PREFIX=/usr"
	indent < "$WORK/install.out"
	summary
	exit 1
fi

missing=""
for f in usr/sbin/care-milter usr/bin/care-check usr/bin/care-review; do
	[ -x "$ROOT/$f" ] || missing="$missing /$f"
done
for f in etc/care-milter/care-milter.conf etc/care-milter/rules/en.rules \
    etc/care-milter/rules/trim.rules lib/systemd/system/care-milter.service \
    usr/lib/sysusers.d/care-milter.conf usr/lib/tmpfiles.d/care-milter.conf \
    usr/share/man/man1/care-check.1 usr/share/man/man5/care-milter.conf.5 \
    usr/share/man/man5/care-rules.5 usr/share/man/man8/care-milter.8; do
	[ -f "$ROOT/$f" ] || missing="$missing /$f"
done
if [ -z "$missing" ]; then
	pass "install: programs, configuration, rules, unit, sysusers, tmpfiles, man pages"
else
	fail "install: files missing" "$missing"
fi

if grep -q '@[A-Z]*@' "$UNIT"; then
	fail "unit: placeholders filled in" "$(grep -n '@[A-Z]*@' "$UNIT" | head -n 3)"
else
	pass "unit: placeholders filled in"
fi
if grep -qx 'ExecStart=/usr/sbin/care-milter -c /etc/care-milter/care-milter.conf' "$UNIT"; then
	pass "unit: ExecStart runs /usr/sbin/care-milter with /etc/care-milter/care-milter.conf"
else
	fail "unit: ExecStart" "$(grep '^ExecStart=' "$UNIT")"
fi

# The unit and the files beside it must agree.
conf_value() {
	awk -v k="$1" 'tolower($1) == tolower(k) { $1 = ""; sub(/^ +/, ""); v = $0 } END { print v }' \
	    "$ROOT/etc/care-milter/care-milter.conf"
}
unit_value() {
	sed -n "s/^$1=//p" "$UNIT" | tail -n 1
}
pidfile=$(conf_value PidFile)
if [ "$(unit_value PIDFile)" = "$pidfile" ]; then
	pass "unit: PIDFile= is the configuration's PidFile ($pidfile)"
else
	fail "unit: PIDFile= is the configuration's PidFile" "unit $(unit_value PIDFile), conf $pidfile"
fi
rundir=/run/$(unit_value RuntimeDirectory)
sock=$(conf_value Socket)
case "$sock:$pidfile" in
"unix:$rundir/"*":$rundir/"*) pass "unit: RuntimeDirectory= holds the default socket and pid file" ;;
*) fail "unit: RuntimeDirectory= holds the default socket and pid file" "$rundir, $sock, $pidfile" ;;
esac
journal=$(conf_value Journal)
case "$journal" in
"/var/lib/$(unit_value StateDirectory)/"*) pass "unit: StateDirectory= holds the journal ($journal)" ;;
*) fail "unit: StateDirectory= holds the journal" "$journal" ;;
esac
user=$(unit_value User)
if [ "$user" = care-milter ] && [ "$(unit_value Group)" = care-milter ] &&
    grep -Eq "^u[[:space:]]+${user}[[:space:]]" "$ROOT/usr/lib/sysusers.d/care-milter.conf"; then
	pass "unit: User=/Group= care-milter, created by the sysusers file"
else
	fail "unit: User=/Group= care-milter, created by the sysusers file"
fi
if grep -q '^MemoryDenyWriteExecute=' "$UNIT"; then
	fail "unit: no MemoryDenyWriteExecute= (PCRE2 JIT needs W+X memory)"
else
	pass "unit: no MemoryDenyWriteExecute= (PCRE2 JIT needs W+X memory)"
fi
if [ "$(unit_value Type)" = forking ] && ! grep -Eq '^ExecStart=.* -f( |$)' "$UNIT"; then
	pass "unit: Type=forking and care-milter detaches (no -f)"
else
	fail "unit: Type=forking and care-milter detaches (no -f)"
fi

# A second install keeps a changed configuration (and replaces the rules).
echo "# local change" >> "$ROOT/etc/care-milter/care-milter.conf"
if "$MAKE" -C "$TOP" --no-print-directory BUILD="$BUILD" install \
    DESTDIR="$ROOT" PREFIX=/usr >"$WORK/install2.out" 2>&1 &&
    grep -q '^# local change' "$ROOT/etc/care-milter/care-milter.conf"; then
	pass "install: a second install keeps a changed care-milter.conf"
else
	fail "install: a second install keeps a changed care-milter.conf"
	indent < "$WORK/install2.out"
fi

# ---- 2. the installed binary takes the installed configuration ----------

if out=$("$ROOT/usr/sbin/care-milter" -n -c "$ROOT/etc/care-milter/care-milter.conf" 2>&1); then
	pass "config: installed care-milter -n accepts the installed configuration ($out)"
else
	fail "config: installed care-milter -n accepts the installed configuration"
	printf '%s\n' "$out" | indent
fi

# ---- 3. sysusers and tmpfiles -----------------------------------------

if [ "$(id -u)" -ne 0 ]; then
	skip "sysusers/tmpfiles: need root (they chown)"
elif ! command -v systemd-sysusers >/dev/null 2>&1 ||
    ! command -v systemd-tmpfiles >/dev/null 2>&1; then
	fail "sysusers/tmpfiles: systemd-sysusers or systemd-tmpfiles missing"
else
	mkdir -p "$ROOT/etc"
	if systemd-sysusers --root="$ROOT" care-milter.conf >"$WORK/sysusers.out" 2>&1 &&
	    grep -q '^care-milter:x:[0-9]*:[0-9]*:[^:]*:/var/lib/care-milter:/usr/sbin/nologin$' "$ROOT/etc/passwd" &&
	    grep -q '^care-milter:x:[0-9]*:' "$ROOT/etc/group"; then
		pass "sysusers: care-milter user and group, no login, home /var/lib/care-milter"
	else
		fail "sysusers: care-milter user and group"
		cat "$WORK/sysusers.out" "$ROOT/etc/passwd" 2>/dev/null | indent
	fi
	if systemd-tmpfiles --root="$ROOT" --create care-milter.conf >"$WORK/tmpfiles.out" 2>&1; then
		ok=1
		for d in run/care-milter var/lib/care-milter; do
			m=$(stat -c '%a %U %G' "$ROOT/$d" 2>/dev/null)
			# owner names resolve on the host, so compare the ids
			want="750 $(awk -F: '$1 == "care-milter" { print $3 }' "$ROOT/etc/passwd")"
			got="$(stat -c '%a %u' "$ROOT/$d" 2>/dev/null)"
			[ "$got" = "$want" ] || { ok=0; echo "    $d: $m"; }
		done
		if [ $ok -eq 1 ]; then
			pass "tmpfiles: /run/care-milter and /var/lib/care-milter, 0750 care-milter"
		else
			fail "tmpfiles: /run/care-milter and /var/lib/care-milter, 0750 care-milter"
		fi
	else
		fail "tmpfiles: systemd-tmpfiles --create"
		indent < "$WORK/tmpfiles.out"
	fi
fi

# ---- 4. systemd-analyze verify ------------------------------------------

# What --root needs besides our files: the targets of the default
# dependencies and ExecReload's /bin/kill.
for d in /lib/systemd/system /usr/lib/systemd/system; do
	if ls "$d"/*.target >/dev/null 2>&1; then
		cp -n "$d"/*.target "$ROOT/lib/systemd/system/" 2>/dev/null
		break
	fi
done
kill_bin=$(sed -n 's/^ExecReload=\([^ ]*\).*/\1/p' "$UNIT")
if [ -n "$kill_bin" ] && [ -x "$kill_bin" ] && [ ! -e "$ROOT$kill_bin" ]; then
	mkdir -p "$ROOT$(dirname "$kill_bin")"
	cp "$kill_bin" "$ROOT$kill_bin"
fi

# Documentation= is checked by running man(1) on each page, which needs
# man-db; without it that part is skipped.
man_opt=--man=yes
if ! command -v man >/dev/null 2>&1; then
	man_opt=--man=no
	skip "verify: Documentation= pages (man is not installed)"
fi

# verify NAME: run systemd-analyze verify; no output and status 0 passes.
verify() {
	local out rc
	out=$(MANPATH="$ROOT/usr/share/man" SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify "$man_opt" --root="$ROOT" care-milter.service 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		pass "$1"
	else
		fail "$1" "exit $rc"
		printf '%s\n' "$out" | indent
	fi
}
verify "verify: systemd-analyze verify of the installed unit (binary, man pages, keys)"

# The Postfix drop-in of the README, as `systemctl edit` would write it.
mkdir -p "$ROOT/etc/systemd/system/care-milter.service.d"
printf '[Service]\nSupplementaryGroups=postfix\n' \
    > "$ROOT/etc/systemd/system/care-milter.service.d/override.conf"
verify "verify: the unit with the README's Postfix drop-in"
rm -rf "$ROOT/etc/systemd/system/care-milter.service.d"

# ---- 5. systemd-analyze security ----------------------------------------

out=$(SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes --root="$ROOT" \
    --no-pager care-milter.service 2>&1)
rc=$?
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for care-milter.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
if [ $rc -ne 0 ] || [ -z "$score" ]; then
	fail "security: systemd-analyze security --offline=yes" "exit $rc"
	printf '%s\n' "$out" | tail -n 5 | indent
elif awk -v s="${score%% *}" -v m="$EXPOSURE_MAX" 'BEGIN { exit !(s <= m) }'; then
	pass "security: exposure $score (at most $EXPOSURE_MAX)"
else
	fail "security: exposure $score (at most $EXPOSURE_MAX)"
	printf '%s\n' "$out" | grep '✗' | indent
fi

# ---- 6. man pages -------------------------------------------------------

if command -v groff >/dev/null 2>&1 && command -v man >/dev/null 2>&1 &&
    command -v col >/dev/null 2>&1; then
	for page in "$ROOT"/usr/share/man/man[158]/*; do
		name=${page#"$ROOT"/usr/share/man/}
		warn=$(groff -man -ww -z -Tutf8 "$page" 2>&1)
		text=$(man -l "$page" 2>/dev/null | col -b)
		if [ -z "$warn" ] && printf '%s\n' "$text" | grep -q '^NAME'; then
			pass "man: $name renders without warnings"
		else
			fail "man: $name renders without warnings"
			printf '%s\n' "$warn" | indent
		fi
	done
else
	skip "man: groff, man or col is not installed"
fi

summary
