#!/bin/bash
# run-faults.sh BUILD - fault-injection tests for care-milter.
#
# Each case starts its own care-milter (unix socket in a temp folder),
# injects one fault, then checks that the filter still serves the next
# message (milter-load, 1 connection x 3 messages, 0 errors, verdict
# headers added) and that it stops cleanly (exit 0) on SIGTERM.
#
#   1. journal unwritable / full (RLIMIT_FSIZE) / locked by another process
#   2. the MTA drops the connection mid-header, mid-body, mid-packet
#   3. 1,000 concurrent connections
#   4. MaxMessageBytes: a message exactly at the bound and one byte over
#   5. catastrophic backtracking hits RegexMatchLimit (On-InternalError)
#   6. privileges and secrecy: UserID, SocketMode/SocketGroup, journal
#      mode, no customer text in the log at LogLevel info
#
# Needs root (UserID nobody, chown), python3 and sqlite3.  Prints one
# PASS:/FAIL: line per check and ends with "N passed, M failed"; exit 1
# on any failure.  KEEP=1 keeps the work folder; FAULTS_KNOWN=1 adds
# the checks of known daemon bugs (they fail today).

set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 2
CM=$TOP/$BUILD/care-milter
LOAD=$TOP/$BUILD/milter-load

. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/care-milter.sh"

for f in "$CM" "$LOAD"; do
	[ -x "$f" ] || { echo "run-faults: $f missing (make BUILD=$BUILD $BUILD/care-milter bench-tools)" >&2; exit 2; }
done
if [ "$(id -u)" -ne 0 ]; then
	echo "run-faults: needs root (UserID nobody)" >&2
	exit 2
fi
for t in python3 sqlite3; do
	command -v "$t" >/dev/null || { echo "run-faults: $t missing" >&2; exit 2; }
done

# Both the filter and milter-load need room for 1,000 connections.
ulimit -n 4096 || { echo "run-faults: cannot raise ulimit -n" >&2; exit 2; }

WORK=$(mktemp -d /tmp/care-faults.XXXXXX)
chmod 755 "$WORK"
cleanup_init
[ "${KEEP:-0}" = 1 ] || cleanup_push "rm -rf '$WORK'"

RUSER=nobody
RGROUP=$(id -gn "$RUSER")
RUID=$(id -u "$RUSER")
RGID=$(id -g "$RUSER")

# ---- test messages ----------------------------------------------------------

MSGS=$WORK/msgs			# pass, flag, hold (blame)
mkdir -p "$MSGS"
cp tests/corpus/001-kettle-cracked-good.eml tests/corpus/002-double-charge-no-empathy.eml \
    tests/corpus/010-washer-e21-blame-steps.eml "$MSGS/"
chmod -R a+rX "$MSGS"

# The milter-protocol client that drops the connection (stdlib only).
cat > "$WORK/drop.py" <<'EOF'
import socket, struct, sys

def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data

def readpkt(s):
    hdr = b""
    while len(hdr) < 4:
        b = s.recv(4 - len(hdr))
        if not b:
            raise SystemExit("filter closed during option negotiation")
        hdr += b
    n = struct.unpack(">I", hdr)[0]
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            raise SystemExit("short reply")
        data += b
    return data

path, where = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(path)
s.sendall(pkt(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF)))
if readpkt(s)[:1] != b"O":
    raise SystemExit("no OPTNEG reply")
out = pkt(b"D", b"M" + b"i\0DROP01\0")
out += pkt(b"M", b"<ana.ruiz@acme-support.example>\0")
out += pkt(b"R", b"<m.hale@btinternet.com>\0")
for name, value in ((b"From", b"Ana Ruiz <ana.ruiz@acme-support.example>"),
                    (b"To", b"Margaret Hale <m.hale@btinternet.com>"),
                    (b"Subject", b"Re: Kettle arrived with cracked base"),
                    (b"In-Reply-To", b"<40bc2fc0f7c15b01@btinternet.com>")):
    out += pkt(b"L", name + b"\0" + value + b"\0")
