#!/bin/bash
# run-review-e2e.sh - care-review against a real, isolated Postfix with
# care-milter in front of it.
#
#   bash tests/review/run-review-e2e.sh BUILD
#
# Six replies from two agents go through Postfix (smtpd_milters = the
# filter): one passes, one is flagged, four are held.  Then:
#   list      shows the four held ones, oldest first, with what is missing
#   show      prints the verdict, the evidence marked, and the hints
#   release   delivers one to its customer
#   delete    removes one; its customer never gets it
#   return    puts the note and the original in the agent's mailbox, and
#             nothing in the customer's
#   stats     matches what was sent (computed with care-check)
#   purge     runs; bad ids are refused; unknown ids exit 1
# The last line is "N passed, M failed".  Needs root (Postfix), swaks,
# jq and sqlite3; says SKIP and passes when they are missing.
# REVIEW_WRAPPER is put before every care-review run (valgrind).

set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MSGS=$TOP/tests/review/msgs
REVIEW=$TOP/$BUILD/care-review
MILTER=$TOP/$BUILD/care-milter
CHECK=$TOP/$BUILD/care-check

skip() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed"
	exit 0
}

[ "$(id -u)" -eq 0 ] || skip "needs root to run Postfix"
for t in postfix postqueue postsuper postcat swaks jq sqlite3; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -f "$TOP/tests/lib/postfix.sh" ] && [ -f "$TOP/tests/lib/care-milter.sh" ] ||
    skip "tests/lib/postfix.sh or care-milter.sh missing"
for b in "$REVIEW" "$MILTER" "$CHECK"; do
	[ -x "$b" ] || skip "$b not built"
done

. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/care-milter.sh"
cleanup_init

T=$(mktemp -d /tmp/care-review-e2e.XXXXXX)
cleanup_push "rm -rf '$T'"
chmod 755 "$T"	# Postfix (postfix, nobody) must reach pf/ below it
PF=$T/pf
CONF=$T/review.conf
JOURNAL=$T/journal-review.db

mport=$(pf_free_port 21891) || exit 1
sport=$(pf_free_port 21025) || exit 1
cm_write_config "$CONF" "PostfixConfigDir $PF/etc" "MTA postfix" \
    "SendmailPath $(command -v sendmail)"
cm_start "$MILTER" "$CONF" "inet:$mport@127.0.0.1" "$T/care-milter.log" ||
    { fail "care-milter starts"; summary; exit 1; }
# tempfail: a dead filter would stop mail here, not let it through unjudged
pf_start "$PF" "$sport" "inet:127.0.0.1:$mport" tempfail ||
    { fail "postfix starts"; summary; exit 1; }
PF_PORT=$sport
export PF_PORT

# REVIEW_WRAPPER (e.g. "valgrind -q --error-exitcode=99") goes before
# care-review.
review() {
	${REVIEW_WRAPPER:-} "$REVIEW" -c "$CONF" "$@"
}

# ---- send -------------------------------------------------------------------

# file, envelope sender, customer
MAIL_LIST="01-pass.eml ana@support.example carl@customer.example
02-flag.eml ana@support.example dora@customer.example
03-hold-release.eml ana@support.example eve@customer.example
04-hold-delete.eml bo@support.example finn@customer.example
05-hold-return.eml bo@support.example gina@customer.example
06-hold-keep.eml bo@support.example hal@customer.example"

while read -r f from to; do
	if pf_smtp_send "$PF" "$MSGS/$f" "$from" "$to" > "$T/swaks-$f.out"; then
		pass "send $f"
	else
		fail "send $f" "$(tail -n 3 "$T/swaks-$f.out")"
	fi
	sleep 1.1	# distinct arrival seconds: "oldest first" is testable
done <<< "$MAIL_LIST"

check "four replies are held" pf_wait_queue "$PF" hold 4 30
check "the passing reply is delivered" pf_wait_mail "$PF" carl@customer.example 1 30
check "the flagged reply is delivered" pf_wait_mail "$PF" dora@customer.example 1 30
f=$(pf_mail_find "$PF" dora@customer.example review-flag)
if [ -n "$f" ] && grep -q '^X-Care-Check: fail; missing=empathy' "$f"; then
	pass "the flagged reply carries X-Care-Check"
else
	fail "the flagged reply carries X-Care-Check"
fi
# The journal is written by the filter's writer thread: wait for it.
n=0
for _ in $(seq 100); do
	n=$(sqlite3 "$JOURNAL" "SELECT COUNT(*) FROM verdicts" 2>/dev/null || echo 0)
	[ "$n" -ge 6 ] && break
	sleep 0.1
done
check "six verdicts journaled with queue ids" test "$(sqlite3 "$JOURNAL" \
    "SELECT COUNT(DISTINCT queue_id) FROM verdicts WHERE queue_id <> 'NOQUEUE'")" = 6

