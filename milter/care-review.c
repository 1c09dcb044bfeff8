/*
 * care-review - the supervisor's tool: held replies, decisions, stats.
 *
 *   care-review [-c FILE] list [--json]
 *   care-review [-c FILE] show ID
 *   care-review [-c FILE] release ID...
 *   care-review [-c FILE] delete ID...
 *   care-review [-c FILE] return ID --note TEXT
 *   care-review [-c FILE] stats [--since 7d|all] [--by agent|day]
 *                               [--json|--csv]
 *   care-review [-c FILE] purge
 *
 * A thin front end: the MTA's queue is mta's, verdicts and the audit
 * trail are journal's, the agent's text is the pipeline's.  What is
 * here is the joining and the printing.  Every queue id is checked
 * (mta_validate_id) before any command runs, and every decision is
 * recorded in the journal with who made it; a decision that cannot be
 * recorded is not made.
 *
 * Exit: 0 all done, 1 some id unknown or an action failed, 2 usage,
 * configuration or journal error.  See care-review(1).
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "journal.h"
#include "log.h"
#include "mta.h"
#include "pipeline.h"
#include "report.h"

#ifndef CARE_SYSCONFDIR
#define CARE_SYSCONFDIR "/etc/care-milter"
#endif

#define EXIT_FAILED 1
#define EXIT_USAGE 2

/* What every command may need; filled on demand. */
struct review {
	const char *config;	/* -c, or NULL for the default */
	struct engine *e;
	struct mta *m;
	struct journal *j;	/* read-write, for decisions */
	sqlite3 *db;		/* the journal for queries (j's, or read-only) */
	int color;		/* stdout is a terminal */
	char who[256];		/* the supervisor */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: care-review [-c FILE] COMMAND\n"
	    "  list [--json]                  held replies, oldest first\n"
	    "  show ID                        verdict, evidence and coaching hints\n"
	    "  release ID...                  deliver to the customer\n"
	    "  delete ID...                   discard\n"
	    "  return ID --note TEXT          send back to the agent, then discard\n"
	    "  stats [--since 7d|all] [--by agent|day] [--json|--csv]\n"
	    "  purge                          delete journal records past JournalRetention\n"
	    "  -c FILE   configuration (default " CARE_SYSCONFDIR "/care-milter.conf)\n"
	    "exit: 0 done, 1 an id unknown or an action failed, 2 usage or setup error\n");
}

static void
print_error(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "care-review: %s\n", msg);
}

/* ---- printing text that came from mail ------------------------------ */

/*
 * Subjects, addresses and the agent's words came from outside: never
 * let them drive the terminal.  C0 and C1 controls (ESC included) and
 * DEL become '?'; newlines and tabs are kept only where asked.
 */
static void
put_safe(FILE *fp, const char *s, size_t n, int keep_lines)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c == '\n' || c == '\t') && keep_lines)
			fputc(c, fp);
		else if (c < 0x20 || c == 0x7F)
			fputc(c == '\t' || c == '\n' ? ' ' : '?', fp);
		else if (c == 0xC2 && i + 1 < n &&
		    (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] < 0xA0) {
			fputc('?', fp);
			i++;
		} else
			fputc(c, fp);
	}
}

static void
puts_safe(FILE *fp, const char *s)
{
	if (s)
		put_safe(fp, s, strlen(s), 0);
}

/* "42s", "17m", "5h", "3d" */
static void
format_age(char *buf, size_t size, time_t arrival, time_t now)
{
	long long d = arrival > 0 && now > arrival ? (long long)(now - arrival) : 0;

	if (arrival <= 0)
		snprintf(buf, size, "?");
	else if (d < 60)
		snprintf(buf, size, "%llds", d);
	else if (d < 3600)
		snprintf(buf, size, "%lldm", d / 60);
	else if (d < 86400)
		snprintf(buf, size, "%lldh", d / 3600);
	else
		snprintf(buf, size, "%lldd", d / 86400);
}

/* A comma list "a,b" as a JSON array of strings. */
static void
json_list(struct strbuf *out, const char *csv)
{
	char **v = str_list_split(csv ? csv : "", NULL);

	sb_putc(out, '[');
	for (char **p = v; *p; p++) {
		if (p != v)
			sb_puts(out, ", ");
		report_json_string(out, *p);
	}
	sb_putc(out, ']');
	str_list_free(v);
}

/* ---- setting up ------------------------------------------------------ */

static const char *
default_config(void)
{
	const char *p = CARE_SYSCONFDIR "/care-milter.conf";

	return access(p, R_OK) == 0 ? p : NULL;
}

/* Who decides: the login behind sudo, else our own. */
static void
find_who(struct review *rv)
{
	const char *sudo = getenv("SUDO_USER");
	struct passwd *pw;

	/* Only root's environment is believed: anyone can set SUDO_USER. */
	if (getuid() == 0 && sudo && *sudo && strlen(sudo) < sizeof(rv->who))
		snprintf(rv->who, sizeof(rv->who), "%s", sudo);
	else if ((pw = getpwuid(getuid())) != NULL)
		snprintf(rv->who, sizeof(rv->who), "%s", pw->pw_name);
	else
		snprintf(rv->who, sizeof(rv->who), "uid%lu", (unsigned long)getuid());
}

/*
 * Under sudo the configuration decides which programs run as root
 * (SendmailPath) and where: a file the caller could write would be a
 * way to root.  So with sudo, -c must name a file owned by root that
 * only root can change.
 */
static int
config_trusted(const char *path)
{
	struct stat st;

	if (getuid() != 0 || getenv("SUDO_USER") == NULL || path == NULL)
		return 1;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "care-review: %s: %s\n", path, strerror(errno));
		return 0;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr, "care-review: %s: under sudo the configuration must be "
		    "owned by root and writable by root only\n", path);
		return 0;
	}
	return 1;
}

static int
load_engine(struct review *rv)
{
	const char *path = rv->config ? rv->config : default_config();

	if (!config_trusted(path))
		return -1;
	rv->e = engine_load(path, print_error, NULL);
	if (rv->e == NULL)
		return -1;
	rv->m = mta_open(rv->e->cf);
	return 0;
}

/*
 * The journal for reading: read-write when we may write it, else
 * read-only (a supervisor in the journal's group).  A journal that does
 * not exist is never created here: created by root, the milter could
 * not write it.  Returns 0, or -1 (reason printed unless 'quiet').
 */
