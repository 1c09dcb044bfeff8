#!/bin/sh
# run-tests.sh - the tests of checksrc.py itself, data-driven.
#
#   sh tests/style/run-tests.sh
#
# Each file under tests/style/cases (NAME.c or NAME.h, and milter/NAME.c
# for the checks that only apply to milter/) is checked from the cases
# folder, and the output must be exactly NAME.expect beside it; the exit
# status must be 1 when NAME.expect lists violations, 0 when it is empty
# (the good files).  Then every check that `checksrc.py -l` lists must be
# seen failing in some .expect, and be documented in docs/CODE_STYLE.md,
# so that a check cannot be added without a case and a reason.
#
# To add a case: write the file, run the checker on it from the cases
# folder (python3 ../checksrc.py NAME.c > NAME.expect), and read the
# .expect before committing it.

set -u
here=$(cd "$(dirname "$0")" && pwd)
checker="$here/checksrc.py"
doc="$here/../../docs/CODE_STYLE.md"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

fail=0
n=0
cd "$here/cases" || exit 1
for f in *.c *.h milter/*.c; do
	[ -e "$f" ] || continue
	expect="${f%.*}.expect"
	n=$((n + 1))
	if [ ! -f "$expect" ]; then
		echo "FAIL $f: no $expect"
		fail=$((fail + 1))
		continue
	fi
	python3 "$checker" "$f" >"$out" 2>&1
	rc=$?
	want=0
	[ -s "$expect" ] && want=1
	if ! cmp -s "$out" "$expect"; then
		echo "FAIL $f: output differs from $expect:"
		diff -u "$expect" "$out" | sed 's/^/    /'
		fail=$((fail + 1))
	elif [ "$rc" -ne "$want" ]; then
		echo "FAIL $f: exit status $rc, wanted $want"
		fail=$((fail + 1))
	fi
done

for check in $(python3 "$checker" -l | awk '{ print $1 }'); do
	if ! grep -q "\[$check\]\$" ./*.expect milter/*.expect; then
		echo "FAIL check $check: no case shows it failing"
		fail=$((fail + 1))
	fi
	if ! grep -q "^### \`$check\`" "$doc"; then
		echo "FAIL check $check: not documented in docs/CODE_STYLE.md"
		fail=$((fail + 1))
	fi
done

if [ "$fail" -ne 0 ]; then
	echo "style: $fail of the checker's tests failed ($n cases)"
	exit 1
fi
echo "style: the checker passes its $n cases"