# queue id of a held reply, by its customer
held_id() {
	review list --json | jq -r --arg c "$1" 'select(.customer[0] == $c) | .queue_id'
}

# ---- list -------------------------------------------------------------------

review list --json > "$T/list.json"
rc=$?
check "list --json exits 0" test "$rc" -eq 0
check "list --json shows four held replies" test "$(grep -c . "$T/list.json")" -eq 4
order=$(jq -r '.customer[0]' "$T/list.json" | tr '\n' ' ')
check "list is oldest first" test "$order" = \
    "eve@customer.example finn@customer.example gina@customer.example hal@customer.example "
check "list joins the journal" test "$(jq -r 'select(.customer[0] == "eve@customer.example") |
    [.agent, (.missing | join(",")), .subject, (.journal | tostring)] | join("|")' \
    "$T/list.json")" = \
    "ana@support.example|empathy,solution,follow_up|Re: Router keeps dropping|true"
check "list shows the issues" test "$(jq -r 'select(.customer[0] == "gina@customer.example") |
    .issues | join(",")' "$T/list.json")" = "blame"
review list > "$T/list.txt"
ID_RELEASE=$(held_id eve@customer.example)
ID_DELETE=$(held_id finn@customer.example)
ID_RETURN=$(held_id gina@customer.example)
ID_KEEP=$(held_id hal@customer.example)
if grep -q "^$ID_RELEASE .* ana@support.example -> eve@customer.example" "$T/list.txt" &&
    grep -q "missing: empathy,solution,follow_up; issues: none" "$T/list.txt" &&
    grep -q "subject: Re: Late refund — still waiting" "$T/list.txt"; then
	pass "list (text) shows id, agent, customer, subject, missing"
else
	fail "list (text)" "$(cat "$T/list.txt")"
fi

# ---- show -------------------------------------------------------------------

review show "$ID_RELEASE" > "$T/show.txt"
rc=$?
check "show exits 0" test "$rc" -eq 0
check "show prints the verdict" grep -q \
    "^Verdict:   fail; missing=empathy,solution,follow_up; action=hold" "$T/show.txt"
check "show marks the evidence (not a tty: brackets)" grep -qF \
    "[acknowledgment: I'm sorry your router keeps dropping the connection.]" "$T/show.txt"
check "show prints the coaching hint for empathy" grep -q \
    "^  empathy: Say how it affected them" "$T/show.txt"
check "show prints the coaching hint for follow_up" grep -q \
    "^  follow_up: Invite a reply" "$T/show.txt"
review show "$ID_RETURN" > "$T/show2.txt"
check "show marks an issue" grep -qF "[blame: You should have read the size guide" \
    "$T/show2.txt"

# ---- release ----------------------------------------------------------------

review release "$ID_RELEASE" > "$T/release.out" 2>&1
rc=$?
check "release exits 0" test "$rc" -eq 0
check "release says so" grep -q "^$ID_RELEASE: released" "$T/release.out"
if f=$(pf_wait_mail_id "$PF" eve@customer.example review-release 30); then
	pass "the released reply reaches the customer"
	check "the released reply is the one held" grep -q "router keeps dropping" "$f"
else
	fail "the released reply reaches the customer" "$(tail -n 5 "$PF/maillog")"
fi

# ---- delete -----------------------------------------------------------------

review delete "$ID_DELETE" > "$T/delete.out" 2>&1
rc=$?
check "delete exits 0" test "$rc" -eq 0
check "the deleted reply left the queue" test -z "$(pf_queue_ids "$PF" | grep -x "$ID_DELETE")"
review delete "$ID_DELETE" > "$T/delete2.out" 2>&1
rc=$?
check "deleting it again: exit 1" test "$rc" -eq 1
check "deleting it again: the error names the id" grep -q "$ID_DELETE.*not found" \
    "$T/delete2.out"

# ---- return -----------------------------------------------------------------

NOTE="Please own the mix-up and offer a free exchange. (note-$$)"
review return "$ID_RETURN" --note "$NOTE" > "$T/return.out" 2>&1
rc=$?
check "return exits 0" test "$rc" -eq 0
if f=$(pf_wait_mail_id "$PF" bo@support.example "X-Care-Review: returned; queue-id=$ID_RETURN" 30); then
	pass "the returned reply reaches the agent"
	check "the return carries the note" grep -qF "note-$$" "$f"
	check "the return carries the verdict" grep -q "^Verdict:  fail;.*issues=blame" "$f"
	check "the return attaches the original" grep -q "^Content-Type: message/rfc822" "$f"
	check "the attached original is the held reply" grep -q \
	    "^Message-ID: <review-return@support.example>" "$f"
else
	fail "the returned reply reaches the agent" "$(tail -n 5 "$PF/maillog")"
fi
check "the returned reply left the queue" test -z "$(pf_queue_ids "$PF" | grep -x "$ID_RETURN")"