static int
open_journal_read(struct review *rv, int quiet)
{
	const char *path = rv->e->cf->journal;

	if (rv->db)
		return 0;
	if (path == NULL) {
		if (!quiet)
			fprintf(stderr, "care-review: no Journal in the configuration\n");
		return -1;
	}
	if (access(path, F_OK) < 0) {
		if (!quiet)
			fprintf(stderr, "care-review: journal %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (access(path, W_OK) == 0 && (rv->j = journal_open(path,
	    rv->e->cf->retention_days)) != NULL) {
		rv->db = journal_db(rv->j);
		return 0;
	}
	if (sqlite3_open_v2(path, &rv->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		if (!quiet)
			fprintf(stderr, "care-review: journal %s: %s\n", path,
			    sqlite3_errmsg(rv->db));
		sqlite3_close(rv->db);
		rv->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(rv->db, 5000);
	return 0;
}

/* The journal for recording decisions: it must be writable. */
static int
open_journal_write(struct review *rv)
{
	const char *path = rv->e->cf->journal;

	if (rv->j)
		return 0;
	if (path == NULL) {
		fprintf(stderr, "care-review: no Journal in the configuration: "
		    "decisions must be recorded, so none is made\n");
		return -1;
	}
	if (access(path, F_OK) < 0 || access(path, W_OK) < 0) {
		fprintf(stderr, "care-review: journal %s: %s: decisions must be "
		    "recorded, so none is made (see PERMISSIONS in care-review(1))\n",
		    path, strerror(errno));
		return -1;
	}
	if (rv->db) {		/* a read-only handle from before */
		sqlite3_close(rv->db);
		rv->db = NULL;
	}
	if ((rv->j = journal_open(path, rv->e->cf->retention_days)) == NULL) {
		fprintf(stderr, "care-review: journal %s cannot be written: decisions "
		    "must be recorded, so none is made\n", path);
		return -1;
	}
	rv->db = journal_db(rv->j);
	return 0;
}

static void
review_close(struct review *rv)
{
	if (rv->j)
		journal_close(rv->j);
	else if (rv->db)
		sqlite3_close(rv->db);
	mta_close(rv->m);
	engine_unref(rv->e);
}

/* "care-review: ID: why", without saying the id twice. */
static void
fail(const char *id, const char *why)
{
	if (strstr(why, id))
		fprintf(stderr, "care-review: %s\n", why);
	else
		fprintf(stderr, "care-review: %s: %s\n", id, why);
}

/* Check every id before anything runs; name each bad one. */
static int
validate_ids(char **ids, int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		if (mta_validate_id(ids[i]) < 0) {
			fprintf(stderr, "care-review: \"");
			put_safe(stderr, ids[i], strnlen(ids[i], 40), 0);
			fprintf(stderr, "%s\": not a queue id\n",
			    strlen(ids[i]) > 40 ? "..." : "");
			bad = 1;
		}
	return bad ? -1 : 0;
}

/* ---- the journal's verdict for a queue id ---------------------------- */

struct jverdict {
	int found;
	long long time;
	char *sender, *recipients, *subject, *missing, *issues, *issues_json,
	    *action, *scope;
	int present[CARE_NELEMENTS];
	char *evidence[CARE_NELEMENTS];
};

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static void
jverdict_free(struct jverdict *v)
{
	free(v->sender);
	free(v->recipients);
	free(v->subject);
	free(v->missing);
	free(v->issues);
	free(v->issues_json);
	free(v->action);
	free(v->scope);
	for (int e = 0; e < CARE_NELEMENTS; e++)
		free(v->evidence[e]);
	memset(v, 0, sizeof(*v));
}

/* The latest verdict for 'id'; v->found 0 when there is none. */
static int
journal_lookup(sqlite3 *db, const char *id, struct jverdict *v)
{
	sqlite3_stmt *st;
	int rc;

	memset(v, 0, sizeof(*v));
	if (db == NULL)
		return 0;
	if (sqlite3_prepare_v2(db, "SELECT time, sender, recipients, subject,"
	    " missing, issues, issues_json, action, scope,"
	    " acknowledgment, acknowledgment_evidence, empathy, empathy_evidence,"
	    " solution, solution_evidence, follow_up, follow_up_evidence"
	    " FROM verdicts WHERE queue_id = ? ORDER BY id DESC LIMIT 1",
	    -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "care-review: journal: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		v->found = 1;
		v->time = sqlite3_column_int64(st, 0);
		v->sender = col_dup(st, 1);
		v->recipients = col_dup(st, 2);
		v->subject = col_dup(st, 3);
		v->missing = col_dup(st, 4);
		v->issues = col_dup(st, 5);
		v->issues_json = col_dup(st, 6);
		v->action = col_dup(st, 7);
		v->scope = col_dup(st, 8);
		for (int e = 0; e < CARE_NELEMENTS; e++) {
			v->present[e] = sqlite3_column_int(st, 9 + 2 * e);
			v->evidence[e] = col_dup(st, 10 + 2 * e);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fprintf(stderr, "care-review: journal: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/*
 * issues_json as journal.c writes it: [{"kind": "blame", "evidence":
 * "..."}, ...].  Reads the JSON string after "evidence": for 'kind'.
 */
static char *
issue_evidence(const char *json, const char *kind)
{
	char *key = xasprintf("{\"kind\": \"%s\", \"evidence\": \"", kind);
	const char *p = json ? strstr(json, key) : NULL;
	struct strbuf sb;

	if (p == NULL) {
		free(key);
		return NULL;
	}
	p += strlen(key);
	free(key);
	sb_init(&sb, 0);
	for (; *p && *p != '"'; p++) {
		if (*p != '\\') {
			sb_putc(&sb, *p);
			continue;
		}
		switch (*++p) {
		case 'n': sb_putc(&sb, '\n'); break;
		case 'r': sb_putc(&sb, '\r'); break;
		case 't': sb_putc(&sb, '\t'); break;
		case 'u':	/* only control characters are written so */
			if (strlen(p) >= 5) {
				sb_putc(&sb, (char)strtol((char[]){p[1], p[2], p[3],
				    p[4], 0}, NULL, 16));
				p += 4;
			}
			break;
		case '\0': p--; break;
		default: sb_putc(&sb, *p);
		}
	}
	return sb_steal(&sb);
}

/* A verdict from the journal row, for report_header and friends. */
static void
verdict_from_journal(const struct jverdict *jv, struct care_verdict *v)
{
	care_verdict_init(v);
	v->subject = jv->subject ? xstrdup(jv->subject) : NULL;
	if (jv->scope && strcmp(jv->scope, "skipped") == 0)
		v->skip = CARE_SKIP_INTERNAL;	/* any: it was not judged */
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		v->elements[e].present = jv->present[e];
		v->elements[e].evidence = jv->evidence[e] ? xstrdup(jv->evidence[e]) : NULL;
	}
	char **w = str_list_split(jv->missing ? jv->missing : "", NULL);

	for (char **p = w; *p; p++) {
		int e = care_element_lookup(*p);

		if (e >= 0)
			v->missing |= 1u << e;
	}
	str_list_free(w);
	w = str_list_split(jv->issues ? jv->issues : "", NULL);
	for (char **p = w; *p; p++) {
		int i = care_issue_lookup(*p);

		if (i >= 0) {
			v->issues[i].present = 1;
			v->issues[i].evidence = issue_evidence(jv->issues_json, *p);
		}
	}
	str_list_free(w);
	int a = jv->action ? care_action_lookup(jv->action) : -1;

	v->action = a >= 0 ? (enum care_action)a : CARE_HOLD;
}

/* ---- list -------------------------------------------------------------- */

static int
cmd_list(struct review *rv, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}
	};
	struct mta_held *held;
	struct care_err err = {""};
	size_t n;
	int json = 0, c;
	time_t now = time(NULL);

	optind = 0;	/* GNU: start afresh (main stopped at the command) */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'j') {
			usage(stderr);
			return EXIT_USAGE;
		}
		json = 1;
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (load_engine(rv) < 0)
		return EXIT_USAGE;
	if (open_journal_read(rv, 0) < 0)
		fprintf(stderr, "care-review: listing without verdicts\n");
	if (mta_list_held(rv->m, &held, &n, &err) < 0) {
		fprintf(stderr, "care-review: %s\n", err.msg);
		return EXIT_FAILED;
	}
	if (!json && n == 0)
		printf("no held replies\n");
	for (size_t i = 0; i < n; i++) {
		struct mta_held *h = &held[i];
		struct jverdict jv;
		char age[32];

		if (journal_lookup(rv->db, h->id, &jv) < 0)
			jv.found = 0;
		format_age(age, sizeof(age), h->arrival, now);
		if (json) {
			struct strbuf sb;

			sb_init(&sb, 0);
			sb_printf(&sb, "{\"queue_id\": \"%s\", \"arrival_time\": %lld, "
			    "\"age_seconds\": %lld, \"agent\": ", h->id,
			    (long long)h->arrival, h->arrival > 0 ?
			    (long long)(now - h->arrival) : 0LL);
			report_json_string(&sb, h->sender);
			sb_puts(&sb, ", \"customer\": [");
			for (size_t r = 0; r < h->nrcpts; r++) {
				if (r)
					sb_puts(&sb, ", ");
				report_json_string(&sb, h->rcpts[r]);
			}
			sb_puts(&sb, "], \"subject\": ");
			report_json_string(&sb, jv.subject);
			sb_puts(&sb, ", \"missing\": ");
			json_list(&sb, jv.missing);
			sb_puts(&sb, ", \"issues\": ");
			json_list(&sb, jv.issues);
			sb_puts(&sb, ", \"action\": ");
			report_json_string(&sb, jv.action);
			sb_printf(&sb, ", \"journal\": %s}\n", jv.found ? "true" : "false");
			fwrite(sb.s, 1, sb.len, stdout);
			sb_free(&sb);
		} else {
			if (i == 0)
				printf("%-16s %5s  %s\n", "QUEUE ID", "AGE",
				    "AGENT -> CUSTOMER");
			printf("%-16s %5s  ", h->id, age);
			puts_safe(stdout, *h->sender ? h->sender : "<>");
			printf(" ->");
			for (size_t r = 0; r < h->nrcpts; r++) {
				printf(r ? ", " : " ");
				puts_safe(stdout, h->rcpts[r]);
			}
			printf("\n%24s subject: ", "");
			puts_safe(stdout, jv.found ? (jv.subject ? jv.subject : "")
			    : "(no journal record)");
			if (jv.found) {
				printf("\n%24s missing: ", "");
				puts_safe(stdout, jv.missing ? jv.missing : "none");
				printf("; issues: ");
				puts_safe(stdout, jv.issues ? jv.issues : "none");
			}
			if (h->reason) {
				printf("\n%24s quarantine: ", "");
				puts_safe(stdout, h->reason);
			}
			printf("\n");
		}
		jverdict_free(&jv);
	}
	mta_held_free(held, n);
	return 0;
}

/* ---- show ---------------------------------------------------------------- */

/*
 * Finding evidence in the text: the analysis saw the text normalised
 * (typographic quotes and dashes made ASCII, lines joined, spaces
 * squeezed), so both are folded the same way (no white space, ASCII
 * lower case, the same substitutions) and compared folded; each folded
 * byte remembers where its character starts and ends in the original.
 */
struct folded {
	char *s;
	size_t *start, *end;
	size_t len, cap;
};

static void
fold_put(struct folded *f, const char *s, size_t n, size_t start, size_t end)
{
	for (size_t i = 0; i < n; i++) {
		if (f->len == f->cap) {
			f->cap = f->cap ? f->cap * 2 : 256;
			f->s = xrealloc(f->s, f->cap);
			f->start = xrealloc(f->start, f->cap * sizeof(size_t));
			f->end = xrealloc(f->end, f->cap * sizeof(size_t));
		}
		char c = s[i];

		f->s[f->len] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		f->start[f->len] = start;
		f->end[f->len] = end;
		f->len++;
	}
}

static void
fold(const char *in, size_t len, struct folded *f)
{
	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)in[i];
		size_t k = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		unsigned long cp;

		if (i + k > len)
			k = len - i;
		if (c < 0x80) {
			if (c == '`')
				fold_put(f, "'", 1, i, i + 1);
			else if (c > ' ' && c != 0x7F)
				fold_put(f, (const char *)&in[i], 1, i, i + 1);
			i++;
			continue;
		}
		cp = c & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);
		for (size_t j = 1; j < k; j++)
			cp = (cp << 6) | ((unsigned char)in[i + j] & 0x3F);
		switch (cp) {
		case 0x2018: case 0x2019: case 0x201B: case 0x02BC: case 0x00B4:
		case 0x2032:
			fold_put(f, "'", 1, i, i + k);
			break;
		case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB:
			fold_put(f, "\"", 1, i, i + k);
			break;
		case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
		case 0x2212:
			fold_put(f, "-", 1, i, i + k);
			break;
		case 0x2026:
			fold_put(f, "...", 3, i, i + k);
			break;
		case 0x00A0: case 0x2002: case 0x2003: case 0x2009: case 0x202F:
		case 0x2007: case 0x3000: case 0x200B: case 0x200C: case 0x200D:
		case 0xFEFF: case 0x00AD: case 0x2060: case 0x2022: case 0x25CF:
		case 0x25AA: case 0x2023: case 0x25E6:
			break;	/* spaces, invisible marks, bullets */
		default:
			fold_put(f, in + i, k, i, i + k);
		}
		i += k;
	}
}