if where == "body":
    out += pkt(b"N")
    out += pkt(b"B", b"Hi Margaret,\r\n\r\nI'm sorry your kettle arrived with a cra")
elif where == "packet":
    out += pkt(b"N")
    whole = pkt(b"B", b"Hi Margaret,\r\n" * 100)
    out += whole[: len(whole) // 2]	# half a BODY packet
s.sendall(out)
s.close()				# abruptly: no ABORT, no QUIT
EOF

# ---- helpers ----------------------------------------------------------------

N=0
# start_filter NAME [CONFIG LINES...]: a filter on $WORK/NAME/s.sock
# logging to $WORK/NAME/log; sets D, SOCK, LOG, CONF, CM_PID.
start_filter() {
	local name=$1
	shift
	D=$WORK/$name
	mkdir -p "$D"
	chmod 755 "$D"
	SOCK=$D/s.sock
	LOG=$D/log
	CONF=$D/$name.conf
	cm_write_config "$CONF" "Socket unix:$SOCK" "$@"
	: > "$LOG"
	CM_START_TIMEOUT=20 cm_start "$CM" "$CONF" "unix:$SOCK" "$LOG"
}

# load OUT CONNS MSGS DIR [TIMEOUT]: milter-load --json into OUT.
load() {
	timeout 120 "$LOAD" -s "unix:$SOCK" -c "$2" -m "$3" -d "$4" \
	    -t "${5:-10}" -w 5 --json > "$1" 2> "$1.err"
}

# json FILE EXPR: a value from milter-load's report (0 when absent).
json() {
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2], {}, d)
print(v)' "$1" "$2" 2>/dev/null || echo 0
}

# serves NAME: 1 connection x 3 messages, 0 errors, 3 verdict headers.
serves() {
	local out=$D/serve.$((N += 1)).json
	if load "$out" 1 3 "$MSGS" && [ "$(json "$out" ok)" = 3 ] &&
	   [ "$(json "$out" errors)" = 0 ] &&
	   [ "$(json "$out" 'eom_replies.get("addheader", 0)')" = 3 ]; then
		pass "$1: next messages served (1x3, 0 errors, 3 verdicts)"
	else
		fail "$1: next messages served (1x3, 0 errors, 3 verdicts)" \
		    "$(cat "$out" "$out.err" 2>/dev/null | head -c 400)"
	fi
}

alive() {
	kill -0 "$CM_PID" 2>/dev/null && ps -o stat= -p "$CM_PID" | grep -qv Z
}

# stops NAME: SIGTERM, wait for the exit, which must be 0; and no crash
# report in the log.
stops() {
	local rc
	cm_stop "$CM_PID" 15
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "$1: stops cleanly on SIGTERM (exit 0)"
	else
		fail "$1: stops cleanly on SIGTERM (exit 0)" "exit $rc; $(tail -n 5 "$LOG")"
	fi
}

logged() {	# LOG ERE: the filter logs some lines after its socket is up
	cm_wait_log "$1" "$2" 10
}

# ---- 1. journal faults --------------------------------------------------------

echo "== 1. journal unwritable, full, locked"

# 1a. unwritable: the journal's folder is root's 0755, the filter runs as
# nobody (root would bypass the permission).
mkdir -p "$WORK/rodir"
chmod 755 "$WORK/rodir"
if start_filter j-ro "UserID $RUSER" "Journal $WORK/rodir/journal.db"; then
	pass "journal unwritable: filter starts without its journal"
	check "journal unwritable: the problem is logged" \
	    logged "$LOG" "journal .*rodir/journal.db.*(Permission denied|unavailable)"
	serves "journal unwritable"
	stops "journal unwritable"
else
	fail "journal unwritable: filter starts without its journal" "$(tail -n 5 "$LOG")"
