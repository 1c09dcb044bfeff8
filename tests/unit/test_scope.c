/*
 * test_scope.c - scope.c: which messages are judged.  Every skip reason
 * and their order, reply subjects in common languages, internal and
 * external recipients (subdomains, InternalDomains), SupportSenders, and
 * the SMTP envelope taking precedence over the headers.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* The skip reason for raw message text under cf, with envelope env. */
static enum care_skip
decide(const struct config *cf, const char *raw, const struct care_envelope *env)
{
	GMimeObject *m = unit_parse(raw);
	char *from = scope_from(m);
	enum care_skip s = scope_decide(cf, m, from, env);

	free(from);
	g_object_unref(m);
	return s;
}

/* Build a message from header lines and a body-less reply. */
static char *
msg(const char *headers)
{
	return xasprintf("%s\nI'm sorry your order arrived damaged.\n", headers);
}

#define REPLY_HEADERS \
	"From: Ana <agent@support.example>\n" \
	"To: Margaret <customer@customer.example>\n" \
	"Subject: Re: Kettle\n" \
	"In-Reply-To: <q1@customer.example>\n"

#define SKIP_EQ(cf, headers, env, want) do { \
	char *raw_ = msg(headers); \
	enum care_skip got_ = decide((cf), raw_, (env)); \
	ck_assert_msg(got_ == (want), "%s\n  gave %s, wanted %s", headers, \
	    care_skip_name(got_) ? care_skip_name(got_) : "judged", \
	    care_skip_name(want) ? care_skip_name(want) : "judged"); \
	free(raw_); \
} while (0)

/* ---- skip reasons ----------------------------------------------------- */

START_TEST(judged_reply)
{
	struct config *cf = unit_config(NULL);

	SKIP_EQ(cf, REPLY_HEADERS, NULL, CARE_SKIP_NONE);
	/* unit_msg() messages are judged too: the other suites rely on it */
	char *raw = unit_msg(NULL, "Hello.\n");

	ck_assert_int_eq(decide(cf, raw, NULL), CARE_SKIP_NONE);
	free(raw);
	config_free(cf);
}
END_TEST

START_TEST(each_skip_reason)
{
	struct config *cf = unit_config("SupportSenders @support.example\n");

	SKIP_EQ(cf, "Return-Path: <>\n" REPLY_HEADERS, NULL, CARE_SKIP_NULL_SENDER);
	SKIP_EQ(cf, "Auto-Submitted: auto-replied\n" REPLY_HEADERS, NULL,
	    CARE_SKIP_AUTO_SUBMITTED);
	SKIP_EQ(cf, "Auto-Submitted: auto-generated; owner=x\n" REPLY_HEADERS, NULL,
	    CARE_SKIP_AUTO_SUBMITTED);
	SKIP_EQ(cf, "X-Autoreply: yes\n" REPLY_HEADERS, NULL, CARE_SKIP_AUTO_SUBMITTED);
	SKIP_EQ(cf, "Auto-Submitted: no\n" REPLY_HEADERS, NULL, CARE_SKIP_NONE);
	SKIP_EQ(cf, REPLY_HEADERS "Content-Type: multipart/report; "
	    "report-type=delivery-status; boundary=\"r\"\n", NULL, CARE_SKIP_REPORT);
	SKIP_EQ(cf, REPLY_HEADERS "Content-Type: message/disposition-notification\n",
	    NULL, CARE_SKIP_REPORT);
	SKIP_EQ(cf, "Precedence: bulk\n" REPLY_HEADERS, NULL, CARE_SKIP_BULK);
	SKIP_EQ(cf, "Precedence: list\n" REPLY_HEADERS, NULL, CARE_SKIP_BULK);
	SKIP_EQ(cf, "Precedence: JUNK\n" REPLY_HEADERS, NULL, CARE_SKIP_BULK);
	SKIP_EQ(cf, "Precedence: first-class\n" REPLY_HEADERS, NULL, CARE_SKIP_NONE);
	SKIP_EQ(cf, "List-Id: <support.lists.example>\n" REPLY_HEADERS, NULL,
	    CARE_SKIP_LIST);
	SKIP_EQ(cf, "List-Unsubscribe: <mailto:u@lists.example>\n" REPLY_HEADERS, NULL,
	    CARE_SKIP_LIST);
	SKIP_EQ(cf, "List-Post: <mailto:p@lists.example>\n" REPLY_HEADERS, NULL,
	    CARE_SKIP_LIST);
	SKIP_EQ(cf, "From: Bob <bob@sales.example>\nTo: c@customer.example\n"
	    "Subject: Re: x\nIn-Reply-To: <a@b>\n", NULL, CARE_SKIP_SENDER);
	SKIP_EQ(cf, "From: Ana <agent@support.example>\nTo: c@customer.example\n"
	    "Subject: Your order\n", NULL, CARE_SKIP_NOT_REPLY);
	SKIP_EQ(cf, "From: Ana <agent@support.example>\nTo: Bo <bo@support.example>\n"
	    "Subject: Re: x\nIn-Reply-To: <a@b>\n", NULL, CARE_SKIP_INTERNAL);
	config_free(cf);
}
END_TEST

