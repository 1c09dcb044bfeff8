#!/bin/sh
# malformed.sh CARE_CHECK CONFIG - hostile and broken messages through
# care-check.
#
# Each message is generated here (nothing large is kept in git), then
# run through `care-check --json` and `care-check --extract`.  A run
# passes when it ends within MALFORMED_TIMEOUT seconds (default 20) with
# a verdict (exit 0 or 1) or a clear error (exit 2 and a message on
# stderr), and its peak memory stays under MALFORMED_MAX_RSS_MB
# (default 1024; measured with GNU time when installed, and enforced
# with `ulimit -v` unless the binary is built with AddressSanitizer).
# A crash (exit >= 128), a hang, or any other exit fails; the input is
# kept in MALFORMED_KEEP (default: the folder of CARE_CHECK) as
# malformed-NAME.eml.  Last line: "N passed, M failed".
set -u

bin=${1:?usage: malformed.sh CARE_CHECK CONFIG}
conf=${2:?usage: malformed.sh CARE_CHECK CONFIG}
limit_s=${MALFORMED_TIMEOUT:-20}
max_rss_mb=${MALFORMED_MAX_RSS_MB:-1024}
keep=${MALFORMED_KEEP:-$(dirname "$bin")}
only=${MALFORMED_ONLY:-}	# a case name: run only that one

[ -x "$bin" ] || { echo "malformed: $bin not built" >&2; exit 1; }
[ -r "$conf" ] || { echo "malformed: $conf not readable" >&2; exit 1; }
export LC_ALL=C

tmp=$(mktemp -d "${TMPDIR:-/tmp}/care-malformed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

timer=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$tmp/probe" true 2>/dev/null; then
	timer=/usr/bin/time
fi
asan=0
grep -aq __asan_init "$bin" && asan=1

passed=0
failed=0

# ---- message builders (all write to stdout) ---------------------------

# The headers of an outbound support reply, so the message is judged.
reply_headers() {
	printf 'From: Agent <agent@example.com>\n'
	printf 'To: Customer <customer@example.net>\n'
	printf 'Subject: Re: my order\n'
	printf 'Message-ID: <malformed@example.com>\n'
	printf 'In-Reply-To: <question@example.net>\n'
	printf 'Date: Mon, 3 Jun 2024 10:00:00 +0000\n'
	printf 'MIME-Version: 1.0\n'
}

# reply_text TYPE [EXTRA-HEADER]: headers of a single-part reply.
reply_text() {
	reply_headers
	printf 'Content-Type: %s\n' "$1"
	[ $# -gt 1 ] && printf '%s\n' "$2"
	printf '\n'
}

# repeat N STRING: STRING N times, no separator.
repeat() {
	awk -v n="$1" -v s="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# random_bytes N SEED: N pseudo-random bytes, the same on every run.
random_bytes() {
	awk -v n="$1" -v seed="$2" 'BEGIN { srand(seed);
	    for (i = 0; i < n; i++) printf "%c", int(rand() * 256) }'
}

gen_truncated_multipart() {
	reply_headers
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
	printf 'preamble\n--b1\nContent-Type: text/plain; charset=utf-8\n\n'
	printf "I'm sorry your order arrived damaged.\n"
	printf -- '--b1\nContent-Type: multipart/alternative; boundary="b2"\n\n'
	printf -- '--b2\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n'
	printf 'SSdtIHNvcnJ5IHlvdXIgb3JkZXIgd2FzIGxh'	# cut mid-quad, no close
}

gen_truncated_headers() {
	reply_headers
	printf 'Content-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Ty'
}

gen_nested_2000() {
	reply_headers
	awk 'BEGIN {
		for (i = 1; i <= 2000; i++)
			printf "Content-Type: multipart/mixed; boundary=\"n%d\"\n\n--n%d\n", i, i
		printf "Content-Type: text/plain\n\nI am sorry your parcel was late.\n"
		for (i = 2000; i >= 1; i--)
			printf "--n%d--\n", i
	}'
}

gen_nested_rfc822() {
	reply_headers
	awk 'BEGIN {
		for (i = 1; i <= 1000; i++)
			printf "Content-Type: message/rfc822\n\nSubject: level %d\n", i
		printf "Content-Type: text/plain\n\ninnermost\n"
	}'
}

