/*
 * milter-load: a load generator that speaks the milter protocol (version 6)
 * to a filter the way an MTA (Postfix's milter8 client) does.
 *
 * Per connection: SMFIC_OPTNEG, then SMFIC_CONNECT and SMFIC_HELO once, then
 * for each message MAIL, RCPT, DATA, the headers, EOH, the body in chunks of
 * at most 65535 bytes and BODYEOB; the end-of-message modification requests
 * are collected until the final reply, then SMFIC_ABORT resets the filter for
 * the next message on the same connection (as Postfix does); SMFIC_QUIT at
 * the end.  Each event is preceded by its SMFIC_MACRO packet (also when the
 * filter negotiated the event itself away, as Postfix does).  Writes are
 * buffered and flushed before each read, so an event whose reply the filter
 * negotiated away (SMFIP_NR_*) travels together with the next one.
 *
 * Build: cc -std=c11 -O2 -pthread $(pkg-config --cflags milter) milter-load.c
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>

#define MAX_REPLY_LEN	(8 * 1024 * 1024)	/* refuse larger reply packets */
#define MAX_DIAG	20			/* error lines printed */

/* ------------------------------------------------------------------ */
/* Options and shared state                                            */

static const char *opt_socket;
static int opt_conns = 1;
static long opt_msgs = 1;
static const char *opt_dir;
static int opt_timeout = 10;
static double opt_duration;		/* 0: no time limit */
static double opt_wait;			/* wait for the socket to accept */
static int opt_quiet;
static int opt_json;
static int opt_verbose;
static int opt_nodelay = 1;
static uint32_t opt_offer_prot = SMFI_CURR_PROT;
static uint32_t opt_offer_act = SMFI_CURR_ACTS;

struct header {
	char *name;
	char *value;		/* continuation lines joined by "\n" */
};

struct message {
	char *path;
	struct header *hdrs;
	size_t nhdrs;
	char *body;		/* CRLF line ends */
	size_t bodylen;
	char *mailfrom;		/* "<addr>" */
	char *rcpt;		/* "<addr>" */
	size_t size;		/* on-disk size */
};

static struct message *corpus;
static size_t ncorpus;

/* reply letters we know about, for counting and printing */
static const struct {
	char code;
	const char *name;
} reply_names[] = {
	{ SMFIR_ACCEPT, "accept" },
	{ SMFIR_CONTINUE, "continue" },
	{ SMFIR_REJECT, "reject" },
	{ SMFIR_TEMPFAIL, "tempfail" },
	{ SMFIR_DISCARD, "discard" },
	{ SMFIR_REPLYCODE, "replycode" },
	{ SMFIR_SHUTDOWN, "shutdown" },
	{ SMFIR_CONN_FAIL, "conn_fail" },
	{ SMFIR_SKIP, "skip" },
	{ SMFIR_PROGRESS, "progress" },
	{ SMFIR_ADDHEADER, "addheader" },
	{ SMFIR_INSHEADER, "insheader" },
	{ SMFIR_CHGHEADER, "chgheader" },
	{ SMFIR_ADDRCPT, "addrcpt" },
	{ SMFIR_ADDRCPT_PAR, "addrcpt_par" },
	{ SMFIR_DELRCPT, "delrcpt" },
	{ SMFIR_CHGFROM, "chgfrom" },
	{ SMFIR_REPLBODY, "replbody" },
	{ SMFIR_QUARANTINE, "quarantine" },
};
#define NREPLY (sizeof reply_names / sizeof reply_names[0])

static int
reply_index(int code)
{
	for (size_t i = 0; i < NREPLY; i++)
		if (reply_names[i].code == code)
			return (int) i;
	return -1;
}

static const char *
reply_name(int code)
{
	int i = reply_index(code);
	return i < 0 ? "unknown" : reply_names[i].name;
}

static const char *
cmd_name(int cmd)
{
	switch (cmd) {
	case SMFIC_OPTNEG: return "OPTNEG";
	case SMFIC_CONNECT: return "CONNECT";
	case SMFIC_HELO: return "HELO";
	case SMFIC_MAIL: return "MAIL";
	case SMFIC_RCPT: return "RCPT";
	case SMFIC_DATA: return "DATA";
	case SMFIC_HEADER: return "HEADER";
	case SMFIC_EOH: return "EOH";
	case SMFIC_BODY: return "BODY";
	case SMFIC_BODYEOB: return "BODYEOB";
	default: return "?";
	}
}

/* the first connection's negotiation result, for the report */
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int neg_known;
static uint32_t neg_version, neg_actions, neg_prot;

static atomic_int diag_count;
static atomic_int stop_flag;
static struct timespec t_start;		/* set after the start barrier */
static pthread_barrier_t start_barrier;

static void
diag(int conn, const char *fmt, ...)
{
	int n = atomic_fetch_add(&diag_count, 1);
	if (n >= MAX_DIAG) {
		if (n == MAX_DIAG)
			fprintf(stderr, "milter-load: further errors not shown\n");
		return;
	}
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fprintf(stderr, "milter-load: conn %d: %s\n", conn, buf);
}

