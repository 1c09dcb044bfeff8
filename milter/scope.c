/*
 * scope.c - decide whether a message is judged (see scope.h).
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
	InternetAddressList *all = internet_address_list_new();
	int n = hl ? g_mime_header_list_get_count(hl) : 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *v;
		InternetAddressList *l;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0 ||
		    (v = g_mime_header_get_raw_value(h)) == NULL)
			continue;
		if ((l = internet_address_list_parse(NULL, v)) != NULL) {
			internet_address_list_append(all, l);
			g_object_unref(l);
		}
	}
	return all;
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

/* Walk To, Cc and Bcc (groups included); 1 if any is external, 0 if
 * none is, -1 if there were no recipients at all. */
static int
headers_external(const struct config *cf, GMimeObject *top,
    const char *sender_domain)
{
	static const char *const types[] = {"To", "Cc", "Bcc"};
	int seen = 0, ext = 0;

	for (size_t t = 0; t < 3 && !ext; t++) {
		InternetAddressList *l = scope_addresses(top, types[t]);
		int n = internet_address_list_length(l);

		for (int i = 0; i < n; i++) {
			InternetAddress *ia = internet_address_list_get_address(l, i);
			InternetAddressList *members = NULL;
			int m = 1;

			if (INTERNET_ADDRESS_IS_GROUP(ia)) {
				members = internet_address_group_get_members(
				    INTERNET_ADDRESS_GROUP(ia));
				m = internet_address_list_length(members);
			}
			for (int k = 0; k < m; k++) {
				InternetAddress *x = members
				    ? internet_address_list_get_address(members, k) : ia;

				if (!INTERNET_ADDRESS_IS_MAILBOX(x))
					continue;
				seen = 1;
				if (recipient_external(cf, sender_domain,
				    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(x))))
					ext = 1;
			}
		}
		g_object_unref(l);
	}
	return ext ? 1 : seen ? 0 : -1;
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