fi

# 1a'. a journal path that can never be created (/proc)
if start_filter j-proc "Journal /proc/care-milter-faults/journal.db"; then
	check "journal under /proc: the problem is logged" \
	    logged "$LOG" "journal /proc/care-milter-faults/journal.db.*unavailable"
	serves "journal under /proc"
	stops "journal under /proc"
else
	fail "journal under /proc: filter starts" "$(tail -n 5 "$LOG")"
fi

# 1b. full: RLIMIT_FSIZE (ulimit -f 64, KiB) on the filter, SIGXFSZ ignored so
# that write(2) fails with EFBIG as on a full disk.  A subshell, so the
# limit stays with the filter.
D=$WORK/j-full; mkdir -p "$D"; chmod 755 "$D"
SOCK=$D/s.sock LOG=$D/log CONF=$D/j-full.conf
cm_write_config "$CONF" "Socket unix:$SOCK"
: > "$LOG"
# The journal is created first (care-check --journal, no limit), so that
# it is opened fine and fills up while mail flows.
"$TOP/$BUILD/care-check" -c "$CONF" --journal "$MSGS/001-kettle-cracked-good.eml" >/dev/null 2>&1
check "journal full: journal created beforehand ($(stat -c %s "$D/journal-j-full.db" 2>/dev/null) bytes)" \
    test -s "$D/journal-j-full.db"
( trap '' XFSZ; ulimit -f 64; exec "$CM" -f -c "$CONF" -p "unix:$SOCK" ) >>"$LOG" 2>&1 &
CM_PID=$!
cleanup_push "cm_stop $CM_PID 2"
if cm_wait_socket "unix:$SOCK" 20 "$CM_PID"; then
	# 150 verdicts outgrow 64 KiB of journal even in a few batched
	# transactions, and their log lines (about 300 bytes each) still
	# fit in the same limit.
	out=$D/fill.json
	if load "$out" 1 150 "$MSGS" && [ "$(json "$out" ok)" = 150 ] &&
	   [ "$(json "$out" 'eom_replies.get("addheader", 0)')" = 150 ]; then
		pass "journal full: 150 messages answered with verdicts while the journal fills"
	else
		fail "journal full: 150 messages answered with verdicts while the journal fills" \
		    "$(cat "$out" "$out.err" | head -c 400)"
	fi
	check "journal full: opened at start-up (not 'unavailable')" \
	    test -z "$(grep unavailable "$LOG")"
	check "journal full: the write failure is logged" \
	    cm_wait_log "$LOG" "journal: .*(disk|full|I/O|too large|write failed)" 10
	check "journal full: filter still runs" alive
	serves "journal full"
	stops "journal full"
	# A failed COMMIT (here EFBIG, "disk I/O error") loses its batch:
	# the lost records are counted in the exit summary.
	check "journal full: lost records are counted at exit" \
	    logged "$LOG" "journal: [0-9]+ records were not written"
else
	fail "journal full: filter starts" "$(tail -n 5 "$LOG")"
fi