static void
die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("milter-load: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static double
ts_diff_ms(const struct timespec *a, const struct timespec *b)
{
	return (double) (b->tv_sec - a->tv_sec) * 1e3 +
	    (double) (b->tv_nsec - a->tv_nsec) / 1e6;
}

/* ------------------------------------------------------------------ */
/* Corpus                                                              */

/* find an address in a header value: the part in <...>, else the value */
static char *
header_addr(const char *v)
{
	const char *lt = strrchr(v, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		return xstrndup(lt, (size_t) (gt - lt + 1));
	while (*v == ' ' || *v == '\t' || *v == '\n')
		v++;
	size_t n = strcspn(v, " \t\n,;");
	if (n == 0 || memchr(v, '@', n) == NULL)
		return NULL;
	char *r = xmalloc(n + 3);
	r[0] = '<';
	memcpy(r + 1, v, n);
	r[n + 1] = '>';
	r[n + 2] = '\0';
	return r;
}

static void
load_message(struct message *m, const char *path)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		die("%s: %s", path, strerror(errno));
	char *data = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			data = xrealloc(data, cap);
		}
		size_t n = fread(data + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp))
		die("%s: read error", path);
	fclose(fp);

	memset(m, 0, sizeof *m);
	m->path = strdup(path);
	m->size = len;

	/* split into lines (LF or CRLF), headers until the first empty line */
	size_t pos = 0;
	size_t hcap = 0;
	int in_headers = 1;
	size_t bcap = len * 2 + 16;
	m->body = xmalloc(bcap);
	while (pos < len) {
		size_t eol = pos;
		while (eol < len && data[eol] != '\n')
			eol++;
		size_t end = eol;
		if (end > pos && data[end - 1] == '\r')
			end--;
		const char *line = data + pos;
		size_t llen = end - pos;
		pos = eol < len ? eol + 1 : len;
		if (in_headers) {
			if (llen == 0) {
				in_headers = 0;
				continue;
			}
			if ((line[0] == ' ' || line[0] == '\t') && m->nhdrs > 0) {
				struct header *h = &m->hdrs[m->nhdrs - 1];
				size_t ol = strlen(h->value);
				h->value = xrealloc(h->value, ol + llen + 2);
				h->value[ol] = '\n';
				memcpy(h->value + ol + 1, line, llen);
				h->value[ol + 1 + llen] = '\0';
				continue;
			}
			const char *colon = memchr(line, ':', llen);
			if (colon == NULL) {	/* not a header: body starts */
				in_headers = 0;
			} else {
				if (m->nhdrs == hcap) {
					hcap = hcap ? hcap * 2 : 16;
					m->hdrs = xrealloc(m->hdrs,
					    hcap * sizeof *m->hdrs);
				}
				size_t nl = (size_t) (colon - line);
				while (nl > 0 && (line[nl - 1] == ' ' ||
				    line[nl - 1] == '\t'))
					nl--;
				struct header *h = &m->hdrs[m->nhdrs++];
				h->name = xstrndup(line, nl);
				/* keep the value as written after the colon;
				 * the leading space is dealt with at send time
				 * (SMFIP_HDR_LEADSPC) */
				h->value = xstrndup(colon + 1,
				    llen - (size_t) (colon + 1 - line));
				continue;
			}
		}
		memcpy(m->body + m->bodylen, line, llen);
		m->bodylen += llen;
		m->body[m->bodylen++] = '\r';
		m->body[m->bodylen++] = '\n';
	}
	free(data);

	for (size_t i = 0; i < m->nhdrs; i++) {
		if (m->mailfrom == NULL &&
		    (strcasecmp(m->hdrs[i].name, "Return-Path") == 0 ||
		    strcasecmp(m->hdrs[i].name, "From") == 0))
			m->mailfrom = header_addr(m->hdrs[i].value);
		if (m->rcpt == NULL && strcasecmp(m->hdrs[i].name, "To") == 0)
			m->rcpt = header_addr(m->hdrs[i].value);
	}
	if (m->mailfrom == NULL)
		m->mailfrom = strdup("<agent@support.example.com>");
	if (m->rcpt == NULL)
		m->rcpt = strdup("<customer@example.net>");
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
load_corpus(const char *dir)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		die("%s: %s", dir, strerror(errno));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		if (l < 5 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xrealloc(names, cap * sizeof *names);
		}
		size_t pl = strlen(dir) + l + 2;
		names[n] = xmalloc(pl);
		snprintf(names[n], pl, "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	if (n == 0)
		die("%s: no *.eml files", dir);
	qsort(names, n, sizeof *names, cmp_str);
	corpus = xmalloc(n * sizeof *corpus);
	for (size_t i = 0; i < n; i++) {
		load_message(&corpus[i], names[i]);
		free(names[i]);
	}
	free(names);
	ncorpus = n;
}

static void
builtin_message(void)
{
	static const char text[] =
	    "From: Agent <agent@support.example.com>\n"
	    "To: Customer <customer@example.net>\n"
	    "Subject: Re: your order\n"
	    "In-Reply-To: <q1@example.net>\n"
	    "Message-ID: <r1@support.example.com>\n"
	    "\n"
	    "Hello,\n\nI'm sorry your order arrived damaged. A replacement"
	    " ships today.\nLet me know if it arrives safely.\n";
	char path[] = "/tmp/milter-load-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, text, sizeof text - 1) < 0)
		die("cannot write a temporary message");
	close(fd);
	corpus = xmalloc(sizeof *corpus);
	load_message(&corpus[0], path);
	unlink(path);
	free(corpus[0].path);
	corpus[0].path = strdup("(built-in message)");
	ncorpus = 1;
}

/* ------------------------------------------------------------------ */
/* Connection I/O                                                      */

struct conn {
	int id;
	int fd;
	/* write buffer */
	char *wbuf;
	size_t wlen, wcap;
	/* read buffer */
	char rbuf[65536];
	size_t rpos, rlen;
	/* current reply packet */
	char *pkt;
	size_t pktcap;
	size_t pktlen;		/* data length (without the command byte) */
	int pktcmd;
	/* negotiated */
	uint32_t version, actions, prot;
	/* results */
	double *lat;
	size_t nlat, latcap;
	long ok, errors, sent;
	long eom_count[NREPLY + 1];	/* last: unknown */
	long step_count[NREPLY + 1];
	int verbose;		/* print this message's replies */
	char errbuf[256];
};

