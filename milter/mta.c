/*
 * mta.c - the MTA's queue commands (see mta.h).
 *
 * Safety rules, in the order a request meets them:
 *  - a queue id reaches a command only after mta_validate_id(), and
 *    only as one element of an argument vector: there is no shell;
 *  - an id is acted on only when the MTA lists it as held, and the
 *    command itself is limited to held mail where the MTA allows it
 *    (postsuper -d ID hold), so care-review never deletes mail that no
 *    filter stopped, whatever id it is given;
 *  - commands are found in $PATH and then in the usual system folders,
 *    run with posix_spawn(), their output read up to a bound and
 *    within a time limit, and their exit status checked;
 *  - Postfix's tools report "0 messages" with exit status 0 for an id
 *    they did not find, so their counts are read too.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mta.h"
#include "util.h"

extern char **environ;

#define MTA_TIMEOUT_MS (120 * 1000)	/* one command, start to exit */
#define MTA_LIST_MAX (16u << 20)	/* bytes of queue listing */
#define MTA_FETCH_MAX (64u << 20)	/* bytes of one message */
#define MTA_STDERR_MAX (16u << 10)	/* bytes of a tool's complaints */
#define MTA_JSON_DEPTH 16
#define MTA_SENDMAIL_CF "/etc/mail/sendmail.cf"
#define MTA_SENDMAIL_QDIR "/var/spool/mqueue"

/* Searched after $PATH: the tools live in sbin, often not in a user's PATH. */
static const char mta_fallback_path[] = "/usr/sbin:/usr/bin:/sbin:/bin";

struct mta {
	int kind;		/* MTA_POSTFIX or MTA_SENDMAIL */
	char *postfix_dir;	/* PostfixConfigDir */
	char *sendmail;		/* SendmailPath */
	int timeout_ms;
};

/* What one command did. */
struct mta_run {
	int status;		/* exit status, or -1 when killed */
	struct strbuf out;	/* stdout, up to the bound */
	struct strbuf errout;	/* stderr, up to MTA_STDERR_MAX */
	int timed_out;
};

/* ---- ids ------------------------------------------------------------ */

/* ASCII only, whatever the locale: ids are protocol tokens. */
static int
mta_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
mta_is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Postfix's long queue ids use 52 digits: 0-9 and the consonants
 * (its 'z' is also the separator between time and inode parts). */
static int
mta_is_base52(int c)
{
	return mta_is_digit(c) ||
	    (mta_is_alpha(c) && strchr("AEIOUaeiou", c) == NULL);
}

int
mta_validate_id(const char *id)
{
	size_t n, hex = 0, b52 = 0, alnum = 0;

	if (id == NULL)
		return MTA_BAD_ID;
	for (n = 0; id[n] != '\0'; n++) {
		int c = (unsigned char)id[n];

		if (n >= MTA_ID_MAX)
			return MTA_BAD_ID;
		hex += mta_is_digit(c) || (c >= 'A' && c <= 'F');
		b52 += mta_is_base52(c);
		alnum += mta_is_digit(c) || mta_is_alpha(c);
	}
	if (n >= 6 && hex == n)
		return 0;	/* Postfix short id */
	if (n >= 10 && b52 == n)
		return 0;	/* Postfix long id */
	if (n >= 8 && n <= 20 && alnum == n)
		return 0;	/* Sendmail */
	return MTA_BAD_ID;
}

/* ---- life cycle ----------------------------------------------------- */

struct mta *
mta_open(const struct config *cf)
{
	struct mta *m = xcalloc(1, sizeof(*m));

	m->kind = cf->mta;
	m->postfix_dir = xstrdup(cf->postfix_config_dir && *cf->postfix_config_dir
	    ? cf->postfix_config_dir : "/etc/postfix");
	m->sendmail = xstrdup(cf->sendmail_path && *cf->sendmail_path
	    ? cf->sendmail_path : "/usr/sbin/sendmail");
	m->timeout_ms = MTA_TIMEOUT_MS;
	return m;
}

void
mta_close(struct mta *m)
{
	if (m == NULL)
		return;
	free(m->postfix_dir);
	free(m->sendmail);
	free(m);
}

void
mta_held_free(struct mta_held *list, size_t count)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		free(list[i].sender);
		str_list_free(list[i].rcpts);
		free(list[i].reason);
	}
	free(list);
}

/* ---- running a command ---------------------------------------------- */

/* Find 'name' in $PATH, then in the system folders.  A name with a
 * slash is taken as it is.  Returns a malloc'd path or NULL. */
static char *
mta_which(const char *name)
{
	const char *env = getenv("PATH");
	char *path = xasprintf("%s:%s", env && *env ? env : "", mta_fallback_path);
	char *found = NULL;

	if (strchr(name, '/')) {
		free(path);
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	}
	for (char *dir = path, *next; dir && !found; dir = next) {
		next = strchr(dir, ':');
		if (next)
			*next++ = '\0';
		if (*dir != '/')
			continue;	/* never a relative folder */
		char *cand = xasprintf("%s/%s", dir, name);
		struct stat st;

		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			found = cand;
		else
			free(cand);
	}
	free(path);
	return found;
}

