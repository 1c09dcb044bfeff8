/*
 * scope.c - decide whether a message is judged (see scope.h).
 *
 * Address fields are read by GMime's parser, except the plain ones that
 * nearly every message has ("Name" <local@domain>, local@domain, lists
 * of them): scope_simple_addresses() reads those itself, because each
 * GMime address is a few GObjects, a few thousand cycles to make and
 * free, twice per message.  It declines everything else (comments,
 * groups, routes, 8-bit bytes, IDN, quoted local parts, odd spacing),
 * and GMime reads that; tests/unit checks the two agree on every field
 * of the corpora.
 */
#include <ctype.h>
#include <string.h>

#include "scope.h"
#include "util.h"

/* Reply prefixes of common mail clients and languages, lower case.
 * "R" is Italian Outlook; "aw" German; "sv"/"svar" Nordic; "antw"
 * Dutch; "odp" Polish; "vs" Finnish; "ynt" Turkish; "rif" Italian. */
static const char *const reply_prefixes[] = {
	"re", "aw", "sv", "svar", "antw", "antwort", "r", "rif", "réf",
	"odp", "vs", "ynt", "vá", "atb", "res", "回复", "答复", "回覆",
	"отв", "відп", NULL
};

const char *
scope_domain_of(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return at ? at + 1 : NULL;
}

static int scope_prefix_match(const char *s);

/* Skip "[Ticket #123] " style tags and white space. */
static const char *
skip_tags(const char *s)
{
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s != '[')
			return s;
		const char *e = strchr(s, ']');

		if (e == NULL)
			return s;
		s = e + 1;
	}
}

int
scope_is_reply_subject(const char *subject)
{
	const char *s;
	char head[64];
	int rc = 0;

	if (subject == NULL)
		return 0;
	/* Fold case the Unicode way on the first bytes only: "RÉF :" and
	 * "VÁ:" are replies too.  Cut on a character boundary. */
	s = skip_tags(subject);
	size_t n = strlen(s) < sizeof(head) - 8 ? strlen(s) : sizeof(head) - 8;

	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	if (!g_utf8_validate(s, (gssize)n, NULL))
		return scope_prefix_match(s);
	char *folded = g_utf8_casefold(s, (gssize)n);

	snprintf(head, sizeof(head), "%s", folded);
	g_free(folded);
	rc = scope_prefix_match(head);
	return rc;
}

static int
scope_prefix_match(const char *s)
{
	for (const char *const *p = reply_prefixes; *p; p++) {
		size_t n = strlen(*p);

		if (str_ncasecmp_ascii(s, *p, n) != 0)
			continue;
		const char *q = s + n;

		/* Counted forms: "Re[2]:", "Re(2):", "RE^2:". */
		if (*q == '[' || *q == '(' || *q == '^') {
			q++;
			while (isdigit((unsigned char)*q))
				q++;
			if (*q == ']' || *q == ')')
				q++;
		}
		while (*q == ' ')
			q++;
		if (*q == ':' || strncmp(q, "\xef\xbc\x9a", 3) == 0)	/* ： */
			return 1;
	}
	return 0;
}

/* Is 'domain' one of 'list' or below one of them? */
int
scope_domain_covered(const char *domain, char *const *list)
{
	if (domain == NULL || list == NULL)
		return 0;
	for (char *const *p = list; *p; p++) {
		const char *d = **p == '@' ? *p + 1 : *p;
		size_t ld = strlen(domain), lp = strlen(d);

		if (str_casecmp_ascii(domain, d) == 0)
			return 1;
		if (**p != '@' && ld > lp && domain[ld - lp - 1] == '.' &&
		    str_casecmp_ascii(domain + ld - lp, d) == 0)
			return 1;
	}
	return 0;
}

/* Two domains of one organisation: equal, or one below the other. */
static int
same_org(const char *a, const char *b)
{
	char *const list[] = {(char *)b, NULL};
	char *const rev[] = {(char *)a, NULL};

	return scope_domain_covered(a, list) || scope_domain_covered(b, rev);
}

static int
sender_covered(const struct config *cf, const char *addr)
{
	if (cf->support_senders == NULL || cf->support_senders[0] == NULL)
		return 1;
	for (char **p = cf->support_senders; *p; p++) {
		if (strcmp(*p, "*") == 0)
			return 1;
		if (addr && strchr(*p, '@') && **p != '@' &&
		    str_casecmp_ascii(*p, addr) == 0)
			return 1;
	}
	return scope_domain_covered(scope_domain_of(addr), cf->support_senders);
}

static const char *
header(GMimeObject *top, const char *name)
{
	return g_mime_object_get_header(top, name);
}

static int
header_present(GMimeObject *top, const char *name)
{
	const char *v = header(top, name);

	return v != NULL && *v != '\0';
}