static void
wput(struct conn *c, const void *p, size_t n)
{
	if (c->wcap - c->wlen < n) {
		while (c->wcap - c->wlen < n)
			c->wcap = c->wcap ? c->wcap * 2 : 65536;
		c->wbuf = xrealloc(c->wbuf, c->wcap);
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
}

/* append one packet: length, command, then the data pieces */
static void
put_packet(struct conn *c, int cmd, const void *data, size_t len)
{
	uint32_t nl = htonl((uint32_t) (len + 1));
	char ch = (char) cmd;
	wput(c, &nl, 4);
	wput(c, &ch, 1);
	if (len)
		wput(c, data, len);
}

static int
flush_out(struct conn *c)
{
	size_t off = 0;
	while (off < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + off, c->wlen - off,
		    MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(c->errbuf, sizeof c->errbuf, "write: %s",
			    errno == EAGAIN || errno == EWOULDBLOCK ?
			    "timed out" : strerror(errno));
			return -1;
		}
		off += (size_t) n;
	}
	c->wlen = 0;
	return 0;
}

static int
read_exact(struct conn *c, void *dst, size_t n)
{
	char *d = dst;
	while (n > 0) {
		if (c->rpos == c->rlen) {
			ssize_t r = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				snprintf(c->errbuf, sizeof c->errbuf,
				    "read: %s", errno == EAGAIN ||
				    errno == EWOULDBLOCK ? "timed out waiting"
				    " for a reply" : strerror(errno));
				return -1;
			}
			if (r == 0) {
				snprintf(c->errbuf, sizeof c->errbuf,
				    "filter closed the connection");
				return -1;
			}
			c->rpos = 0;
			c->rlen = (size_t) r;
		}
		size_t k = c->rlen - c->rpos;
		if (k > n)
			k = n;
		memcpy(d, c->rbuf + c->rpos, k);
		c->rpos += k;
		d += k;
		n -= k;
	}
	return 0;
}

/* flush pending output, then read one reply packet */
static int
read_packet(struct conn *c)
{
	uint32_t nl;
	if (flush_out(c) < 0)
		return -1;
	if (read_exact(c, &nl, 4) < 0)
		return -1;
	uint32_t len = ntohl(nl);
	if (len < 1 || len > MAX_REPLY_LEN) {
		snprintf(c->errbuf, sizeof c->errbuf,
		    "bad reply packet length %u", (unsigned) len);
		return -1;
	}
	unsigned char cmd;
	if (read_exact(c, &cmd, 1) < 0)
		return -1;
	c->pktcmd = cmd;
	c->pktlen = len - 1;
	if (c->pktcap < c->pktlen + 1) {
		c->pktcap = c->pktlen + 1;
		c->pkt = xrealloc(c->pkt, c->pktcap);
	}
	if (c->pktlen && read_exact(c, c->pkt, c->pktlen) < 0)
		return -1;
	c->pkt[c->pktlen] = '\0';
	return 0;
}

static void
count_reply(long *tab, int code)
{
	int i = reply_index(code);
	tab[i < 0 ? (int) NREPLY : i]++;
}

/* ------------------------------------------------------------------ */
/* Protocol                                                            */

/* outcome of one event */
enum {
	EV_ERROR = -1,
	EV_CONTINUE = 0,	/* go on (also: skipped, no reply expected) */
	EV_SKIP,		/* SMFIR_SKIP: no more events of this type */
	EV_FINAL,		/* accept/reject/tempfail/discard/replycode */
	EV_CONNFINAL,		/* shutdown / conn_fail: connection is over */
};

/*
 * Macro packet: the event letter, then name\0value\0 pairs.
 */
static void
put_macros(struct conn *c, int event, const char *const *kv, size_t n)
{
	char buf[1024];
	size_t len = 0;
	buf[len++] = (char) event;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(kv[i]) + 1;
		if (len + l > sizeof buf)
			break;
		memcpy(buf + len, kv[i], l);
		len += l;
	}
	put_packet(c, SMFIC_MACRO, buf, len);
}

static int
is_final(int code)
{
	return code == SMFIR_ACCEPT || code == SMFIR_REJECT ||
	    code == SMFIR_TEMPFAIL || code == SMFIR_DISCARD ||
	    code == SMFIR_REPLYCODE;
}

/* SMFIR_REPLYCODE text: "4xx x.x.x text" or "5xx ..." NUL-terminated */
static int
valid_replycode(struct conn *c)
{
	const char *s = c->pkt;
	if (c->pktlen < 5 || c->pkt[c->pktlen - 1] != '\0')
		return 0;
	return (s[0] == '4' || s[0] == '5') && s[1] >= '0' && s[1] <= '9' &&
	    s[2] >= '0' && s[2] <= '9' && (s[3] == ' ' || s[3] == '-');
}

/*
 * Send one event (with its macros) and, unless the filter negotiated the
 * reply away, read the reply.  skipbit: SMFIP_NO* flag that suppresses the
 * event, nrbit: SMFIP_NR_* flag that suppresses the reply.
 */
static int
event(struct conn *c, int cmd, const void *data, size_t len,
    uint32_t skipbit, uint32_t nrbit, int *final_code)
{
	if (skipbit && (c->prot & skipbit))
		return EV_CONTINUE;
	put_packet(c, cmd, data, len);
	if (nrbit && (c->prot & nrbit))
		return EV_CONTINUE;
	for (;;) {
		if (read_packet(c) < 0)
			return EV_ERROR;
		int r = c->pktcmd;
		count_reply(c->step_count, r);
		if (r == SMFIR_PROGRESS && c->pktlen == 0)
			continue;
		if (r == SMFIR_CONTINUE && c->pktlen == 0)
			return EV_CONTINUE;
		if (r == SMFIR_SKIP && c->pktlen == 0 &&
		    (c->prot & SMFIP_SKIP) && (cmd == SMFIC_BODY ||
		    cmd == SMFIC_HEADER || cmd == SMFIC_RCPT))
			return EV_SKIP;
		if (is_final(r) && (r == SMFIR_REPLYCODE ?
		    valid_replycode(c) : c->pktlen == 0)) {
			*final_code = r;
			return EV_FINAL;
		}
		if ((r == SMFIR_SHUTDOWN || r == SMFIR_CONN_FAIL) &&
		    c->pktlen == 0) {
			*final_code = r;
			return EV_CONNFINAL;
		}
		snprintf(c->errbuf, sizeof c->errbuf,
		    "unexpected reply '%c' (%s, %zu data bytes) to %s",
		    r >= 32 && r < 127 ? r : '?', reply_name(r), c->pktlen,
		    cmd_name(cmd));
		return EV_ERROR;
	}
}