static const char *
mta_basename(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The last non-empty line of a tool's stderr, for error messages. */
static void
mta_last_line(const struct strbuf *sb, char *buf, size_t size)
{
	size_t end = sb->len;

	buf[0] = '\0';
	while (end && (sb->s[end - 1] == '\n' || sb->s[end - 1] == '\r'))
		end--;
	size_t start = end;

	while (start && sb->s[start - 1] != '\n')
		start--;
	if (end > start)
		snprintf(buf, size, "%.*s", (int)(end - start), sb->s + start);
}

static void
mta_run_free(struct mta_run *r)
{
	sb_free(&r->out);
	sb_free(&r->errout);
}

/* Read once from non-blocking fd into sb; past sb's limit the bytes
 * are read and dropped, so the child never blocks on a full pipe.
 * Returns 0 at end of file (or an error), 1 after reading, 2 when
 * nothing is there now. */
static int
mta_drain(int fd, struct strbuf *sb)
{
	char buf[65536];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR ? 1 : errno == EAGAIN ? 2 : 0;
	if (n == 0)
		return 0;
	sb_append(sb, buf, (size_t)n);
	return 1;
}

/*
 * Run argv[0] (found with mta_which) with argv, feeding 'in' to its
 * stdin.  'as_root': the tool needs root, so when we are not root it
 * runs through "sudo -n".  On return r->status is the exit status;
 * the return value is MTA_OK when the command ran to its end (whatever
 * its status), MTA_ERROR with err set when it could not be run, timed
 * out, or wrote more than 'limit' bytes.
 */
static int
mta_spawn(const struct mta *m, char *const *argv, const char *in,
    size_t inlen, size_t limit, int as_root, struct mta_run *r,
    struct care_err *err)
{
	char *prog = NULL, *sudo = NULL, **av = NULL;
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	posix_spawn_file_actions_t fa;
	struct sigaction ign, old;
	pid_t pid;
	int rc = MTA_ERROR, fa_ok = 0, sig_set = 0;
	size_t argc = 0, off = 0;

	sb_init(&r->out, limit);
	sb_init(&r->errout, MTA_STDERR_MAX);
	r->status = -1;
	r->timed_out = 0;
	if ((prog = mta_which(argv[0])) == NULL) {
		care_err_set(err, NULL, 0, "%s: not found (searched $PATH and %s)",
		    mta_basename(argv[0]), mta_fallback_path);
		return MTA_ERROR;
	}
	while (argv[argc])
		argc++;
	av = xcalloc(argc + 4, sizeof(*av));
	if (as_root && geteuid() != 0) {
		if ((sudo = mta_which("sudo")) == NULL) {
			care_err_set(err, NULL, 0, "%s needs root, and sudo: not found",
			    mta_basename(argv[0]));
			goto out;
		}
		/* -n: fail rather than ask for a password nobody will type. */
		av[off++] = sudo;
		av[off++] = "-n";
		av[off++] = "--";
	}
	av[off++] = prog;
	for (size_t i = 1; i < argc; i++)
		av[off++] = argv[i];
	av[off] = NULL;

	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0 ||
	    (in && pipe2(pin, O_CLOEXEC) < 0)) {
		care_err_set(err, NULL, 0, "%s: pipe: %s", mta_basename(prog),
		    strerror(errno));
		goto out;
	}
	if (posix_spawn_file_actions_init(&fa) != 0) {
		care_err_set(err, NULL, 0, "%s: out of resources", mta_basename(prog));
		goto out;
	}
	fa_ok = 1;
	if ((in ? posix_spawn_file_actions_adddup2(&fa, pin[0], 0)
	    : posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, pout[1], 1) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, perr[1], 2) != 0) {
		care_err_set(err, NULL, 0, "%s: cannot set up its descriptors",
		    mta_basename(prog));
		goto out;
	}
	/* A child that exits before reading its input must not kill us. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	if (sigaction(SIGPIPE, &ign, &old) == 0)
		sig_set = 1;
	int e = posix_spawn(&pid, av[0], &fa, NULL, av, environ);

	if (e != 0) {
		care_err_set(err, NULL, 0, "%s: cannot run: %s", mta_basename(prog),
		    strerror(e));
		goto out;
	}
	close(pout[1]);
	close(perr[1]);
	pout[1] = perr[1] = -1;
	if (in) {
		close(pin[0]);
		pin[0] = -1;
		if (fcntl(pin[1], F_SETFL, O_NONBLOCK) < 0)
			log_msg(LOG_LEVEL_WARNING, "mta: fcntl: %s", strerror(errno));
		if (inlen == 0) {
			close(pin[1]);
			pin[1] = -1;
		}
	}

	/* Read until the child exits: a tool that leaves a daemon behind
	 * (sendmail -q forks its queue runner) must not keep us waiting on
	 * the pipes that daemon inherited. */
	if (fcntl(pout[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(perr[0], F_SETFL, O_NONBLOCK) < 0)
		log_msg(LOG_LEVEL_WARNING, "mta: fcntl: %s", strerror(errno));
	double deadline = now_ms() + m->timeout_ms;
	size_t sent = 0;
	int open_out = 1, open_err = 1, st = -1, exited = 0;

	while (!exited) {
		struct pollfd pf[3];
		int nf = 0, io = -1, ie = -1, ii = -1;
		double left = deadline - now_ms();

		if (left <= 0) {
			r->timed_out = 1;
			break;
		}
		if (open_out) {
			pf[nf] = (struct pollfd){pout[0], POLLIN, 0};
			io = nf++;
		}
		if (open_err) {
			pf[nf] = (struct pollfd){perr[0], POLLIN, 0};
			ie = nf++;
		}
		if (pin[1] >= 0) {
			pf[nf] = (struct pollfd){pin[1], POLLOUT, 0};
			ii = nf++;
		}
		/* Short naps: the exit is noticed by waitpid, not by poll. */
		int n = poll(pf, (nfds_t)nf, left < 50 ? (int)left + 1 : 50);

		if (n < 0 && errno != EINTR)
			break;
		if (io >= 0 && pf[io].revents)
			while ((open_out = mta_drain(pout[0], &r->out)) == 1)
				;
		if (ie >= 0 && pf[ie].revents)
			while ((open_err = mta_drain(perr[0], &r->errout)) == 1)
				;
		if (ii >= 0 && pf[ii].revents) {
			ssize_t w = 0;
			int gone = !(pf[ii].revents & POLLOUT);	/* it closed stdin */

			if (!gone && (w = write(pin[1], in + sent, inlen - sent)) > 0)
				sent += (size_t)w;
			if (gone || (w < 0 && errno != EAGAIN && errno != EINTR) ||
			    sent == inlen) {
				close(pin[1]);
				pin[1] = -1;
			}
		}
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid || (w < 0 && errno != EINTR)) {
			exited = 1;
			/* What it wrote before exiting is still in the pipes. */
			while (open_out && (open_out = mta_drain(pout[0], &r->out)) == 1)
				;
			while (open_err && (open_err = mta_drain(perr[0], &r->errout)) == 1)
				;
		}
	}
	if (!exited) {
		kill(pid, SIGTERM);
		usleep(200 * 1000);
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	r->status = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (r->timed_out)
		care_err_set(err, NULL, 0, "%s: no answer within %d seconds, stopped",
		    mta_basename(prog), m->timeout_ms / 1000);
	else if (r->out.overflow)
		care_err_set(err, NULL, 0, "%s: output larger than %zu bytes",
		    mta_basename(prog), limit);
	else if (in && sent < inlen && r->status == 0)
		care_err_set(err, NULL, 0, "%s: took %zu of %zu bytes", mta_basename(prog),
		    sent, inlen);
	else if (st >= 0 && WIFSIGNALED(st)) {
		care_err_set(err, NULL, 0, "%s: killed by signal %d", mta_basename(prog),
		    WTERMSIG(st));
	} else
		rc = MTA_OK;
out:
	if (sig_set)
		sigaction(SIGPIPE, &old, NULL);
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	free(av);
	free(prog);
	free(sudo);
	return rc;
}

/* Run and require exit status 0; the error quotes the tool. */
static int
mta_spawn_ok(const struct mta *m, char *const *argv, const char *in,
    size_t inlen, size_t limit, int as_root, struct mta_run *r,
    const char *what, struct care_err *err)
{
	char line[300];

	if (mta_spawn(m, argv, in, inlen, limit, as_root, r, err) < 0)
		return MTA_ERROR;
	if (r->status == 0)
		return MTA_OK;
	mta_last_line(&r->errout, line, sizeof(line));
	if (as_root && geteuid() != 0 && strstr(line, "sudo") != NULL)
		care_err_set(err, NULL, 0, "%s: %s needs root: %s (see care-review(1), "
		    "PERMISSIONS)", what, mta_basename(argv[0]), line);
	else
		care_err_set(err, NULL, 0, "%s: MTA not reachable or refused: %s "
		    "exited %d%s%s", what, mta_basename(argv[0]), r->status,
		    line[0] ? ": " : "", line);
	return MTA_ERROR;
}

/* ---- postqueue -j: a small JSON reader ------------------------------ */

/*
 * Exactly as much JSON as postqueue -j prints: one object per line,
 * with strings, numbers, booleans, null, arrays and nested objects.
 * Anything malformed is an error, never a guess; depth is bounded.
 */
struct json {
	const char *p, *end;
	int depth;
	const char *why;
};

static void
json_ws(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int
json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0) {
		j->why = "bad literal";
		return -1;
	}
	j->p += n;
	return 0;
}

