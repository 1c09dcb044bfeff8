/*
 * test_pipeline.c - pipeline.c: the engine's life cycle and the one path
 * from message bytes to a verdict (scope, extract, analyze, policy).
 * Whole messages are data-driven cases, tests/unit/cases/pipeline-*.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

static char **cases;
static size_t ncases;

START_TEST(cases_found)
{
	/* An unreadable cases folder must not pass as "no failures". */
	ck_assert_msg(ncases >= 5, "only %zu pipeline-* cases in %s/tests/unit/cases",
	    ncases, unit_top());
}
END_TEST

START_TEST(message_case)
{
	unit_check_case(cases[_i]);
}
END_TEST

/* ---- the engine --------------------------------------------------------- */

START_TEST(engine_loads_shipped_configuration)
{
	struct engine *e = unit_engine();

	ck_assert_ptr_nonnull(e->cf);
	ck_assert_ptr_nonnull(e->rs);
	ck_assert_uint_gt(rules_count(e->rs), 30);
	ck_assert(unit_has(e->cf->rule_files[0], "en.rules"));
}
END_TEST

START_TEST(engine_load_errors)
{
	struct unit_errs errs = {0};
	char *dir = unit_tmpdir();
	char *rules = unit_write(dir, "bad.rules",
	    "rule r solution\n    match (unclosed\n");
	char *text = xasprintf("RuleFiles %s\n", rules);

	/* a bad configuration */
	ck_assert_ptr_null(unit_engine_from("Timeout soon\n", &errs));
	ck_assert_int_eq(errs.n, 1);
	ck_assert(unit_has(errs.text, "care-milter.conf:1: Timeout must be"));

	/* bad rules, reported FILE:LINE */
	memset(&errs, 0, sizeof(errs));
	ck_assert_ptr_null(unit_engine_from(text, &errs));
	ck_assert_int_eq(errs.n, 1);
	char *want = xasprintf("%s:2: bad pattern", rules);

	ck_assert_msg(unit_has(errs.text, want), "%s", errs.text);
	free(want);

	/* missing rule files */
	memset(&errs, 0, sizeof(errs));
	ck_assert_ptr_null(unit_engine_from("RuleFiles nowhere.rules\n", &errs));
	ck_assert_int_eq(errs.n, 1);
	ck_assert_msg(unit_has(errs.text, "/nowhere.rules:") &&
	    unit_has(errs.text, "cannot open"), "%s", errs.text);
	free(text);
	free(rules);
	free(dir);
}
END_TEST

START_TEST(engine_references)
{
	struct engine *e = unit_engine_with("");
	struct care_verdict v;
	char *raw = unit_msg(NULL, "I'm sorry your order arrived damaged.\n");

	ck_assert_int_eq(e->refs, 1);
	ck_assert_ptr_eq(engine_ref(e), e);
	ck_assert_int_eq(e->refs, 2);
	engine_unref(e);		/* a reload dropped it ... */
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);	/* ... in use */
	ck_assert(v.elements[CARE_ACK].present);
	care_verdict_free(&v);
	engine_unref(e);		/* the last reference frees it */
	engine_unref(NULL);
	free(raw);
}
END_TEST

/* ---- verdicts ----------------------------------------------------------- */

START_TEST(verdict_identity)
{
	struct care_verdict v;
	const char *raw = "From: \"Ruiz, Ana\" <agent@support.example>\n"
	    "To: customer@customer.example\n"
	    "Subject: =?UTF-8?Q?Re:_Caf=C3=A9_order?=\n"
	    "Message-ID: <reply-1@support.example>\n"
	    "\n"
	    "I'm sorry your order arrived damaged.\n";

	ck_assert_int_eq(unit_run(raw, &v), 0);
	ck_assert_str_eq(v.message_id, "<reply-1@support.example>");
	ck_assert_str_eq(v.subject, "Re: Caf\xc3\xa9 order");
	ck_assert_str_eq(v.from, "agent@support.example");
	ck_assert_int_eq(v.skip, CARE_SKIP_NONE);
	ck_assert(v.elapsed_ms >= 0);
	ck_assert_int_eq(v.regex_limit, 0);
	care_verdict_free(&v);

	/* no Message-ID, no Subject, no From */
	ck_assert_int_eq(unit_run("To: c@customer.example\n\nHello.\n", &v), 0);
	ck_assert_ptr_null(v.message_id);
	ck_assert_ptr_null(v.subject);
	ck_assert_ptr_null(v.from);
	care_verdict_free(&v);
}
END_TEST

