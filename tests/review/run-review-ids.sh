#!/bin/sh
# run-review-ids.sh - malformed queue ids never reach an MTA command.
#
#   sh tests/review/run-review-ids.sh BUILD
#
# care-review runs with PostfixConfigDir pointing at an empty folder,
# SendmailPath and a PATH leading to fake postqueue, postsuper, postcat
# and sendmail scripts that write a marker file when they run.  For each
# malformed id and each command that takes one, care-review must exit 2,
# name the id, and leave no marker.  A well-formed id then shows that
# the fakes are found and do run (so a missing marker means something).
# Prints "N passed, M failed"; exits 1 if any failed.

set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REVIEW=$TOP/$BUILD/care-review
CHECK=$TOP/$BUILD/care-check
T=$(mktemp -d /tmp/care-review-ids.XXXXXX)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

mkdir -p "$T/bin" "$T/postfix"
for tool in postqueue postsuper postcat sendmail sudo; do
	cat > "$T/bin/$tool" <<EOF
#!/bin/sh
echo "$tool \$*" >> "$T/marker"
exit 0
EOF
	chmod 755 "$T/bin/$tool"
done
cat > "$T/care.conf" <<EOF
RuleFiles $TOP/conf/rules/en.rules $TOP/conf/rules/trim.rules
Journal $T/journal.db
MTA postfix
PostfixConfigDir $T/postfix
SendmailPath $T/bin/sendmail
EOF
# A journal with a record in it, so that only the id can stop a command.
"$CHECK" -c "$T/care.conf" --journal "$TOP/tests/corpus/001-kettle-cracked-good.eml" \
    > /dev/null 2>&1
[ -s "$T/journal.db" ] || { echo "FAIL: could not create the journal"; exit 1; }

thousand=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf "A"; }')
nl=$(printf 'ABCDEF\n123456')

# run_bad WHAT ARGS...: care-review must refuse, name the id, run nothing.
run_bad() {
	what=$1
	shift
	rm -f "$T/marker"
	PATH="$T/bin:$PATH" "$REVIEW" -c "$T/care.conf" "$@" \
	    > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	if [ "$rc" -ne 2 ]; then
		bad "$what: exit $rc, want 2"
	elif [ -e "$T/marker" ]; then
		bad "$what: an MTA command ran: $(cat "$T/marker")"
	elif ! grep -q -e "not a queue id" -e "invalid option" "$T/err"; then
		# ("return -d" is refused by the option parser first.)
		bad "$what: no error naming the id: $(cat "$T/err")"
	else
		ok
	fi
}

for id in '../x' '; rm -rf /' '' "$thousand" '$(id)' "$nl" '`id`' '-d' 'ALL' \
    'ABCDEF ALL' '/etc/passwd'; do
	case $id in
	"$thousand") label="1000 chars" ;;
	"$nl") label="id with a newline" ;;
	*) label="\"$id\"" ;;
	esac
	run_bad "show $label" show "$id"
	run_bad "release $label" release "$id"
	run_bad "delete $label" delete "$id"
	run_bad "return $label" return "$id" --note "fix it"
	# One bad id among good ones stops the whole command, before any runs.
	run_bad "release ABCDEF1234 + $label" release ABCDEF1234 "$id"
	run_bad "delete $label + ABCDEF1234" delete "$id" ABCDEF1234
done

# The control: a well-formed id reaches the (fake) postqueue, which
# lists nothing held, so care-review says so and exits 1.
rm -f "$T/marker"
PATH="$T/bin:$PATH" "$REVIEW" -c "$T/care.conf" release ABCDEF1234 \
    > "$T/out" 2> "$T/err" < /dev/null
rc=$?
if [ "$rc" -eq 1 ] && grep -q "^postqueue -c $T/postfix -j" "$T/marker" 2>/dev/null &&
    grep -q "ABCDEF1234" "$T/err" && ! grep -q postsuper "$T/marker"; then
	ok