static void
json_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];

	if (cp < 0x80) {
		sb_putc(sb, (char)cp);
		return;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		sb_append(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		sb_append(sb, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		sb_append(sb, b, 4);
	}
}

static int
json_hex4(struct json *j, unsigned long *out)
{
	unsigned long v = 0;

	if (j->end - j->p < 4) {
		j->why = "short \\u escape";
		return -1;
	}
	for (int i = 0; i < 4; i++) {
		int c = (unsigned char)*j->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned long)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned long)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned long)(c - 'A' + 10);
		else {
			j->why = "bad \\u escape";
			return -1;
		}
	}
	*out = v;
	return 0;
}

/* A string; 'out' NULL skips it. */
static int
json_string(struct json *j, struct strbuf *out)
{
	struct strbuf dummy;

	sb_init(&dummy, 1);
	if (out == NULL)
		out = &dummy;
	if (j->p >= j->end || *j->p != '"') {
		j->why = "string expected";
		return -1;
	}
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;

		if (c < 0x20) {
			j->why = "control character in string";
			goto bad;
		}
		if (c != '\\') {
			sb_putc(out, (char)c);
			j->p++;
			continue;
		}
		if (++j->p >= j->end)
			break;
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/': sb_putc(out, (char)c); break;
		case 'b': sb_putc(out, '\b'); break;
		case 'f': sb_putc(out, '\f'); break;
		case 'n': sb_putc(out, '\n'); break;
		case 'r': sb_putc(out, '\r'); break;
		case 't': sb_putc(out, '\t'); break;
		case 'u': {
			unsigned long cp, lo;

			if (json_hex4(j, &cp) < 0)
				goto bad;
			if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 &&
			    j->p[0] == '\\' && j->p[1] == 'u') {
				const char *save = j->p;

				j->p += 2;
				if (json_hex4(j, &lo) < 0)
					goto bad;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					j->p = save;
			}
			if (cp >= 0xD800 && cp <= 0xDFFF)
				cp = 0xFFFD;	/* a lone surrogate */
			json_utf8(out, cp);
			break;
		}
		default:
			j->why = "bad escape";
			goto bad;
		}
	}
	if (j->p >= j->end) {
		j->why = "unterminated string";
		goto bad;
	}
	j->p++;
	sb_free(&dummy);
	return 0;
