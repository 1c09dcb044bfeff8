/*
 * test_report.c - report.c: DESIGN.md's care-check --json line (keys,
 * order, escaping, skipped messages), the X-Care-Check header value,
 * the reason an agent reads, and care-check's text for people.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "unit.h"

static char *
json_string(const char *s)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	report_json_string(&sb, s);
	return sb_steal(&sb);
}

#define JSON_STR_EQ(in, want) do { \
	char *got_ = json_string(in); \
	ck_assert_str_eq(got_, (want)); \
	free(got_); \
} while (0)

/* A checked verdict: elements present per bit, issues per bit, with
 * evidence "E<n>" / "I<n>", and missing and action set by hand. */
static void
verdict(struct care_verdict *v, unsigned present, unsigned issues,
    unsigned missing, enum care_action action)
{
	care_verdict_init(v);
	v->message_id = xstrdup("<reply-1@support.example>");
	for (int e = 0; e < CARE_NELEMENTS; e++)
		if ((present >> e) & 1) {
			v->elements[e].present = 1;
			v->elements[e].evidence = xasprintf("E%d", e);
			v->elements[e].rule = xstrdup("r");
		}
	for (int i = 0; i < CARE_NISSUES; i++)
		if ((issues >> i) & 1) {
			v->issues[i].present = 1;
			v->issues[i].evidence = xasprintf("I%d", i);
			v->issues[i].rule = xstrdup("r");
		}
	v->missing = missing;
	v->action = action;
}

static char *
json_of(const struct care_verdict *v, const char *file)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	report_json(v, file, &sb);
	return sb_steal(&sb);
}

/* ---- JSON ------------------------------------------------------------- */

START_TEST(json_escaping)
{
	JSON_STR_EQ(NULL, "null");
	JSON_STR_EQ("", "\"\"");
	JSON_STR_EQ("plain", "\"plain\"");
	JSON_STR_EQ("say \"sorry\"", "\"say \\\"sorry\\\"\"");
	JSON_STR_EQ("C:\\path", "\"C:\\\\path\"");
	JSON_STR_EQ("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
	JSON_STR_EQ("\x01\x1f\x08\x0c", "\"\\u0001\\u001f\\u0008\\u000c\"");
	JSON_STR_EQ("/ and \x7f", "\"/ and \x7f\"");
	/* UTF-8 passes through unescaped */
	JSON_STR_EQ("caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80\"");
}
END_TEST

START_TEST(json_checked)
{
	struct care_verdict v;
	char *j;

	verdict(&v, (1u << CARE_ACK) | (1u << CARE_SOLUTION) | (1u << CARE_FOLLOW_UP),
	    1u << CARE_CLICHE, 1u << CARE_EMPATHY, CARE_FLAG);
	j = json_of(&v, "reply.eml");
	ck_assert_str_eq(j,
	    "{\"file\": \"reply.eml\", \"message_id\": \"<reply-1@support.example>\", "
	    "\"scope\": \"checked\", \"skip_reason\": null, \"elements\": {"
	    "\"acknowledgment\": {\"present\": true, \"evidence\": \"E0\"}, "
	    "\"empathy\": {\"present\": false, \"evidence\": null}, "
	    "\"solution\": {\"present\": true, \"evidence\": \"E2\"}, "
	    "\"follow_up\": {\"present\": true, \"evidence\": \"E3\"}}, "
	    "\"missing\": [\"empathy\"], "
	    "\"issues\": [{\"kind\": \"cliche\", \"evidence\": \"I0\"}], "
	    "\"action\": \"flag\"}");
	free(j);
	care_verdict_free(&v);

	/* several missing and issues, in the fixed order; no newline inside */
	verdict(&v, 0, (1u << CARE_EXCUSE) | (1u << CARE_BLAME), 0xF, CARE_HOLD);
	j = json_of(&v, NULL);
	ck_assert(unit_has(j, "\"file\": null"));
	ck_assert(unit_has(j, "\"missing\": [\"acknowledgment\", \"empathy\", "
	    "\"solution\", \"follow_up\"]"));
	ck_assert(unit_has(j, "\"issues\": [{\"kind\": \"blame\", \"evidence\": \"I2\"}, "
	    "{\"kind\": \"excuse\", \"evidence\": \"I3\"}]"));
	ck_assert(unit_has(j, "\"action\": \"hold\""));
	ck_assert(!unit_has(j, "\n"));
	free(j);
	care_verdict_free(&v);
}
END_TEST

START_TEST(json_escapes_evidence_and_names)
{
	struct care_verdict v;
	char *j;

	verdict(&v, 1u << CARE_ACK, 0, 0, CARE_ACCEPT);
	free(v.elements[CARE_ACK].evidence);
	v.elements[CARE_ACK].evidence = xstrdup("I'm \"so\" sorry\\\ttruly");
	free(v.message_id);
	v.message_id = NULL;
	j = json_of(&v, "dir/with \"quote\".eml");
	ck_assert(unit_has(j, "\"file\": \"dir/with \\\"quote\\\".eml\""));
	ck_assert(unit_has(j, "\"message_id\": null"));
	ck_assert(unit_has(j, "\"evidence\": \"I'm \\\"so\\\" sorry\\\\\\ttruly\""));
	free(j);
	care_verdict_free(&v);
}
END_TEST

START_TEST(json_skipped)
{
	struct care_verdict v;
	char *j;

	/* Whatever a skipped verdict holds, the JSON shows nothing found. */
	verdict(&v, 0xF, 0xF, 0x3, CARE_ACCEPT);
	v.skip = CARE_SKIP_AUTO_SUBMITTED;
	j = json_of(&v, "ooo.eml");
	ck_assert(unit_has(j, "\"scope\": \"skipped\", \"skip_reason\": \"auto-submitted\""));
	for (int e = 0; e < CARE_NELEMENTS; e++) {
		char *want = xasprintf("\"%s\": {\"present\": false, \"evidence\": null}",
		    care_element_name(e));

		ck_assert_msg(unit_has(j, want), "%s not in %s", want, j);
		free(want);
	}
	ck_assert(unit_has(j, "\"missing\": [], \"issues\": [], \"action\": \"accept\"}"));
	free(j);
	care_verdict_free(&v);
}
END_TEST

/* ---- header ------------------------------------------------------------- */

static char *
header_of(const struct care_verdict *v)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	report_header(v, &sb);
	return sb_steal(&sb);
}