START_TEST(skip_reasons_in_order)
{
	struct config *cf = unit_config("SupportSenders @support.example\n");

	/* Everything wrong at once: the reasons are tried in DESIGN's order,
	 * and the first one found is the one given. */
	const char *all =
	    "Return-Path: <>\nAuto-Submitted: auto-replied\nPrecedence: bulk\n"
	    "List-Id: <l.example>\nFrom: x@other.example\nTo: y@other.example\n"
	    "Subject: Hello\nContent-Type: multipart/report; boundary=\"r\"\n";
	SKIP_EQ(cf, all, NULL, CARE_SKIP_NULL_SENDER);
	SKIP_EQ(cf, all + strlen("Return-Path: <>\n"), NULL, CARE_SKIP_AUTO_SUBMITTED);
	SKIP_EQ(cf, "Precedence: bulk\nList-Id: <l.example>\nFrom: x@other.example\n"
	    "To: y@other.example\nSubject: Hello\n"
	    "Content-Type: multipart/report; boundary=\"r\"\n", NULL, CARE_SKIP_REPORT);
	SKIP_EQ(cf, "Precedence: bulk\nList-Id: <l.example>\nFrom: x@other.example\n"
	    "To: y@other.example\nSubject: Hello\n", NULL, CARE_SKIP_BULK);
	SKIP_EQ(cf, "List-Id: <l.example>\nFrom: x@other.example\n"
	    "To: y@other.example\nSubject: Hello\n", NULL, CARE_SKIP_LIST);
	SKIP_EQ(cf, "From: x@other.example\nTo: y@other.example\nSubject: Hello\n",
	    NULL, CARE_SKIP_SENDER);
	SKIP_EQ(cf, "From: x@support.example\nTo: y@support.example\nSubject: Hello\n",
	    NULL, CARE_SKIP_NOT_REPLY);
	config_free(cf);
}
END_TEST

START_TEST(require_reply_off)
{
	struct config *cf = unit_config("RequireReply no\n");

	SKIP_EQ(cf, "From: agent@support.example\nTo: c@customer.example\n"
	    "Subject: Your order\n", NULL, CARE_SKIP_NONE);
	config_free(cf);
}
END_TEST

/* ---- replies ------------------------------------------------------------ */

static const char *const reply_subjects[] = {
	"Re: Kettle", "RE: Kettle", "re:Kettle", "Re : Kettle",
	"Re[2]: Kettle", "Re(3): Kettle", "RE^2: Kettle",
	"AW: Wasserkocher", "Aw: Wasserkocher", "SV: Vannkoker", "Svar: x",
	"Antw: Waterkoker", "R\xc3\xa9" "f : Bouilloire", "R\xc3\x89" "F : Bouilloire",
	"RIF: Bollitore", "R: Bollitore", "VS: Vedenkeitin", "Odp: Czajnik",
	"YNT: Su \xc4\xb1s\xc4\xb1t\xc4\xb1" "c\xc4\xb1s\xc4\xb1", "V\xc3\x81: x", "RES: Chaleira",
	"\xe5\x9b\x9e\xe5\xa4\x8d\xef\xbc\x9a\xe7\x83\xa7\xe6\xb0\xb4\xe5\xa3\xb6",
	"\xd0\x9e\xd1\x82\xd0\xb2: x",
	"[Ticket #4821] Re: Kettle", "[EXT] [Acme] RE: Kettle", "  Re: Kettle",
};