bad:
	sb_free(&dummy);
	return -1;
}

static int
json_number(struct json *j, long long *out)
{
	char buf[64];
	size_t n = 0;

	while (j->p + n < j->end && n < sizeof(buf) - 1 &&
	    strchr("+-0123456789.eE", j->p[n]))
		n++;
	if (n == 0 || n == sizeof(buf) - 1) {
		j->why = "bad number";
		return -1;
	}
	memcpy(buf, j->p, n);
	buf[n] = '\0';
	j->p += n;
	errno = 0;
	char *end;
	double d = strtod(buf, &end);

	if (*end || errno) {
		j->why = "bad number";
		return -1;
	}
	if (out)
		*out = d > 9e18 ? 0 : d < -9e18 ? 0 : (long long)d;
	return 0;
}

static int json_skip(struct json *j);

/* Walk an object, calling 'field' for each key; it consumes the value
 * (or returns 0 to have it skipped). */
static int
json_object(struct json *j, int (*field)(struct json *, const char *, void *),
    void *arg)
{
	struct strbuf key;

	if (++j->depth > MTA_JSON_DEPTH) {
		j->why = "nested too deep";
		return -1;
	}
	json_ws(j);
	if (j->p >= j->end || *j->p != '{') {
		j->why = "object expected";
		return -1;
	}
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		j->depth--;
		return 0;
	}
	sb_init(&key, 256);
	for (;;) {
		sb_reset(&key);
		json_ws(j);
		if (json_string(j, &key) < 0)
			goto bad;
		json_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			j->why = "':' expected";
			goto bad;
		}
		j->p++;
		json_ws(j);
		int used = field ? field(j, key.s ? key.s : "", arg) : 0;

		if (used < 0 || (used == 0 && json_skip(j) < 0))
			goto bad;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			break;
		}
		j->why = "',' or '}' expected";
		goto bad;
	}
	sb_free(&key);
	j->depth--;
	return 0;
bad:
	sb_free(&key);
	return -1;
}

/* Walk an array, calling 'elem' for each element (or skipping it). */
static int
json_array(struct json *j, int (*elem)(struct json *, void *), void *arg)
{
	if (++j->depth > MTA_JSON_DEPTH) {
		j->why = "nested too deep";
		return -1;
	}
	if (j->p >= j->end || *j->p != '[') {
		j->why = "array expected";
		return -1;
	}
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		json_ws(j);
		if ((elem ? elem(j, arg) : json_skip(j)) < 0)
			return -1;
		json_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			break;
		}
		j->why = "',' or ']' expected";
		return -1;
	}
	j->depth--;
	return 0;
}

static int
json_skip(struct json *j)
{
	json_ws(j);
	if (j->p >= j->end) {
		j->why = "value expected";
		return -1;
	}
	switch (*j->p) {
	case '"': return json_string(j, NULL);
	case '{': return json_object(j, NULL, NULL);
	case '[': return json_array(j, NULL, NULL);
	case 't': return json_lit(j, "true");
	case 'f': return json_lit(j, "false");
	case 'n': return json_lit(j, "null");
	default: return json_number(j, NULL);
	}
}

/* One postqueue -j record as it is read. */
struct pq_rec {
	struct strbuf queue_name, queue_id, sender;
	long long arrival, size;
	char **rcpts;
	size_t nrcpts, cap;
	struct strbuf addr;	/* scratch for a recipient */
};

static int
pq_rcpt_field(struct json *j, const char *key, void *arg)
{
	struct pq_rec *r = arg;

	if (strcmp(key, "address") != 0)
		return 0;
	sb_reset(&r->addr);
	return json_string(j, &r->addr) < 0 ? -1 : 1;
}