static void
folded_free(struct folded *f)
{
	free(f->s);
	free(f->start);
	free(f->end);
}

/* Mark in 'mask' (one entry per byte of text) where 'evidence' is. */
static int
mark_evidence(const struct folded *ft, const char *evidence, unsigned short bit,
    unsigned short *mask)
{
	struct folded fe;
	size_t n;
	int found = 0;

	fold(evidence, strlen(evidence), &fe);
	n = fe.len;
	/* The analysis cuts long evidence and adds "..." */
	if (strlen(evidence) > 300 && n > 3 && memcmp(fe.s + n - 3, "...", 3) == 0)
		n -= 3;
	if (n > 0 && ft->len >= n) {
		const char *hit = memmem(ft->s, ft->len, fe.s, n);

		if (hit) {
			size_t k = (size_t)(hit - ft->s);

			for (size_t b = ft->start[k]; b < ft->end[k + n - 1]; b++)
				mask[b] |= bit;
			found = 1;
		}
	}
	folded_free(&fe);
	return found;
}

static const char *const element_color[CARE_NELEMENTS] = {
	"\033[1;32m", "\033[1;36m", "\033[1;34m", "\033[1;35m"
};
#define ISSUE_COLOR "\033[1;31m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static void
span_labels(struct strbuf *sb, unsigned short mask)
{
	int first = 1;

	for (int b = 0; b < CARE_NELEMENTS + CARE_NISSUES; b++)
		if (mask & (1u << b)) {
			sb_puts(sb, first ? "" : "+");
			sb_puts(sb, b < CARE_NELEMENTS ? care_element_name(b)
			    : care_issue_name(b - CARE_NELEMENTS));
			first = 0;
		}
}