gen_long_line_20mb() {
	reply_text 'text/plain; charset=utf-8'
	yes "I'm sorry your order was late and I understand how frustrating that is" |
	    head -c 20000000 | tr '\n' ' '
	printf '\n'
}

gen_invalid_base64() {
	reply_text 'text/plain; charset=utf-8' 'Content-Transfer-Encoding: base64'
	printf '!!!!@@@@####\n====\nSG\nVsbG8=gd29y=bGQ=extra\n*&^%%$\n'
	printf '%s\n' 'SSdtIHNvcnJ5IHlvdXIgb3JkZXIgd2FzIGxhdGUu'
	repeat 100000 '='
	printf '\nQ\n'
	random_bytes 20000 11
}

gen_invalid_qp() {
	reply_text 'text/plain; charset=iso-8859-1' 'Content-Transfer-Encoding: quoted-printable'
	printf 'I=92m sorry =ZZ=4=\n=0=\r\nyour order=\n=\n=3D=3d=\t\n'
	repeat 100000 '='
	printf '\n'
	repeat 20000 '=F'
	printf '\nlast line='
}

gen_nul_bytes() {
	printf 'From: Agent <agent@exam\000ple.com>\n'
	printf 'To: customer@example.net\n'
	printf 'Subject: Re: my\000order\n'
	printf 'In-Reply-To: <q@example.net>\n'
	printf 'Content-Type: text/plain; charset="utf\000-8"\n\n'
	printf "I'm sorry\000\000 your order\000 was late.\n\000\000\000\n"
	repeat 10000 '\000'
	printf '\nLet me know if it arrives.\n'
}

gen_invalid_utf8() {
	reply_headers | sed 's|^Subject: .*|Subject: Re: \xff\xfe \xc0\xaf \xed\xa0\x80 =?utf-8?B?/////w==?=|'
	printf 'Content-Type: multipart/alternative; boundary="u"\n\n'
	printf -- '--u\nContent-Type: text/plain; charset=utf-8\n\n'
	printf "I'm sorry \377\376 your \300\257 order \355\240\200 was \360\200\200\200 late \342\202\n"
	printf '\370\210\200\200\200 \374\204\200\200\200\200 \364\220\200\200 \200\201\202\n'
	printf -- '--u\nContent-Type: text/html; charset=utf-8\n\n'
	printf '<p>sorry \377 &#xD800; &#x110000; &#99999999999; &#0; &#x1B;[31m</p>\n'
	printf -- '--u--\n'
}

gen_unknown_charsets() {
	reply_headers | sed 's/^Subject: .*/Subject: Re: =?x-klingon?Q?sorry?= =?utf-7?B?K0FHRS0=?=/'
	printf 'Content-Type: multipart/mixed; boundary="c"\n\n'
	for cs in x-no-such-charset '""' utf-7 iso-2022-jp ucs-4 utf-16 \
	    "$(repeat 300 x)" 'utf-8"; charset="latin1'; do
		printf -- '--c\nContent-Type: text/plain; charset=%s\n\n' "$cs"
		printf "I'm sorry your order was late. +ZeVnLIqe- \033\$B\033(B \377\376\000s\000\n"
	done
	printf -- '--c--\n'
}

gen_random_1mb() {
	random_bytes 1048576 42
}

gen_random_body() {
	reply_text 'text/plain; charset=utf-8'
	random_bytes 300000 43
}

gen_header_only() {
	reply_headers
	printf 'Content-Type: text/plain'
}

gen_empty() {
	:
}

gen_parts_10000() {
	reply_headers
	printf 'Content-Type: multipart/mixed; boundary="p"\n\n'
	awk 'BEGIN { for (i = 0; i < 10000; i++)
	    printf "--p\nContent-Type: text/plain\n\nx%d\n", i }'
	printf -- '--p--\n'
}