static int
pq_rcpt(struct json *j, void *arg)
{
	struct pq_rec *r = arg;

	sb_init(&r->addr, 4096);
	if (json_object(j, pq_rcpt_field, r) < 0) {
		sb_free(&r->addr);
		return -1;
	}
	if (r->addr.s) {
		if (r->nrcpts + 1 >= r->cap) {
			r->cap = r->cap ? r->cap * 2 : 4;
			r->rcpts = xrealloc(r->rcpts, r->cap * sizeof(*r->rcpts));
		}
		r->rcpts[r->nrcpts++] = sb_steal(&r->addr);
		r->rcpts[r->nrcpts] = NULL;
	}
	sb_free(&r->addr);
	return 0;
}

static int
pq_field(struct json *j, const char *key, void *arg)
{
	struct pq_rec *r = arg;

	if (strcmp(key, "queue_name") == 0)
		return json_string(j, &r->queue_name) < 0 ? -1 : 1;
	if (strcmp(key, "queue_id") == 0)
		return json_string(j, &r->queue_id) < 0 ? -1 : 1;
	if (strcmp(key, "sender") == 0)
		return json_string(j, &r->sender) < 0 ? -1 : 1;
	if (strcmp(key, "arrival_time") == 0)
		return json_number(j, &r->arrival) < 0 ? -1 : 1;
	if (strcmp(key, "message_size") == 0)
		return json_number(j, &r->size) < 0 ? -1 : 1;
	if (strcmp(key, "recipients") == 0)
		return json_array(j, pq_rcpt, r) < 0 ? -1 : 1;
	return 0;
}

static void
held_push(struct mta_held **list, size_t *count, size_t *cap,
    const struct mta_held *h)
{
	if (*count == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*list = xrealloc(*list, *cap * sizeof(**list));
	}
	(*list)[(*count)++] = *h;
}

static int
held_cmp(const void *a, const void *b)
{
	const struct mta_held *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
mta_parse_postqueue(const char *out, size_t len, struct mta_held **list,
    size_t *count, struct care_err *err)
{
	size_t cap = 0, lineno = 0;
	const char *p = out, *end = out + len;

	*list = NULL;
	*count = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		struct json j = {p, le, 0, NULL};
		struct pq_rec r;

		lineno++;
		p = nl ? nl + 1 : end;
		json_ws(&j);
		if (j.p == j.end)
			continue;
		memset(&r, 0, sizeof(r));
		sb_init(&r.queue_name, 64);
		sb_init(&r.queue_id, 64);
		sb_init(&r.sender, 4096);
		r.size = -1;
		int bad = json_object(&j, pq_field, &r) < 0;

		if (!bad) {
			json_ws(&j);
			if (j.p != j.end) {
				j.why = "text after the object";
				bad = 1;
			}
		}
		if (bad) {
			care_err_set(err, NULL, 0, "postqueue -j: line %zu: %s", lineno,
			    j.why ? j.why : "malformed");
		} else if (r.queue_name.s && strcmp(r.queue_name.s, "hold") == 0) {
			struct mta_held h;

			memset(&h, 0, sizeof(h));
			if (r.queue_id.s == NULL || mta_validate_id(r.queue_id.s) < 0) {
				/* Never hand on an id we would refuse from a user. */
				log_msg(LOG_LEVEL_WARNING, "postqueue -j: line %zu: "
				    "queue id refused", lineno);
			} else {
				memcpy(h.id, r.queue_id.s, strlen(r.queue_id.s) + 1);
				h.arrival = (time_t)r.arrival;
				h.size = (long)r.size;
				h.sender = r.sender.s ? sb_steal(&r.sender) : xstrdup("");
				if (r.rcpts == NULL)
					r.rcpts = xcalloc(1, sizeof(*r.rcpts));
				h.rcpts = r.rcpts;
				h.nrcpts = r.nrcpts;
				r.rcpts = NULL;
				held_push(list, count, &cap, &h);
			}
		}
		sb_free(&r.queue_name);
		sb_free(&r.queue_id);
		sb_free(&r.sender);
		str_list_free(r.rcpts);
		if (bad) {
			mta_held_free(*list, *count);
			*list = NULL;
			*count = 0;
			return MTA_ERROR;
		}
	}
	if (*count > 1)
		qsort(*list, *count, sizeof(**list), held_cmp);
	return MTA_OK;
}

/* ---- mailq -qQ (Sendmail) ------------------------------------------- */

static time_t
mailq_time(const char *mon, const char *day, const char *hm, time_t now)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *mp = strlen(mon) == 3 ? strstr(months, mon) : NULL;
	struct tm tm, nowtm;
	int hh, mm;

	if (mp == NULL || (mp - months) % 3 || sscanf(hm, "%d:%d", &hh, &mm) != 2)
		return 0;
	localtime_r(&now, &nowtm);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = nowtm.tm_year;
	tm.tm_mon = (int)((mp - months) / 3);
	tm.tm_mday = atoi(day);
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);

	/* mailq prints no year: a date ahead of now is last year's. */
	if (t > now + 86400) {
		tm.tm_year--;
		tm.tm_isdst = -1;
		t = mktime(&tm);
	}
	return t;
}

static char *
mailq_addr(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '<') {
		s++;
		n = strcspn(s, ">");
	} else
		n = strcspn(s, " \t");
	return xstrndup(s, n);
}