/* Print the text with its marked spans: colour on a terminal, else
 * [label: text]. */
static void
print_marked(const char *text, size_t len, const unsigned short *mask, int color)
{
	struct strbuf lab;
	size_t i = 0;

	sb_init(&lab, 0);
	while (i < len) {
		size_t j = i;

		while (j < len && mask[j] == mask[i])
			j++;
		if (mask[i] == 0) {
			put_safe(stdout, text + i, j - i, 1);
		} else {
			sb_reset(&lab);
			span_labels(&lab, mask[i]);
			if (color) {
				int b = 0;

				while (!(mask[i] & (1u << b)))
					b++;
				fputs(b < CARE_NELEMENTS ? element_color[b] : ISSUE_COLOR, stdout);
				put_safe(stdout, text + i, j - i, 1);
				printf(RESET DIM "{%s}" RESET, lab.s);
			} else {
				printf("[%s: ", lab.s);
				put_safe(stdout, text + i, j - i, 1);
				printf("]");
			}
		}
		i = j;
	}
	if (len && text[len - 1] != '\n')
		printf("\n");
	sb_free(&lab);
}

/* The verdict of held message 'id': its journal record (jv->found), or,
 * when it has none (held by something else, or the record was lost),
 * the message judged again now. */
static void
held_verdict(struct review *rv, const char *id, const struct mta_held *h,
    const char *msg, size_t len, struct jverdict *jv, struct care_verdict *v)
{
	struct care_err err = {""};

	if (journal_lookup(rv->db, id, jv) < 0)
		jv->found = 0;
	if (jv->found) {
		verdict_from_journal(jv, v);
		return;
	}
	struct care_envelope env = {h->sender, h->rcpts, h->nrcpts};

	if (pipeline_run(rv->e, msg, len, &env, v, &err) < 0)
		fprintf(stderr, "care-review: %s: %s\n", id, err.msg);
}