InternetAddressList *
scope_addresses(GMimeObject *top, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	InternetAddressList *all = NULL;
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *v;
		InternetAddressList *l;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0 ||
		    (v = g_mime_header_get_raw_value(h)) == NULL ||
		    (l = internet_address_list_parse(NULL, v)) == NULL)
			continue;
		/* Nearly always one field: its list is the answer.  (A
		 * GObject costs a few thousand cycles to make and free.) */
		if (all == NULL) {
			all = l;
			continue;
		}
		internet_address_list_append(all, l);
		g_object_unref(l);
	}
	return all ? all : internet_address_list_new();
}

const char *
scope_last_header(GMimeObject *top, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (int i = n - 1; i >= 0; i--) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0)
			return g_mime_header_get_value(h);
	}
	return NULL;
}

/* RFC 5322 atext. */
static int
is_atext(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static const char *
skip_fws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* The end of the local-part@domain at p (dot-atom@LDH labels, none of
 * them IDN), or NULL. */
static const char *
simple_addr_end(const char *p)
{
	for (;;) {			/* local part: dot-atom */
		const char *a = p;

		while (is_atext((unsigned char)*p))
			p++;
		if (p == a)
			return NULL;
		if (*p != '.')
			break;
		p++;
	}
	if (*p++ != '@')
		return NULL;
	for (;;) {			/* domain: letters, digits, hyphens */
		const char *a = p;

		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		if (p == a || (p - a >= 4 && str_ncasecmp_ascii(a, "xn--", 4) == 0))
			return NULL;
		if (*p != '.')
			return p;
		p++;
	}
}

/* The end of the quoted string at p (ASCII, on one line), or NULL. */
static const char *
quoted_end(const char *p)
{
	for (p++; *p != '"'; p++) {
		if (*p == '\\')
			p++;
		if (*p == '\0' || *p == '\r' || *p == '\n' || (unsigned char)*p >= 0x80)
			return NULL;
	}
	return p + 1;
}

int
scope_simple_addresses(const char *v, struct scope_span *out, int max)
{
	const char *p = skip_fws(v), *e, *q;
	int n = 0;

	if (*p == '\0')
		return 0;
	for (;;) {
		if ((e = simple_addr_end(p)) != NULL &&
		    (*(q = skip_fws(e)) == ',' || *q == '\0')) {
			out[n].s = p;		/* local@domain */
		} else {
			/* A phrase of atoms, dots and quoted strings, then
			 * <local@domain>. */
			for (p = skip_fws(p); *p != '<'; p = skip_fws(p)) {
				if (*p == '"') {
					if ((p = quoted_end(p)) == NULL)
						return -1;
				} else if (is_atext((unsigned char)*p) || *p == '.') {
					while (is_atext((unsigned char)*p) || *p == '.')
						p++;
				} else
					return -1;
			}
			if ((e = simple_addr_end(p + 1)) == NULL || *e != '>')
				return -1;
			out[n].s = p + 1;
			q = skip_fws(e + 1);
		}
		out[n].len = (size_t)(e - out[n].s);
		if (++n == max && *q != '\0')
			return -1;
		if (*q == '\0')
			return n;
		if (*q != ',')
			return -1;
		p = skip_fws(q + 1);
		if (*p == '\0' || *p == ',')
			return -1;	/* an empty member: GMime decides */
	}
}

#define SCOPE_MAX_SIMPLE 32	/* addresses in a field read without GMime */

char *
scope_from(GMimeObject *top)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	int n = hl ? g_mime_header_list_get_count(hl) : 0;
	struct scope_span a[SCOPE_MAX_SIMPLE];

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *v = g_mime_header_get_raw_value(h);
		int k;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), "From") != 0 ||
		    v == NULL)
			continue;
		if ((k = scope_simple_addresses(v, a, SCOPE_MAX_SIMPLE)) < 0)
			break;		/* not simple: GMime reads them all */
		if (k > 0)
			return xstrndup(a[0].s, a[0].len);
	}
	InternetAddressList *l = scope_addresses(top, "From");
	const char *addr = scope_first_mailbox(l);
	char *r = addr ? xstrdup(addr) : NULL;

	g_object_unref(l);
	return r;
}

const char *
scope_first_mailbox(InternetAddressList *list)
{
	if (list == NULL || internet_address_list_length(list) == 0)
		return NULL;
	InternetAddress *ia = internet_address_list_get_address(list, 0);

	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return NULL;
	return internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
}

static int
recipient_external(const struct config *cf, const char *sender_domain,
    const char *rcpt)
{
	const char *d = scope_domain_of(rcpt);

	if (d == NULL || *d == '\0')
		return 0;	/* a local user: internal */
	if (sender_domain && same_org(d, sender_domain))
		return 0;
	return !scope_domain_covered(d, cf->internal_domains);
}

/* Is any mailbox of one address field (groups included) external?  1
 * yes, 0 no; *seen is set when it has any mailbox. */