/*
 *		/var/spool/mqueue (1 request)
 * -----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------
 * 0ANAbcde012345     1234 Mon Nov 23 04:31 <agent@example.com>
 *      QUARANTINE: care-milter: missing empathy
 *                                          <customer@example.net>
 *		Total requests: 1
 */
int
mta_parse_mailq(const char *out, size_t len, time_t now,
    struct mta_held **list, size_t *count, struct care_err *err)
{
	size_t cap = 0;
	const char *p = out, *end = out + len;
	struct mta_held *cur = NULL;
	size_t rcap = 0;

	(void)err;
	*list = NULL;
	*count = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line = xstrndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));

		p = nl ? nl + 1 : end;
		if (line[0] != ' ' && line[0] != '\t') {
			char id[64], size[32], wd[8], mon[8], day[8], hm[8];
			int used = 0;

			cur = NULL;
			if (sscanf(line, "%63s %31s %7s %7s %7s %7s %n", id, size, wd, mon,
			    day, hm, &used) == 6 && used > 0) {
				size_t n = strlen(id);

				/* "*" running, "X" load too high, "-" too young */
				while (n && !isalnum((unsigned char)id[n - 1]))
					id[--n] = '\0';
				if (mta_validate_id(id) == 0 && isdigit((unsigned char)size[0])) {
					struct mta_held h;

					memset(&h, 0, sizeof(h));
					memcpy(h.id, id, n + 1);
					h.size = strtol(size, NULL, 10);
					h.arrival = mailq_time(mon, day, hm, now);
					h.sender = mailq_addr(line + used);
					h.rcpts = xcalloc(1, sizeof(*h.rcpts));
					held_push(list, count, &cap, &h);
					cur = &(*list)[*count - 1];
					rcap = 1;
				}
			}
		} else if (cur) {
			char *s = line;

			while (*s == ' ' || *s == '\t')
				s++;
			if (*s == '/' || strncmp(s, "Total requests", 14) == 0) {
				cur = NULL;	/* a queue folder's heading or total */
			} else if (strncmp(s, "QUARANTINE:", 11) == 0) {
				free(cur->reason);
				cur->reason = xstrdup(str_trim(s + 11));
			} else if (*s && *s != '(') {	/* (status) lines */
				if (cur->nrcpts + 1 >= rcap) {
					rcap *= 2;
					cur->rcpts = xrealloc(cur->rcpts, rcap * sizeof(char *));
				}
				cur->rcpts[cur->nrcpts++] = mailq_addr(s);
				cur->rcpts[cur->nrcpts] = NULL;
			}
		}
		free(line);
	}
	if (*count > 1)
		qsort(*list, *count, sizeof(**list), held_cmp);
	return MTA_OK;
}

/* ---- listing -------------------------------------------------------- */

int
mta_list_held(struct mta *m, struct mta_held **list, size_t *count,
    struct care_err *err)
{
	struct mta_run r;
	int rc;

	*list = NULL;
	*count = 0;
	if (m->kind == MTA_POSTFIX) {
		char *argv[] = {"postqueue", "-c", m->postfix_dir, "-j", NULL};

		rc = mta_spawn_ok(m, argv, NULL, 0, MTA_LIST_MAX, 0, &r,
		    "listing the hold queue", err);
		if (rc == MTA_OK)
			rc = mta_parse_postqueue(r.out.s ? r.out.s : "", r.out.len,
			    list, count, err);
	} else {
		char *argv[] = {m->sendmail, "-bp", "-qQ", NULL};

		rc = mta_spawn_ok(m, argv, NULL, 0, MTA_LIST_MAX, 1, &r,
		    "listing the quarantine", err);
		if (rc == MTA_OK)
			rc = mta_parse_mailq(r.out.s ? r.out.s : "", r.out.len,
			    time(NULL), list, count, err);
	}
	mta_run_free(&r);
	return rc;
}

