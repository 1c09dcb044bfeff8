#!/usr/bin/env bash
# run-bench.sh BUILD_DIR CARE_MILTER_BINARY CARE_CONF_TEMPLATE
#
# The performance benchmark behind `make bench`.  Generates the corpus into
# a temporary directory, then for each socket kind {unix, inet} and each
# concurrency {8, 64} runs null-milter twice, as a filter that answers every
# step ("null") and as one that negotiates "no reply" for every step before
# end of message ("null -r", the protocol's own speed limit for a filter
# that decides at end of message, as care-milter does), and care-milter,
# against the same corpus, several times each (interleaved), and prints one
# table of medians with their spread (min-max):
#
#   mode, conns, null msg/s, null -r msg/s, care msg/s, care/null,
#   care/null-r, null p99 ms, care p99 ms, care peak RSS MB (VmHWM just
#   before it is stopped)
#
# plus one latency line for the 5 KB replies (p99 of each).
#
# care-milter is started as  CARE_MILTER_BINARY -f -c CONF  where CONF is a
# copy of CARE_CONF_TEMPLATE whose "Socket ..." line is replaced (or added)
# with the socket of the run, and whose PidFile and Journal lines, if any,
# point into the work directory (a fresh journal per run); the other entries
# of the template's directory (rules/) are linked next to the copy.  It logs
# to stderr, kept in the work directory (BENCH_KEEP=1 keeps that).
#
# Environment (defaults in brackets):
#   CARE_BENCH_CMD   command that replaces the care-milter invocation;
#                    {socket} and {conf} are substituted, e.g.
#                    CARE_BENCH_CMD='build/null-milter -f -p {socket}'
#   BENCH_REPS [3]   repetitions of each measurement
#   BENCH_SECS [2.5] seconds of load per throughput run
#   BENCH_CONNS ["8 64"]  BENCH_MODES ["unix inet"]
#   BENCH_LAT_CONNS [1]   BENCH_LAT_SECS [1]   the 5 KB latency runs
#   BENCH_KEEP       keep the work directory (results, logs) when set
#
# Exit status: 0 when every run finished without a protocol error.
# bash is needed; when started as `sh run-bench.sh`, switch to bash first
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 BUILD_DIR CARE_MILTER_BINARY CARE_CONF_TEMPLATE" >&2
	exit 2
fi
build=$1 care_bin=$2 conf_tpl=$3
here=$(cd "$(dirname "$0")" && pwd)
load=$build/milter-load
null=$build/null-milter

reps=${BENCH_REPS:-3}
secs=${BENCH_SECS:-2.5}
conns_list=${BENCH_CONNS:-"8 64"}
modes=${BENCH_MODES:-"unix inet"}
lat_conns=${BENCH_LAT_CONNS:-1}
lat_secs=${BENCH_LAT_SECS:-1}

for f in "$load" "$null"; do
	[ -x "$f" ] || { echo "run-bench: $f not built (make bench-tools)" >&2; exit 2; }
done
if [ -z "${CARE_BENCH_CMD:-}" ]; then
	[ -x "$care_bin" ] || { echo "run-bench: $care_bin: not an executable" >&2; exit 2; }
	[ -r "$conf_tpl" ] || { echo "run-bench: $conf_tpl: cannot read" >&2; exit 2; }
fi

t_begin=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/care-bench.XXXXXX")
mkdir -p "$work/res" "$work/log" "$work/conf"
declare -a stopping=()		# filters told to stop, reaped at the end
cur_pid=