START_TEST(skipped_is_not_analysed)
{
	struct care_verdict v;
	char *raw = unit_msg("Precedence: bulk\n", "You should have read the terms.\n");

	ck_assert_int_eq(unit_run(raw, &v), 0);
	ck_assert_int_eq(v.skip, CARE_SKIP_BULK);
	ck_assert(!v.issues[CARE_BLAME].present);
	ck_assert_int_eq(v.action, CARE_ACCEPT);
	ck_assert_uint_eq(v.missing, 0);
	care_verdict_free(&v);
	free(raw);
}
END_TEST

START_TEST(envelope_is_used)
{
	struct care_verdict v;
	char *rcpt[] = {"bo@support.example"};
	struct care_envelope env = {"agent@support.example", rcpt, 1};
	char *raw = unit_msg(NULL, "Thanks Bo.\n");

	ck_assert_int_eq(unit_run_with(unit_engine(), raw, &env, &v), 0);
	ck_assert_int_eq(v.skip, CARE_SKIP_INTERNAL);
	care_verdict_free(&v);
	env.mail_from = "";
	ck_assert_int_eq(unit_run_with(unit_engine(), raw, &env, &v), 0);
	ck_assert_int_eq(v.skip, CARE_SKIP_NULL_SENDER);
	care_verdict_free(&v);
	free(raw);
}
END_TEST

START_TEST(odd_input_gets_a_verdict)
{
	static const char *const odd[] = {
		"",
		"\n",
		"not a mail at all",
		"From: agent@support.example\n",	/* header only */
		"\xff\xfe\x00\x01 binary",
		"From: agent@support.example\nContent-Type: multipart/mixed\n\nno boundary\n",
	};
	struct care_err err;

	for (size_t i = 0; i < sizeof(odd) / sizeof(*odd); i++) {
		struct care_verdict v;
		/* the binary one holds a NUL: its 11 bytes, not strlen */
		size_t len = i == 4 ? 11 : strlen(odd[i]);
		int rc;

		memset(&err, 0, sizeof(err));
		rc = pipeline_run(unit_engine(), odd[i], len, NULL, &v, &err);
		/* Either judged or an error that says why; never a crash. */
		ck_assert_msg(rc == 0 || (rc == -1 && err.msg[0]), "input %zu", i);
		ck_assert_int_ge(v.action, CARE_ACCEPT);
		ck_assert_int_lt(v.action, CARE_NACTIONS);
		care_verdict_free(&v);
	}
}
END_TEST

/* An engine whose only rule, of 'target', backtracks catastrophically,
 * under a low RegexMatchLimit; and a message body that sets it off. */
static struct engine *
slow_engine(const char *target)
{
	char *dir = unit_tmpdir();
	char *rule = xasprintf("rule slow %s\n    match ^(?:a+)+$\n", target);
	char *rules = unit_write(dir, "slow.rules", rule);
	char *text = xasprintf("RuleFiles %s\nRegexMatchLimit 1000\n", rules);
	struct unit_errs errs = {0};
	struct engine *e = unit_engine_from(text, &errs);

	ck_assert_msg(e != NULL, "%s", errs.text);
	free(text);
	free(rules);
	free(rule);
	free(dir);
	return e;
}

