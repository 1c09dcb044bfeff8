/*
 * config.c - read and validate the configuration file (see config.h).
 *
 * Each key has a row in 'keys' below: its name, its type and where it
 * lands in struct config.  Adding a key is adding a row and a default.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "log.h"
#include "util.h"

#ifndef CARE_SYSCONFDIR
#define CARE_SYSCONFDIR "/etc/care-milter"
#endif

enum key_type {
	K_STRING,		/* char *, "" or "none" clears */
	K_BOOL,			/* int */
	K_INT,			/* int, >= 0 */
	K_SIZE,			/* size_t, with k/m suffix */
	K_OCTAL,		/* unsigned, file mode */
	K_LIST,			/* char ** */
	K_PATHS,		/* char **, relative to the config's folder */
	K_ELEMENTS,		/* unsigned bit set of elements */
	K_ISSUES,		/* unsigned bit set of issue kinds */
	K_SPECIAL		/* handled by set_special() */
};

struct key {
	const char *name;
	enum key_type type;
	size_t off;
};

#define F(field) offsetof(struct config, field)

static const struct key keys[] = {
	{"Socket", K_STRING, F(socket)},
	{"SocketMode", K_OCTAL, F(socket_mode)},
	{"SocketGroup", K_STRING, F(socket_group)},
	{"UserID", K_STRING, F(user)},
	{"PidFile", K_STRING, F(pid_file)},
	{"Syslog", K_BOOL, F(syslog)},
	{"SyslogFacility", K_SPECIAL, F(syslog_facility)},
	{"LogLevel", K_SPECIAL, F(log_level)},
	{"Timeout", K_INT, F(timeout)},
	{"Backlog", K_INT, F(backlog)},
	{"On-InternalError", K_SPECIAL, F(on_internal_error)},
	{"ReviewCopyTo", K_STRING, F(review_copy_to)},
	{"RuleFiles", K_PATHS, F(rule_files)},
	{"MaxScanBytes", K_SIZE, F(max_scan_bytes)},
	{"MaxMessageBytes", K_SIZE, F(max_message_bytes)},
	{"MaxMimeDepth", K_INT, F(max_mime_depth)},
	{"MaxMimeParts", K_INT, F(max_mime_parts)},
	{"RegexMatchLimit", K_INT, F(regex_match_limit)},
	{"RegexDepthLimit", K_INT, F(regex_depth_limit)},
	{"SupportSenders", K_LIST, F(support_senders)},
	{"InternalDomains", K_LIST, F(internal_domains)},
	{"RequireReply", K_BOOL, F(require_reply)},
	{"RequiredElements", K_ELEMENTS, F(required)},
	{"FlagMissing", K_INT, F(flag_missing)},
	{"HoldMissing", K_INT, F(hold_missing)},
	{"RejectMissing", K_INT, F(reject_missing)},
	{"FlagIssues", K_ISSUES, F(flag_issues)},
	{"HoldIssues", K_ISSUES, F(hold_issues)},
	{"RejectIssues", K_ISSUES, F(reject_issues)},
	{"Reject", K_BOOL, F(reject)},
	{"RejectText", K_STRING, F(reject_text)},
	{"HeaderPrefix", K_SPECIAL, F(header_prefix)},
	{"AddPassHeader", K_BOOL, F(add_pass_header)},
	{"HeaderMode", K_SPECIAL, F(header_mode)},
	{"Journal", K_STRING, F(journal)},
	{"JournalChecks", K_BOOL, F(journal_checks)},
	{"JournalRetention", K_SPECIAL, F(retention_days)},
	{"MTA", K_SPECIAL, F(mta)},
	{"PostfixConfigDir", K_STRING, F(postfix_config_dir)},
	{"SendmailPath", K_STRING, F(sendmail_path)},
	{"Hint.acknowledgment", K_STRING, F(hint[CARE_ACK])},
	{"Hint.empathy", K_STRING, F(hint[CARE_EMPATHY])},
	{"Hint.solution", K_STRING, F(hint[CARE_SOLUTION])},
	{"Hint.follow_up", K_STRING, F(hint[CARE_FOLLOW_UP])},
};

struct loader {
	struct config *cf;
	const char *file;
	int line;
	int errors;
	config_errfn errfn;
	void *arg;
	char *dir;		/* folder of the config file, for K_PATHS */
};