cleanup() {
	if [ -n "$cur_pid" ]; then
		kill -TERM "$cur_pid" 2>/dev/null || true
		stopping+=("$cur_pid")
	fi
	# libmilter needs up to MI_CHK_TIME (5 s) to notice a SIGTERM
	local deadline=$((SECONDS + 10)) p
	for p in "${stopping[@]}"; do
		while kill -0 "$p" 2>/dev/null && [ $SECONDS -lt $deadline ]; do
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	if [ -n "${BENCH_KEEP:-}" ]; then
		echo "run-bench: results and logs kept in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 "$here/mkcorpus.py" "$work/corpus" 2>/dev/null

# The configuration copies live in $work/conf: link the other entries of the
# template's directory there (rules/ ...), so that paths relative to the
# configuration file still resolve.
if [ -r "$conf_tpl" ]; then
	for f in "$(cd "$(dirname "$conf_tpl")" && pwd)"/*; do
		if [ -e "$f" ] && [ "$(basename "$f")" != "$(basename "$conf_tpl")" ]; then
			ln -s "$f" "$work/conf/$(basename "$f")"
		fi
	done
fi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# new_socket MODE RUN -> libmilter socket spec
new_socket() {
	if [ "$1" = unix ]; then
		echo "unix:$work/s$2.sock"
	else
		echo "inet:$(free_port)@127.0.0.1"
	fi
}

# wait_ready PID SOCKET LOG: the filter listens (or died)
wait_ready() {
	local pid=$1 sock=$2 log=$3 i
	for ((i = 0; i < 200; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "run-bench: filter exited at start-up: $(tail -n 5 "$log")" >&2
			return 1
		fi
		case $sock in
		unix:*) [ -S "${sock#unix:}" ] && return 0 ;;
		inet:*)
			local port=${sock#inet:}; port=${port%@*}
			ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0 ;;
		esac
		sleep 0.05
	done
	echo "run-bench: filter not listening on $sock after 10 s" >&2
	return 1
}

# start_filter null|care SOCKET RUN: sets cur_pid
start_filter() {
	local kind=$1 sock=$2 run=$3 log=$work/log/$1-$3.log
	if [ "$kind" = null ]; then
		"$null" -f -p "$sock" 2>"$log" &
	elif [ "$kind" = nullr ]; then
		"$null" -f -r -p "$sock" 2>"$log" &
	else
		local conf=$work/conf/care-$run.conf
		if [ -r "$conf_tpl" ]; then
			# Socket: this run's; PidFile and Journal (when the
			# template has them): files of the work directory, so
			# that the bench writes nothing under /run or /var
			awk -v s="$sock" -v pid="$work/conf/care-$run.pid" \
			    -v journal="$work/conf/journal-$run.db" '
				tolower($1) == "socket" { if (!done) print "Socket " s; done = 1; next }
				tolower($1) == "pidfile" { print "PidFile " pid; next }
				tolower($1) == "journal" { print "Journal " journal; next }
				{ print }
				END { if (!done) print "Socket " s }' "$conf_tpl" >"$conf"
		else
			echo "Socket $sock" >"$conf"
		fi
		if [ -n "${CARE_BENCH_CMD:-}" ]; then
			local cmd=${CARE_BENCH_CMD//\{socket\}/$sock}
			cmd=${cmd//\{conf\}/$conf}
			sh -c "exec $cmd" 2>"$log" &
		else
			"$care_bin" -f -c "$conf" 2>"$log" &
		fi
	fi
	cur_pid=$!
	wait_ready "$cur_pid" "$sock" "$log"
}

# reap_stopped MAX: reap the filters that have exited since their SIGTERM;
# wait for the oldest ones while more than MAX are still exiting
reap_stopped() {
	local max=$1 p left=()
	for p in "${stopping[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			left+=("$p")
		else
			wait "$p" 2>/dev/null || true
		fi
	done
	while [ ${#left[@]} -gt "$max" ]; do
		wait "${left[0]}" 2>/dev/null || true
		left=("${left[@]:1}")
	done
	stopping=("${left[@]}")
}

# stop_filter KIND: null-milter exits at once on SIGUSR1; care-milter gets
# SIGTERM, which libmilter takes up to 5 s to act on: it is left to exit
# while the next runs go on (each run has its own socket), at most two at
# a time
stop_filter() {
	if [ "$1" != care ]; then
		kill -USR1 "$cur_pid" 2>/dev/null || true
		wait "$cur_pid" 2>/dev/null || true
	else
		kill -TERM "$cur_pid" 2>/dev/null || true
		stopping+=("$cur_pid")
		reap_stopped 2
	fi
	cur_pid=
}

peak_rss_kb() {
	awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

failures=0
run=0
# measure KIND MODE CONNS REP CORPUS SECS TAG
measure() {
	local kind=$1 mode=$2 conns=$3 rep=$4 corpus=$5 dur=$6 tag=$7
	run=$((run + 1))
	local sock out=$work/res/$tag-$kind-$mode-$conns-$rep.json rss=0 st=0
	sock=$(new_socket "$mode" "$run")
	if ! start_filter "$kind" "$sock" "$run"; then
		failures=$((failures + 1))
		[ -n "$cur_pid" ] && stop_filter "$kind"
		return 0
	fi
	"$load" -s "$sock" -w 5 -t 30 -c "$conns" -m 10000000 -D "$dur" \
		-d "$work/corpus/$corpus" --json >"$out" 2>"$work/log/load-$run.err" || st=$?
	if [ "$kind" = care ]; then
		rss=$(peak_rss_kb "$cur_pid")
	fi
	stop_filter "$kind"
	# add the peak RSS to the record
	python3 - "$out" "$rss" "$st" <<-'EOF'
		import json, sys
		path, rss, st = sys.argv[1], int(sys.argv[2] or 0), int(sys.argv[3])
		try:
		    rec = json.load(open(path))
		except Exception:
		    rec = {"errors": 1, "ok": 0, "msgs_per_s": 0, "latency_ms": {"p99": 0}}
		rec["peak_rss_kb"] = rss
		rec["exit_status"] = st
		json.dump(rec, open(path, "w"))
	EOF
	if [ "$st" -ne 0 ]; then
		failures=$((failures + 1))
		echo "run-bench: $kind $mode x$conns run $rep: errors (exit $st):" >&2
		head -n 5 "$work/log/load-$run.err" >&2
	fi
	if [ -z "${BENCH_QUIET:-}" ]; then
		printf '  %-4s %-4s %3s conns run %s: %s\n' "$kind" "$mode" "$conns" "$rep" \
			"$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%.0f msg/s, p99 %.2f ms, %d errors" % (r["msgs_per_s"], r["latency_ms"]["p99"], r["errors"]))' "$out")" >&2
	fi
}

care_label=${CARE_BENCH_CMD:-"$care_bin -f -c CONF"}
echo "run-bench: corpus in $work/corpus; care: $care_label" >&2
for mode in $modes; do
	for conns in $conns_list; do
		for ((rep = 1; rep <= reps; rep++)); do
			measure null "$mode" "$conns" "$rep" mixed "$secs" tput
			measure nullr "$mode" "$conns" "$rep" mixed "$secs" tput
			measure care "$mode" "$conns" "$rep" mixed "$secs" tput
		done
	done
done
for mode in $modes; do
	for ((rep = 1; rep <= reps; rep++)); do
		measure null "$mode" "$lat_conns" "$rep" 5k "$lat_secs" lat5k
		measure nullr "$mode" "$lat_conns" "$rep" 5k "$lat_secs" lat5k
		measure care "$mode" "$lat_conns" "$rep" 5k "$lat_secs" lat5k
	done
done

python3 - "$work/res" "$work/corpus" "$reps" "$secs" "$lat_conns" "$modes" "$conns_list" <<'EOF'
import glob, json, os, statistics, sys

res, corpus, reps, secs, lat_conns = sys.argv[1:6]
modes, conns_list = sys.argv[6].split(), sys.argv[7].split()

def load(tag, kind, mode, conns):
    out = []
    for p in sorted(glob.glob(os.path.join(res, "%s-%s-%s-%s-*.json" % (tag, kind, mode, conns)))):
        out.append(json.load(open(p)))
    return out

def stat(vals, fmt):
    if not vals:
        return "n/a", None
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt % med, med
    return (fmt + " (" + fmt + "-" + fmt + ")") % (med, min(vals), max(vals)), med

def col(recs, key):
    if key == "rate":
        return [r["msgs_per_s"] for r in recs]
    if key == "p99":
        return [r["latency_ms"]["p99"] for r in recs]
    if key == "rss":
        return [r["peak_rss_kb"] / 1024.0 for r in recs if r.get("peak_rss_kb")]

sizes = [os.path.getsize(p) for p in glob.glob(os.path.join(corpus, "mixed", "*.eml"))]
print()
print("care-milter benchmark: corpus of %d replies, %.1f to %.0f KB; %s run(s) of %s s each;"
      % (len(sizes), min(sizes) / 1024, max(sizes) / 1024, reps, secs))
print("median (min-max); latency is BODYEOB sent -> final reply; RSS is care-milter's VmHWM")
hdr = ("mode", "conns", "null msg/s", "null -r msg/s", "care msg/s", "care/null",
       "care/null-r", "null p99 ms", "care p99 ms", "care peak RSS MB")
rows = []
errors = 0
for mode in modes:
    for conns in conns_list:
        n, c = load("tput", "null", mode, conns), load("tput", "care", mode, conns)
        r = load("tput", "nullr", mode, conns)
        errors += sum(x.get("errors", 0) for x in n + r + c)
        ns, nm = stat(col(n, "rate"), "%.0f")
        rs, rm = stat(col(r, "rate"), "%.0f")
        cs, cm = stat(col(c, "rate"), "%.0f")
        ratio = "%.2f" % (cm / nm) if nm and cm is not None else "n/a"
        ratio_r = "%.2f" % (cm / rm) if rm and cm is not None else "n/a"
        rows.append((mode, conns, ns, rs, cs, ratio, ratio_r, stat(col(n, "p99"), "%.2f")[0],
                     stat(col(c, "p99"), "%.2f")[0], stat(col(c, "rss"), "%.1f")[0]))
widths = [max(len(str(x)) for x in colv) for colv in zip(hdr, *rows)]
line = lambda r: "  ".join(str(v).rjust(w) if i > 1 else str(v).ljust(w)
                           for i, (v, w) in enumerate(zip(r, widths)))
print(line(hdr))
print("  ".join("-" * w for w in widths))
for r in rows:
    print(line(r))
parts = []
for mode in modes:
    n, c = load("lat5k", "null", mode, lat_conns), load("lat5k", "care", mode, lat_conns)
    r = load("lat5k", "nullr", mode, lat_conns)
    errors += sum(x.get("errors", 0) for x in n + r + c)
    parts.append("%s null %s / null -r %s / care %s" % (
        mode, stat(col(n, "p99"), "%.2f")[0], stat(col(r, "p99"), "%.2f")[0],
        stat(col(c, "p99"), "%.2f")[0]))
print()
print("5 KB replies, p99 latency ms, %s connection(s): %s" % (lat_conns, "; ".join(parts)))
if errors:
    print("ERRORS: %d messages failed (see above)" % errors)
EOF

echo "run-bench: $run runs, $failures failed, $(( $(date +%s) - t_begin )) s" >&2
[ "$failures" -eq 0 ]