static const char *const other_subjects[] = {
	"Kettle", "Fwd: Kettle", "FW: Kettle", "Regarding your kettle",
	"Re-order confirmation", "Refund issued", "Reply needed", "Rex: x",
	"Area: north", "", "[Ticket #4821] Kettle", "Aware: x",
};

START_TEST(reply_subjects_in_common_languages)
{
	for (size_t i = 0; i < sizeof(reply_subjects) / sizeof(*reply_subjects); i++)
		ck_assert_msg(scope_is_reply_subject(reply_subjects[i]),
		    "\"%s\" is a reply", reply_subjects[i]);
	for (size_t i = 0; i < sizeof(other_subjects) / sizeof(*other_subjects); i++)
		ck_assert_msg(!scope_is_reply_subject(other_subjects[i]),
		    "\"%s\" is not a reply", other_subjects[i]);
	ck_assert(!scope_is_reply_subject(NULL));
	ck_assert(!scope_is_reply_subject("\xff\xfe Re: x"));	/* no crash */
}
END_TEST

START_TEST(reply_by_headers_or_encoded_subject)
{
	struct config *cf = unit_config(NULL);
	const char *base = "From: agent@support.example\nTo: c@customer.example\n";
	char *h;

	h = xasprintf("%sSubject: Kettle\nIn-Reply-To: <a@b>\n", base);
	SKIP_EQ(cf, h, NULL, CARE_SKIP_NONE);
	free(h);
	h = xasprintf("%sSubject: Kettle\nReferences: <a@b> <c@d>\n", base);
	SKIP_EQ(cf, h, NULL, CARE_SKIP_NONE);
	free(h);
	/* an RFC 2047 subject is decoded before it is read */
	h = xasprintf("%sSubject: =?UTF-8?Q?R=C3=A9f_:_Bouilloire?=\n", base);
	SKIP_EQ(cf, h, NULL, CARE_SKIP_NONE);
	free(h);
	h = xasprintf("%sSubject: =?ISO-8859-1?B?QVc6IFdhc3NlcmtvY2hlcg==?=\n", base);
	SKIP_EQ(cf, h, NULL, CARE_SKIP_NONE);
	free(h);
	/* empty In-Reply-To is no reply */
	h = xasprintf("%sSubject: Kettle\nIn-Reply-To: \n", base);
	SKIP_EQ(cf, h, NULL, CARE_SKIP_NOT_REPLY);
	free(h);
	config_free(cf);
}
END_TEST

/* ---- internal and external ---------------------------------------------- */

