# postfix.sh - run an isolated Postfix instance on loopback for tests.
#
# Source it from a bash test script (it uses local and /dev/tcp):
#
#   . tests/lib/postfix.sh
#   cleanup_init                           # EXIT/INT/TERM trap, once
#   port=$(pf_free_port 20025)
#   pf_start "$dir" "$port" inet:127.0.0.1:20891 accept
#   pf_smtp_send "$dir" msg.eml agent@acme.example customer@customer.example
#   pf_wait_mail "$dir" customer@customer.example 1 20
#   pf_stop "$dir"                         # also done by the trap
#
# The instance lives entirely under DIR and never touches the system
# Postfix (/etc/postfix, /var/spool/postfix, /var/mail):
#
#   DIR/etc/main.cf, master.cf   config_directory (tools take -c DIR/etc)
#   DIR/queue                    queue_directory
#   DIR/data                     data_directory (owned by postfix)
#   DIR/maillog                  maillog_file (there is no syslog here)
#   DIR/mail/DOMAIN/USER/new/    delivered mail: one Maildir per
#                                recipient, for every domain (a pipe(8)
#                                transport for all mail runs
#                                DIR/etc/deliver.sh as nobody), so a
#                                test can see who got what
#
# smtpd listens on 127.0.0.1:SMTP_PORT only, chroot is off everywhere,
# smtpd_milters and non_smtpd_milters point at the filter (Postfix
# syntax: inet:127.0.0.1:PORT or unix:/path).  PF_EXTRA_SMTPD ("PORT
# MILTER" lines) adds smtpd listeners with their own smtpd_milters, so a
# test can reach several filters without reloading.  Extra main.cf lines can
# be given in PF_MAIN_EXTRA (newline separated) before pf_start, or
# changed later with pf_postconf DIR 'name = value' (reloads Postfix).
#
# Facts this relies on: /work/shared/PLATFORM-NOTES.md.

PF_MASTER_TIMEOUT=${PF_MASTER_TIMEOUT:-15}

# ---- cleanup stack (shared by everything a test starts) -----------------

_cleanup_cmds=""

# cleanup_init: run the cleanup stack on exit and on INT/TERM (once).
cleanup_init() {
	trap 'cleanup_run' EXIT
	trap 'cleanup_run; trap - EXIT; exit 130' INT
	trap 'cleanup_run; trap - EXIT; exit 143' TERM
}

# cleanup_push CMD: run CMD at exit (last pushed runs first).
cleanup_push() {
	_cleanup_cmds="$1
$_cleanup_cmds"
}

# cleanup_run: run and forget every pushed command.
cleanup_run() {
	local _c
	_c=$_cleanup_cmds
	_cleanup_cmds=""
	local _cmd
	while IFS= read -r _cmd; do
		[ -n "$_cmd" ] && eval "$_cmd" </dev/null >/dev/null 2>&1
	done <<< "$_c"
	return 0
}

# ---- ports ----------------------------------------------------------------

# pf_port_free PORT: true when nothing listens on 127.0.0.1:PORT (TCP).
pf_port_free() {
	if command -v ss >/dev/null 2>&1; then
		! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
	else
		! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}

# pf_free_port START: print the first free port from START up (100 tries).
pf_free_port() {
	local _p _end
	_p=$1
	_end=$(($1 + 100))
	while [ "$_p" -lt "$_end" ]; do
		if pf_port_free "$_p"; then
			echo "$_p"
			return 0
		fi
		_p=$((_p + 1))
	done
	echo "pf_free_port: no free port in $1..$_end" >&2
	return 1
}