/* split packet data into NUL-terminated strings; returns count or -1 */
static int
pkt_strings(struct conn *c, size_t off, const char **out, int max)
{
	int n = 0;
	size_t p = off;
	while (p < c->pktlen && n < max) {
		const char *s = c->pkt + p;
		const char *z = memchr(s, '\0', c->pktlen - p);
		if (z == NULL)
			return -1;
		out[n++] = s;
		p = (size_t) (z - c->pkt) + 1;
	}
	if (p != c->pktlen)
		return -1;
	return n;
}

static void
vprint_mod(struct conn *c, const char *fmt, ...)
{
	if (!c->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&report_lock);
	fputs("  ", stdout);
	vfprintf(stdout, fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&report_lock);
	va_end(ap);
}

/* make a header value printable on one line */
static const char *
oneline(const char *s, char *buf, size_t sz)
{
	size_t j = 0;
	for (; *s && j + 3 < sz; s++) {
		if (*s == '\n') {
			buf[j++] = '\\';
			buf[j++] = 'n';
		} else if (*s == '\r') {
			buf[j++] = '\\';
			buf[j++] = 'r';
		} else {
			buf[j++] = *s;
		}
	}
	buf[j] = '\0';
	return buf;
}

/*
 * After BODYEOB: read modification requests until the final reply.
 * Returns the final code, or 0 on error.
 */
static int
eom_replies(struct conn *c)
{
	for (;;) {
		if (read_packet(c) < 0)
			return 0;
		int r = c->pktcmd;
		const char *s[3];
		char b1[512];
		uint32_t idx = 0;
		int ok = 0;
		uint32_t need = 0;

		count_reply(c->eom_count, r);
		switch (r) {
		case SMFIR_ACCEPT:
		case SMFIR_CONTINUE:
		case SMFIR_REJECT:
		case SMFIR_TEMPFAIL:
		case SMFIR_DISCARD:
		case SMFIR_SHUTDOWN:
		case SMFIR_CONN_FAIL:
			if (c->pktlen != 0)
				break;
			vprint_mod(c, "final: %s", reply_name(r));
			return r;
		case SMFIR_REPLYCODE:
			if (!valid_replycode(c))
				break;
			vprint_mod(c, "final: replycode %s",
			    oneline(c->pkt, b1, sizeof b1));
			return r;
		case SMFIR_PROGRESS:
			if (c->pktlen != 0)
				break;
			vprint_mod(c, "progress");
			continue;
		case SMFIR_ADDHEADER:
			need = SMFIF_ADDHDRS;
			if (pkt_strings(c, 0, s, 3) != 2 || s[0][0] == '\0')
				break;
			ok = 1;
			vprint_mod(c, "addheader %s:%s", s[0],
			    oneline(s[1], b1, sizeof b1));
			break;
		case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER:
			need = r == SMFIR_INSHEADER ? SMFIF_ADDHDRS :
			    SMFIF_CHGHDRS;
			if (c->pktlen < 4)
				break;
			memcpy(&idx, c->pkt, 4);
			idx = ntohl(idx);
			if (pkt_strings(c, 4, s, 3) != 2 || s[0][0] == '\0')
				break;
			ok = 1;
			vprint_mod(c, "%s [%u] %s:%s", reply_name(r),
			    (unsigned) idx, s[0],
			    oneline(s[1], b1, sizeof b1));
			break;
		case SMFIR_ADDRCPT:
		case SMFIR_DELRCPT:
			need = r == SMFIR_ADDRCPT ? SMFIF_ADDRCPT :
			    SMFIF_DELRCPT;
			if (pkt_strings(c, 0, s, 3) != 1)
				break;
			ok = 1;
			vprint_mod(c, "%s %s", reply_name(r), s[0]);
			break;
		case SMFIR_ADDRCPT_PAR:
		case SMFIR_CHGFROM: {
			need = r == SMFIR_CHGFROM ? SMFIF_CHGFROM :
			    SMFIF_ADDRCPT_PAR;
			int k = pkt_strings(c, 0, s, 3);
			if (k < 1 || k > 2)
				break;
			ok = 1;
			vprint_mod(c, "%s %s%s%s", reply_name(r), s[0],
			    k > 1 ? " " : "", k > 1 ? s[1] : "");
			break;
		}
		case SMFIR_REPLBODY:
			need = SMFIF_CHGBODY;
			ok = 1;
			vprint_mod(c, "replbody (%zu bytes)", c->pktlen);
			break;
		case SMFIR_QUARANTINE:
			need = SMFIF_QUARANTINE;
			if (pkt_strings(c, 0, s, 3) != 1 || s[0][0] == '\0')
				break;
			ok = 1;
			vprint_mod(c, "quarantine %s",
			    oneline(s[0], b1, sizeof b1));
			break;
		default:
			break;
		}
		if (!ok) {
			snprintf(c->errbuf, sizeof c->errbuf,
			    "malformed or unexpected reply '%c' (%s, %zu data"
			    " bytes) to BODYEOB", r >= 32 && r < 127 ? r : '?',
			    reply_name(r), c->pktlen);
			return 0;
		}
		if ((c->actions & need) != need) {
			snprintf(c->errbuf, sizeof c->errbuf,
			    "reply %s not allowed by negotiated actions 0x%x",
			    reply_name(r), (unsigned) c->actions);
			return 0;
		}
	}
}