# Nothing for the customers of the deleted and the returned replies.
sleep 2
check "the deleted reply never reaches its customer" test "$(pf_mail_count "$PF" finn@customer.example)" -eq 0
check "the returned reply never reaches its customer" test "$(pf_mail_count "$PF" gina@customer.example)" -eq 0
check "one reply is still held" test "$(pf_queue_ids "$PF" hold)" = "$ID_KEEP"

# ---- the audit trail ----------------------------------------------------------

who=${SUDO_USER:-$(id -un)}
check "three decisions recorded, by $who" test "$(sqlite3 "$JOURNAL" \
    "SELECT group_concat(queue_id || ':' || decision || ':' || who, ' ') FROM
     (SELECT * FROM decisions ORDER BY id)")" = \
    "$ID_RELEASE:release:$who $ID_DELETE:delete:$who $ID_RETURN:return:$who"
check "the return's note is recorded" test "$(sqlite3 "$JOURNAL" \
    "SELECT note FROM decisions WHERE decision = 'return'")" = "$NOTE"

# ---- stats ------------------------------------------------------------------

# What the milter should have judged, by envelope sender, from care-check.
"$CHECK" -c "$CONF" --json $(awk '{print "'"$MSGS"'/" $1}' <<< "$MAIL_LIST") \
    > "$T/check.json" 2>/dev/null
expect() {	# AGENT -> "judged passed held ack emp sol fup cliche blame"
	local files
	files=$(awk -v a="$1" '$2 == a { print $1 }' <<< "$MAIL_LIST" | tr '\n' ' ')
	jq -rs --arg files "$files" '
	    map(select((.file | split("/") | last) as $f |
	        ($files | split(" ") | index($f)) != null))
	    | [length,
	       (map(select(.missing == [] and .issues == [])) | length),
	       (map(select(.action == "hold")) | length),
	       (map(select(.elements.acknowledgment.present)) | length),
	       (map(select(.elements.empathy.present)) | length),
	       (map(select(.elements.solution.present)) | length),
	       (map(select(.elements.follow_up.present)) | length),
	       (map(select(.issues | map(.kind) | index("cliche"))) | length),
	       (map(select(.issues | map(.kind) | index("blame"))) | length)]
	    | map(tostring) | join(" ")' "$T/check.json"
}
review stats --json > "$T/stats.json"
rc=$?
check "stats --json exits 0" test "$rc" -eq 0
got() {
	jq -r --arg a "$1" 'select(.agent == $a) | [.judged, .passed, .holds,
	    .elements.acknowledgment.present, .elements.empathy.present,
	    .elements.solution.present, .elements.follow_up.present,
	    .issues.cliche, .issues.blame] | map(tostring) | join(" ")' "$T/stats.json"
}
for a in ana@support.example bo@support.example; do
	e=$(expect "$a")
	g=$(got "$a")
	if [ -n "$e" ] && [ "$e" = "$g" ]; then
		pass "stats for $a match what was sent ($g)"
	else
		fail "stats for $a match what was sent" "want '$e', got '$g'"
	fi
done
check "stats: ana sent 3, 1 passed, 1 held" test "$(got ana@support.example | cut -d' ' -f1-3)" = "3 1 1"
check "stats: bo's decisions (1 delete, 1 return)" test "$(jq -r \
    'select(.agent == "bo@support.example") | [.decisions.release, .decisions.delete,
    .decisions.return] | map(tostring) | join(" ")' "$T/stats.json")" = "0 1 1"
check "stats: ana's decisions (1 release)" test "$(jq -r \
    'select(.agent == "ana@support.example") | .decisions.release' "$T/stats.json")" = 1
review stats --csv --by day > "$T/stats.csv"
check "stats --csv --by day: header and one day" test "$(grep -c . "$T/stats.csv")" -eq 2
check "stats --csv: 6 judged today" test "$(cut -d, -f2 "$T/stats.csv" | tail -n 1)" = 6
review stats > "$T/stats.txt"
check "stats (text) has a total line" grep -q "^total  *6 " "$T/stats.txt"
review stats --since 1x > /dev/null 2>&1
check "stats --since 1x: exit 2" test $? -eq 2

# ---- errors and purge ---------------------------------------------------------

review release '../x' > "$T/bad.out" 2>&1
check "release ../x: exit 2" test $? -eq 2
review release ABCDEF12345 > "$T/unknown.out" 2>&1
check "release of an unknown id: exit 1" test $? -eq 1
check "release of an unknown id: named" grep -q "ABCDEF12345" "$T/unknown.out"
review purge > "$T/purge.out" 2>&1
check "purge exits 0 and keeps recent records" grep -q "^purged 0 records older than 90 days" \
    "$T/purge.out"
check "no milter warnings in the Postfix log" test -z "$(pf_milter_warnings "$PF")"

summary