START_TEST(internal_and_external)
{
	struct config *cf = unit_config("InternalDomains partner.example, acme-group.example\n");
	const char *pre = "From: Ana <agent@support.acme.example>\nSubject: Re: x\n"
	    "In-Reply-To: <a@b>\n";
	static const struct {
		const char *rcpts;
		enum care_skip want;
	} c[] = {
		{"To: c@customer.example\n", CARE_SKIP_NONE},
		{"To: bo@support.acme.example\n", CARE_SKIP_INTERNAL},	/* same */
		{"To: BO@Support.Acme.Example\n", CARE_SKIP_INTERNAL},	/* any case */
		{"To: bo@acme.example\n", CARE_SKIP_INTERNAL},		/* parent */
		{"To: bo@uk.support.acme.example\n", CARE_SKIP_INTERNAL},	/* child */
		{"To: bo@sales.acme.example\n", CARE_SKIP_NONE},	/* sibling */
		{"To: bo@notacme.example\n", CARE_SKIP_NONE},		/* suffix only */
		{"To: p@partner.example\n", CARE_SKIP_INTERNAL},	/* InternalDomains */
		{"To: p@eu.partner.example\n", CARE_SKIP_INTERNAL},	/* and below */
		{"To: p@partner.example.evil\n", CARE_SKIP_NONE},
		{"To: p@partner.example, c@customer.example\n", CARE_SKIP_NONE},
		{"To: p@partner.example\nCc: c@customer.example\n", CARE_SKIP_NONE},
		{"To: p@partner.example\nBcc: c@customer.example\n", CARE_SKIP_NONE},
		{"To: Team: bo@acme.example, c@customer.example;\n", CARE_SKIP_NONE},
		{"To: Team: bo@acme.example, p@partner.example;\n", CARE_SKIP_INTERNAL},
		{"To: localuser\n", CARE_SKIP_INTERNAL},		/* no domain */
		{"To: undisclosed-recipients:;\n", CARE_SKIP_NONE},	/* none known */
		{"", CARE_SKIP_NONE},					/* no To at all */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		char *h = xasprintf("%s%s", pre, c[i].rcpts);

		SKIP_EQ(cf, h, NULL, c[i].want);
		free(h);
	}
	config_free(cf);
}
END_TEST

START_TEST(domain_helpers)
{
	char *list[] = {"acme.example", "@exact.example", NULL};

	ck_assert_str_eq(scope_domain_of("a@b.example"), "b.example");
	ck_assert_str_eq(scope_domain_of("\"a@b\"@c.example"), "c.example");
	ck_assert_ptr_null(scope_domain_of("local"));
	ck_assert_ptr_null(scope_domain_of(NULL));
	ck_assert(scope_domain_covered("acme.example", list));
	ck_assert(scope_domain_covered("mail.ACME.example", list));
	ck_assert(!scope_domain_covered("notacme.example", list));
	ck_assert(scope_domain_covered("exact.example", list));
	ck_assert(!scope_domain_covered("sub.exact.example", list));	/* @: exactly */
	ck_assert(!scope_domain_covered(NULL, list));
	ck_assert(!scope_domain_covered("acme.example", NULL));
}
END_TEST

/* ---- support senders ---------------------------------------------------- */

START_TEST(support_senders)
{
	static const struct {
		const char *senders, *from;
		enum care_skip want;
	} c[] = {
		{"*", "x@anything.example", CARE_SKIP_NONE},
		{"agent@support.example", "agent@support.example", CARE_SKIP_NONE},
		{"agent@support.example", "AGENT@Support.Example", CARE_SKIP_NONE},
		{"agent@support.example", "other@support.example", CARE_SKIP_SENDER},
		{"@support.example", "any@support.example", CARE_SKIP_NONE},
		{"@support.example", "any@eu.support.example", CARE_SKIP_SENDER},
		{"support.example", "any@eu.support.example", CARE_SKIP_NONE},
		{"support.example", "any@notsupport.example", CARE_SKIP_SENDER},
		{"help.example, agent@support.example", "x@help.example", CARE_SKIP_NONE},
		{"help.example, agent@support.example", "x@support.example", CARE_SKIP_SENDER},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		char *text = xasprintf("SupportSenders %s\n", c[i].senders);
		struct config *cf = unit_config(text);
		char *h = xasprintf("From: %s\nTo: c@customer.example\nSubject: Re: x\n",
		    c[i].from);

		SKIP_EQ(cf, h, NULL, c[i].want);
		free(h);
		free(text);
		config_free(cf);
	}
}
END_TEST

/* ---- the envelope --------------------------------------------------------- */