static int
cmd_show(struct review *rv, int argc, char **argv)
{
	struct care_err err = {""};
	struct mta_held *h = NULL;
	struct jverdict jv;
	struct care_verdict v;
	struct strbuf text, sb;
	char *msg = NULL, age[32];
	size_t len;
	int rc;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *id = argv[1];

	if (validate_ids(&argv[1], 1) < 0)
		return EXIT_USAGE;
	if (load_engine(rv) < 0)
		return EXIT_USAGE;
	open_journal_read(rv, 1);
	if ((rc = mta_find_held(rv->m, id, &h, &err)) < 0 ||
	    (rc = mta_fetch(rv->m, id, &msg, &len, &err)) < 0) {
		fail(id, err.msg);
		mta_held_free(h, h ? 1 : 0);
		return EXIT_FAILED;
	}
	held_verdict(rv, id, h, msg, len, &jv, &v);
	format_age(age, sizeof(age), h->arrival, time(NULL));
	printf("Queue id:  %s (held %s)\nAgent:     ", id, age);
	puts_safe(stdout, *h->sender ? h->sender : "<>");
	printf("\nCustomer: ");
	for (size_t r = 0; r < h->nrcpts; r++) {
		printf(r ? ", " : " ");
		puts_safe(stdout, h->rcpts[r]);
	}
	printf("\nSubject:   ");
	puts_safe(stdout, v.subject ? v.subject : "");
	sb_init(&sb, 0);
	report_header(&v, &sb);
	printf("\nVerdict:   %s%s\nReason:    ", sb.s, jv.found ? ""
	    : " (judged now: no journal record)");
	sb_reset(&sb);
	report_reason(&v, &sb);
	printf("%s\n", sb.s);
	sb_free(&sb);

	sb_init(&text, 0);
	if (pipeline_extract(rv->e, msg, len, &text, &err) < 0)
		fprintf(stderr, "care-review: %s: %s\n", id, err.msg);
	unsigned short *mask = xcalloc(text.len + 1, sizeof(*mask));
	struct folded ft;
	int unplaced[CARE_NELEMENTS + CARE_NISSUES] = {0};

	fold(text.s ? text.s : "", text.len, &ft);
	for (int e = 0; e < CARE_NELEMENTS; e++)
		if (v.elements[e].present && v.elements[e].evidence)
			unplaced[e] = !mark_evidence(&ft, v.elements[e].evidence,
			    (unsigned short)(1u << e), mask);
	for (int i = 0; i < CARE_NISSUES; i++)
		if (v.issues[i].present && v.issues[i].evidence)
			unplaced[CARE_NELEMENTS + i] = !mark_evidence(&ft,
			    v.issues[i].evidence,
			    (unsigned short)(1u << (CARE_NELEMENTS + i)), mask);
	folded_free(&ft);
	printf("\n---- the agent's text (evidence marked) ----\n");
	print_marked(text.s ? text.s : "", text.len, mask, rv->color);
	printf("----\n\nElements:\n");
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		printf("  %-16s %s", care_element_name(e),
		    v.elements[e].present ? "yes" : (v.missing & (1u << e))
		    ? "MISSING" : "no");
		if (v.elements[e].present && v.elements[e].evidence && unplaced[e]) {
			printf("  \"");
			puts_safe(stdout, v.elements[e].evidence);
			printf("\"");
		}
		printf("\n");
	}
	int any = 0;

	for (int i = 0; i < CARE_NISSUES; i++)
		if (v.issues[i].present) {
			printf("%s  %-16s", any ? "" : "Issues:\n", care_issue_name(i));
			if (v.issues[i].evidence) {
				printf(" \"");
				puts_safe(stdout, v.issues[i].evidence);
				printf("\"");
			}
			printf("\n");
			any = 1;
		}
	if (v.missing) {
		printf("\nMissing, and how to add it:\n");
		for (int e = 0; e < CARE_NELEMENTS; e++)
			if (v.missing & (1u << e)) {
				printf("  %s: ", care_element_name(e));
				puts_safe(stdout, rv->e->cf->hint[e] ? rv->e->cf->hint[e] : "");
				printf("\n");
			}
	}
	free(mask);
	sb_free(&text);
	care_verdict_free(&v);
	jverdict_free(&jv);
	mta_held_free(h, 1);
	free(msg);
	return 0;
}

/* ---- release, delete ------------------------------------------------------ */

static int
record(struct review *rv, const char *id, const char *decision, const char *note)
{
	if (journal_decision(rv->j, id, rv->who, decision, note) < 0) {
		fprintf(stderr, "care-review: %s: %s done, but the decision could not "
		    "be recorded in the journal\n", id, decision);
		return -1;
	}
	return 0;
}

static int
cmd_act(struct review *rv, int argc, char **argv, int release)
{
	const char *decision = release ? "release" : "delete";
	int status = 0;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (validate_ids(argv + 1, argc - 1) < 0)
		return EXIT_USAGE;
	if (load_engine(rv) < 0 || open_journal_write(rv) < 0)
		return EXIT_USAGE;
	for (int i = 1; i < argc; i++) {
		struct care_err err = {""};
		const char *id = argv[i];
		int rc = release ? mta_release(rv->m, id, &err)
		    : mta_delete(rv->m, id, &err);

		if (rc < 0) {
			fail(id, err.msg);
			status = EXIT_FAILED;
			continue;
		}
		if (err.msg[0])		/* done, with a warning */
			fail(id, err.msg);
		if (record(rv, id, decision, NULL) < 0)
			status = EXIT_FAILED;
		printf("%s: %s\n", id, release ? "released" : "deleted");
	}
	return status;
}

/* ---- return ------------------------------------------------------------------ */

/* Quoted-printable (RFC 2045) of UTF-8 text, lines cut at 76. */
static void
qp_encode(struct strbuf *out, const char *s)
{
	size_t col = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4];
		size_t n;

		if (c == '\n') {
			sb_putc(out, '\n');
			col = 0;
			continue;
		}
		/* Trailing white space and non-ASCII are encoded. */
		if ((c >= 33 && c <= 126 && c != '=') ||
		    (c == ' ' && s[1] != '\n' && s[1] != '\0')) {
			enc[0] = (char)c;
			n = 1;
		} else {
			snprintf(enc, sizeof(enc), "=%02X", c);
			n = 3;
		}
		if (col + n > 75) {
			sb_puts(out, "=\n");
			col = 0;
		}
		sb_append(out, enc, n);
		col += n;
	}
}

/* An RFC 2047 header value (GMime folds and encodes as needed). */
static void
put_header(struct strbuf *out, const char *name, const char *value)
{
	char *enc = g_mime_utils_header_encode_text(NULL, value, "utf-8");

	sb_printf(out, "%s: %s\n", name, enc ? enc : "");
	g_free(enc);
}

/* A boundary found neither in the text nor in the attached message. */
static char *
make_boundary(const char *a, const char *b, size_t blen)
{
	for (;;) {
		unsigned char r[12];
		FILE *fp = fopen("/dev/urandom", "re");
		size_t got = fp ? fread(r, 1, sizeof(r), fp) : 0;

		if (fp)
			fclose(fp);
		for (size_t i = got; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ (int)time(NULL));
		char *bd = xasprintf("=_care-review_%02x%02x%02x%02x%02x%02x%02x%02x"
		    "%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7],
		    r[8], r[9], r[10], r[11]);

		if (strstr(a, bd) == NULL && memmem(b, blen, bd, strlen(bd)) == NULL)
			return bd;
		free(bd);
	}
}

/*
 * The agent's copy: a text part (what was decided, why, the note, how
 * to fix what is missing) and the held reply as message/rfc822.  It is
 * marked Auto-Submitted so that care-milter (and autoresponders) leave
 * it alone.
 */