static int
open_socket(struct conn *c)
{
	const char *s = opt_socket;
	int fd = -1;
	if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "local:", 6) == 0 ||
	    s[0] == '/') {
		const char *path = s[0] == '/' ? s : strchr(s, ':') + 1;
		struct sockaddr_un sun;
		memset(&sun, 0, sizeof sun);
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof sun.sun_path) {
			snprintf(c->errbuf, sizeof c->errbuf,
			    "socket path too long");
			return -1;
		}
		strcpy(sun.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *) &sun,
		    sizeof sun) < 0) {
			snprintf(c->errbuf, sizeof c->errbuf, "connect %s: %s",
			    path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
	} else if (strncmp(s, "inet:", 5) == 0 ||
	    strncmp(s, "inet6:", 6) == 0) {
		int v6 = s[4] == '6';
		const char *spec = s + (v6 ? 6 : 5);
		char port[32], host[256];
		const char *at = strchr(spec, '@');
		size_t pl = at ? (size_t) (at - spec) : strlen(spec);
		if (pl == 0 || pl >= sizeof port) {
			snprintf(c->errbuf, sizeof c->errbuf,
			    "bad socket %s", s);
			return -1;
		}
		memcpy(port, spec, pl);
		port[pl] = '\0';
		snprintf(host, sizeof host, "%s", at && at[1] ? at + 1 :
		    (v6 ? "::1" : "127.0.0.1"));
		if (host[0] == '[') {	/* inet6:port@[addr] */
			memmove(host, host + 1, strlen(host));
			char *rb = strchr(host, ']');
			if (rb)
				*rb = '\0';
		}
		struct addrinfo hints, *res = NULL;
		memset(&hints, 0, sizeof hints);
		hints.ai_family = v6 ? AF_INET6 : AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		int e = getaddrinfo(host, port, &hints, &res);
		if (e != 0) {
			snprintf(c->errbuf, sizeof c->errbuf, "%s: %s", s,
			    gai_strerror(e));
			return -1;
		}
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
			snprintf(c->errbuf, sizeof c->errbuf, "connect %s: %s",
			    s, strerror(errno));
			if (fd >= 0)
				close(fd);
			freeaddrinfo(res);
			return -1;
		}
		freeaddrinfo(res);
		if (opt_nodelay) {
			int one = 1;
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof one);
		}
	} else {
		snprintf(c->errbuf, sizeof c->errbuf,
		    "bad socket %s (unix:/path or inet:port@host)", s);
		return -1;
	}
	struct timeval tv = { .tv_sec = opt_timeout, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	c->fd = fd;
	return 0;
}

static int
negotiate(struct conn *c)
{
	uint32_t v[3] = { htonl(SMFI_PROT_VERSION), htonl(opt_offer_act),
	    htonl(opt_offer_prot) };
	put_packet(c, SMFIC_OPTNEG, v, sizeof v);
	if (read_packet(c) < 0) {
		char e[sizeof c->errbuf];
		snprintf(e, sizeof e, "%s", c->errbuf);
		snprintf(c->errbuf, sizeof c->errbuf, "option negotiation: %.120s"
		    " (offered actions 0x%x, protocol 0x%x: does the filter "
		    "need more?)", e, (unsigned) opt_offer_act,
		    (unsigned) opt_offer_prot);
		return -1;
	}
	if (c->pktcmd != SMFIC_OPTNEG || c->pktlen < MILTER_OPTLEN) {
		snprintf(c->errbuf, sizeof c->errbuf,
		    "bad OPTNEG reply '%c' (%zu bytes)", c->pktcmd, c->pktlen);
		return -1;
	}
	memcpy(v, c->pkt, sizeof v);
	c->version = ntohl(v[0]);
	c->actions = ntohl(v[1]);
	c->prot = ntohl(v[2]);
	if (c->version < 2 || c->version > SMFI_PROT_VERSION) {
		snprintf(c->errbuf, sizeof c->errbuf,
		    "filter protocol version %u", (unsigned) c->version);
		return -1;
	}
	if ((c->actions & opt_offer_act) != c->actions) {
		snprintf(c->errbuf, sizeof c->errbuf, "filter wants actions "
		    "0x%x, offered 0x%x", (unsigned) c->actions,
		    (unsigned) opt_offer_act);
		return -1;
	}
	if ((c->prot & ~SMFI_INTERNAL & opt_offer_prot) !=
	    (c->prot & ~SMFI_INTERNAL)) {
		snprintf(c->errbuf, sizeof c->errbuf, "filter wants protocol "
		    "0x%x, offered 0x%x", (unsigned) c->prot,
		    (unsigned) opt_offer_prot);
		return -1;
	}
	pthread_mutex_lock(&report_lock);
	if (!neg_known) {
		neg_known = 1;
		neg_version = c->version;
		neg_actions = c->actions;
		neg_prot = c->prot;
		if (opt_verbose && c->pktlen > MILTER_OPTLEN) {
			/* SMFIR_SETSYMLIST: (uint32 stage, names\0)* */
			size_t p = MILTER_OPTLEN;
			while (p + 5 <= c->pktlen) {
				uint32_t st;
				memcpy(&st, c->pkt + p, 4);
				const char *names = c->pkt + p + 4;
				size_t l = strnlen(names, c->pktlen - p - 4);
				printf("  macro list for stage %u: %.*s\n",
				    (unsigned) ntohl(st), (int) l, names);
				p += 4 + l + 1;
			}
		}
	}
	pthread_mutex_unlock(&report_lock);
	return 0;
}