# pf_wait_port PORT [SECS]: wait until something accepts on 127.0.0.1:PORT.
pf_wait_port() {
	local _n
	_n=$(( ${2:-10} * 10 ))
	while [ "$_n" -gt 0 ]; do
		if ! pf_port_free "$1"; then return 0; fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# ---- the instance ---------------------------------------------------------

# pf_write_config DIR SMTP_PORT MILTER [DEFAULT_ACTION]
pf_write_config() {
	local _d _port _milter _action
	_d=$1 _port=$2 _milter=$3 _action=${4:-accept}
	mkdir -p "$_d/etc" "$_d/queue" "$_d/data" "$_d/mail"
	cat > "$_d/etc/main.cf" <<EOF
# isolated test instance: $_d (written by tests/lib/postfix.sh)
compatibility_level = 3.6
config_directory = $_d/etc
queue_directory = $_d/queue
data_directory = $_d/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $_d/maillog
maillog_file_prefixes = $_d
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
local_transport = error:no local delivery in the test instance
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
smtpd_banner = \$myhostname ESMTP care-milter-test
smtputf8_enable = no
biff = no
delay_warning_time = 0
in_flow_delay = 0
default_process_limit = 20
# every recipient, in every domain, goes to the pipe transport "deliver"
# (etc/deliver.sh): one Maildir per recipient under mail/
transport_maps = static:deliver
deliver_destination_recipient_limit = 1
deliver_destination_concurrency_limit = 20
# the filter
milter_protocol = 6
milter_default_action = $_action
milter_connect_timeout = 5s
milter_command_timeout = 10s
milter_content_timeout = 30s
smtpd_milters = $_milter
non_smtpd_milters = $_milter
EOF
	if [ -n "${PF_MAIN_EXTRA:-}" ]; then
		printf '%s\n' "$PF_MAIN_EXTRA" >> "$_d/etc/main.cf"
	fi
	cat > "$_d/etc/deliver.sh" <<'EOF'
#!/bin/sh
# deliver.sh BASE RECIPIENT: store stdin in BASE/DOMAIN/USER/new/ (Maildir)
r=$(printf '%s' "$2" | tr 'A-Z' 'a-z' | tr -c 'a-z0-9@._+=-' '_')
case $r in *@*) ;; *) r="$r@nodomain" ;; esac
u=${r%%@*} dom=${r#*@}
case $u in ""|.*) u="_$u" ;; esac
case $dom in ""|.*) dom="_$dom" ;; esac
m=$1/$dom/$u
mkdir -p "$m/tmp" "$m/new" "$m/cur" || exit 75
f=$(date +%s).$$.$(od -An -N4 -tx4 /dev/urandom | tr -d ' ').test
cat > "$m/tmp/$f" || exit 75
mv "$m/tmp/$f" "$m/new/$f" || exit 75
exit 0
EOF
	chmod 755 "$_d/etc/deliver.sh"
	cat > "$_d/etc/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
deliver   unix  -       n       n       -       -       pipe
  flags=DRO user=nobody argv=$_d/etc/deliver.sh $_d/mail \${recipient}
EOF
	# more smtpd listeners, each with its own filter: "PORT MILTER" lines
	if [ -n "${PF_EXTRA_SMTPD:-}" ]; then
		printf '%s\n' "$PF_EXTRA_SMTPD" | while read -r _p _m; do
			[ -n "$_p" ] || continue
			printf '127.0.0.1:%s inet n - n - - smtpd -o smtpd_milters=%s\n' \
			    "$_p" "${_m:-}" >> "$_d/etc/master.cf"
		done
	fi
}

# pf_start DIR SMTP_PORT MILTER [DEFAULT_ACTION]
#   MILTER in Postfix syntax (inet:127.0.0.1:PORT, unix:/path), or "" for
#   no filter; DEFAULT_ACTION is milter_default_action (accept).
#   Registers pf_stop DIR with the cleanup stack.
pf_start() {
	local _d
	_d=$1
	if ! pf_port_free "$2"; then
		echo "pf_start: port $2 is in use" >&2
		return 1
	fi
	if [ -n "${PF_EXTRA_SMTPD:-}" ]; then
		local _xp
		for _xp in $(printf '%s\n' "$PF_EXTRA_SMTPD" | awk '{print $1}'); do
			if ! pf_port_free "$_xp"; then
				echo "pf_start: port $_xp is in use" >&2
				return 1
			fi
		done
	fi
	pf_write_config "$@" || return 1
	# postfix and nobody must reach data/, queue/ and mail/ (mktemp -d
	# makes 0700 directories)
	chmod 755 "$_d"
	chown postfix "$_d/data"
	chown nobody:nogroup "$_d/mail" 2>/dev/null || chown nobody "$_d/mail"
	: > "$_d/maillog"
	cleanup_push "pf_stop '$_d'"
	if ! postfix -c "$_d/etc" set-permissions >"$_d/set-permissions.out" 2>&1; then
		echo "pf_start: postfix set-permissions failed:" >&2
		cat "$_d/set-permissions.out" >&2
		return 1
	fi
	if ! postfix -c "$_d/etc" check >"$_d/check.out" 2>&1; then
		echo "pf_start: postfix check failed:" >&2
		cat "$_d/check.out" >&2
		return 1
	fi
	if ! postfix -c "$_d/etc" start >"$_d/start.out" 2>&1; then
		echo "pf_start: postfix start failed:" >&2
		cat "$_d/start.out" "$_d/maillog" >&2
		return 1
	fi
	if ! pf_wait_port "$2" "$PF_MASTER_TIMEOUT"; then
		echo "pf_start: smtpd does not listen on 127.0.0.1:$2" >&2
		cat "$_d/maillog" >&2
		return 1
	fi
	# smtpd answers with its banner once master accepts
	pf_wait_banner "$2" 10
}

