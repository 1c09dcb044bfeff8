#!/bin/sh
# bench-smoke.sh BUILD_DIR
#
# Quick check of the benchmark tools (part of `make check`): generate a
# small corpus (it includes the 200 KB reply, so bodies of several chunks are
# exercised), start null-milter on a unix socket in a temporary directory,
# run milter-load with 2 connections x 5 messages against it, stop it.
# Fails on any protocol error, and when null-milter did not see every message.
set -eu

build=${1:?usage: bench-smoke.sh BUILD_DIR}
here=$(cd "$(dirname "$0")" && pwd)
load=$build/milter-load
null=$build/null-milter
for f in "$load" "$null"; do
	[ -x "$f" ] || { echo "bench-smoke: $f not built" >&2; exit 1; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/care-bench-smoke.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -USR1 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

python3 "$here/mkcorpus.py" --mixed 9 --five 0 "$tmp/corpus" 2>/dev/null

sock=unix:$tmp/null.sock
"$null" -f -p "$sock" 2>"$tmp/null.log" &
pid=$!

status=0
"$load" -s "$sock" -w 5 -t 10 -c 2 -m 5 -d "$tmp/corpus/mixed" -q \
	>"$tmp/load.out" 2>"$tmp/load.err" || status=$?

# SIGUSR1: null-milter prints its message count and exits at once
kill -USR1 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=

cat "$tmp/load.out"
if [ "$status" -ne 0 ]; then
	echo "bench-smoke: FAIL: milter-load exit status $status" >&2
	cat "$tmp/load.err" "$tmp/null.log" >&2
	exit 1
fi
if ! grep -q "null-milter: 10 messages" "$tmp/null.log"; then
	echo "bench-smoke: FAIL: null-milter did not see 10 messages" >&2
	cat "$tmp/null.log" >&2
	exit 1
fi
echo "bench-smoke: PASS"