static char *
build_return(struct review *rv, const struct mta_held *h,
    const struct care_verdict *v, const char *note, const char *msg,
    size_t len, size_t *outlen)
{
	struct strbuf body, out, tmp;
	char date[64], *bd, host[256];
	time_t now = time(NULL);
	struct tm tm;
	int eight = 0;

	for (size_t i = 0; i < len && !eight; i++)
		eight = (unsigned char)msg[i] >= 0x80;
	sb_init(&body, 0);
	sb_init(&tmp, 0);
	sb_printf(&body, "Your reply was not sent. A supervisor (%s) returned it "
	    "to you.\n\n", rv->who);
	sb_printf(&body, "To:       ");
	for (size_t r = 0; r < h->nrcpts; r++)
		sb_printf(&body, "%s%s", r ? ", " : "", h->rcpts[r]);
	sb_printf(&body, "\nSubject:  %s\n", v->subject ? v->subject : "");
	report_header(v, &tmp);
	sb_printf(&body, "Verdict:  %s\n", tmp.s);
	sb_reset(&tmp);
	report_reason(v, &tmp);
	sb_printf(&body, "Reason:   %s\n\nSupervisor's note:\n%s\n", tmp.s, note);
	if (v->missing) {
		sb_puts(&body, "\nWhat to add before you send it again:\n");
		for (int e = 0; e < CARE_NELEMENTS; e++)
			if (v->missing & (1u << e))
				sb_printf(&body, "- %s: %s\n", care_element_name(e),
				    rv->e->cf->hint[e] ? rv->e->cf->hint[e] : "");
	}
	sb_puts(&body, "\nYour reply is attached as it was held. The customer "
	    "has not received it.\n");
	sb_free(&tmp);

	bd = make_boundary(body.s, msg, len);
	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	sb_init(&out, 0);
	sb_printf(&out, "From: Care review <%s>\n", rv->who);
	sb_printf(&out, "To: <%s>\n", h->sender);
	char *subj = xasprintf("Returned: %s", v->subject ? v->subject : "(no subject)");

	put_header(&out, "Subject", subj);
	free(subj);
	sb_printf(&out, "Date: %s\n", date);
	sb_printf(&out, "Message-ID: <care-review.%lld.%ld.%s@%s>\n", (long long)now,
	    (long)getpid(), h->id, host);
	sb_puts(&out, "Auto-Submitted: auto-generated\n");
	sb_printf(&out, "X-Care-Review: returned; queue-id=%s; by=%s\n", h->id, rv->who);
	sb_puts(&out, "MIME-Version: 1.0\n");
	sb_printf(&out, "Content-Type: multipart/mixed; boundary=\"%s\"\n\n", bd);
	sb_puts(&out, "This is a MIME message.\n\n");
	sb_printf(&out, "--%s\n", bd);
	/* Plain 7bit or 8bit reads best in any client; quoted-printable
	 * only when a line (a long note) is too long for SMTP. */
	size_t longest = 0, cur = 0;
	int body8 = 0;

	for (const char *p = body.s; *p; p++) {
		cur = *p == '\n' ? 0 : cur + 1;
		longest = cur > longest ? cur : longest;
		body8 |= (unsigned char)*p >= 0x80;
	}
	sb_printf(&out, "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: %s\n\n", longest > 900 ? "quoted-printable"
	    : body8 ? "8bit" : "7bit");
	if (longest > 900)
		qp_encode(&out, body.s);
	else
		sb_puts(&out, body.s);
	sb_printf(&out, "\n--%s\n", bd);
	sb_printf(&out, "Content-Type: message/rfc822\n"
	    "Content-Disposition: attachment; filename=\"reply-%s.eml\"\n"
	    "Content-Transfer-Encoding: %s\n\n", h->id, eight ? "8bit" : "7bit");
	sb_append(&out, msg, len);
	if (len && msg[len - 1] != '\n')
		sb_putc(&out, '\n');
	sb_printf(&out, "\n--%s--\n", bd);
	free(bd);
	sb_free(&body);
	*outlen = out.len;
	return sb_steal(&out);
}

static int
cmd_return(struct review *rv, int argc, char **argv)
{
	static const struct option opts[] = {
		{"note", required_argument, NULL, 'n'}, {NULL, 0, NULL, 0}
	};
	struct care_err err = {""};
	struct mta_held *h = NULL;
	struct jverdict jv;
	struct care_verdict v;
	const char *note = NULL, *id;
	char *msg = NULL, *ret;
	size_t len, rlen;
	int c, status = 0;

	optind = 0;	/* GNU: start afresh (main stopped at the command) */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'n') {
			usage(stderr);
			return EXIT_USAGE;
		}
		note = optarg;
	}
	if (optind != argc - 1 || note == NULL || *str_trim((char *)note) == '\0') {
		fprintf(stderr, "care-review: return needs one ID and --note TEXT\n");
		return EXIT_USAGE;
	}
	id = argv[optind];
	if (validate_ids(&argv[optind], 1) < 0)
		return EXIT_USAGE;
	if (load_engine(rv) < 0 || open_journal_write(rv) < 0)
		return EXIT_USAGE;
	if (mta_find_held(rv->m, id, &h, &err) < 0 ||
	    mta_fetch(rv->m, id, &msg, &len, &err) < 0) {
		fail(id, err.msg);
		mta_held_free(h, h ? 1 : 0);
		return EXIT_FAILED;
	}
	if (*h->sender == '\0') {
		fprintf(stderr, "care-review: %s: it has no sender to return it to\n", id);
		mta_held_free(h, 1);
		free(msg);
		return EXIT_FAILED;
	}
	held_verdict(rv, id, h, msg, len, &jv, &v);
	ret = build_return(rv, h, &v, note, msg, len, &rlen);
	/* Delete only once the agent's copy is safely with the MTA. */
	if (mta_submit(rv->m, rv->who, h->sender, ret, rlen, &err) < 0) {
		fprintf(stderr, "care-review: %s: not returned: %s\n", id, err.msg);
		status = EXIT_FAILED;
	} else {
		err.msg[0] = '\0';
		if (mta_delete(rv->m, id, &err) < 0) {
			fprintf(stderr, "care-review: %s: returned to the agent, but the "
			    "held copy is still queued: %s\n", id, err.msg);
			status = EXIT_FAILED;
		}
		if (record(rv, id, "return", note) < 0)
			status = EXIT_FAILED;
		printf("%s: returned to ", id);
		puts_safe(stdout, h->sender);
		printf("\n");
	}
	free(ret);
	care_verdict_free(&v);
	jverdict_free(&jv);
	mta_held_free(h, 1);
	free(msg);
	return status;
}

/* ---- stats --------------------------------------------------------------------- */

/* "7d", "24h", "30m", "2w", "90s", or "all" (0).  -1 when malformed. */
static long long
parse_since(const char *s)
{
	char *end;
	long long n;

	if (strcmp(s, "all") == 0)
		return 0;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || n < 0 || end == s || end[0] == '\0' || end[1] != '\0')
		return -1;
	switch (*end) {
	case 's': return n;
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	case 'w': return n * 7 * 86400;
	}
	return -1;
}