START_TEST(envelope_overrides_headers)
{
	struct config *cf = unit_config("SupportSenders @support.example\n"
	    "InternalDomains partner.example\n");
	char *customer[] = {"c@customer.example"};
	char *partner[] = {"p@partner.example", "bo@support.example"};
	char *both[] = {"p@partner.example", "c@customer.example"};
	struct care_envelope env;

	/* Recipients: the envelope's, not To/Cc. */
	env = (struct care_envelope){"agent@support.example", partner, 2};
	SKIP_EQ(cf, REPLY_HEADERS, &env, CARE_SKIP_INTERNAL);
	env = (struct care_envelope){"agent@support.example", customer, 1};
	SKIP_EQ(cf, "From: agent@support.example\nTo: bo@support.example\n"
	    "Subject: Re: x\n", &env, CARE_SKIP_NONE);
	env = (struct care_envelope){"agent@support.example", both, 2};
	SKIP_EQ(cf, "From: agent@support.example\nTo: bo@support.example\n"
	    "Subject: Re: x\n", &env, CARE_SKIP_NONE);
	/* No envelope recipients: the headers decide. */
	env = (struct care_envelope){"agent@support.example", NULL, 0};
	SKIP_EQ(cf, REPLY_HEADERS, &env, CARE_SKIP_NONE);

	/* Null sender: the envelope's, whatever Return-Path says. */
	env = (struct care_envelope){"", customer, 1};
	SKIP_EQ(cf, REPLY_HEADERS, &env, CARE_SKIP_NULL_SENDER);
	env = (struct care_envelope){"agent@support.example", customer, 1};
	SKIP_EQ(cf, "Return-Path: <>\n" REPLY_HEADERS, &env, CARE_SKIP_NONE);

	/* The sender: the envelope's or From: covered is enough. */
	env = (struct care_envelope){"bounces@mailer.example", customer, 1};
	SKIP_EQ(cf, REPLY_HEADERS, &env, CARE_SKIP_NONE);
	env = (struct care_envelope){"agent@support.example", customer, 1};
	SKIP_EQ(cf, "From: x@mailer.example\nTo: c@customer.example\nSubject: Re: x\n",
	    &env, CARE_SKIP_NONE);
	env = (struct care_envelope){"x@mailer.example", customer, 1};
	SKIP_EQ(cf, "From: y@mailer.example\nTo: c@customer.example\nSubject: Re: x\n",
	    &env, CARE_SKIP_SENDER);
	/* The sender's own domain, for internal, is the envelope sender's. */
	char *mailer[] = {"z@mailer.example"};

	env = (struct care_envelope){"agent@mailer.example", mailer, 1};
	SKIP_EQ(cf, "From: agent@support.example\nTo: z@mailer.example\n"
	    "Subject: Re: x\n", &env, CARE_SKIP_INTERNAL);
	config_free(cf);
}
END_TEST

/* ---- plain address lists, read without GMime ---------------------------- */

/* When scope_simple_addresses() reads a value, GMime's parser must read
 * the same mailboxes from it, in order; *taken counts the values read. */
static void
agrees_with_gmime(const char *value, size_t *taken, const char *where)
{
	struct scope_span a[32];
	int k = scope_simple_addresses(value, a, 32);
	InternetAddressList *l;

	if (k < 0)
		return;
	(*taken)++;
	l = internet_address_list_parse(NULL, value);
	ck_assert_msg(l != NULL || k == 0, "%s: GMime reads nothing in [%s]",
	    where, value);
	ck_assert_msg((l ? internet_address_list_length(l) : 0) == k,
	    "%s: [%s]: %d addresses, GMime %d", where, value, k,
	    l ? internet_address_list_length(l) : 0);
	for (int i = 0; i < k; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		char *mine = xstrndup(a[i].s, a[i].len);

		ck_assert_msg(INTERNET_ADDRESS_IS_MAILBOX(ia), "%s: [%s]", where, value);
		ck_assert_msg(strcmp(mine, internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia))) == 0, "%s: [%s]: %s, GMime %s",
		    where, value, mine,
		    internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
		free(mine);
	}
	if (l)
		g_object_unref(l);
}

static const char *const plain_values[] = {
	" Ana <agent@support.example>",
	" agent@support.example",
	" \"Smith, Jane\" <jane.smith@example.co.uk>,\r\n\tBob <b@x.example>",
	" =?utf-8?q?Ren=C3=A9e?= <renee@example.fr>",
	" J. R. Smith <jr+tag@mail-1.example.com>",
	" <bare@example.net>",
	" a@b.example, c@d.example,e@f.example",
	" \"quoted \\\"inner\\\" name\" <q@example.org>",
	"",
	" ",
};