START_TEST(header_format)
{
	struct care_verdict v;
	char *h;

	verdict(&v, 0xF, 0, 0, CARE_ACCEPT);
	h = header_of(&v);
	ck_assert_str_eq(h, "pass; action=accept");
	ck_assert(report_is_pass(&v));
	free(h);
	care_verdict_free(&v);

	/* DESIGN.md's example */
	verdict(&v, (1u << CARE_ACK) | (1u << CARE_SOLUTION), 1u << CARE_CLICHE,
	    (1u << CARE_EMPATHY) | (1u << CARE_FOLLOW_UP), CARE_HOLD);
	h = header_of(&v);
	ck_assert_str_eq(h, "fail; missing=empathy,follow_up; issues=cliche; action=hold");
	ck_assert(!report_is_pass(&v));
	free(h);
	care_verdict_free(&v);

	/* issues only, several */
	verdict(&v, 0xF, (1u << CARE_CONDITIONAL) | (1u << CARE_EXCUSE), 0, CARE_FLAG);
	h = header_of(&v);
	ck_assert_str_eq(h, "fail; issues=conditional_apology,excuse; action=flag");
	free(h);
	care_verdict_free(&v);

	/* a pass for the policy can still hold an issue that no tier lists:
	 * the header says fail, the action says accept */
	verdict(&v, 0xF, 1u << CARE_BLAME, 0, CARE_ACCEPT);
	h = header_of(&v);
	ck_assert_str_eq(h, "fail; issues=blame; action=accept");
	free(h);
	care_verdict_free(&v);

	/* a skipped verdict is no pass */
	verdict(&v, 0xF, 0, 0, CARE_ACCEPT);
	v.skip = CARE_SKIP_BULK;
	ck_assert(!report_is_pass(&v));
	care_verdict_free(&v);
}
END_TEST

/* ---- reason and text ------------------------------------------------------ */

static char *
reason_of(const struct care_verdict *v)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	report_reason(v, &sb);
	return sb_steal(&sb);
}

START_TEST(reason_text)
{
	static const struct {
		unsigned missing, issues;
		const char *want;
	} c[] = {
		{0, 0, "reply passes"},
		{1u << CARE_EMPATHY, 0, "reply lacks empathy"},
		{(1u << CARE_EMPATHY) | (1u << CARE_FOLLOW_UP), 0,
		    "reply lacks empathy and a follow-up invitation"},
		{0xF, 0, "reply lacks an acknowledgment of the problem, empathy, "
		    "a solution and a follow-up invitation"},
		{0, 1u << CARE_CLICHE, "reply uses a canned cliche"},
		{0, (1u << CARE_BLAME) | (1u << CARE_EXCUSE),
		    "reply blames the customer and makes excuses"},
		{1u << CARE_SOLUTION, 1u << CARE_CONDITIONAL,
		    "reply lacks a solution; it apologises conditionally"},
	};
	struct care_verdict v;

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		char *r;

		verdict(&v, 0xF & ~c[i].missing, c[i].issues, c[i].missing, CARE_FLAG);
		r = reason_of(&v);
		ck_assert_str_eq(r, c[i].want);
		free(r);
		care_verdict_free(&v);
	}
}
END_TEST

START_TEST(text_for_people)
{
	struct care_verdict v;
	struct strbuf sb;

	verdict(&v, (1u << CARE_ACK) | (1u << CARE_SOLUTION), 1u << CARE_CLICHE,
	    (1u << CARE_EMPATHY) | (1u << CARE_FOLLOW_UP), CARE_FLAG);
	v.truncated = 1;
	sb_init(&sb, 0);
	report_text(&v, "reply.eml", &sb);
	ck_assert(unit_has(sb.s, "reply.eml: flag (reply lacks empathy and a follow-up "
	    "invitation; it uses a canned cliche)\n"));
	ck_assert(unit_has(sb.s, "acknowledgment  yes  \"E0\"\n"));
	ck_assert(unit_has(sb.s, "empathy         no\n"));
	ck_assert(unit_has(sb.s, "issue cliche"));
	ck_assert(unit_has(sb.s, "\"I0\""));
	ck_assert(unit_has(sb.s, "MaxScanBytes"));
	care_verdict_free(&v);

	sb_reset(&sb);
	verdict(&v, 0, 0, 0, CARE_ACCEPT);
	v.skip = CARE_SKIP_INTERNAL;
	report_text(&v, NULL, &sb);
	ck_assert_str_eq(sb.s, "-: accept (skipped: internal)\n");
	care_verdict_free(&v);
	sb_free(&sb);
}
END_TEST

Suite *
suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, json_escaping);
	tcase_add_test(tc, json_checked);
	tcase_add_test(tc, json_escapes_evidence_and_names);
	tcase_add_test(tc, json_skipped);
	suite_add_tcase(s, tc);

	tc = tcase_create("people");
	tcase_add_test(tc, header_format);
	tcase_add_test(tc, reason_text);
	tcase_add_test(tc, text_for_people);
	suite_add_tcase(s, tc);
	return s;
}