static void
cfg_error(struct loader *ld, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
cfg_error(struct loader *ld, const char *fmt, ...)
{
	char msg[400], full[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%d: %s", ld->file, ld->line, msg);
	ld->errors++;
	if (ld->errfn)
		ld->errfn(ld->arg, full);
}

static char **
list_of(const char *a, ...)
{
	va_list ap;
	size_t n = 0;
	char **v = xcalloc(8, sizeof(*v));

	va_start(ap, a);
	for (const char *s = a; s && n < 7; s = va_arg(ap, const char *))
		v[n++] = xstrdup(s);
	va_end(ap);
	return v;
}

struct config *
config_defaults(void)
{
	struct config *cf = xcalloc(1, sizeof(*cf));

	cf->socket = xstrdup("unix:/run/care-milter/care-milter.sock");
	cf->socket_mode = 0660;
	cf->syslog = 1;
	cf->syslog_facility = LOG_MAIL;
	cf->log_level = LOG_LEVEL_INFO;
	cf->timeout = 30;
	cf->backlog = 128;
	cf->on_internal_error = CARE_ACCEPT;
	cf->rule_files = list_of(CARE_SYSCONFDIR "/rules/en.rules",
	    CARE_SYSCONFDIR "/rules/trim.rules", NULL);
	cf->max_scan_bytes = 256 * 1024;
	cf->max_message_bytes = 2 * 1024 * 1024;
	cf->max_mime_depth = 16;
	cf->max_mime_parts = 64;
	cf->regex_match_limit = 100000;
	cf->regex_depth_limit = 1000;
	cf->support_senders = NULL;	/* everyone */
	cf->internal_domains = NULL;
	cf->require_reply = 1;
	cf->required = (1u << CARE_NELEMENTS) - 1;
	cf->flag_missing = 1;
	cf->hold_missing = 3;
	cf->reject_missing = 0;
	cf->flag_issues = (1u << CARE_NISSUES) - 1;
	cf->hold_issues = 1u << CARE_BLAME;
	cf->reject_issues = 0;
	cf->reject = 0;
	cf->reject_text = xstrdup("Reply not sent:");
	cf->header_prefix = xstrdup("X-Care");
	cf->add_pass_header = 1;
	cf->header_mode = HEADER_ALL;
	cf->journal = NULL;
	cf->retention_days = 90;
	cf->mta = MTA_POSTFIX;
	cf->postfix_config_dir = xstrdup("/etc/postfix");
	cf->sendmail_path = xstrdup("/usr/sbin/sendmail");
	cf->hint[CARE_ACK] = xstrdup("Name the customer's problem and own it: "
	    "\"I'm sorry your order arrived damaged.\"");
	cf->hint[CARE_EMPATHY] = xstrdup("Say how it affected them: "
	    "\"I know how frustrating it is to wait in for a delivery.\"");
	cf->hint[CARE_SOLUTION] = xstrdup("Say what you have done or will do, "
	    "or give options or steps: \"I've issued a full refund.\"");
	cf->hint[CARE_FOLLOW_UP] = xstrdup("Invite a reply or promise to check "
	    "back: \"Let me know if the replacement arrives safely.\"");
	return cf;
}

void
config_free(struct config *cf)
{
	if (cf == NULL)
		return;
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		void *p = (char *)cf + keys[i].off;

		if (keys[i].type == K_STRING ||
		    (keys[i].type == K_SPECIAL && strcmp(keys[i].name, "HeaderPrefix") == 0))
			free(*(char **)p);
		else if (keys[i].type == K_LIST || keys[i].type == K_PATHS)
			str_list_free(*(char ***)p);
	}
	free(cf->path);
	free(cf);
}

static int
parse_bool(const char *v, int *out)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (str_casecmp_ascii(v, yes[i]) == 0)
			return *out = 1, 0;
		if (str_casecmp_ascii(v, no[i]) == 0)
			return *out = 0, 0;
	}
	return -1;
}

static int
parse_ulong(const char *v, unsigned long long *out, int base, int suffix)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoull(v, &end, base);
	if (errno)
		return -1;
	if (suffix && *end) {
		unsigned long long mul = 0;

		if (str_casecmp_ascii(end, "k") == 0 || str_casecmp_ascii(end, "kb") == 0)
			mul = 1024;
		else if (str_casecmp_ascii(end, "m") == 0 || str_casecmp_ascii(end, "mb") == 0)
			mul = 1024 * 1024;
		if (mul == 0 || *out > (1ull << 40) / mul)
			return -1;
		*out *= mul;
		end += strlen(end);
	}
	return *end ? -1 : 0;
}

