#!/bin/bash
# run-e2e.sh - end-to-end tests of care-milter with a real, isolated Postfix.
#
#   tests/milter/run-e2e.sh [BUILD]          (BUILD defaults to build)
#
#   E2E_VALGRIND=0   skip the valgrind memcheck run (on by default)
#   E2E_VG_MSGS=N    messages for the valgrind run (1000)
#   KEEP=1           keep the work folder (printed at the start)
#
# Everything runs under one temporary folder, on loopback, on free high
# ports; nothing touches the system Postfix.  Started:
#   filter A  the bundled policy + ReviewCopyTo qa@acme.example + an
#             extra rule file (for the reload tests)
#   filter B  A's policy + Reject yes, RejectIssues blame
#   filter C  an extra rule that backtracks catastrophically,
#             so real messages hit it (On-InternalError tests)
#   Postfix   smtpd on SP (filter A, also non_smtpd_milters for
#             sendmail(1)), SP_B (filter B), SP_C (filter C);
#             milter_default_action = accept; every recipient delivered
#             to WORK/pf/mail/DOMAIN/USER/new/ (tests/lib/postfix.sh)
# Prints one PASS/FAIL line per check and "N passed, M failed" at the
# end; exit status 1 on any failure.  Everything started is stopped on
# exit, also after a failure or ^C.

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
BIN=$BUILD/care-milter
CHECK_BIN=$BUILD/care-check
LOAD=$BUILD/milter-load
MSGDIR=$HERE/msgs
CUSTOMER=customer@customer.example
AGENT=agent@acme.example
QA=qa@acme.example

. "$TOP/tests/lib/postfix.sh"
. "$TOP/tests/lib/care-milter.sh"

for tool in postfix postconf postqueue postsuper postcat sendmail swaks jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "run-e2e: $tool is not installed (make deps)" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done
for f in "$BIN" "$CHECK_BIN"; do
	if [ ! -x "$f" ]; then
		echo "run-e2e: $f not built" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
done
if [ "$(id -u)" -ne 0 ]; then
	echo "run-e2e: needs root (it runs its own Postfix instance)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

cleanup_init
WORK=$(mktemp -d /tmp/care-e2e.XXXXXX)
chmod 755 "$WORK"
if [ -n "${KEEP:-}" ]; then
	echo "(KEEP: work folder $WORK is kept)"
else
	cleanup_push "rm -rf '$WORK'"
fi
PF=$WORK/pf
mkdir -p "$PF" "$WORK/msgs"

section() {
	echo
	echo "== $*"
}

# ---- helpers --------------------------------------------------------------

# mkmsg TAG SRC: a copy of msgs/SRC with Message-ID <TAG@acme.example>.
mkmsg() {
	local out=$WORK/msgs/$1.eml
	sed "s/^Message-ID: .*/Message-ID: <$1@acme.example>/" "$MSGDIR/$2" > "$out"
	echo "$out"
}