enum { ST_JUDGED, ST_PASSED, ST_EL0, ST_IS0 = ST_EL0 + CARE_NELEMENTS,
	ST_FLAG = ST_IS0 + CARE_NISSUES, ST_HOLD, ST_REJECT, ST_RELEASE,
	ST_DELETE, ST_RETURN, ST_N };

struct stat_row {
	char *key;
	long long n[ST_N];
};

static struct stat_row *
row_for(struct stat_row **rows, size_t *count, const char *key)
{
	for (size_t i = 0; i < *count; i++)
		if (strcmp((*rows)[i].key, key) == 0)
			return &(*rows)[i];
	*rows = xrealloc(*rows, (*count + 1) * sizeof(**rows));
	struct stat_row *r = &(*rows)[(*count)++];

	memset(r, 0, sizeof(*r));
	r->key = xstrdup(key);
	return r;
}

static void
csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		puts_safe(stdout, s);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		if (*s == '\r' || *s == '\n')
			putchar(' ');
		else
			put_safe(stdout, s, 1, 0);
	}
	putchar('"');
}

static double
rate(long long a, long long b)
{
	return b ? (double)a / (double)b : 0.0;
}

static int
cmd_stats(struct review *rv, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"by", required_argument, NULL, 'b'},
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'C'},
		{NULL, 0, NULL, 0}
	};
	const char *since = "7d", *by = "agent";
	int format = 0, c;	/* 0 text, 'j' json, 'C' csv */
	long long span;

	optind = 0;	/* GNU: start afresh (main stopped at the command) */
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': since = optarg; break;
		case 'b': by = optarg; break;
		case 'j': case 'C':
			if (format && format != c) {
				fprintf(stderr, "care-review: --json or --csv, not both\n");
				return EXIT_USAGE;
			}
			format = c;
			break;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((span = parse_since(since)) < 0) {
		fprintf(stderr, "care-review: --since %s: use e.g. 7d, 24h, 2w or all\n",
		    since);
		return EXIT_USAGE;
	}
	int by_day = strcmp(by, "day") == 0;

	if (!by_day && strcmp(by, "agent") != 0) {
		fprintf(stderr, "care-review: --by agent or --by day\n");
		return EXIT_USAGE;
	}
	if (load_engine(rv) < 0 || open_journal_read(rv, 0) < 0)
		return EXIT_USAGE;

	long long cutoff = span ? (long long)time(NULL) - span : 0;
	const char *key = by_day ? "date(time, 'unixepoch', 'localtime')"
	    : "coalesce(sender, '')";
	struct stat_row *rows = NULL;
	size_t nrows = 0;
	sqlite3_stmt *st = NULL;
	char *sql = xasprintf("SELECT %s AS k, COUNT(*),"
	    " SUM(missing IS NULL AND issues IS NULL),"
	    " SUM(acknowledgment), SUM(empathy), SUM(solution), SUM(follow_up),"
	    " SUM(instr(',' || coalesce(issues, '') || ',', ',cliche,') > 0),"
	    " SUM(instr(',' || coalesce(issues, '') || ',', ',conditional_apology,') > 0),"
	    " SUM(instr(',' || coalesce(issues, '') || ',', ',blame,') > 0),"
	    " SUM(instr(',' || coalesce(issues, '') || ',', ',excuse,') > 0),"
	    " SUM(action = 'flag'), SUM(action = 'hold'), SUM(action = 'reject')"
	    " FROM verdicts WHERE scope = 'checked' AND time >= ?"
	    " GROUP BY k ORDER BY k", key);
	int ok = sqlite3_prepare_v2(rv->db, sql, -1, &st, NULL) == SQLITE_OK;

	free(sql);
	if (ok) {
		sqlite3_bind_int64(st, 1, cutoff);
		while ((c = sqlite3_step(st)) == SQLITE_ROW) {
			const unsigned char *k = sqlite3_column_text(st, 0);
			struct stat_row *r = row_for(&rows, &nrows, k ? (const char *)k : "");

			for (int i = 0; i <= ST_REJECT; i++)
				r->n[i] = sqlite3_column_int64(st, i + 1);
		}
		ok = c == SQLITE_DONE;
	}
	sqlite3_finalize(st);
	/* Decisions belong to the reply they decided: its agent, its day. */
	sql = xasprintf("SELECT %s AS k, d.decision, COUNT(*) FROM decisions d"
	    " JOIN verdicts v ON v.id = (SELECT MAX(id) FROM verdicts"
	    "  WHERE queue_id = d.queue_id)"
	    " WHERE v.scope = 'checked' AND v.time >= ? GROUP BY k, d.decision",
	    by_day ? "date(v.time, 'unixepoch', 'localtime')"
	    : "coalesce(v.sender, '')");
	if (ok && (ok = sqlite3_prepare_v2(rv->db, sql, -1, &st, NULL) == SQLITE_OK)) {
		sqlite3_bind_int64(st, 1, cutoff);
		while ((c = sqlite3_step(st)) == SQLITE_ROW) {
			const unsigned char *k = sqlite3_column_text(st, 0);
			const char *d = (const char *)sqlite3_column_text(st, 1);
			struct stat_row *r = row_for(&rows, &nrows, k ? (const char *)k : "");
			long long n = sqlite3_column_int64(st, 2);

			if (d && strcmp(d, "release") == 0)
				r->n[ST_RELEASE] += n;
			else if (d && strcmp(d, "delete") == 0)
				r->n[ST_DELETE] += n;
			else if (d && strcmp(d, "return") == 0)
				r->n[ST_RETURN] += n;
		}
		ok = c == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	free(sql);
	if (!ok) {
		fprintf(stderr, "care-review: journal: %s\n", sqlite3_errmsg(rv->db));
		for (size_t i = 0; i < nrows; i++)
			free(rows[i].key);
		free(rows);
		return EXIT_USAGE;
	}

	const char *kname = by_day ? "day" : "agent";
	struct stat_row total;

	memset(&total, 0, sizeof(total));
	for (size_t i = 0; i < nrows; i++)
		for (int k = 0; k < ST_N; k++)
			total.n[k] += rows[i].n[k];
	if (format == 'C') {
		printf("%s,judged,passed,pass_rate", kname);
		for (int e = 0; e < CARE_NELEMENTS; e++)
			printf(",%s_rate", care_element_name(e));
		for (int i = 0; i < CARE_NISSUES; i++)
			printf(",%s", care_issue_name(i));
		printf(",flagged,held,rejected,released,deleted,returned\n");
	} else if (format == 0) {
		printf("%-28s %6s %6s %5s %5s %5s %5s %6s %5s %5s %6s %5s %5s %5s %5s %5s\n",
		    kname, "judged", "pass%", "ack%", "emp%", "sol%", "fup%", "cliche",
		    "cond", "blame", "excuse", "held", "rel", "del", "ret", "rej");
	}
	for (size_t i = 0; i <= nrows; i++) {
		struct stat_row *r = i < nrows ? &rows[i] : &total;
		long long *n = r->n;

		if (format == 'j' && i < nrows) {
			struct strbuf sb;

			sb_init(&sb, 0);
			sb_printf(&sb, "{\"%s\": ", kname);
			report_json_string(&sb, r->key);
			sb_printf(&sb, ", \"judged\": %lld, \"passed\": %lld, "
			    "\"pass_rate\": %.4f, \"elements\": {", n[ST_JUDGED],
			    n[ST_PASSED], rate(n[ST_PASSED], n[ST_JUDGED]));
			for (int e = 0; e < CARE_NELEMENTS; e++)
				sb_printf(&sb, "%s\"%s\": {\"present\": %lld, \"rate\": %.4f}",
				    e ? ", " : "", care_element_name(e), n[ST_EL0 + e],
				    rate(n[ST_EL0 + e], n[ST_JUDGED]));
			sb_puts(&sb, "}, \"issues\": {");
			for (int k = 0; k < CARE_NISSUES; k++)
				sb_printf(&sb, "%s\"%s\": %lld", k ? ", " : "",
				    care_issue_name(k), n[ST_IS0 + k]);
			sb_printf(&sb, "}, \"actions\": {\"flag\": %lld, \"hold\": %lld, "
			    "\"reject\": %lld}, \"holds\": %lld, \"decisions\": "
			    "{\"release\": %lld, \"delete\": %lld, \"return\": %lld}}\n",
			    n[ST_FLAG], n[ST_HOLD], n[ST_REJECT], n[ST_HOLD],
			    n[ST_RELEASE], n[ST_DELETE], n[ST_RETURN]);
			fwrite(sb.s, 1, sb.len, stdout);
			sb_free(&sb);
		} else if (format == 'C' && i < nrows) {
			csv_field(r->key);
			printf(",%lld,%lld,%.4f", n[ST_JUDGED], n[ST_PASSED],
			    rate(n[ST_PASSED], n[ST_JUDGED]));
			for (int e = 0; e < CARE_NELEMENTS; e++)
				printf(",%.4f", rate(n[ST_EL0 + e], n[ST_JUDGED]));
			for (int k = 0; k < CARE_NISSUES; k++)
				printf(",%lld", n[ST_IS0 + k]);
			printf(",%lld,%lld,%lld,%lld,%lld,%lld\n", n[ST_FLAG], n[ST_HOLD],
			    n[ST_REJECT], n[ST_RELEASE], n[ST_DELETE], n[ST_RETURN]);
		} else if (format == 0 && (i < nrows || nrows > 1)) {
			printf("%-28.28s", i < nrows ? (*r->key ? r->key : "<>") : "total");
			printf(" %6lld %5.0f%%", n[ST_JUDGED],
			    100 * rate(n[ST_PASSED], n[ST_JUDGED]));
			for (int e = 0; e < CARE_NELEMENTS; e++)
				printf(" %4.0f%%", 100 * rate(n[ST_EL0 + e], n[ST_JUDGED]));
			printf(" %6lld %5lld %5lld %6lld %5lld %5lld %5lld %5lld %5lld\n",
			    n[ST_IS0], n[ST_IS0 + 1], n[ST_IS0 + 2], n[ST_IS0 + 3],
			    n[ST_HOLD], n[ST_RELEASE], n[ST_DELETE], n[ST_RETURN],
			    n[ST_REJECT]);
		}
	}
	if (format == 0 && nrows == 0)
		printf("no judged replies %s%s\n", span ? "in the last " : "",
		    span ? since : "");
	for (size_t i = 0; i < nrows; i++)
		free(rows[i].key);
	free(rows);
	return 0;
}

