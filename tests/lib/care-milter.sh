# care-milter.sh - start and stop care-milter for tests (bash).
#
#   . tests/lib/postfix.sh          # for cleanup_* and pf_free_port
#   . tests/lib/care-milter.sh
#   cm_write_config DIR/a.conf "Reject yes" "ReviewCopyTo qa@acme.example"
#   cm_start BUILD/care-milter DIR/a.conf inet:20891@127.0.0.1 DIR/a.log
#   echo "$CM_PID"
#   cm_stop "$CM_PID"
#
# A configuration is conf/care-milter.conf followed by overrides (a key
# given twice takes its last value): absolute RuleFiles, a Journal and no
# PidFile or syslog, then the caller's lines.
#
# CM_WRAPPER (e.g. "valgrind --error-exitcode=99 ...") is put before the
# binary by cm_start.

CM_TOP=${CM_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

# cm_write_config FILE [LINE...]: write a test configuration.  Its
# journal is FILE's folder/journal-BASENAME.db.
cm_write_config() {
	local f=$1 base
	shift
	base=$(basename "$f" .conf)
	{
		cat "$CM_TOP/conf/care-milter.conf"
		echo
		echo "# ---- test overrides (tests/lib/care-milter.sh) ----"
		echo "RuleFiles $CM_TOP/conf/rules/en.rules $CM_TOP/conf/rules/trim.rules"
		echo "Journal $(cd "$(dirname "$f")" && pwd)/journal-$base.db"
		echo "PidFile none"
		echo "Syslog no"
		echo "SocketMode 0666"
		for l in "$@"; do
			printf '%s\n' "$l"
		done
	} > "$f"
}

# cm_port SOCKET: the port of inet:PORT@HOST, or nothing.
cm_port() {
	case $1 in
	inet:*@*) local p=${1#inet:}; echo "${p%@*}" ;;
	esac
}

# cm_wait_socket SOCKET SECS [PID]: wait until the filter listens (and
# while PID lives).
cm_wait_socket() {
	local s=$1 n=$(( ${2:-10} * 10 )) pid=${3:-} port path
	port=$(cm_port "$s")
	case $s in unix:*) path=${s#unix:} ;; local:*) path=${s#local:} ;; esac
	while [ "$n" -gt 0 ]; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		if [ -n "$port" ]; then
			pf_port_free "$port" || return 0
		elif [ -n "$path" ] && [ -S "$path" ]; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# cm_start BINARY CONF SOCKET LOG [ARGS...]: start care-milter in the
# foreground (-f) in the background of this shell, stderr to LOG (which
# is appended to); sets CM_PID and registers cm_stop with the cleanup
# stack.  False when it does not listen within CM_START_TIMEOUT (20)
# seconds.
cm_start() {
	local bin=$1 conf=$2 sock=$3 log=$4
	shift 4
	local port
	port=$(cm_port "$sock")
	if [ -n "$port" ] && ! pf_port_free "$port"; then
		echo "cm_start: port $port is in use" >&2
		return 1
	fi
	# shellcheck disable=SC2086
	${CM_WRAPPER:-} "$bin" -f -c "$conf" -p "$sock" "$@" >>"$log" 2>&1 &
	CM_PID=$!
	cleanup_push "cm_stop $CM_PID 2"
	if ! cm_wait_socket "$sock" "${CM_START_TIMEOUT:-20}" "$CM_PID"; then
		echo "cm_start: care-milter does not listen on $sock; its log:" >&2
		tail -n 20 "$log" >&2
		return 1
	fi
	return 0
}

# cm_stop PID [SECS]: SIGTERM, wait up to SECS (10; libmilter takes up to
# 5 s), then SIGKILL.  Returns the exit status (or 137 when killed).
cm_stop() {
	local pid=$1 n=$(( ${2:-10} * 10 )) rc
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return $?; }
	kill -TERM "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
		# a reaped child is gone; a zombie still answers kill -0
		if ! ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z; then
			break
		fi
		sleep 0.1
		n=$((n - 1))
	done
	if ps -o stat= -p "$pid" 2>/dev/null | grep -qv Z; then
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	return $rc
}

# cm_kill9 PID: kill -9 and reap.
cm_kill9() {
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# cm_wait_log LOG REGEX [SECS]: wait for a line in the filter's log.
cm_wait_log() {
	local n=$(( ${3:-10} * 10 ))
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---- reporting (PASS/FAIL lines and the summary) --------------------------

T_PASS=0
T_FAIL=0

# pass NAME / fail NAME [DETAIL]
pass() {
	T_PASS=$((T_PASS + 1))
	echo "PASS: $1"
}

fail() {
	T_FAIL=$((T_FAIL + 1))
	echo "FAIL: $1${2:+ -- $2}"
}

# check NAME COMMAND...: PASS when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# summary: "N passed, M failed"; returns 1 on any failure.
summary() {
	echo "$T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ]
}