# 1c. locked: sqlite3 holds BEGIN EXCLUSIVE for 10 s while mail flows.
if start_filter j-lock; then
	DB=$D/journal-j-lock.db
	load "$D/warm.json" 1 3 "$MSGS"		# the schema and first rows
	# .timeout: the filter's journal writer may be committing its last
	# batch right now; without a busy timeout BEGIN EXCLUSIVE would fail
	# at once and the test would hold no lock at all.
	{ echo '.timeout 5000'
	  echo 'BEGIN EXCLUSIVE;'
	  echo "INSERT INTO decisions (time, decision) VALUES (0, 'lock');"
	  sleep 10
	  echo 'COMMIT;'; } | sqlite3 "$DB" >"$D/locker.out" 2>&1 &
	LOCKER=$!
	cleanup_push "kill $LOCKER"
	locked=0
	for _ in $(seq 50); do
		if ! sqlite3 "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; then
			locked=1; break
		fi
		sleep 0.1
	done
	check "journal locked: another process holds the write lock" test "$locked" = 1
	ok=1
	for i in 1 2 3; do
		out=$D/locked.$i.json
		if ! load "$out" 1 3 "$MSGS" 5 || [ "$(json "$out" ok)" != 3 ] ||
		   [ "$(json "$out" 'eom_replies.get("addheader", 0)')" != 3 ] ||
		   [ "$(json "$out" 'int(latency_ms["max"] < 1000)')" != 1 ]; then
			ok=0
			fail "journal locked: round $i answered with verdicts, each under 1 s" \
			    "$(cat "$out" "$out.err" | head -c 400)"
		fi
		sleep 2
	done
	[ "$ok" = 1 ] && pass "journal locked: 3 rounds answered with verdicts, each under 1 s, during the lock"
	check "journal locked: the lock is logged" \
	    cm_wait_log "$LOG" "journal: .*locked" 12
	wait "$LOCKER"
	check "journal locked: filter still runs" alive
	before=$(sqlite3 "$DB" 'SELECT count(*) FROM verdicts' 2>/dev/null || echo 0)
	serves "journal locked"
	n=0
	for _ in $(seq 100); do
		n=$(sqlite3 "$DB" 'SELECT count(*) FROM verdicts' 2>/dev/null || echo 0)
		[ "$n" -ge $((before + 3)) ] && break
		sleep 0.1
	done
	check "journal locked: records are written again after the lock ($before -> $n)" \
	    test "$n" -ge $((before + 3))
	stops "journal locked"
else
	fail "journal locked: filter starts" "$(tail -n 5 "$LOG")"
fi

# ---- 2. the MTA drops the connection ------------------------------------------

echo "== 2. connection dropped mid-message"
if start_filter drop; then
	for where in header body packet; do
		if python3 "$WORK/drop.py" "$SOCK" "$where" 2>"$D/drop-$where.err"; then
			sleep 0.3
			check "drop mid-$where: filter still runs" alive
			serves "drop mid-$where"
		else
			fail "drop mid-$where: client ran" "$(cat "$D/drop-$where.err")"
		fi
	done
	stops "drop"
else
	fail "drop: filter starts" "$(tail -n 5 "$LOG")"
fi

# ---- 3. 1,000 concurrent connections ----------------------------------------

echo "== 3. 1,000 concurrent connections"
if start_filter conc "Backlog 1024"; then
	out=$D/conc.json
	if load "$out" 1000 1 "$MSGS" 60 && [ "$(json "$out" ok)" = 1000 ] &&
	   [ "$(json "$out" errors)" = 0 ]; then
		pass "1000 connections x 1 message: all answered, 0 errors"
	else
		fail "1000 connections x 1 message: all answered, 0 errors" \
		    "$(cat "$out" "$out.err" | head -c 600)"
	fi
	check "1000 connections: 1000 verdict headers" \
	    test "$(json "$out" 'eom_replies.get("addheader", 0)')" = 1000
	check "1000 connections: filter still runs" alive
	serves "1000 connections"
	stops "1000 connections"
else
	fail "1000 connections: filter starts" "$(tail -n 5 "$LOG")"
fi

# ---- 4. MaxMessageBytes ----------------------------------------------------------