else
	bad "control: exit $rc, marker: $(cat "$T/marker" 2>/dev/null), err: $(cat "$T/err")"
fi

# A missing tool is named.
mkdir -p "$T/empty"
PATH="$T/empty" "$REVIEW" -c "$T/care.conf" list > "$T/out" 2> "$T/err" < /dev/null
rc=$?
# postqueue may exist in /usr/sbin (searched after PATH); only check
# the wording when it does not.
if [ -x /usr/sbin/postqueue ] || [ -x /usr/bin/postqueue ] ||
    { [ "$rc" -eq 1 ] && grep -q "postqueue: not found" "$T/err"; }; then
	ok
else
	bad "missing postqueue: exit $rc, err: $(cat "$T/err")"
fi

# A failing tool is quoted; output past the bound is refused, not parsed.
cat > "$T/bin/postqueue" <<'EOF'
#!/bin/sh
echo "postqueue: fatal: Queue report unavailable - mail system is down" >&2
exit 69
EOF
PATH="$T/bin:$PATH" "$REVIEW" -c "$T/care.conf" list > "$T/out" 2> "$T/err" < /dev/null
rc=$?
if [ "$rc" -eq 1 ] && grep -q "MTA not reachable.*postqueue exited 69: postqueue: fatal: Queue report unavailable" "$T/err"; then
	ok
else
	bad "failing postqueue: exit $rc: $(cat "$T/err")"
fi
cat > "$T/bin/postqueue" <<'EOF'
#!/bin/sh
yes '{"queue_name": "hold", "queue_id": "ABCDEF1234", "arrival_time": 1, "sender": "a@b", "recipients": []}' | head -c 20000000
EOF
PATH="$T/bin:$PATH" "$REVIEW" -c "$T/care.conf" list > "$T/out" 2> "$T/err" < /dev/null
rc=$?
if [ "$rc" -eq 1 ] && grep -q "postqueue: output larger than" "$T/err"; then
	ok
else
	bad "20 MB from postqueue: exit $rc: $(head -c 300 "$T/err")"
fi

# Not root: postcat (which needs root) runs as "sudo -n -- PATH/postcat",
# the form a sudoers rule names.  The fake postqueue lists one held
# message; the fake sudo records its arguments.
if [ "$(id -u)" -eq 0 ] && command -v runuser >/dev/null 2>&1; then
	cat > "$T/bin/postqueue" <<EOF
#!/bin/sh
echo "postqueue \$*" >> "$T/marker"
echo '{"queue_name": "hold", "queue_id": "ABCDEF1234", "arrival_time": 1, "sender": "a@b.example", "recipients": [{"address": "c@d.example"}]}'
EOF
	rm -f "$T/marker"
	chmod 755 "$T"
	chmod 644 "$T/care.conf" "$T/journal.db"
	: > "$T/marker"
	chmod 666 "$T/marker"
	runuser -u nobody -- env PATH="$T/bin:/usr/bin:/bin" "$REVIEW" -c "$T/care.conf" \
	    show ABCDEF1234 > "$T/out" 2> "$T/err" < /dev/null
	if grep -q "^sudo -n -- $T/bin/postcat -c $T/postfix -h -b -q ABCDEF1234\$" \
	    "$T/marker" && ! grep -q "^postcat" "$T/marker"; then
		ok
	else
		bad "not root: postcat through sudo -n: $(cat "$T/marker") $(cat "$T/err")"
	fi
	# and no decision without a journal it can write (0644 root)
	rm -f "$T/marker"
	: > "$T/marker"
	chmod 666 "$T/marker"
	runuser -u nobody -- env PATH="$T/bin:/usr/bin:/bin" "$REVIEW" -c "$T/care.conf" \
	    delete ABCDEF1234 > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	if [ "$rc" -eq 2 ] && [ ! -s "$T/marker" ] &&
	    grep -q "decisions must be recorded" "$T/err"; then
		ok
	else
		bad "not root, read-only journal: delete exit $rc: $(cat "$T/err") $(cat "$T/marker")"
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