/* A bit set of names, looked up with 'lookup'; "none" is the empty set. */
static int
parse_set(struct loader *ld, const char *v, int (*lookup)(const char *),
    unsigned *out)
{
	char **w = str_list_split(v, NULL);
	unsigned set = 0;
	int bad = 0;

	for (char **p = w; *p; p++) {
		if (str_casecmp_ascii(*p, "none") == 0)
			continue;
		int i = lookup(*p);

		if (i < 0) {
			cfg_error(ld, "unknown name \"%s\"", *p);
			bad = 1;
		} else
			set |= 1u << i;
	}
	str_list_free(w);
	*out = set;
	return bad ? -1 : 0;
}

static int
issue_lookup_cb(const char *s)
{
	return care_issue_lookup(s);
}

static int
element_lookup_cb(const char *s)
{
	return care_element_lookup(s);
}

static char *
resolve_path(const struct loader *ld, const char *p)
{
	if (p[0] == '/' || ld->dir == NULL)
		return xstrdup(p);
	return xasprintf("%s/%s", ld->dir, p);
}

static void
set_special(struct loader *ld, const char *name, const char *v, void *p)
{
	int i;

	if (str_casecmp_ascii(name, "SyslogFacility") == 0) {
		if ((i = log_facility_lookup(v)) < 0)
			cfg_error(ld, "unknown syslog facility \"%s\"", v);
		else
			*(int *)p = i;
	} else if (str_casecmp_ascii(name, "LogLevel") == 0) {
		if ((i = log_level_lookup(v)) < 0)
			cfg_error(ld, "LogLevel must be error, warning, notice, info or debug");
		else
			*(int *)p = i;
	} else if (str_casecmp_ascii(name, "On-InternalError") == 0) {
		if (str_casecmp_ascii(v, "accept") == 0)
			*(int *)p = CARE_ACCEPT;
		else if (str_casecmp_ascii(v, "tempfail") == 0)
			*(int *)p = CONFIG_ON_ERROR_TEMPFAIL;
		else if (str_casecmp_ascii(v, "reject") == 0)
			*(int *)p = CARE_REJECT;
		else
			cfg_error(ld, "On-InternalError must be accept, tempfail or reject");
	} else if (str_casecmp_ascii(name, "HeaderPrefix") == 0) {
		for (const char *c = v; *c; c++)
			if (*c <= ' ' || *c >= 127 || *c == ':') {
				cfg_error(ld, "HeaderPrefix must be a header field name");
				return;
			}
		free(*(char **)p);
		*(char **)p = xstrdup(v);
	} else if (str_casecmp_ascii(name, "HeaderMode") == 0) {
		static const char *modes[] = {"all", "fail", "hold", "none"};

		for (i = 0; i < 4; i++)
			if (str_casecmp_ascii(v, modes[i]) == 0)
				break;
		if (i == 4)
			cfg_error(ld, "HeaderMode must be all, fail, hold or none");
		else
			*(int *)p = i;
	} else if (str_casecmp_ascii(name, "JournalRetention") == 0) {
		unsigned long long d;
		size_t n = strlen(v);
		char *num = xstrdup(v);

		if (n > 1 && (num[n - 1] == 'd' || num[n - 1] == 'D'))
			num[n - 1] = '\0';
		if (parse_ulong(num, &d, 10, 0) < 0 || d > 36500)
			cfg_error(ld, "JournalRetention must be a number of days, e.g. 90d");
		else
			*(unsigned *)p = (unsigned)d;
		free(num);
	} else if (str_casecmp_ascii(name, "MTA") == 0) {
		if (str_casecmp_ascii(v, "postfix") == 0)
			*(int *)p = MTA_POSTFIX;
		else if (str_casecmp_ascii(v, "sendmail") == 0)
			*(int *)p = MTA_SENDMAIL;
		else
			cfg_error(ld, "MTA must be postfix or sendmail");
	}
}