gen_html_nested_100k() {
	reply_text 'text/html; charset=utf-8'
	repeat 100000 '<div><b>'
	printf "I'm sorry your order was late."
	repeat 100000 '</b></div>'
	printf '\n'
}

gen_html_nested_drop() {
	reply_text 'text/html; charset=utf-8'
	printf '<p>Sorry.</p>'
	repeat 100000 '<blockquote><div class="gmail_quote">'
	printf 'quoted'
	repeat 50000 '</blockquote>'
	printf '\n'
}

gen_html_unclosed() {
	reply_text 'text/html; charset=utf-8'
	repeat 50000 '<a href="x'
	repeat 50000 "<!-- <b '"
	repeat 50000 '&#x'
	repeat 50000 '<'
	printf '\n'
}

# A plain part, then HTML of 4-byte characters across MaxScanBytes (256k):
# the text is cut there, and must not end in half a character.  Three
# offsets, so that at least two cuts fall inside a character.
gen_html_cut() {
	reply_headers
	printf 'Content-Type: multipart/mixed; boundary="h"\n\n--h\n'
	printf 'Content-Type: text/plain\n\nHello there.\n--h\n'
	printf 'Content-Type: text/html; charset=utf-8\n\n<div>'
	repeat "$1" a
	repeat 20000 '\360\237\230\200'
	printf '</div>\n--h--\n'
}
gen_html_cut_0() { gen_html_cut 261990; }
gen_html_cut_1() { gen_html_cut 261991; }
gen_html_cut_2() { gen_html_cut 261992; }

gen_quote_line_5mb() {
	reply_text 'text/plain'
	repeat 5000000 '>'
	printf '\nSorry.\n'
}

gen_quote_lines() {
	reply_text 'text/plain'
	printf 'Thanks.\n'
	repeat 100000 '> > > On Mon, Jane wrote:\n'
}

gen_punct_line() {
	reply_text 'text/plain'
	printf "I'm sorry your order was late.\n"
	for ch in - = . '*' '#' _; do
		repeat 200000 "$ch"
		printf '\n'
	done
	printf 'Let me know if it arrives.\n'
}

gen_backtrack_a() {
	reply_text 'text/plain'
	repeat 50000 a
	printf '\n'
}

gen_backtrack_sorry() {
	reply_text 'text/plain'
	repeat 40000 'sorry '
	printf '\n'
	repeat 10000 'sorry sorry sorry\n'
	repeat 20000 "I'm not sorry but "
	printf '\n'
}

gen_backtrack_punct() {
	reply_text 'text/plain'
	repeat 50000 'e.g. '
	printf '\n'
	repeat 100000 '.'
	printf '\n'
	repeat 50000 '!?'
	printf '\n'
	repeat 30000 "can't, "
	printf 'refund\n'
	repeat 30000 '1. '
	printf '\n'
}

gen_many_recipients() {
	printf 'From: agent@example.com\nSubject: Re: x\nIn-Reply-To: <a@b>\nTo: '
	awk 'BEGIN { for (i = 0; i < 10000; i++) printf "u%d@example.net, ", i }'
	printf 'last@example.net\n\nSorry.\n'
}

gen_huge_headers() {
	printf 'From: agent@example.com\nTo: c@example.net\nIn-Reply-To: <a@b>\n'
	printf 'Subject: Re: '
	repeat 500000 'x'
	printf '\n'
	awk 'BEGIN { for (i = 0; i < 50000; i++) printf "X-H%d: v\n\t folded\n", i }'
	printf '\nSorry.\n'
}

# ---- running ----------------------------------------------------------