/* Declined: for GMime to read (a group, comments, a route, a quoted or
 * 8-bit local part, IDN, empty members, spaces within <>, a phrase
 * without <>). */
static const char *const declined_values[] = {
	" undisclosed-recipients:;",
	" Team: a@b.example, c@d.example;",
	" a@b.example (Ana)",
	" <@route.example:a@b.example>",
	" \"a b\"@example.com",
	" J\xc3\xb6rg <j@example.de>",
	" j@b\xc3\xbc" "cher.example",
	" a@xn--bcher-kva.example",
	" a@b.example,, c@d.example",
	" a@b.example,",
	" < a@b.example >",
	" Smith, John <j@x.example>",
	" john@x.example <john@y.example>",
	" a@[192.0.2.1]",
	" localuser",
};

START_TEST(plain_addresses_read_as_gmime_does)
{
	size_t taken = 0;
	struct scope_span a[32];
	static const char *const dirs[] = {"tests/corpus", "tests/heldout"};
	static const char *const fields[] = {"From", "To", "Cc", "Bcc", "Reply-To"};

	for (size_t i = 0; i < sizeof(plain_values) / sizeof(*plain_values); i++) {
		size_t before = taken;

		agrees_with_gmime(plain_values[i], &taken, "plain");
		ck_assert_msg(taken == before + 1, "declined: [%s]", plain_values[i]);
	}
	for (size_t i = 0; i < sizeof(declined_values) / sizeof(*declined_values); i++)
		ck_assert_msg(scope_simple_addresses(declined_values[i], a, 32) < 0,
		    "read: [%s]", declined_values[i]);
	/* More than fit: declined, never cut short. */
	ck_assert_int_eq(scope_simple_addresses(" a@b.example, c@d.example", a, 1), -1);
	ck_assert_int_eq(scope_simple_addresses(" a@b.example", a, 1), 1);

	/* Every address field of the corpora. */
	size_t before = taken;

	for (size_t d = 0; d < sizeof(dirs) / sizeof(*dirs); d++) {
		char *dir = unit_path(dirs[d]);
		char **names = unit_list(dir, ".eml", NULL);

		for (char **n = names; *n; n++) {
			char *path = xasprintf("%s/%s.eml", dir, *n);
			char *raw = unit_read(path, NULL);
			GMimeObject *m = raw ? unit_parse(raw) : NULL;
			GMimeHeaderList *hl = m ? g_mime_object_get_header_list(m) : NULL;
			int count = hl ? g_mime_header_list_get_count(hl) : 0;

			for (int i = 0; i < count; i++) {
				GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

				for (size_t f = 0; f < sizeof(fields) / sizeof(*fields); f++)
					if (g_ascii_strcasecmp(g_mime_header_get_name(h),
					    fields[f]) == 0 && g_mime_header_get_raw_value(h))
						agrees_with_gmime(g_mime_header_get_raw_value(h),
						    &taken, path);
			}
			if (m)
				g_object_unref(m);
			free(raw);
			free(path);
			free(*n);
		}
		free(names);
		free(dir);
	}
	/* The test means something: most fields are plain. */
	ck_assert_uint_ge(taken - before, 500);
}
END_TEST

Suite *
suite_scope(void)
{
	Suite *s = suite_create("scope");
	TCase *tc = tcase_create("skip");

	tcase_add_test(tc, judged_reply);
	tcase_add_test(tc, each_skip_reason);
	tcase_add_test(tc, skip_reasons_in_order);
	tcase_add_test(tc, require_reply_off);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_test(tc, reply_subjects_in_common_languages);
	tcase_add_test(tc, reply_by_headers_or_encoded_subject);
	suite_add_tcase(s, tc);

	tc = tcase_create("recipients");
	tcase_add_test(tc, internal_and_external);
	tcase_add_test(tc, domain_helpers);
	tcase_add_test(tc, plain_addresses_read_as_gmime_does);
	tcase_add_test(tc, support_senders);
	tcase_add_test(tc, envelope_overrides_headers);
	suite_add_tcase(s, tc);
	return s;
}