static void
set_key(struct loader *ld, const struct key *k, const char *v)
{
	void *p = (char *)ld->cf + k->off;
	unsigned long long n;
	int b;

	switch (k->type) {
	case K_STRING:
		free(*(char **)p);
		*(char **)p = (*v == '\0' || str_casecmp_ascii(v, "none") == 0)
		    ? NULL : xstrdup(v);
		break;
	case K_BOOL:
		if (parse_bool(v, &b) < 0)
			cfg_error(ld, "%s must be yes or no", k->name);
		else
			*(int *)p = b;
		break;
	case K_INT:
		if (parse_ulong(v, &n, 10, 0) < 0 || n > 100000000)
			cfg_error(ld, "%s must be a whole number", k->name);
		else if (k->off == F(max_mime_depth) || k->off == F(max_mime_parts) ||
		    k->off == F(regex_match_limit) || k->off == F(regex_depth_limit))
			*(unsigned *)p = (unsigned)n;
		else
			*(int *)p = (int)n;
		break;
	case K_SIZE:
		if (parse_ulong(v, &n, 10, 1) < 0 || n < 1024)
			cfg_error(ld, "%s must be a size of at least 1k (e.g. 256k, 2m)", k->name);
		else
			*(size_t *)p = (size_t)n;
		break;
	case K_OCTAL:
		if (parse_ulong(v, &n, 8, 0) < 0 || n > 0777)
			cfg_error(ld, "%s must be an octal file mode such as 0660", k->name);
		else
			*(unsigned *)p = (unsigned)n;
		break;
	case K_LIST:
		str_list_free(*(char ***)p);
		*(char ***)p = str_list_split(v, NULL);
		break;
	case K_PATHS: {
		size_t cnt;
		char **w = str_list_split(v, &cnt);

		for (size_t i = 0; i < cnt; i++) {
			char *r = resolve_path(ld, w[i]);

			free(w[i]);
			w[i] = r;
		}
		str_list_free(*(char ***)p);
		*(char ***)p = w;
		if (cnt == 0)
			cfg_error(ld, "%s needs at least one file", k->name);
		break;
	}
	case K_ELEMENTS:
		if (parse_set(ld, v, element_lookup_cb, (unsigned *)p) < 0)
			break;
		break;
	case K_ISSUES:
		if (parse_set(ld, v, issue_lookup_cb, (unsigned *)p) < 0)
			break;
		break;
	case K_SPECIAL:
		set_special(ld, k->name, v, p);
		break;
	}
}

static void
parse_line(struct loader *ld, char *line)
{
	char *s = str_trim(line), *v;

	if (*s == '\0' || *s == '#')
		return;
	v = s;
	while (*v && !isspace((unsigned char)*v))
		v++;
	if (*v)
		*v++ = '\0';
	v = str_trim(v);
	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
		if (str_casecmp_ascii(s, keys[i].name) == 0) {
			set_key(ld, &keys[i], v);
			return;
		}
	cfg_error(ld, "unknown key \"%s\"", s);
}

/* Cross-key checks, once the whole file is read. */
static void
check_consistency(struct loader *ld)
{
	struct config *cf = ld->cf;

	ld->line = 0;
	if (cf->socket == NULL)
		cfg_error(ld, "Socket is required");
	if (cf->rule_files == NULL || cf->rule_files[0] == NULL)
		cfg_error(ld, "RuleFiles is required");
	if (cf->header_prefix == NULL || *cf->header_prefix == '\0')
		cfg_error(ld, "HeaderPrefix must not be empty");
	if (cf->max_mime_depth == 0 || cf->max_mime_parts == 0)
		cfg_error(ld, "MaxMimeDepth and MaxMimeParts must be at least 1");
	if (cf->regex_match_limit == 0 || cf->regex_depth_limit == 0)
		cfg_error(ld, "RegexMatchLimit and RegexDepthLimit must be at least 1");
	if (cf->max_message_bytes < cf->max_scan_bytes)
		cf->max_message_bytes = cf->max_scan_bytes;
}

int
config_load(const char *path, struct config **out, config_errfn errfn, void *arg)
{
	struct loader ld = {0};
	FILE *fp;
	char buf[8192];

	ld.cf = config_defaults();
	ld.errfn = errfn;
	ld.arg = arg;
	ld.file = path ? path : "(defaults)";
	*out = ld.cf;
	if (path == NULL) {
		check_consistency(&ld);
		return ld.errors;
	}
	ld.cf->path = xstrdup(path);
	const char *slash = strrchr(path, '/');

	ld.dir = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup(".");
	if ((fp = fopen(path, "r")) == NULL) {
		cfg_error(&ld, "cannot open: %s", strerror(errno));
		free(ld.dir);
		return ld.errors;
	}
	while (fgets(buf, sizeof(buf), fp)) {
		ld.line++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			int c;

			cfg_error(&ld, "line too long");
			while ((c = fgetc(fp)) != EOF && c != '\n')
				;
			continue;
		}
		parse_line(&ld, buf);
	}
	fclose(fp);
	check_consistency(&ld);
	free(ld.dir);
	return ld.errors;
}