/*
 * One message.  Returns 0 when the filter answered properly (whatever the
 * verdict), -1 on a protocol error or timeout (the connection is then
 * unusable), 1 when the filter ended the connection (shutdown/conn_fail).
 */
static int
do_message(struct conn *c, const struct message *m, long seq)
{
	char qid[32];
	int fc = 0, r;
	snprintf(qid, sizeof qid, "%X%05lX", 0x4B00u + (unsigned) c->id,
	    (unsigned long) seq & 0xFFFFF);

	/* MAIL */
	{
		const char *mk[] = { "i", qid, "{mail_addr}", m->mailfrom,
		    "{auth_type}", "", "{mail_mailer}", "smtp" };
		put_macros(c, SMFIC_MAIL, mk, 8);
		char args[600];
		int n = snprintf(args, sizeof args, "%s%cSIZE=%zu", m->mailfrom,
		    '\0', m->size);
		if (n < 0 || (size_t) n >= sizeof args)
			n = (int) sizeof args - 1;
		r = event(c, SMFIC_MAIL, args, (size_t) n + 1, SMFIP_NOMAIL,
		    SMFIP_NR_MAIL, &fc);
		if (r != EV_CONTINUE && r != EV_SKIP)
			goto done;
	}
	/* RCPT */
	{
		const char *mk[] = { "{rcpt_addr}", m->rcpt, "{rcpt_mailer}",
		    "smtp" };
		put_macros(c, SMFIC_RCPT, mk, 4);
		r = event(c, SMFIC_RCPT, m->rcpt, strlen(m->rcpt) + 1,
		    SMFIP_NORCPT, SMFIP_NR_RCPT, &fc);
		if (r != EV_CONTINUE && r != EV_SKIP)
			goto done;
	}
	/* DATA */
	{
		const char *mk[] = { "i", qid };
		put_macros(c, SMFIC_DATA, mk, 2);
		r = event(c, SMFIC_DATA, NULL, 0, SMFIP_NODATA, SMFIP_NR_DATA,
		    &fc);
		if (r != EV_CONTINUE)
			goto done;
	}
	/* headers */
	{
		char *hb = NULL;
		size_t hcap = 0;
		int skip = 0;
		for (size_t i = 0; i < m->nhdrs && !skip; i++) {
			const struct header *h = &m->hdrs[i];
			const char *v = h->value;
			/* like Sendmail/Postfix: eat one space after the colon
			 * unless the filter asked for SMFIP_HDR_LEADSPC */
			if (!(c->prot & SMFIP_HDR_LEADSPC) && *v == ' ')
				v++;
			size_t nl = strlen(h->name), vl = strlen(v);
			if (hcap < nl + vl + 2) {
				hcap = nl + vl + 2;
				hb = xrealloc(hb, hcap);
			}
			memcpy(hb, h->name, nl + 1);
			memcpy(hb + nl + 1, v, vl + 1);
			r = event(c, SMFIC_HEADER, hb, nl + vl + 2,
			    SMFIP_NOHDRS, SMFIP_NR_HDR, &fc);
			if (r == EV_SKIP)
				skip = 1;
			else if (r != EV_CONTINUE)
				break;
		}
		free(hb);
		if (r != EV_CONTINUE && r != EV_SKIP)
			goto done;
	}
	/* EOH */
	r = event(c, SMFIC_EOH, NULL, 0, SMFIP_NOEOH, SMFIP_NR_EOH, &fc);
	if (r != EV_CONTINUE)
		goto done;
	/* body */
	if (!(c->prot & SMFIP_NOBODY)) {
		size_t off = 0;
		while (off < m->bodylen) {
			size_t n = m->bodylen - off;
			if (n > MILTER_CHUNK_SIZE)
				n = MILTER_CHUNK_SIZE;
			r = event(c, SMFIC_BODY, m->body + off, n, SMFIP_NOBODY,
			    SMFIP_NR_BODY, &fc);
			off += n;
			if (r == EV_SKIP)
				break;
			if (r != EV_CONTINUE)
				goto done;
		}
	}
	/* end of message: latency from sending BODYEOB to the final reply */
	{
		const char *mk[] = { "i", qid };
		put_macros(c, SMFIC_BODYEOB, mk, 2);
		put_packet(c, SMFIC_BODYEOB, NULL, 0);
		struct timespec t0, t1;
		if (flush_out(c) < 0) {
			r = EV_ERROR;
			goto done;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		fc = eom_replies(c);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (fc == 0) {
			r = EV_ERROR;
			goto done;
		}
		if (c->nlat == c->latcap) {
			c->latcap = c->latcap ? c->latcap * 2 : 1024;
			c->lat = xrealloc(c->lat, c->latcap * sizeof *c->lat);
		}
		c->lat[c->nlat++] = ts_diff_ms(&t0, &t1);
		r = (fc == SMFIR_SHUTDOWN || fc == SMFIR_CONN_FAIL) ?
		    EV_CONNFINAL : EV_FINAL;
		goto reset;
	}
done:
	/* the filter decided before the end of the message */
	if (r == EV_ERROR)
		return -1;
	vprint_mod(c, "final before end of message: %s", reply_name(fc));
reset:
	if (r == EV_CONNFINAL)
		return 1;
	/* reset the filter for the next message, as Postfix does; there is
	 * no reply to SMFIC_ABORT, so it goes out with the next write */
	put_packet(c, SMFIC_ABORT, NULL, 0);
	return 0;
}

static void *
conn_thread(void *arg)
{
	struct conn *c = arg;
	int ready = 0;
	int fc = 0;

	/* connect, retrying while the filter is not listening yet (-w) */
	struct timespec tw0, tw;
	clock_gettime(CLOCK_MONOTONIC, &tw0);
	for (;;) {
		if (open_socket(c) == 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &tw);
		if (ts_diff_ms(&tw0, &tw) >= opt_wait * 1000.0)
			goto setup_failed;
		usleep(50000);
	}
	if (negotiate(c) < 0)
		goto setup_failed;
	{
		const char *mk[] = { "j", "mx.example.com", "{daemon_name}",
		    "milter-load", "v", "Postfix 3.7", "_",
		    "client.example.org [192.0.2.10]" };
		char cd[128];
		size_t n = 0;
		static const char host[] = "client.example.org";
		static const char addr[] = "192.0.2.10";
		uint16_t port = htons((uint16_t) (40000 + c->id % 20000));
		memcpy(cd, host, sizeof host);
		n += sizeof host;
		cd[n++] = SMFIA_INET;
		memcpy(cd + n, &port, 2);
		n += 2;
		memcpy(cd + n, addr, sizeof addr);
		n += sizeof addr;
		put_macros(c, SMFIC_CONNECT, mk, 8);
		int r = event(c, SMFIC_CONNECT, cd, n, SMFIP_NOCONNECT,
		    SMFIP_NR_CONN, &fc);
		if (r == EV_CONTINUE) {
			put_macros(c, SMFIC_HELO, NULL, 0);
			r = event(c, SMFIC_HELO, host, sizeof host,
			    SMFIP_NOHELO, SMFIP_NR_HELO, &fc);
		}
		if (r == EV_ERROR)
			goto setup_failed;
		if (r != EV_CONTINUE) {
			snprintf(c->errbuf, sizeof c->errbuf, "filter answered"
			    " %s at connect/helo: no message can be sent",
			    reply_name(fc));
			goto setup_failed;
		}
	}
	ready = 1;
setup_failed:
	if (!ready)
		diag(c->id, "%s", c->errbuf);
	pthread_barrier_wait(&start_barrier);
	if (!ready) {
		c->errors = opt_duration > 0 ? 1 : opt_msgs;
		goto out;
	}

	for (long k = 0; k < opt_msgs; k++) {
		if (opt_duration > 0) {
			if (atomic_load(&stop_flag))
				break;
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (ts_diff_ms(&t_start, &now) >= opt_duration * 1e3) {
				atomic_store(&stop_flag, 1);
				break;
			}
		}
		size_t idx = (size_t) ((k * opt_conns + c->id) %
		    (long) ncorpus);
		const struct message *m = &corpus[idx];
		c->verbose = opt_verbose && c->id == 0 && k == 0;
		if (c->verbose) {
			pthread_mutex_lock(&report_lock);
			printf("first message (%s), negotiated version %u "
			    "actions 0x%x protocol 0x%x:\n", m->path,
			    (unsigned) c->version, (unsigned) c->actions,
			    (unsigned) c->prot);
			pthread_mutex_unlock(&report_lock);
		}
		c->sent++;
		int r = do_message(c, m, k);
		if (r < 0) {
			diag(c->id, "message %ld (%s): %s", k, m->path,
			    c->errbuf);
			/* this message and the rest of the connection fail */
			c->errors += opt_duration > 0 ? 1 : opt_msgs - k;
			goto out;
		}
		c->ok++;
		if (r > 0) {
			diag(c->id, "filter ended the connection (%s) after "
			    "message %ld", reply_name(c->pktcmd), k);
			c->errors += opt_duration > 0 ? 1 : opt_msgs - k - 1;
			goto out;
		}
	}
	put_packet(c, SMFIC_QUIT, NULL, 0);
	if (flush_out(c) < 0) {
		diag(c->id, "QUIT: %s", c->errbuf);
		c->errors++;
	}
out:
	if (c->fd >= 0) {
		close(c->fd);
		c->fd = -1;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Report                                                              */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;
	return x < y ? -1 : x > y;
}

static double
percentile(const double *v, size_t n, double p)
{
	if (n == 0)
		return 0.0;
	size_t rank = (size_t) (p / 100.0 * (double) n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

static void
print_counts(FILE *fp, const long *tab, int json)
{
	int first = 1;
	for (size_t i = 0; i <= NREPLY; i++) {
		if (tab[i] == 0)
			continue;
		const char *name = i < NREPLY ? reply_names[i].name : "unknown";
		if (json)
			fprintf(fp, "%s\"%s\": %ld", first ? "" : ", ", name,
			    tab[i]);
		else
			fprintf(fp, "%s%s %ld", first ? "" : ", ", name,
			    tab[i]);
		first = 0;
	}
	if (first && !json)
		fputs("none", fp);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: milter-load -s SOCKET [-c CONNS] [-m MSGS] [-d DIR] "
	    "[-t SECS] [-D SECS]\n"
	    "                   [-w SECS] [-P HEX] [-q] [-v] [--json]\n"
	    "  -s SOCKET  unix:/path or inet:port@host (libmilter syntax)\n"
	    "  -c N       concurrent connections, one thread each (1)\n"
	    "  -m M       messages per connection (1)\n"
	    "  -d DIR     messages: the *.eml files of DIR, in turn "
	    "(default: one built-in reply)\n"
	    "  -t SECS    timeout for each reply (10)\n"
	    "  -D SECS    stop starting messages after SECS (then -m is a "
	    "maximum)\n"
	    "  -w SECS    retry connecting for up to SECS while the filter "
	    "starts (0)\n"
	    "  -P HEX     protocol flags offered in OPTNEG (default 0x%lx, "
	    "all steps and no-reply options, as Postfix)\n"
	    "  -N         do not set TCP_NODELAY on inet connections\n"
	    "  -q         quiet: one summary line\n"
	    "  -v         print the first message's end-of-message replies\n"
	    "  --json     print the report as one JSON object\n"
	    "exit status: 0 all messages answered, 1 any error, 2 usage\n",
	    (unsigned long) SMFI_CURR_PROT);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;
	char *end;
	while ((ch = getopt_long(argc, argv, "s:c:m:d:t:D:w:P:Nqvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's': opt_socket = optarg; break;
		case 'c':
			opt_conns = (int) strtol(optarg, &end, 10);
			if (*end || opt_conns < 1 || opt_conns > 4096)
				usage();
			break;
		case 'm':
			opt_msgs = strtol(optarg, &end, 10);
			if (*end || opt_msgs < 1)
				usage();
			break;
		case 'd': opt_dir = optarg; break;
		case 't':
			opt_timeout = (int) strtol(optarg, &end, 10);
			if (*end || opt_timeout < 1)
				usage();
			break;
		case 'D':
			opt_duration = strtod(optarg, &end);
			if (*end || opt_duration <= 0)
				usage();
			break;
		case 'w':
			opt_wait = strtod(optarg, &end);
			if (*end || opt_wait < 0)
				usage();
			break;
		case 'P':
			opt_offer_prot = (uint32_t) strtoul(optarg, &end, 0);
			if (*end)
				usage();
			break;
		case 'N': opt_nodelay = 0; break;
		case 'q': opt_quiet = 1; break;
		case 'v': opt_verbose = 1; break;
		case 'J': opt_json = 1; break;
		default: usage();
		}
	}
	if (optind != argc || opt_socket == NULL)
		usage();
	signal(SIGPIPE, SIG_IGN);

	if (opt_dir)
		load_corpus(opt_dir);
	else
		builtin_message();

	struct conn *conns = calloc((size_t) opt_conns, sizeof *conns);
	pthread_t *tids = calloc((size_t) opt_conns, sizeof *tids);
	if (conns == NULL || tids == NULL)
		die("out of memory");
	pthread_barrier_init(&start_barrier, NULL, (unsigned) opt_conns + 1);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (int i = 0; i < opt_conns; i++) {
		conns[i].id = i;
		conns[i].fd = -1;
		if (pthread_create(&tids[i], &attr, conn_thread, &conns[i]))
			die("pthread_create failed");
	}
	/* all connections are set up (or failed): the clock starts */
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	pthread_barrier_wait(&start_barrier);
	for (int i = 0; i < opt_conns; i++)
		pthread_join(tids[i], NULL);
	struct timespec t_end;
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	double elapsed = ts_diff_ms(&t_start, &t_end) / 1e3;

	/* aggregate */
	long ok = 0, errors = 0, sent = 0;
	long eom[NREPLY + 1] = { 0 }, step[NREPLY + 1] = { 0 };
	size_t nlat = 0;
	for (int i = 0; i < opt_conns; i++) {
		ok += conns[i].ok;
		errors += conns[i].errors;
		sent += conns[i].sent;
		nlat += conns[i].nlat;
		for (size_t j = 0; j <= NREPLY; j++) {
			eom[j] += conns[i].eom_count[j];
			step[j] += conns[i].step_count[j];
		}
	}
	double *lat = xmalloc(nlat * sizeof *lat);
	size_t k = 0;
	for (int i = 0; i < opt_conns; i++) {
		memcpy(lat + k, conns[i].lat, conns[i].nlat * sizeof *lat);
		k += conns[i].nlat;
	}
	qsort(lat, nlat, sizeof *lat, cmp_double);
	double p50 = percentile(lat, nlat, 50), p95 = percentile(lat, nlat, 95);
	double p99 = percentile(lat, nlat, 99);
	double mx = nlat ? lat[nlat - 1] : 0.0;
	double rate = elapsed > 0 ? (double) ok / elapsed : 0.0;

	if (opt_json) {
		printf("{\"socket\": \"%s\", \"connections\": %d, "
		    "\"messages\": %ld, \"ok\": %ld, \"errors\": %ld, "
		    "\"corpus_files\": %zu, \"elapsed_s\": %.3f, "
		    "\"msgs_per_s\": %.1f, \"latency_ms\": {\"samples\": %zu, "
		    "\"p50\": %.3f, \"p95\": %.3f, \"p99\": %.3f, "
		    "\"max\": %.3f}, \"negotiated\": {\"version\": %u, "
		    "\"actions\": %u, \"protocol\": %u}, \"eom_replies\": {",
		    opt_socket, opt_conns, sent, ok, errors, ncorpus, elapsed,
		    rate, nlat, p50, p95, p99, mx, (unsigned) neg_version,
		    (unsigned) neg_actions, (unsigned) neg_prot);
		print_counts(stdout, eom, 1);
		printf("}, \"step_replies\": {");
		print_counts(stdout, step, 1);
		printf("}}\n");
	} else if (opt_quiet) {
		printf("milter-load: %ld messages answered, %ld errors, "
		    "%.1f msg/s, p99 %.2f ms\n", ok, errors, rate, p99);
	} else {
		printf("socket       %s\n", opt_socket);
		printf("connections  %d, corpus %zu files\n", opt_conns,
		    ncorpus);
		if (neg_known)
			printf("negotiated   version %u, actions 0x%x, "
			    "protocol 0x%x\n", (unsigned) neg_version,
			    (unsigned) neg_actions, (unsigned) neg_prot);
		printf("messages     %ld sent, %ld answered, %ld errors\n",
		    sent, ok, errors);
		printf("elapsed      %.3f s\n", elapsed);
		printf("throughput   %.1f msg/s\n", rate);
		printf("latency      BODYEOB to final reply, %zu samples: "
		    "p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, max %.3f ms\n",
		    nlat, p50, p95, p99, mx);
		printf("eom replies  ");
		print_counts(stdout, eom, 0);
		printf("\nstep replies ");
		print_counts(stdout, step, 0);
		printf("\n");
	}
	for (int i = 0; i < opt_conns; i++) {
		free(conns[i].wbuf);
		free(conns[i].pkt);
		free(conns[i].lat);
	}
	free(conns);
	free(tids);
	free(lat);
	return errors ? 1 : 0;
}