static int
field_external(const struct config *cf, const char *value,
    const char *sender_domain, int *seen)
{
	struct scope_span a[SCOPE_MAX_SIMPLE];
	int k = scope_simple_addresses(value, a, SCOPE_MAX_SIMPLE);

	for (int i = 0; i < k; i++) {
		char buf[320];

		*seen = 1;
		if (a[i].len >= sizeof(buf)) {
			k = -1;		/* GMime reads what is too long here */
			break;
		}
		memcpy(buf, a[i].s, a[i].len);
		buf[a[i].len] = '\0';
		if (recipient_external(cf, sender_domain, buf))
			return 1;
	}
	if (k >= 0)
		return 0;
	InternetAddressList *l = internet_address_list_parse(NULL, value);
	int n = l ? internet_address_list_length(l) : 0, ext = 0;

	for (int i = 0; i < n && !ext; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		InternetAddressList *members = NULL;
		int m = 1;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			members = internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia));
			m = internet_address_list_length(members);
		}
		for (int j = 0; j < m && !ext; j++) {
			InternetAddress *x = members
			    ? internet_address_list_get_address(members, j) : ia;

			if (!INTERNET_ADDRESS_IS_MAILBOX(x))
				continue;
			*seen = 1;
			ext = recipient_external(cf, sender_domain,
			    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(x)));
		}
	}
	if (l)
		g_object_unref(l);
	return ext;
}

/* Walk every To, Cc and Bcc field; 1 if any recipient is external, 0
 * if none is, -1 if there were no recipients at all. */
static int
headers_external(const struct config *cf, GMimeObject *top,
    const char *sender_domain)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(top);
	int n = hl ? g_mime_header_list_get_count(hl) : 0, seen = 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *name = g_mime_header_get_name(h);
		const char *v = g_mime_header_get_raw_value(h);

		if (v == NULL || (g_ascii_strcasecmp(name, "To") != 0 &&
		    g_ascii_strcasecmp(name, "Cc") != 0 &&
		    g_ascii_strcasecmp(name, "Bcc") != 0))
			continue;
		if (field_external(cf, v, sender_domain, &seen))
			return 1;
	}
	return seen ? 0 : -1;
}

static int
is_report(GMimeObject *top)
{
	GMimeContentType *ct = g_mime_object_get_content_type(top);

	if (ct == NULL)
		return 0;
	return g_mime_content_type_is_type(ct, "multipart", "report") ||
	    g_mime_content_type_is_type(ct, "message", "delivery-status") ||
	    g_mime_content_type_is_type(ct, "message", "disposition-notification");
}

static int
is_bulk(GMimeObject *top)
{
	const char *p = header(top, "Precedence");

	if (p == NULL)
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	return str_ncasecmp_ascii(p, "bulk", 4) == 0 ||
	    str_ncasecmp_ascii(p, "list", 4) == 0 ||
	    str_ncasecmp_ascii(p, "junk", 4) == 0;
}

static int
is_auto_submitted(GMimeObject *top)
{
	const char *a = header(top, "Auto-Submitted");

	if (a != NULL) {
		while (*a == ' ' || *a == '\t')
			a++;
		if (*a && str_ncasecmp_ascii(a, "no", 2) != 0)
			return 1;
	}
	/* Out-of-office tools that predate RFC 3834. */
	return header_present(top, "X-Autoreply") ||
	    header_present(top, "X-Autorespond") ||
	    header_present(top, "X-Auto-Response");
}

static int
is_null_sender(GMimeObject *top, const struct care_envelope *env)
{
	if (env && env->mail_from)
		return env->mail_from[0] == '\0';
	const char *rp = header(top, "Return-Path");

	if (rp == NULL)
		return 0;
	while (*rp == ' ')
		rp++;
	return strncmp(rp, "<>", 2) == 0;
}

enum care_skip
scope_decide(const struct config *cf, GMimeObject *top, const char *from,
    const struct care_envelope *env)
{
	const char *sender = env && env->mail_from && *env->mail_from
	    ? env->mail_from : from;

	if (is_null_sender(top, env))
		return CARE_SKIP_NULL_SENDER;
	if (is_auto_submitted(top))
		return CARE_SKIP_AUTO_SUBMITTED;
	if (is_report(top))
		return CARE_SKIP_REPORT;
	if (is_bulk(top))
		return CARE_SKIP_BULK;
	if (header_present(top, "List-Id") || header_present(top, "List-Unsubscribe") ||
	    header_present(top, "List-Post"))
		return CARE_SKIP_LIST;
	if (!sender_covered(cf, sender) && !(from && sender_covered(cf, from)))
		return CARE_SKIP_SENDER;
	if (cf->require_reply && !header_present(top, "In-Reply-To") &&
	    !header_present(top, "References") &&
	    !scope_is_reply_subject(scope_last_header(top, "Subject")))
		return CARE_SKIP_NOT_REPLY;

	const char *sdom = scope_domain_of(sender);

	if (env && env->nrcpts > 0) {
		for (size_t i = 0; i < env->nrcpts; i++)
			if (recipient_external(cf, sdom, env->rcpts[i]))
				return CARE_SKIP_NONE;
		return CARE_SKIP_INTERNAL;
	}
	/* Offline: the header recipients; none at all is judged. */
	return headers_external(cf, top, sdom) == 0 ? CARE_SKIP_INTERNAL
	    : CARE_SKIP_NONE;
}