static char **
strv_dup(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	char **c = xcalloc(n + 1, sizeof(*c));

	for (size_t i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

int
mta_find_held(struct mta *m, const char *id, struct mta_held **out,
    struct care_err *err)
{
	struct mta_held *list;
	size_t n;
	int rc;

	if (out)
		*out = NULL;
	if (mta_validate_id(id) < 0) {
		care_err_set(err, NULL, 0, "invalid queue id");
		return MTA_BAD_ID;
	}
	if ((rc = mta_list_held(m, &list, &n, err)) < 0)
		return rc;
	rc = MTA_NOT_HELD;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0) {
			if (out) {
				struct mta_held *h = xcalloc(1, sizeof(*h));

				*h = list[i];
				h->sender = xstrdup(list[i].sender);
				h->rcpts = strv_dup(list[i].rcpts);
				h->reason = list[i].reason ? xstrdup(list[i].reason) : NULL;
				*out = h;
			}
			rc = MTA_OK;
			break;
		}
	mta_held_free(list, n);
	if (rc == MTA_NOT_HELD)
		care_err_set(err, NULL, 0, "queue id %s not found among held messages", id);
	return rc;
}

/* Check before acting: a valid id of a held message. */
static int
mta_check_held(struct mta *m, const char *id, struct care_err *err)
{
	return mta_find_held(m, id, NULL, err);
}

/* ---- Sendmail's queue files ------------------------------------------ */

/* QueueDirectory from sendmail.cf; one folder only. */
static char *
sm_queue_dir(struct care_err *err)
{
	FILE *fp = fopen(MTA_SENDMAIL_CF, "re");
	char line[1024];
	char *dir = NULL;

	if (fp == NULL)
		return xstrdup(MTA_SENDMAIL_QDIR);
	while (fgets(line, sizeof(line), fp))
		if (strncmp(line, "O QueueDirectory=", 17) == 0) {
			free(dir);
			dir = xstrdup(str_trim(line + 17));
		}
	fclose(fp);
	if (dir == NULL)
		return xstrdup(MTA_SENDMAIL_QDIR);
	if (strchr(dir, '*') || dir[0] != '/') {
		care_err_set(err, NULL, 0, "%s: QueueDirectory %s: only one queue "
		    "folder is supported", MTA_SENDMAIL_CF, dir);
		free(dir);
		return NULL;
	}
	return dir;
}

/* The path of a queue file: DIR/<sub>/<kind>ID or DIR/<kind>ID. */
static char *
sm_queue_file(const char *dir, const char *kind, const char *id)
{
	char *p = xasprintf("%s/%.2s/%s%s", dir, kind, kind, id);

	if (access(p, F_OK) == 0)
		return p;
	free(p);
	return xasprintf("%s/%s%s", dir, kind, id);
}

/* Headers from the hf file ("H?flags?Name: value" and continuations),
 * then the body from the df file. */
static int
sm_fetch(const char *id, char **msg, size_t *len, struct care_err *err)
{
	char *dir = sm_queue_dir(err), *hf = NULL, *df = NULL, *hdata = NULL,
	    *body = NULL;
	size_t hlen = 0, blen = 0;
	struct strbuf sb;
	int rc = MTA_ERROR, in_header = 0;

	if (dir == NULL)
		return MTA_ERROR;
	hf = sm_queue_file(dir, "hf", id);
	df = sm_queue_file(dir, "df", id);
	if (file_read(hf, &hdata, &hlen, MTA_FETCH_MAX) < 0) {
		care_err_set(err, NULL, 0, "%s: %s", hf, strerror(errno));
		goto out;
	}
	if (file_read(df, &body, &blen, MTA_FETCH_MAX) < 0) {
		care_err_set(err, NULL, 0, "%s: %s", df, strerror(errno));
		goto out;
	}
	sb_init(&sb, 0);
	for (char *l = hdata, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		if (l[0] == 'H') {
			char *v = l + 1;

			if (*v == '?') {	/* conditional on mailer flags */
				char *q = strchr(v + 1, '?');

				v = q ? q + 1 : v;
			}
			sb_puts(&sb, v);
			sb_putc(&sb, '\n');
			in_header = 1;
		} else if ((l[0] == '\t' || l[0] == ' ') && in_header) {
			sb_puts(&sb, l);
			sb_putc(&sb, '\n');
		} else
			in_header = 0;
	}
	sb_putc(&sb, '\n');
	sb_append(&sb, body, blen);
	*len = sb.len;
	*msg = sb_steal(&sb);
	rc = MTA_OK;
out:
	free(hdata);
	free(body);
	free(hf);
	free(df);
	free(dir);
	return rc;
}

/* Remove one quarantined message, under the lock Sendmail takes. */
static int
sm_delete(const char *id, struct care_err *err)
{
	char *dir = sm_queue_dir(err), *hf, *df, *xf;
	int fd, rc = MTA_ERROR;

	if (dir == NULL)
		return MTA_ERROR;
	hf = sm_queue_file(dir, "hf", id);
	df = sm_queue_file(dir, "df", id);
	xf = sm_queue_file(dir, "xf", id);
	if ((fd = open(hf, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		care_err_set(err, NULL, 0, "%s: %s", hf, strerror(errno));
		goto out;
	}
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || fcntl(fd, F_SETLK, &fl) < 0) {
		care_err_set(err, NULL, 0, "queue id %s is being processed by "
		    "sendmail; try again", id);
		close(fd);
		goto out;
	}
	if ((unlink(df) < 0 && errno != ENOENT) || unlink(hf) < 0) {
		care_err_set(err, NULL, 0, "queue id %s: %s", id, strerror(errno));
		close(fd);
		goto out;
	}
	unlink(xf);
	close(fd);
	rc = MTA_OK;
out:
	free(hf);
	free(df);
	free(xf);
	free(dir);
	return rc;
}

/* ---- acting on one message ------------------------------------------ */

/* The count in "postsuper: Released from hold: 1 message", or -1. */
static long
postsuper_count(const struct strbuf *sb, const char *what)
{
	const char *p = sb->s ? strstr(sb->s, what) : NULL;

	return p ? strtol(p + strlen(what), NULL, 10) : -1;
}

int
mta_fetch(struct mta *m, const char *id, char **msg, size_t *len,
    struct care_err *err)
{
	struct mta_run r;
	int rc;

	*msg = NULL;
	*len = 0;
	if ((rc = mta_check_held(m, id, err)) < 0)
		return rc;
	if (m->kind == MTA_SENDMAIL)
		return sm_fetch(id, msg, len, err);
	/* Options before -q: postcat takes what follows as queue ids. */
	char *argv[] = {"postcat", "-c", m->postfix_dir, "-h", "-b", "-q",
	    (char *)id, NULL};

	rc = mta_spawn_ok(m, argv, NULL, 0, MTA_FETCH_MAX, 1, &r,
	    "reading the message", err);
	if (rc == MTA_OK) {
		*len = r.out.len;
		*msg = sb_steal(&r.out);
	}
	mta_run_free(&r);
	return rc;
}

int
mta_release(struct mta *m, const char *id, struct care_err *err)
{
	struct mta_run r;
	int rc;

	if ((rc = mta_check_held(m, id, err)) < 0)
		return rc;
	if (m->kind == MTA_POSTFIX) {
		char *hold[] = {"postsuper", "-c", m->postfix_dir, "-H", (char *)id, NULL};

		rc = mta_spawn_ok(m, hold, NULL, 0, MTA_STDERR_MAX, 1, &r,
		    "releasing", err);
		long n = postsuper_count(&r.errout, "Released from hold:");

		mta_run_free(&r);
		if (rc < 0)
			return rc;
		if (n == 0) {
			care_err_set(err, NULL, 0, "queue id %s not found in the hold "
			    "queue (released or deleted meanwhile?)", id);
			return MTA_NOT_HELD;
		}
		/* postsuper -H only moves it to the deferred queue, which
		 * waits for queue_run_delay; -i asks for delivery now. */
		char *now[] = {"postqueue", "-c", m->postfix_dir, "-i", (char *)id, NULL};

		if (mta_spawn_ok(m, now, NULL, 0, MTA_STDERR_MAX, 0, &r,
		    "scheduling delivery", err) < 0) {
			mta_run_free(&r);
			/* Released all the same: say so, and why it may wait. */
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			care_err_set(err, NULL, 0, "released, but delivery waits for "
			    "the next queue run: %s", why);
			return MTA_OK;
		}
		mta_run_free(&r);
		return MTA_OK;
	}
	char *qid = xasprintf("-qI%s", id);
	/* -Q without a reason lifts the quarantine of the matched items;
	 * it comes last, so sendmail reads "-Q" alone (as "-Q.").  -qI
	 * matches ids containing 'id': Sendmail's ids have one length, so
	 * a full id matches only itself. */
	char *unq[] = {m->sendmail, "-qQ", qid, "-Q", NULL};
	char *run[] = {m->sendmail, qid, NULL};

	rc = mta_spawn_ok(m, unq, NULL, 0, MTA_STDERR_MAX, 1, &r, "releasing", err);
	mta_run_free(&r);
	if (rc == MTA_OK) {
		if (mta_spawn_ok(m, run, NULL, 0, MTA_STDERR_MAX, 1, &r,
		    "delivering", err) < 0) {
			char why[sizeof(err->msg)];

			snprintf(why, sizeof(why), "%s", err->msg);
			care_err_set(err, NULL, 0, "released, but delivery waits "
			    "for the next queue run: %s", why);
		}
		mta_run_free(&r);
	}
	free(qid);
	return rc;
}

int
mta_delete(struct mta *m, const char *id, struct care_err *err)
{
	struct mta_run r;
	int rc;

	if ((rc = mta_check_held(m, id, err)) < 0)
		return rc;
	if (m->kind == MTA_SENDMAIL)
		return sm_delete(id, err);
	/* "hold": only a held copy; postsuper -d alone searches every queue. */
	char *argv[] = {"postsuper", "-c", m->postfix_dir, "-d", (char *)id,
	    "hold", NULL};

	rc = mta_spawn_ok(m, argv, NULL, 0, MTA_STDERR_MAX, 1, &r, "deleting", err);
	long n = postsuper_count(&r.errout, "Deleted:");

	mta_run_free(&r);
	if (rc == MTA_OK && n == 0) {
		care_err_set(err, NULL, 0, "queue id %s not found in the hold queue "
		    "(released or deleted meanwhile?)", id);
		return MTA_NOT_HELD;
	}
	return rc;
}

int
mta_submit(struct mta *m, const char *sender, const char *rcpt,
    const char *msg, size_t len, struct care_err *err)
{
	struct mta_run r;
	char *argv[10];
	size_t i = 0;
	int rc;

	if (rcpt == NULL || *rcpt == '\0' || strpbrk(rcpt, "\r\n") ||
	    (sender && strpbrk(sender, "\r\n"))) {
		care_err_set(err, NULL, 0, "refusing an empty or multi-line address");
		return MTA_ERROR;
	}
	argv[i++] = m->sendmail;
	if (m->kind == MTA_POSTFIX) {
		argv[i++] = "-C";
		argv[i++] = m->postfix_dir;
	}
	argv[i++] = "-f";
	argv[i++] = (char *)(sender && *sender ? sender : "<>");
	argv[i++] = "-i";
	argv[i++] = "--";	/* an address is never an option */
	argv[i++] = (char *)rcpt;
	argv[i] = NULL;
	rc = mta_spawn_ok(m, argv, msg, len, MTA_STDERR_MAX, 0, &r, "sending", err);
	mta_run_free(&r);
	return rc;
}