# pf_wait_banner PORT [SECS]: wait for a 220 banner on 127.0.0.1:PORT.
pf_wait_banner() {
	local _n
	_n=$(( ${2:-10} * 5 ))
	while [ "$_n" -gt 0 ]; do
		if command -v timeout >/dev/null 2>&1 &&
		   timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1; head -c 3 <&3; printf 'QUIT\r\n' >&3" 2>/dev/null | grep -q '^220'; then
			return 0
		fi
		sleep 0.2
		_n=$((_n - 1))
	done
	echo "pf_wait_banner: no 220 banner on 127.0.0.1:$1" >&2
	return 1
}

# pf_running DIR: true when this instance's master runs.
pf_running() {
	local _pid
	[ -f "$1/queue/pid/master.pid" ] || return 1
	_pid=$(awk 'NR==1{print $1}' "$1/queue/pid/master.pid")
	[ -n "$_pid" ] && kill -0 "$_pid" 2>/dev/null
}

# pf_stop DIR: stop the instance (waits for its master to exit; kills
# what is left of its process group after PF_MASTER_TIMEOUT seconds).
pf_stop() {
	local _d _pid _n
	_d=$1
	[ -d "$_d/etc" ] || return 0
	pf_running "$_d" || return 0
	_pid=$(awk 'NR==1{print $1}' "$_d/queue/pid/master.pid")
	postfix -c "$_d/etc" stop >/dev/null 2>&1
	_n=$((PF_MASTER_TIMEOUT * 10))
	while kill -0 "$_pid" 2>/dev/null && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	if kill -0 "$_pid" 2>/dev/null; then
		echo "pf_stop: master $_pid still runs, killing its group" >&2
		kill -9 -- "-$_pid" 2>/dev/null || kill -9 "$_pid" 2>/dev/null
	fi
	return 0
}

# pf_postconf DIR 'name = value'...: change main.cf and reload Postfix.
pf_postconf() {
	local _d
	_d=$1
	shift
	postconf -c "$_d/etc" -e "$@" && postfix -c "$_d/etc" reload >/dev/null 2>&1
}

# pf_log DIR: the instance's log.
pf_log() {
	cat "$1/maillog"
}

# pf_log_mark DIR: print the log's current size (for pf_log_since).
pf_log_mark() {
	wc -c < "$1/maillog" | tr -d ' '
}

# pf_log_since DIR MARK: the log lines written after pf_log_mark.
pf_log_since() {
	tail -c +"$(($2 + 1))" "$1/maillog"
}

# pf_milter_warnings DIR [MARK]: log lines about milter trouble.
pf_milter_warnings() {
	if [ -n "${2:-}" ]; then pf_log_since "$1" "$2"; else pf_log "$1"; fi |
	    grep -Ei 'warning:.*milter|milter.*(error|timeout|unavailable|not responding|connect to)|fatal' || true
}

# pf_postqueue_json DIR: one JSON object per queued message (postqueue -j).
pf_postqueue_json() {
	postqueue -c "$1/etc" -j 2>/dev/null
}

# pf_queue_ids DIR [QUEUE]: queue ids, all queues or only hold/deferred/...
pf_queue_ids() {
	if [ -n "${2:-}" ]; then
		pf_postqueue_json "$1" | jq -r --arg q "$2" 'select(.queue_name == $q) | .queue_id'
	else
		pf_postqueue_json "$1" | jq -r '.queue_id'
	fi
}

# pf_queue_count DIR [QUEUE]
pf_queue_count() {
	pf_queue_ids "$@" | grep -c . || true
}

# pf_postcat DIR ID: the queued message (headers and body only).
pf_postcat() {
	postcat -c "$1/etc" -h -b -q "$2" 2>/dev/null
}

# pf_release DIR ID: take a held message out of hold and deliver it now
# (postsuper -H alone moves it to deferred, which waits queue_run_delay).
pf_release() {
	postsuper -c "$1/etc" -H "$2" >/dev/null 2>&1 &&
	    postqueue -c "$1/etc" -i "$2" >/dev/null 2>&1
}