echo "== 4. MaxMessageBytes 64k"
# mksize FILE BYTES MSGID: a reply whose header+body as the filter buffers
# it ("Name: value" CRLF lines, CRLF, body with CRLF) is exactly BYTES.
mksize() {
	python3 - "$1" "$2" "$3" <<'EOF'
import sys
path, size, msgid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
hdr = ["From: Ana Ruiz <ana.ruiz@acme-support.example>",
       "To: Margaret Hale <m.hale@btinternet.com>",
       "Subject: Re: Kettle arrived with cracked base",
       "Message-ID: <%s@acme-support.example>" % msgid,
       "In-Reply-To: <40bc2fc0f7c15b01@btinternet.com>",
       "MIME-Version: 1.0",
       "Content-Type: text/plain; charset=\"UTF-8\""]
body = ["Hi Margaret,", "",
        "I'm sorry your kettle arrived with a cracked base. I can imagine how",
        "disappointing it was. I've sent a replacement by tracked delivery.",
        "", "Let me know if the new one arrives safely.", "", "Best wishes,",
        "Ana", "", "-- ", "Acme Customer Care"]
def n(lines):
    return sum(len(l.encode()) + 2 for l in lines)
fixed = n(hdr) + 2 + n(body)
pad = []
while fixed + n(pad) + 80 + 2 < size:
    pad.append("Ref " + "x" * 74)          # 78 + CRLF = 80
rest = size - fixed - n(pad) - 2
assert rest >= 0
pad.append("y" * rest)
lines = body + pad
assert n(hdr) + 2 + n(lines) == size
with open(path, "w", newline="\n") as f:
    f.write("\n".join(hdr) + "\n\n" + "\n".join(lines) + "\n")
EOF
}
# MaxMessageBytes is raised to MaxScanBytes (256k by default) when
# smaller (care-milter.conf(5)): lower both.  The decoded text of a 64k
# message is below 64k, so only MaxMessageBytes can truncate here.
if start_filter size "MaxMessageBytes 64k" "MaxScanBytes 64k"; then
	mkdir -p "$D/at" "$D/over"
	mksize "$D/at/at.eml" 65536 at-bound &&
	mksize "$D/over/over.eml" 65537 over-bound
	for w in at over; do
		out=$D/$w.json
		if load "$out" 1 1 "$D/$w" && [ "$(json "$out" ok)" = 1 ] &&
		   [ "$(json "$out" 'eom_replies.get("addheader", 0)')" = 1 ]; then
			pass "size: message $w the bound gets a verdict header"
		else
			fail "size: message $w the bound gets a verdict header" \
			    "$(cat "$out" "$out.err" | head -c 400)"
		fi
	done
	check "size: over the bound is logged truncated=yes" \
	    logged "$LOG" "msgid=<over-bound@[^ ]* .*truncated=yes"
	if grep -q "msgid=<at-bound@" "$LOG" && ! grep -E "msgid=<at-bound@" "$LOG" | grep -q truncated=yes; then
		pass "size: exactly at the bound is not truncated"
	else
		fail "size: exactly at the bound is not truncated" "$(grep at-bound "$LOG")"
	fi
	serves "size"
	stops "size"
else
	fail "size: filter starts" "$(tail -n 5 "$LOG")"
fi

# ---- 5. catastrophic backtracking ---------------------------------------------

echo "== 5. catastrophic backtracking vs RegexMatchLimit"
mkdir -p "$WORK/patho"
cat > "$WORK/patho/patho.rules" <<'EOF'
# (a+)+$ backtracks exponentially on a run of a's that does not end the
# subject.
rule fault-pathological solution
    match (a+)+$
    example aaaa
EOF
# 30,000 'a's, as sentences of 999 'a' + '!' (the analysis cuts longer
# runs into 1,000-byte pieces, which would end in 'a' and simply match).
python3 - "$WORK/patho/msg/patho.eml" <<'EOF'
import os, sys
os.makedirs(os.path.dirname(sys.argv[1]), exist_ok=True)
with open(sys.argv[1], "w") as f:
    f.write("From: Ana Ruiz <ana.ruiz@acme-support.example>\n"
            "To: Margaret Hale <m.hale@btinternet.com>\n"
            "Subject: Re: Kettle arrived with cracked base\n"
            "Message-ID: <patho@acme-support.example>\n"
            "In-Reply-To: <40bc2fc0f7c15b01@btinternet.com>\n\n"
            "Hi Margaret,\n\n" + " ".join(["a" * 999 + "!"] * 30) +
            "\n\nBest wishes,\nAna\n")