static char *
slow_message(void)
{
	struct strbuf body;
	char *raw;

	sb_init(&body, 0);
	sb_puts(&body, "Hello.\n");
	for (int i = 0; i < 40; i++)
		sb_putc(&body, 'a');
	sb_puts(&body, "b\n");
	raw = unit_msg(NULL, body.s);
	sb_free(&body);
	return raw;
}

START_TEST(regex_limit_is_an_internal_error)
{
	struct engine *e = slow_engine("empathy");
	char *raw = slow_message();
	struct care_verdict v;
	struct care_err err = {""};

	ck_assert_int_eq(pipeline_run(e, raw, strlen(raw), NULL, &v, &err), -1);
	ck_assert(unit_has(err.msg, "regex match limit"));
	ck_assert_int_eq(v.regex_limit, 1);
	ck_assert_int_eq(v.skip, CARE_SKIP_NONE);	/* as far as it got */
	care_verdict_free(&v);
	free(raw);
	engine_unref(e);
}
END_TEST

START_TEST(regex_limit_in_trimming)
{
	struct engine *e = slow_engine("cut");
	char *raw = slow_message();
	struct strbuf out;
	struct care_err err = {""};

	sb_init(&out, 0);
	ck_assert_int_eq(pipeline_extract(e, raw, strlen(raw), &out, &err), -1);
	ck_assert(unit_has(err.msg, "regex match limit"));
	sb_free(&out);
	free(raw);
	engine_unref(e);
}
END_TEST

/* ---- threads ------------------------------------------------------------ */

struct worker {
	const char *raw;
	int same;		/* every verdict equal to the first */
};

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct care_verdict first, v;

	w->same = 1;
	unit_run(w->raw, &first);
	for (int i = 0; i < 40; i++) {
		unit_run(w->raw, &v);
		for (int e = 0; e < CARE_NELEMENTS; e++)
			if (v.elements[e].present != first.elements[e].present)
				w->same = 0;
		if (v.action != first.action || v.missing != first.missing)
			w->same = 0;
		care_verdict_free(&v);
	}
	care_verdict_free(&first);
	return NULL;
}

START_TEST(one_engine_many_threads)
{
	static const char *const bodies[] = {
		"I'm so sorry your order arrived damaged. I know how disappointing "
		    "that is. I've issued a full refund. Let me know if it arrives.\n",
		"You should have read the instructions.\n",
		"Sorry for any inconvenience.\n",
		"Thanks.\n",
	};
	pthread_t t[4];
	struct worker w[4];
	char *raw[4];

	unit_engine();
	for (int i = 0; i < 4; i++) {
		raw[i] = unit_msg(NULL, bodies[i]);
		w[i].raw = raw[i];
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].same, "thread %d saw different verdicts", i);
		free(raw[i]);
	}
}
END_TEST

/* The message with only the header fields pipeline_header_used() names,
 * as the milter assembles it. */
static char *
used_fields_only(const char *raw)
{
	struct strbuf sb;
	const char *p = raw;
	int keep = 0;

	sb_init(&sb, 0);
	while (*p && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) + 1 : strlen(p);

		if (*p != ' ' && *p != '\t') {	/* not a continuation line */
			const char *colon = memchr(p, ':', n);
			char *name = xstrndup(p, colon ? (size_t)(colon - p) : n);

			keep = pipeline_header_used(name);
			free(name);
		}
		if (keep)
			sb_append(&sb, p, n);
		p += n;
	}
	sb_puts(&sb, p);
	return sb_steal(&sb);
}

/* Leaving out the header fields the engine does not read changes no
 * verdict, over the whole labelled corpus. */