# check NAME MODE FILE: one care-check run; prints one line.
check() {
	name=$1 mode=$2 file=$3
	rm -f "$tmp/time"
	(
		if [ "$asan" = 0 ]; then
			ulimit -v $((max_rss_mb * 1024 + 512 * 1024)) 2>/dev/null || true
		fi
		if [ -n "$timer" ]; then
			exec "$timer" -f '%e %M' -o "$tmp/time" \
			    timeout -k 5 "$limit_s" "$bin" -c "$conf" "$mode" "$file"
		else
			exec timeout -k 5 "$limit_s" "$bin" -c "$conf" "$mode" "$file"
		fi
	) >"$tmp/out" 2>"$tmp/err"
	rc=$?
	secs=? rss_kb=
	if [ -s "$tmp/time" ]; then
		set -- $(tail -n 1 "$tmp/time")
		secs=${1:-?} rss_kb=${2:-}
	fi
	why=
	case $rc in
	0|1) ;;
	2)	if [ "$judge" = 1 ]; then
			why="no verdict (exit 2) on a readable message"
		elif [ ! -s "$tmp/err" ]; then
			why="exit 2 without a message"
		fi;;
	124|137) why="no answer within ${limit_s}s";;
	*)	if [ "$rc" -ge 128 ]; then
			why="crashed (exit $rc, signal $((rc - 128)))"
		else
			why="unexpected exit $rc"
		fi;;
	esac
	if [ -z "$why" ] && [ -n "$rss_kb" ] && [ "$rss_kb" -gt $((max_rss_mb * 1024)) ]; then
		why="peak memory $((rss_kb / 1024)) MB over ${max_rss_mb} MB"
	fi
	if [ "$mode" = --json ] && [ "$rc" -le 1 ] && command -v jq >/dev/null 2>&1 &&
	    ! jq -e . "$tmp/out" >/dev/null 2>&1; then
		why="output is not JSON"
	fi
	# What the analysis sees, and what a supervisor's terminal shows, is
	# valid UTF-8 without control characters other than tab and newline.
	if [ -z "$why" ] && [ "$rc" -le 1 ]; then
		if ! iconv -f UTF-8 -t UTF-8 "$tmp/out" >/dev/null 2>&1; then
			why="output is not valid UTF-8"
		elif [ "$mode" = --extract ] &&
		    [ "$(tr -d '\t\n\040-\377' <"$tmp/out" | wc -c)" -ne 0 ]; then
			why="output holds control characters"
		fi
	fi
	mem=${rss_kb:+, $((rss_kb / 1024)) MB}
	note=$(head -c 200 "$tmp/err" | tr '\n' ' ')
	if [ -z "$why" ]; then
		passed=$((passed + 1))
		echo "ok    $name $mode: exit $rc, ${secs}s$mem${note:+ ($note)}"
	else
		failed=$((failed + 1))
		cp "$file" "$keep/malformed-$name.eml" 2>/dev/null
		echo "FAIL  $name $mode: $why, ${secs}s$mem; input kept as $keep/malformed-$name.eml"
		[ -s "$tmp/err" ] && tail -n 20 "$tmp/err" | sed 's/^/      /'
	fi
}

# NAME, or NAME:judge when the message must get a verdict (exit 0 or 1):
# it is well-formed enough to be read, only big or odd, and an error
# there would let the milter pass it unjudged (On-InternalError).
cases="truncated_multipart truncated_headers nested_2000:judge nested_rfc822
long_line_20mb:judge invalid_base64 invalid_qp:judge nul_bytes invalid_utf8
unknown_charsets random_1mb random_body header_only empty parts_10000:judge
html_nested_100k:judge html_nested_drop html_unclosed html_cut_0:judge
html_cut_1:judge html_cut_2:judge quote_line_5mb:judge
quote_lines:judge punct_line:judge backtrack_a backtrack_sorry
backtrack_punct many_recipients huge_headers"

for c in $cases; do
	judge=0
	case $c in *:judge) c=${c%:judge}; judge=1;; esac
	[ -n "$only" ] && [ "$only" != "$c" ] && continue
	f="$tmp/$c.eml"
	"gen_$c" >"$f"
	check "$c" --json "$f"
	check "$c" --extract "$f"
	rm -f "$f"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