EOF
if start_filter regex "RuleFiles $TOP/conf/rules/en.rules $TOP/conf/rules/trim.rules $WORK/patho/patho.rules" \
    "RegexMatchLimit 10000" "On-InternalError accept"; then
	out=$D/patho.json
	if load "$out" 1 1 "$WORK/patho/msg" && [ "$(json "$out" ok)" = 1 ] &&
	   [ "$(json "$out" errors)" = 0 ]; then
		pass "regex limit: pathological message answered"
	else
		fail "regex limit: pathological message answered" "$(cat "$out" "$out.err" | head -c 400)"
	fi
	check "regex limit: On-InternalError accept adds no header" \
	    test "$(json "$out" 'eom_replies.get("addheader", 0)')" = 0
	check "regex limit: logged as internal error, action=accept" \
	    logged "$LOG" "internal error: .*action=accept"
	check "regex limit: filter still runs" alive
	serves "regex limit"
	stops "regex limit"
else
	fail "regex limit: filter starts" "$(tail -n 5 "$LOG")"
fi

# ---- 6. privileges and secrecy ----------------------------------------------

echo "== 6. UserID, socket mode and group, journal mode, log contents"
SECRET1="5521-R"			# from 001's body (order number)
SECRET2="make a cup of tea"		# from 001's body
mkdir -p "$WORK/sec" "$WORK/secdbg"
chown "$RUSER" "$WORK/sec" "$WORK/secdbg"	# the journal and its -wal/-shm
if start_filter sec "UserID $RUSER" "SocketMode 0660" "SocketGroup $RGROUP" "LogLevel info"; then
	serves "security"
	st=/proc/$CM_PID/status
	check "security: Uid real/effective/saved/fs all $RUID ($RUSER)" \
	    test "$(awk '/^Uid:/ {print $2,$3,$4,$5}' "$st")" = "$RUID $RUID $RUID $RUID"
	check "security: Gid real/effective/saved/fs all $RGID ($RGROUP)" \
	    test "$(awk '/^Gid:/ {print $2,$3,$4,$5}' "$st")" = "$RGID $RGID $RGID $RGID"
	check "security: socket is a socket with mode 0660 (got $(stat -c %a "$SOCK"))" \
	    test -S "$SOCK" -a "$(stat -c %a "$SOCK")" = 660
	check "security: socket group is $RGROUP (got $(stat -c %G "$SOCK"))" \
	    test "$(stat -c %G "$SOCK")" = "$RGROUP"
	jbad=
	for f in "$D"/journal-sec.db*; do
		m=$(stat -c %a "$f")
		[ $((8#$m & 7)) -eq 0 ] || jbad="$jbad $f:$m"
	done
	check "security: journal file exists" test -f "$D/journal-sec.db"
	check "security: journal files not world-accessible$jbad" test -z "$jbad"
	check "security: LogLevel info logs verdicts" logged "$LOG" "care: action="
	if grep -qF -e "$SECRET1" -e "$SECRET2" "$LOG"; then
		fail "security: LogLevel info logs no customer text" "$(grep -F -e "$SECRET1" -e "$SECRET2" "$LOG" | head -n 2)"
	else
		pass "security: LogLevel info logs no customer text"
	fi
	stops "security"
else
	fail "security: filter starts as $RUSER" "$(tail -n 5 "$LOG")"
fi
if start_filter secdbg "UserID $RUSER" "LogLevel debug"; then
	serves "security, debug"
	check "security: LogLevel debug does log evidence (the probe above can see text)" \
	    grep -qF -e "$SECRET1" -e "$SECRET2" "$LOG"
	stops "security, debug"
else
	fail "security: debug filter starts" "$(tail -n 5 "$LOG")"
fi

summary