START_TEST(unused_header_fields_change_nothing)
{
	struct engine *e = unit_engine();
	char *dir = xasprintf("%s/tests/corpus", unit_top());
	char **files = unit_list(dir, ".eml", NULL);
	size_t n = 0, fewer = 0;

	for (char **f = files; *f; f++, n++) {
		char *path = xasprintf("%s/%s.eml", dir, *f);
		size_t len;
		char *raw = unit_read(path, &len);
		char *cut = used_fields_only(raw);
		struct care_verdict a, b;
		struct care_err err = {""};
		struct strbuf ja, jb;

		fewer += strlen(cut) < len;
		pipeline_run(e, raw, len, NULL, &a, &err);
		pipeline_run(e, cut, strlen(cut), NULL, &b, &err);
		a.elapsed_ms = b.elapsed_ms = 0;
		sb_init(&ja, 0);
		sb_init(&jb, 0);
		report_json(&a, "", &ja);
		report_json(&b, "", &jb);
		ck_assert_msg(strcmp(ja.s, jb.s) == 0, "%s:\n%s\n%s", path, ja.s, jb.s);
		sb_free(&ja);
		sb_free(&jb);
		care_verdict_free(&a);
		care_verdict_free(&b);
		free(raw);
		free(cut);
		free(path);
	}
	ck_assert_uint_ge(n, 300);
	ck_assert_uint_ge(fewer, n / 2);	/* the corpus has such fields */
	str_list_free(files);
	free(dir);
}
END_TEST

/* ---- known bugs (CARE_UNIT_KNOWN_BUGS=1) -------------------------------- */

/* pipeline.c pipeline_extract() sets out->limit to MaxScanBytes on the
 * caller's buffer, so what the caller already put there counts against
 * the bound, and the caller's own appends after it are dropped.
 * care-check --extract writes "==> FILE <==" into that buffer first: a
 * truncated text loses as many bytes, loses its final newline, and the
 * next file's header is glued to its last line. */
START_TEST(bug_extract_limit_counts_the_callers_text)
{
	struct engine *e = unit_engine_with("MaxScanBytes 1k\n");
	struct strbuf body, alone, after;
	struct care_err err = {""};
	char *raw;

	sb_init(&body, 0);
	for (int i = 0; i < 100; i++)
		sb_puts(&body, "The weather in Leeds was mild today.\n");
	raw = unit_msg(NULL, body.s);
	sb_init(&alone, 0);
	ck_assert_int_eq(pipeline_extract(e, raw, strlen(raw), &alone, &err), 0);
	sb_init(&after, 0);
	sb_puts(&after, "==> reply.eml <==\n");
	ck_assert_int_eq(pipeline_extract(e, raw, strlen(raw), &after, &err), 0);
	sb_putc(&after, '\n');
	ck_assert_uint_eq(after.len, strlen("==> reply.eml <==\n") + alone.len + 1);
	sb_free(&alone);
	sb_free(&after);
	sb_free(&body);
	free(raw);
	engine_unref(e);
}
END_TEST

Suite *
suite_pipeline(void)
{
	Suite *s = suite_create("pipeline");
	TCase *tc = tcase_create("cases");

	cases = unit_cases("pipeline-", &ncases);
	tcase_add_test(tc, cases_found);
	tcase_add_loop_test(tc, message_case, 0, (int)ncases);
	suite_add_tcase(s, tc);

	tc = tcase_create("engine");
	tcase_add_test(tc, engine_loads_shipped_configuration);
	tcase_add_test(tc, engine_load_errors);
	tcase_add_test(tc, engine_references);
	suite_add_tcase(s, tc);

	tc = tcase_create("verdicts");
	tcase_add_test(tc, verdict_identity);
	tcase_add_test(tc, skipped_is_not_analysed);
	tcase_add_test(tc, envelope_is_used);
	tcase_add_test(tc, odd_input_gets_a_verdict);
	tcase_add_test(tc, regex_limit_is_an_internal_error);
	tcase_add_test(tc, regex_limit_in_trimming);
	tcase_add_test(tc, one_engine_many_threads);
	tcase_add_test(tc, unused_header_fields_change_nothing);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	if (unit_known_bugs()) {
		tc = tcase_create("known-bugs");
		tcase_add_test(tc, bug_extract_limit_counts_the_callers_text);
		suite_add_tcase(s, tc);
	}
	return s;
}