# pf_flush DIR: attempt delivery of everything deferred now.
pf_flush() {
	postqueue -c "$1/etc" -f >/dev/null 2>&1
}

# pf_delete_all DIR: empty the queue (all queues, also hold).
pf_delete_all() {
	postsuper -c "$1/etc" -d ALL >/dev/null 2>&1
}

# pf_maildir DIR ADDRESS: the Maildir of a recipient.
pf_maildir() {
	local _a
	_a=$(printf '%s' "$2" | tr 'A-Z' 'a-z')
	echo "$1/mail/${_a#*@}/${_a%%@*}"
}

# pf_mail_count DIR ADDRESS: messages delivered to ADDRESS so far.
pf_mail_count() {
	local _m
	_m=$(pf_maildir "$1" "$2")
	if [ -d "$_m/new" ]; then
		find "$_m/new" "$_m/cur" -type f 2>/dev/null | wc -l | tr -d ' '
	else
		echo 0
	fi
}

# pf_mail_files DIR ADDRESS: delivered message files, oldest first.
pf_mail_files() {
	local _m
	_m=$(pf_maildir "$1" "$2")
	[ -d "$_m/new" ] || return 0
	ls -1tr "$_m/new"/* 2>/dev/null
}

# pf_mail_find DIR ADDRESS MESSAGE-ID: the delivered file that has this
# Message-ID (the part between < and >, or all of it), or nothing.
pf_mail_find() {
	local _m
	_m=$(pf_maildir "$1" "$2")
	[ -d "$_m/new" ] || return 0
	grep -ilF -- "$3" "$_m/new"/* 2>/dev/null | head -n 1
}

# pf_wait_mail DIR ADDRESS [COUNT] [SECS]: wait until ADDRESS has at
# least COUNT (1) delivered messages; false after SECS (20).
pf_wait_mail() {
	local _want _n
	_want=${3:-1}
	_n=$(( ${4:-20} * 10 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(pf_mail_count "$1" "$2")" -ge "$_want" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# pf_wait_mail_id DIR ADDRESS MESSAGE-ID [SECS]: wait for one message;
# prints its file.
pf_wait_mail_id() {
	local _n _f
	_n=$(( ${4:-20} * 10 ))
	while [ "$_n" -gt 0 ]; do
		_f=$(pf_mail_find "$1" "$2" "$3")
		if [ -n "$_f" ]; then
			echo "$_f"
			return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# pf_wait_queue DIR QUEUE COUNT [SECS]: wait until QUEUE (hold, deferred,
# active, incoming, maildrop; "" for all) holds exactly COUNT messages.
pf_wait_queue() {
	local _n
	_n=$(( ${4:-20} * 10 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(pf_queue_count "$1" "$2")" -eq "$3" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# pf_wait_log DIR REGEX [SECS] [MARK]: wait for a log line (ERE).
pf_wait_log() {
	local _n
	_n=$(( ${3:-20} * 10 ))
	while [ "$_n" -gt 0 ]; do
		if [ -n "${4:-}" ]; then
			pf_log_since "$1" "$4" | grep -Eq -- "$2" && return 0
		else
			grep -Eq -- "$2" "$1/maillog" && return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# pf_smtp_send DIR FILE FROM TO... : send FILE over SMTP to this
# instance (to PF_PORT when set, else the first smtpd of master.cf);
# prints swaks's transcript; exit status 0 when accepted (250).
pf_smtp_send() {
	local _d _f _from _to
	_d=$1 _f=$2 _from=$3
	shift 3
	_to=$(printf '%s,' "$@")
	_to=${_to%,}
	swaks --server 127.0.0.1 --port "${PF_PORT:-$(pf_smtp_port "$_d")}" \
	    --helo client.test.example --from "$_from" --to "$_to" \
	    --data "@$_f" --timeout 60 --hide-informational 2>&1
}

# pf_smtp_port DIR: the port smtpd listens on.
pf_smtp_port() {
	awk '$2 == "inet" && $1 ~ /^127\.0\.0\.1:/ { sub(/^127\.0\.0\.1:/, "", $1); print $1; exit }' "$1/etc/master.cf"
}

# pf_sendmail DIR FILE FROM TO...: submit FILE with this instance's
# sendmail(1) (pickup + non_smtpd_milters).
pf_sendmail() {
	local _d _f _from
	_d=$1 _f=$2 _from=$3
	shift 3
	sendmail -C "$_d/etc" -i -f "$_from" -- "$@" < "$_f"
}