/* ---- purge ---------------------------------------------------------------------- */

static int
cmd_purge(struct review *rv, int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (load_engine(rv) < 0 || open_journal_write(rv) < 0)
		return EXIT_USAGE;
	long n = journal_purge(rv->j, rv->e->cf->retention_days);

	if (n < 0) {
		fprintf(stderr, "care-review: purge failed (see above)\n");
		return EXIT_USAGE;
	}
	printf("purged %ld records older than %u days\n", n, rv->e->cf->retention_days);
	return 0;
}

/* ---- main ------------------------------------------------------------------------ */

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	struct review rv;
	int c, rc;

	memset(&rv, 0, sizeof(rv));
	/* '+': options after the command are the command's. */
	while ((c = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': rv.config = optarg; break;
		case 'V': printf("care-review %s\n", CARE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	log_open("care-review", 0, 0, 1);
	log_set_level(LOG_LEVEL_WARNING);
	find_who(&rv);
	rv.color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	    !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0);

	const char *cmd = argv[optind];
	int cargc = argc - optind;
	char **cargv = argv + optind;

	if (strcmp(cmd, "list") == 0)
		rc = cmd_list(&rv, cargc, cargv);
	else if (strcmp(cmd, "show") == 0)
		rc = cmd_show(&rv, cargc, cargv);
	else if (strcmp(cmd, "release") == 0)
		rc = cmd_act(&rv, cargc, cargv, 1);
	else if (strcmp(cmd, "delete") == 0)
		rc = cmd_act(&rv, cargc, cargv, 0);
	else if (strcmp(cmd, "return") == 0)
		rc = cmd_return(&rv, cargc, cargv);
	else if (strcmp(cmd, "stats") == 0)
		rc = cmd_stats(&rv, cargc, cargv);
	else if (strcmp(cmd, "purge") == 0)
		rc = cmd_purge(&rv, cargc, cargv);
	else {
		fprintf(stderr, "care-review: unknown command \"");
		puts_safe(stderr, cmd);
		fprintf(stderr, "\"\n");
		usage(stderr);
		rc = EXIT_USAGE;
	}
	review_close(&rv);
	return rc;
}