# smtp TAG SRC PORT [RCPT...]: send over SMTP; transcript in WORK/smtp-TAG.out.
smtp() {
	local tag=$1 src=$2 port=$3 f
	shift 3
	[ $# -gt 0 ] || set -- "$CUSTOMER"
	f=$(mkmsg "$tag" "$src")
	PF_PORT=$port pf_smtp_send "$PF" "$f" "$AGENT" "$@" > "$WORK/smtp-$tag.out" 2>&1
}

# submit TAG SRC [RCPT...]: send with this instance's sendmail(1).
submit() {
	local tag=$1 src=$2 f
	shift 2
	[ $# -gt 0 ] || set -- "$CUSTOMER"
	f=$(mkmsg "$tag" "$src")
	pf_sendmail "$PF" "$f" "$AGENT" "$@" > "$WORK/sendmail-$tag.out" 2>&1
}

# delivered TAG [RCPT] [SECS]: the delivered file of message TAG, or fail.
delivered() {
	pf_wait_mail_id "$PF" "${2:-$CUSTOMER}" "<$1@acme.example>" "${3:-20}"
}

# not_delivered TAG [RCPT]: true when no copy of TAG reached RCPT.
not_delivered() {
	[ -z "$(pf_mail_find "$PF" "${2:-$CUSTOMER}" "<$1@acme.example>")" ]
}

# verdict FILE: the X-Care-Check value(s) in a message file's header
# (unfolded), one per line; nothing when there is none.
verdict() {
	awk '
	/^\r?$/ { exit }
	/^[ \t]/ { if (p) v = v " " substr($0, 2); next }
	{ if (p) { print v; p = 0 } }
	tolower($0) ~ /^x-care-check:/ { p = 1; v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v) }
	END { if (p) print v }' "$1" | tr -d '\r'
}

# qid TAG: the Postfix queue id of message TAG (from the log).
qid() {
	sed -n "s/.*cleanup\[[0-9]*\]: \([0-9A-F][0-9A-F]*\): message-id=<$1@acme.example>.*/\1/p" \
	    "$PF/maillog" | tail -n 1
}

# wait_qid TAG [SECS]: wait until cleanup logged TAG; print its queue id.
wait_qid() {
	local n=$(( ${2:-10} * 10 )) q
	while [ "$n" -gt 0 ]; do
		q=$(qid "$1")
		if [ -n "$q" ]; then echo "$q"; return 0; fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# in_hold QID: the message sits in the hold queue.
in_hold() {
	# (not jq -e: jq 1.6 takes its status from the last input only)
	[ -n "$1" ] && pf_postqueue_json "$PF" |
	    jq -r --arg id "$1" 'select(.queue_id == $id and .queue_name == "hold") | .queue_id' |
	    grep -q .
}

# expect_verdict NAME FILE REGEX: one check on the delivered header.
expect_verdict() {
	local name=$1 f=$2 re=$3 v
	if [ -z "$f" ]; then
		fail "$name" "not delivered"
		return
	fi
	v=$(verdict "$f")
	if [ "$(printf '%s\n' "$v" | grep -c .)" -eq 1 ] && printf '%s\n' "$v" | grep -Eq -- "$re"; then
		pass "$name"
	else
		fail "$name" "X-Care-Check is '${v:-<none>}', want /$re/"
	fi
}

# filter_logged LOG QID ACTION: the filter logged the verdict for QID.
filter_logged() {
	[ -n "$2" ] && cm_wait_log "$1" "^.*$2: care: .*action=$3( |$)" 5
}

smtp_reply_has() {
	grep -Fq -- "$2" "$WORK/smtp-$1.out"
}

# ---- configurations, ports, start ------------------------------------------

BASE=$(( ($$ % 40) * 10 ))
PORT_A=$(pf_free_port $((20891 + BASE))) || exit 1
PORT_B=$(pf_free_port $((PORT_A + 1))) || exit 1
PORT_C=$(pf_free_port $((PORT_B + 1))) || exit 1
SP=$(pf_free_port $((20025 + BASE))) || exit 1
SP_B=$(pf_free_port $((SP + 1))) || exit 1
SP_C=$(pf_free_port $((SP_B + 1))) || exit 1
SOCK_A=inet:$PORT_A@127.0.0.1
SOCK_B=inet:$PORT_B@127.0.0.1
SOCK_C=inet:$PORT_C@127.0.0.1

# The extra rule file of filter A: an empathy rule for a phrase that is
# not in msgs/reload.eml (so that reply is flagged for lack of empathy);
# the reload test changes it.
write_extra_rules() {	# PHRASE
	cat > "$WORK/extra.rules.new" <<EOF
# e2e: an extra rule, changed by the reload test
rule e2e-magic empathy
    match $1
    example $1.
EOF
	mv "$WORK/extra.rules.new" "$WORK/extra.rules"
}
write_extra_rules "xyzzy frobnicate"
RULES="$TOP/conf/rules/en.rules $TOP/conf/rules/trim.rules"
cm_write_config "$WORK/a.conf" "RuleFiles $RULES $WORK/extra.rules" \
    "ReviewCopyTo $QA"
cm_write_config "$WORK/b.conf" "Reject yes" "RejectIssues blame"

# Filter C: an extra rule that backtracks catastrophically on any sentence
# of a real reply (nested quantifiers, no literal the prefilter could use),
# under the default RegexMatchLimit: every message hits the limit, which is
# an internal error.  Its example is short, so the rules still load.
cat > "$WORK/trap.rules" <<'TRAP'
rule trap-backtracking excuse
    match ^(?:\w+\s*)+\W{7}$
    example abc.......
TRAP
LIMIT=default
write_c_conf() {	# ON-INTERNAL-ERROR
	cm_write_config "$WORK/c.conf.new" "RuleFiles $RULES $WORK/trap.rules" \
	    "On-InternalError $1"
	sed -i "s|journal-c.conf.new.db|journal-c.db|" "$WORK/c.conf.new"
	mv "$WORK/c.conf.new" "$WORK/c.conf"
}
write_c_conf tempfail

section "start (work $WORK)"
started=1
if cm_start "$BIN" "$WORK/a.conf" "$SOCK_A" "$WORK/a.log"; then
	PID_A=$CM_PID; pass "start: filter A on $SOCK_A"
else
	PID_A=; started=0; fail "start: filter A on $SOCK_A"
fi
if cm_start "$BIN" "$WORK/b.conf" "$SOCK_B" "$WORK/b.log"; then
	PID_B=$CM_PID; pass "start: filter B (Reject yes) on $SOCK_B"
else
	PID_B=; started=0; fail "start: filter B (Reject yes) on $SOCK_B"
fi
if [ -n "$LIMIT" ] && cm_start "$BIN" "$WORK/c.conf" "$SOCK_C" "$WORK/c.log"; then
	PID_C=$CM_PID; pass "start: filter C (RegexMatchLimit $LIMIT) on $SOCK_C"
else
	PID_C=; started=0; fail "start: filter C (RegexMatchLimit ${LIMIT:-?}) on $SOCK_C"
fi
PF_EXTRA_SMTPD="$SP_B inet:127.0.0.1:$PORT_B
$SP_C inet:127.0.0.1:$PORT_C"
if pf_start "$PF" "$SP" "inet:127.0.0.1:$PORT_A" accept; then
	pass "start: isolated Postfix on 127.0.0.1:$SP, $SP_B, $SP_C"
else
	fail "start: isolated Postfix on 127.0.0.1:$SP, $SP_B, $SP_C"
	started=0
fi
if [ "$started" -ne 1 ]; then
	summary
	exit 1
fi
# Postfix must not be the system instance
if [ "$(postconf -c "$PF/etc" -h queue_directory)" = "$PF/queue" ] &&
   [ "$(postconf -c "$PF/etc" -h milter_default_action)" = accept ]; then
	pass "start: Postfix instance uses its own queue, milter_default_action=accept"
else
	fail "start: Postfix instance uses its own queue, milter_default_action=accept"
fi

# ---- 1. verdicts through SMTP and sendmail(1) --------------------------------

section "verdicts through Postfix (filter A)"

smtp smtp-good good.eml "$SP"
f=$(delivered smtp-good)
expect_verdict "smtp: good reply delivered with X-Care-Check: pass" "$f" '^pass(;|$)'
check "smtp: filter logged the pass with queue id and action=accept" \
    filter_logged "$WORK/a.log" "$(qid smtp-good)" accept
if pf_wait_mail "$PF" "$QA" 1 1; then
	fail "smtp: no review copy for a passing reply" "$QA got mail"
else
	pass "smtp: no review copy for a passing reply"
fi

smtp smtp-flag flag.eml "$SP"
f=$(delivered smtp-flag)
expect_verdict "smtp: flagged reply delivered with its fail header" "$f" \
    '^fail; missing=empathy; action=flag$'
f=$(delivered smtp-flag "$QA")
expect_verdict "smtp: ReviewCopyTo: $QA got the flagged reply too" "$f" 'action=flag'
check "smtp: filter logged the flag with queue id and action=flag" \
    filter_logged "$WORK/a.log" "$(qid smtp-flag)" flag

smtp smtp-skip skip-auto.eml "$SP"
f=$(delivered smtp-skip)
if [ -n "$f" ] && [ -z "$(verdict "$f")" ]; then
	pass "smtp: auto-submitted reply delivered without X-Care-Check"
else
	fail "smtp: auto-submitted reply delivered without X-Care-Check" \
	    "${f:+header: $(verdict "$f")}${f:-not delivered}"
fi
# (diff -B: swaks ends DATA with one more empty line)
if [ -n "$f" ] && diff -B -q <(sed '1,/^\r\?$/d' "$MSGDIR/skip-auto.eml") \
    <(sed '1,/^\r\?$/d' "$f") >/dev/null; then
	pass "smtp: skipped reply's body unchanged"
else
	fail "smtp: skipped reply's body unchanged"
fi

smtp smtp-internal internal.eml "$SP" colleague@acme.example
f=$(delivered smtp-internal colleague@acme.example)
if [ -n "$f" ] && [ -z "$(verdict "$f")" ]; then
	pass "smtp: internal mail delivered without X-Care-Check"
else
	fail "smtp: internal mail delivered without X-Care-Check"
fi

submit sm-good good.eml
f=$(delivered sm-good)
expect_verdict "sendmail: good reply delivered with X-Care-Check: pass" "$f" '^pass(;|$)'

submit sm-flag flag.eml
f=$(delivered sm-flag)
expect_verdict "sendmail: flagged reply delivered with its fail header" "$f" \
    '^fail; missing=empathy; action=flag$'

# ---- 2. hold and release ---------------------------------------------------

section "hold and release"
smtp smtp-hold hold.eml "$SP"
if smtp_reply_has smtp-hold "250 2.0.0 Ok: queued"; then
	pass "hold: SMTP client sees the message accepted (250)"
else
	fail "hold: SMTP client sees the message accepted (250)" "$(grep '^<' "$WORK/smtp-smtp-hold.out" | tail -n 2 | tr '\n' ' ')"
fi
Q_HOLD=$(wait_qid smtp-hold)
n=50
while [ "$n" -gt 0 ] && ! in_hold "$Q_HOLD"; do sleep 0.1; n=$((n - 1)); done
check "hold: held reply is in the hold queue (postqueue -j, queue_name hold)" in_hold "$Q_HOLD"
if pf_postqueue_json "$PF" | jq -r --arg id "$Q_HOLD" \
    'select(.queue_id == $id) | .recipients[].address' | grep -qx "$CUSTOMER"; then
	pass "hold: held message keeps its recipient"
else
	fail "hold: held message keeps its recipient"
fi
pf_postcat "$PF" "$Q_HOLD" > "$WORK/postcat-hold.out" 2>&1
expect_verdict "hold: queued message carries X-Care-Check with action=hold (postcat -q)" \
    "$WORK/postcat-hold.out" '^fail;.*issues=([a-z_]+,)*blame.*; action=hold$'
check "hold: Postfix logged the milter HOLD" \
    pf_wait_log "$PF" "$Q_HOLD: milter-hold: .*milter triggers HOLD action" 5
check "hold: filter logged the hold with queue id, action=hold and a reason" \
    cm_wait_log "$WORK/a.log" "$Q_HOLD: care: action=hold .*reason=\"reply lacks" 5
sleep 1
check "hold: held reply not delivered" not_delivered smtp-hold

submit sm-hold hold.eml
Q_SMHOLD=$(wait_qid sm-hold)
n=50
while [ "$n" -gt 0 ] && ! in_hold "$Q_SMHOLD"; do sleep 0.1; n=$((n - 1)); done
if in_hold "$Q_SMHOLD"; then
	pass "hold: reply sent with sendmail(1) is held too"
else
	fail "hold: reply sent with sendmail(1) is held too" \
	    "queue id '$Q_SMHOLD'; queue: $(pf_postqueue_json "$PF" | jq -c '[.queue_id,.queue_name]' | tr '\n' ' ')"
fi

pf_release "$PF" "$Q_HOLD"
f=$(delivered smtp-hold)
expect_verdict "release: postsuper -H + postqueue -i delivers it, header kept" "$f" \
    '; action=hold$'
if ! in_hold "$Q_HOLD" && pf_wait_queue "$PF" hold 1 10; then
	pass "release: only the other held message is left in hold"
else
	fail "release: only the other held message is left in hold" "$(pf_postqueue_json "$PF" | jq -c '[.queue_id,.queue_name]' | tr '\n' ' ')"
fi
pf_release "$PF" "$Q_SMHOLD"
f=$(delivered sm-hold)
expect_verdict "release: the sendmail(1) one is delivered too" "$f" '; action=hold$'

# ---- 3. reject (filter B) ---------------------------------------------------

section "reject (filter B: Reject yes, RejectIssues blame)"
smtp rej-hold hold.eml "$SP_B"
rc=$?
if [ "$rc" -ne 0 ] && smtp_reply_has rej-hold "550 5.7.1 Reply not sent: reply lacks"; then
	pass "reject: SMTP client gets 550 5.7.1 with the reason"
else
	fail "reject: SMTP client gets 550 5.7.1 with the reason" \
	    "swaks $rc: $(grep '^<\*\*\|^<- ' "$WORK/smtp-rej-hold.out" | tail -n 1)"
fi
if smtp_reply_has rej-hold "it blames the customer"; then
	pass "reject: the 550 text names the issue (blames the customer)"
else
	fail "reject: the 550 text names the issue (blames the customer)" \
	    "$(grep '^<\*\*' "$WORK/smtp-rej-hold.out")"
fi
sleep 0.5
Q=$(qid rej-hold)
if not_delivered rej-hold && { [ -z "$Q" ] || ! pf_postqueue_json "$PF" | grep -q "\"$Q\""; }; then
	pass "reject: rejected reply neither delivered nor queued"
else
	fail "reject: rejected reply neither delivered nor queued"
fi
check "reject: Postfix logged milter-reject" \
    pf_wait_log "$PF" "milter-reject: END-OF-MESSAGE .*5\.7\.1 Reply not sent" 5
check "reject: filter B logged action=reject" \
    cm_wait_log "$WORK/b.log" "care: action=reject " 5
smtp rej-flag flag.eml "$SP_B"
f=$(delivered rej-flag)
expect_verdict "reject: a merely flagged reply still goes through filter B" "$f" \
    '^fail; missing=empathy; action=flag$'

# ---- 4. reload (SIGHUP) ------------------------------------------------------

section "reload (SIGHUP on filter A)"
smtp rl-before reload.eml "$SP"
f=$(delivered rl-before)
expect_verdict "reload: before, the test reply lacks empathy (flag)" "$f" \
    '^fail; missing=empathy; action=flag$'

printf '# broken on purpose\nrule e2e-magic empathy\n    match xyzzy (plugh\n' > "$WORK/extra.rules"
n_failed=$(grep -c 'reload failed' "$WORK/a.log")
kill -HUP "$PID_A"
if cm_wait_log "$WORK/a.log" "reload failed" 10 &&
   [ "$(grep -c 'reload failed' "$WORK/a.log")" -gt "$n_failed" ]; then
	pass "reload: broken rule file reported, old rules stay"
else
	fail "reload: broken rule file reported, old rules stay" "$(tail -n 3 "$WORK/a.log")"
fi
if grep -q "extra.rules:3:" "$WORK/a.log"; then
	pass "reload: the error names FILE:LINE (extra.rules:3)"
else
	fail "reload: the error names FILE:LINE (extra.rules:3)" "$(grep -i error "$WORK/a.log" | tail -n 2)"
fi
check "reload: filter A still runs after the broken reload" kill -0 "$PID_A"
smtp rl-broken reload.eml "$SP"
f=$(delivered rl-broken)
expect_verdict "reload: verdict unchanged after the broken reload" "$f" \
    '^fail; missing=empathy; action=flag$'

write_extra_rules "xyzzy plugh"
n_ok=$(grep -c 'reloaded' "$WORK/a.log")
kill -HUP "$PID_A"
n=100
while [ "$n" -gt 0 ] && [ "$(grep -c 'reloaded' "$WORK/a.log")" -le "$n_ok" ]; do
	sleep 0.1; n=$((n - 1))
done
if [ "$(grep -c 'reloaded' "$WORK/a.log")" -gt "$n_ok" ]; then
	pass "reload: good changed rule file loaded"
else
	fail "reload: good changed rule file loaded" "$(tail -n 3 "$WORK/a.log")"
fi
smtp rl-after reload.eml "$SP"
f=$(delivered rl-after)
expect_verdict "reload: the new rule changes the verdict (pass)" "$f" '^pass(;|$)'

# ---- 5. On-InternalError (filter C) -------------------------------------------

section "On-InternalError (filter C: RegexMatchLimit $LIMIT)"
out=$("$CHECK_BIN" -c "$WORK/c.conf" "$MSGDIR/flag.eml" 2>&1)
rc=$?
if [ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q "limit"; then
	pass "internal error: care-check confirms flag.eml hits the regex limit at $LIMIT"
else
	fail "internal error: care-check confirms flag.eml hits the regex limit at $LIMIT" \
	    "rc=$rc $out"
fi

smtp ie-tempfail flag.eml "$SP_C"
rc=$?
if [ "$rc" -ne 0 ] && grep -Eq '^<\*\* +4[0-9][0-9] ' "$WORK/smtp-ie-tempfail.out"; then
	pass "internal error, tempfail: SMTP client gets a 4xx ($(grep -E '^<\*\*' "$WORK/smtp-ie-tempfail.out" | head -n 1 | cut -c5-40))"
else
	fail "internal error, tempfail: SMTP client gets a 4xx" \
	    "swaks $rc: $(grep '^<\*\*\|^<- ' "$WORK/smtp-ie-tempfail.out" | tail -n 1)"
fi
sleep 0.5
check "internal error, tempfail: message not delivered" not_delivered ie-tempfail
check "internal error: filter C logged it with action=tempfail" \
    cm_wait_log "$WORK/c.log" "internal error: .*action=tempfail" 5

reload_c() {	# ON-INTERNAL-ERROR
	local n0 n=100
	write_c_conf "$1"
	n0=$(grep -c 'reloaded' "$WORK/c.log")
	kill -HUP "$PID_C"
	while [ "$n" -gt 0 ] && [ "$(grep -c 'reloaded' "$WORK/c.log")" -le "$n0" ]; do
		sleep 0.1; n=$((n - 1))
	done
	[ "$(grep -c 'reloaded' "$WORK/c.log")" -gt "$n0" ]
}

check "internal error: reload filter C with On-InternalError accept" reload_c accept
smtp ie-accept flag.eml "$SP_C"
f=$(delivered ie-accept)
if [ -n "$f" ] && [ -z "$(verdict "$f")" ]; then
	pass "internal error, accept: delivered unjudged (no X-Care-Check)"
else
	fail "internal error, accept: delivered unjudged (no X-Care-Check)" \
	    "${f:+header: $(verdict "$f")}${f:-not delivered}"
fi
check "internal error, accept: filter C logged why, action=accept" \
    cm_wait_log "$WORK/c.log" "internal error: .*action=accept" 5

check "internal error: reload filter C with On-InternalError reject" reload_c reject
smtp ie-reject flag.eml "$SP_C"
rc=$?
if [ "$rc" -ne 0 ] && grep -Eq '^<\*\* +5[0-9][0-9] ' "$WORK/smtp-ie-reject.out"; then
	pass "internal error, reject: SMTP client gets a 5xx"
else
	fail "internal error, reject: SMTP client gets a 5xx" \
	    "swaks $rc: $(grep '^<\*\*\|^<- ' "$WORK/smtp-ie-reject.out" | tail -n 1)"
fi
check "internal error: filter C still runs" kill -0 "$PID_C"

# Nothing above should have made Postfix complain about a filter.
w=$(pf_log "$PF" | grep -Ei '(warning|error|fatal|panic):.*milter')
if [ -z "$w" ]; then
	pass "postfix: no milter warnings in Postfix's log"
else
	fail "postfix: no milter warnings in Postfix's log" "$(printf '%s\n' "$w" | head -n 3)"
fi
MARK_KILL=$(pf_log_mark "$PF")

# ---- 6. filter killed while Postfix runs ----------------------------------------

section "filter A killed (kill -9) while Postfix runs"
cm_kill9 "$PID_A"
PID_A=
smtp down-smtp good.eml "$SP"
f=$(delivered down-smtp)
if [ -n "$f" ] && [ -z "$(verdict "$f")" ]; then
	pass "filter down: SMTP mail still delivered (milter_default_action=accept), unjudged"
else
	fail "filter down: SMTP mail still delivered (milter_default_action=accept), unjudged" \
	    "${f:+header: $(verdict "$f")}${f:-not delivered}"
fi
submit down-sm good.eml
f=$(delivered down-sm)
if [ -n "$f" ] && [ -z "$(verdict "$f")" ]; then
	pass "filter down: sendmail(1) mail still delivered, unjudged"
else
	fail "filter down: sendmail(1) mail still delivered, unjudged" \
	    "${f:+header: $(verdict "$f")}${f:-not delivered}"
fi
if pf_log_since "$PF" "$MARK_KILL" | grep -Eq 'warning:.*(milter|Milter).*'"$PORT_A"; then
	pass "filter down: Postfix logged a milter warning"
else
	fail "filter down: Postfix logged a milter warning"
fi

if cm_start "$BIN" "$WORK/a.conf" "$SOCK_A" "$WORK/a2.log"; then
	PID_A=$CM_PID
	pass "filter back: filter A restarted on the same socket"
else
	fail "filter back: filter A restarted on the same socket"
fi
smtp back-smtp flag.eml "$SP"
f=$(delivered back-smtp)
expect_verdict "filter back: SMTP mail judged again" "$f" '^fail; missing=empathy; action=flag$'
submit back-sm flag.eml
f=$(delivered back-sm)
expect_verdict "filter back: sendmail(1) mail judged again" "$f" '^fail; missing=empathy; action=flag$'

# ---- 7. clean stop --------------------------------------------------------------

section "stop"
pf_stop "$PF"
if pf_running "$PF"; then
	fail "stop: Postfix instance stopped"
else
	pass "stop: Postfix instance stopped"
fi
# SIGTERM to all filters at once (libmilter takes up to 5 s each)
for p in $PID_A $PID_B $PID_C; do kill -TERM "$p" 2>/dev/null; done
for name in A B C; do
	eval "p=\${PID_$name}"
	[ -n "$p" ] || continue
	cm_stop "$p" 15
	rc=$?
	if [ "$rc" -eq 0 ]; then
		pass "stop: filter $name exits 0 on SIGTERM"
	else
		fail "stop: filter $name exits 0 on SIGTERM" "exit $rc"
	fi
done
if grep -Eih 'crit|alert|emerg|assert|segfault' "$WORK"/a.log "$WORK"/a2.log "$WORK"/b.log "$WORK"/c.log >/dev/null; then
	fail "filters: no critical lines in the filters' logs" \
	    "$(grep -Eih 'crit|alert|emerg|assert|segfault' "$WORK"/*.log | head -n 3)"
else
	pass "filters: no critical lines in the filters' logs"
fi

# ---- 8. valgrind memcheck ----------------------------------------------------------

# vg_run N LOGTAG: care-milter under memcheck, N messages through it with
# milter-load (4 connections); sets VG_LOG, VG_FLOG.
vg_run() {
	local n=$1 tag=$2 port sock per rc
	port=$(pf_free_port $((22891 + BASE))) || return 1
	sock=inet:$port@127.0.0.1
	VG_LOG=$WORK/vg-$tag.log
	VG_FLOG=$WORK/vg-$tag.filter.log
	CM_WRAPPER="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --error-limit=no --num-callers=30 --log-file=$VG_LOG" \
	CM_START_TIMEOUT=90 cm_start "$BIN" "$WORK/vg.conf" "$sock" "$VG_FLOG" || return 1
	local pid=$CM_PID
	per=$(( (n + 3) / 4 ))
	"$LOAD" -s "$sock" -c 4 -m "$per" -d "$WORK/vgmsgs" -t 120 -w 30 -q \
	    > "$WORK/vg-$tag.load" 2>&1 &
	local lpid=$!
	# reloads while messages are in flight: engine swap and release.
	# SIGUSR1, not SIGHUP: under valgrind a SIGHUP reaches libmilter's
	# own signal thread, which stops the filter (see tests/milter/README.md)
	for _ in 1 2 3; do
		sleep 3
		kill -0 "$lpid" 2>/dev/null && kill -USR1 "$pid"
	done
	wait "$lpid"
	rc=$?
	cm_stop "$pid" 60
	return $rc
}

# vg_real_errors LOG: errors other than PCRE2 JIT false positives.  JIT
# code reads 16 bytes at a time past the end of a subject (inside its
# allocation, never across a page) and branches on those bytes: memcheck
# reports "Invalid read of size 16/32" and "Conditional jump ...
# uninitialised" with a top frame in JIT code, which has no symbol
# ("at 0x...: ???").  Everything else counts.
vg_real_errors() {
	awk '
	/^==[0-9]+== (Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched free|Source and destination|Argument|Warning: invalid file)/ {
		hdr = $0
		if ((getline line) <= 0) { print hdr; next }
		jit = (line ~ /at 0x[0-9A-Fa-f]+: \?\?\?$/) &&
		      (hdr ~ /Conditional jump/ || hdr ~ /Invalid read of size (16|32|64)$/)
		if (!jit) { print hdr; print line }
	}' "$1"
}

vg_definite() {	# LOG: definitely lost bytes
	local v
	v=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$1" | tail -n 1 | tr -d ,)
	echo "${v:-0}"
}

if [ "${E2E_VALGRIND:-1}" = 0 ]; then
	echo "SKIP: valgrind (E2E_VALGRIND=0)"
elif ! command -v valgrind >/dev/null 2>&1; then
	echo "SKIP: valgrind not installed"
elif [ ! -x "$LOAD" ]; then
	fail "valgrind: $LOAD not built (make BUILD=... bench-tools)"
else
	section "valgrind memcheck (${E2E_VG_MSGS:-1000} messages)"
	mkdir -p "$WORK/vgmsgs"
	cp "$MSGDIR"/*.eml "$WORK/vgmsgs/"
	# a few corpus replies for MIME variety: quoted-printable, Latin-1,
	# HTML in base64, multipart/alternative from Outlook, cp1252
	for f in 003-broadband-drops-qp-good 009-overdraft-fee-sorry-if-you-feel-latin1 \
	    066-html-base64-good 054-alt-outlook-text-html-good \
	    016-bank-card-declined-cp1252; do
		[ -f "$TOP/tests/corpus/$f.eml" ] && cp "$TOP/tests/corpus/$f.eml" "$WORK/vgmsgs/"
	done
	cm_write_config "$WORK/vg.conf" "ReviewCopyTo $QA"
	N=${E2E_VG_MSGS:-1000}
	if vg_run "$N" big; then
		pass "valgrind: $N messages answered under memcheck ($(cat "$WORK/vg-big.load"))"
	else
		fail "valgrind: $N messages answered under memcheck" "$(tail -n 3 "$WORK/vg-big.load")"
	fi
	nr=$(grep -c 'reloaded' "$VG_FLOG")
	if [ "$nr" -ge 1 ]; then
		pass "valgrind: $nr reloads (SIGUSR1) while messages were in flight"
	else
		fail "valgrind: reloads (SIGUSR1) while messages were in flight" "none logged"
	fi
	nv=$(grep -c 'care: action=' "$VG_FLOG")
	if [ "$nv" -ge "$N" ]; then
		pass "valgrind: filter logged a verdict for each message ($nv)"
	else
		fail "valgrind: filter logged a verdict for each message" "$nv of $N"
	fi
	real=$(vg_real_errors "$VG_LOG")
	njit=$(grep -c 'at 0x[0-9A-F]*: ???$' "$VG_LOG")
	if [ -z "$real" ] && grep -q "ERROR SUMMARY" "$VG_LOG"; then
		pass "valgrind: no invalid access or uninitialised use outside PCRE2 JIT code ($njit JIT reports ignored)"
	else
		fail "valgrind: no invalid access or uninitialised use outside PCRE2 JIT code" \
		    "$(printf '%s\n' "$real" | head -n 6 | tr '\n' ' ')"
	fi
	DEF_BIG=$(vg_definite "$VG_LOG")
	if [ "$DEF_BIG" -eq 0 ]; then
		pass "valgrind: definitely lost 0 bytes after $N messages"
	else
		# something leaks: does it grow with the number of messages?
		vg_run $((N / 10)) small
		DEF_SMALL=$(vg_definite "$VG_LOG")
		if [ "$DEF_BIG" -le $((DEF_SMALL + 1024)) ]; then
			pass "valgrind: definitely lost does not grow with messages ($DEF_SMALL B after $((N / 10)), $DEF_BIG B after $N)"
		else
			fail "valgrind: definitely lost grows with messages" \
			    "$DEF_SMALL B after $((N / 10)), $DEF_BIG B after $N; see $WORK/vg-big.log (KEEP=1)"
		fi
	fi
	if grep -q "All heap blocks were freed\|LEAK SUMMARY" "$WORK/vg-big.log" &&
	   grep -q "stopped" "$WORK/vg-big.filter.log"; then
		pass "valgrind: filter stopped cleanly under memcheck"
	else
		fail "valgrind: filter stopped cleanly under memcheck"
	fi
fi

summary
