/*
 * test_analyze.c - analyze.c: text to sentences (normalised, hard wraps
 * joined, lists and short lines apart, abbreviations and numbers no
 * sentence ends), and sentences to findings with the shipped rules: one
 * representative sentence per element and issue kind, each beside its
 * near miss, and DESIGN.md's judgement rules for the hard cases.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "html.h"
#include "unit.h"

/* ---- sentences -------------------------------------------------------- */

static int
collect(void *arg, const char *s, size_t len)
{
	struct strbuf *sb = arg;

	if (sb->len)
		sb_putc(sb, '|');
	sb_append(sb, s, len);
	return 0;
}

/* The sentences of text, joined by '|'; malloc'd. */
static char *
sentences(const char *text)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	ck_assert_int_eq(analyze_sentences(text, strlen(text), collect, &sb), 0);
	return sb_steal(&sb);
}

#define SPLIT_EQ(text, want) do { \
	char *got_ = sentences(text); \
	ck_assert_msg(strcmp(got_, (want)) == 0, "splitting \"%s\"\n  gave \"%s\"\n" \
	    "wanted \"%s\"", (text), got_, (want)); \
	free(got_); \
} while (0)

START_TEST(sentence_ends)
{
	SPLIT_EQ("I'm sorry. It broke! Will it work? Yes.",
	    "I'm sorry.|It broke!|Will it work?|Yes.");
	SPLIT_EQ("Really?! Yes... I think so.", "Really?!|Yes...|I think so.");
	SPLIT_EQ("He said \"it's fixed.\" Then it broke.",
	    "He said \"it's fixed.\"|Then it broke.");
	SPLIT_EQ("(It's done.) Next.", "(It's done.)|Next.");
	SPLIT_EQ("No full stop at the end", "No full stop at the end");
	SPLIT_EQ("", "");
	SPLIT_EQ("  \n\n \n", "");
}
END_TEST

START_TEST(not_sentence_ends)
{
	SPLIT_EQ("Use a mild soap, e.g. washing-up liquid, then rinse.",
	    "Use a mild soap, e.g. washing-up liquid, then rinse.");
	SPLIT_EQ("Dr. Patel and Mrs. Jones will call at 10 a.m. tomorrow.",
	    "Dr. Patel and Mrs. Jones will call at 10 a.m. tomorrow.");
	SPLIT_EQ("Order No. 5 weighs 3.5 kg, see example.com for more.",
	    "Order No. 5 weighs 3.5 kg, see example.com for more.");
	SPLIT_EQ("J. Smith signed it.", "J. Smith signed it.");
	SPLIT_EQ("It's ok.thanks", "It's ok.thanks");
}
END_TEST

START_TEST(lines_and_lists)
{
	/* hard-wrapped lines are joined */
	SPLIT_EQ("I'm sorry the kettle you ordered last week\narrived with a "
	    "cracked base.",
	    "I'm sorry the kettle you ordered last week arrived with a cracked base.");
	/* a short line (greeting, sign-off) stands alone */
	SPLIT_EQ("Hi Margaret,\nThanks for your patience while we checked.\n"
	    "Kind regards,\nAna",
	    "Hi Margaret,|Thanks for your patience while we checked.|Kind regards,|Ana");
	/* a blank line ends a paragraph */
	SPLIT_EQ("The refund is done\n\nThe label is attached",
	    "The refund is done|The label is attached");
	/* list items are sentences of their own; their numbers are no ends */
	SPLIT_EQ("To reset it:\n1. Open the app\n2. Tap Settings\n3) Choose Reset\n"
	    "- Wait a minute\n* Try again",
	    "To reset it:|1. Open the app|2. Tap Settings|3) Choose Reset|- Wait a minute|"
	    "* Try again");
	/* a line that goes on in lower case continues the sentence */
	SPLIT_EQ("Short line\nthat goes on.", "Short line that goes on.");
}
END_TEST

START_TEST(normalised)
{
	/* typographic quotes, spaces, dashes, ellipsis, bullets; zero-width
	 * characters and soft hyphens vanish */
	SPLIT_EQ("I\xe2\x80\x99m \xe2\x80\x9csorry\xe2\x80\x9d\xc2\xa0\xe2\x80\x94 "
	    "re\xc2\xad" "fund\xe2\x80\x8b" "ed\xe2\x80\xa6",
	    "I'm \"sorry\" - refunded...");
	SPLIT_EQ("\xe2\x80\xa2 First\n\xe2\x80\xa2 Second", "* First|* Second");
	SPLIT_EQ("tab\there", "tab here");
	/* other characters pass untouched */
	SPLIT_EQ("Caf\xc3\xa9 \xe2\x82\xac" "5 \xf0\x9f\x98\x80",
	    "Caf\xc3\xa9 \xe2\x82\xac" "5 \xf0\x9f\x98\x80");
}
END_TEST

/* Every character PCRE2's \s matches is a plain space in a sentence:
 * the sentence prefilter reads \s as ' ' (PREFILTER_SPACE). */
START_TEST(white_space_is_one_space)
{
	size_t n;
	unsigned long *cps = unit_code_points("\\s", 0x110000, &n);

	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;

		if (cps[i] == '\n')
			continue;	/* it ends a line instead */
		sb_init(&sb, 0);
		sb_puts(&sb, "it is");
		utf8_put(&sb, cps[i]);
		sb_puts(&sb, "refunded");
		SPLIT_EQ(sb.s, "it is refunded");
		sb_free(&sb);
	}
	ck_assert_uint_ge(n, 20);
	free(cps);
}
END_TEST

START_TEST(long_sentences_split)
{
	struct strbuf sb;
	char *s;
	size_t n = 0, longest = 0, cur = 0;

	sb_init(&sb, 0);
	for (int i = 0; i < 500; i++)
		sb_puts(&sb, "word ");
	s = sentences(sb.s);
	for (char *p = s;; p++) {
		if (*p == '|' || *p == '\0') {
			n++;
			if (cur > longest)
				longest = cur;
			cur = 0;
			if (*p == '\0')
				break;
		} else
			cur++;
	}
	ck_assert_uint_ge(n, 3);
	ck_assert_uint_le(longest, ANALYZE_MAX_SENTENCE);
	free(s);
	sb_free(&sb);
}
END_TEST

static int
stop_after_two(void *arg, const char *s, size_t len)
{
	int *n = arg;

	(void)s;
	(void)len;
	return ++*n == 2 ? 7 : 0;
}

START_TEST(callback_stops_the_walk)
{
	int n = 0;

	ck_assert_int_eq(analyze_sentences("One. Two. Three. Four.", 22, stop_after_two, &n), 7);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* ---- elements and issues ---------------------------------------------- */

#define T_ACK CARE_ACK
#define T_EMP CARE_EMPATHY
#define T_SOL CARE_SOLUTION
#define T_FUP CARE_FOLLOW_UP
#define T_CLI (RULES_T_ISSUE0 + CARE_CLICHE)
#define T_CON (RULES_T_ISSUE0 + CARE_CONDITIONAL)
#define T_BLA (RULES_T_ISSUE0 + CARE_BLAME)
#define T_EXC (RULES_T_ISSUE0 + CARE_EXCUSE)

/* One sentence that is the element or issue, and its near miss. */
static const struct {
	int target;
	const char *yes, *no;
} representative[] = {
	{T_ACK, "I'm sorry your order arrived damaged.", "Sorry for any inconvenience."},
	{T_ACK, "That's our mistake.", "That was not our mistake."},
	{T_ACK, "I regret that the technician never arrived.",
	    "We regret to inform you that the item is discontinued."},
	{T_ACK, "On behalf of Acme, please accept our apology.",
	    "Sorry for the delay in getting back to you."},
	{T_EMP, "I understand how frustrating this must be.",
	    "I understand you want a refund."},
	{T_EMP, "I know you were counting on it for the weekend.",
	    "I know your order number."},
	{T_SOL, "I've issued a full refund to your card.", "We're looking into it."},
	{T_SOL, "A replacement ships today.", "I've escalated this to our technical team."},
	{T_SOL, "You can choose a refund or a replacement.",
	    "Unfortunately we can't refund opened items."},
	{T_FUP, "Let me know if this fixes it.", "Please do not reply to this message."},
	{T_FUP, "Does Thursday work for you?", "Why didn't you read the instructions?"},
	{T_FUP, "I'll check in with you on Monday.",
	    "I won't be able to update you until next week."},
	{T_CLI, "Your business is important to us.", "Your order is important to me too."},
	{T_CLI, "We apologise for any inconvenience caused.",
	    "I'm sorry your order arrived damaged."},
	{T_CON, "Sorry if you feel that way.", "I'm sorry you were upset by the delay."},
	{T_CON, "We apologise if you were upset.",
	    "We apologise for the mix-up with your booking."},
	{T_BLA, "You should have read the instructions.",
	    "You should receive the refund within five days."},
	{T_BLA, "As clearly stated in our terms, refunds are not possible.",
	    "As mentioned on the phone, I've issued your refund today."},
	{T_EXC, "This is not our fault.", "It's not your fault at all."},
	{T_EXC, "It was out of our control.", "It was in our warehouse."},
};

static const char *
target_name(int t)
{
	return t < CARE_NELEMENTS ? care_element_name(t) :
	    care_issue_name(t - RULES_T_ISSUE0);
}

START_TEST(representative_sentence)
{
	const char *rule = NULL;
	int t = representative[_i].target;

	ck_assert_msg(unit_fires(t, representative[_i].yes, &rule) == 1,
	    "%s should fire on \"%s\"", target_name(t), representative[_i].yes);
	ck_assert_msg(unit_fires(t, representative[_i].no, &rule) == 0,
	    "%s fires on the near miss \"%s\" (rule %s)", target_name(t),
	    representative[_i].no, rule);
}
END_TEST

/* The finding of analyze_text() for target t in v. */
static const struct care_finding *
finding(const struct care_verdict *v, int t)
{
	return t < CARE_NELEMENTS ? &v->elements[t] : &v->issues[t - RULES_T_ISSUE0];
}

START_TEST(representative_in_a_reply)
{
	/* The same sentence inside a reply is found with itself as
	 * evidence; the near miss alone finds nothing of its kind. */
	struct care_verdict v;
	int t = representative[_i].target;
	char *text = xasprintf("Hi Margaret,\n\nThanks for writing in.\n\n%s\n\nAna\n",
	    representative[_i].yes);

	unit_analyze(text, &v);
	ck_assert_msg(finding(&v, t)->present, "%s not found in:\n%s", target_name(t), text);
	ck_assert_str_eq(finding(&v, t)->evidence, representative[_i].yes);
	ck_assert_ptr_nonnull(finding(&v, t)->rule);
	care_verdict_free(&v);
	free(text);

	text = xasprintf("Hi Margaret,\n\n%s\n", representative[_i].no);
	unit_analyze(text, &v);
	ck_assert_msg(!finding(&v, t)->present, "%s found in near miss \"%s\": \"%s\"",
	    target_name(t), representative[_i].no, finding(&v, t)->evidence);
	care_verdict_free(&v);
	free(text);
}
END_TEST

/* ---- DESIGN.md's judgement rules ------------------------------------- */

START_TEST(conditional_apology_is_no_acknowledgment)
{
	struct care_verdict v;

	unit_analyze("We apologise if you were upset by our email.", &v);
	ck_assert(v.issues[CARE_CONDITIONAL].present);
	ck_assert(!v.elements[CARE_ACK].present);
	ck_assert(!v.elements[CARE_EMPATHY].present);
	care_verdict_free(&v);
}
END_TEST

START_TEST(apology_then_deflection)
{
	struct care_verdict v;

	/* a specific apology followed by a deflection: both */
	unit_analyze("I'm sorry your parcel arrived late. The delay was caused by "
	    "the courier.", &v);
	ck_assert(v.elements[CARE_ACK].present);
	ck_assert(v.issues[CARE_EXCUSE].present);
	ck_assert_str_eq(v.issues[CARE_EXCUSE].evidence, "The delay was caused by the courier.");
	care_verdict_free(&v);
}
END_TEST

START_TEST(cliche_beside_genuine_apology)
{
	struct care_verdict v;

	unit_analyze("I'm so sorry the technician never arrived on Tuesday. "
	    "We apologise for any inconvenience caused.", &v);
	ck_assert(v.elements[CARE_ACK].present);
	ck_assert_str_eq(v.elements[CARE_ACK].evidence,
	    "I'm so sorry the technician never arrived on Tuesday.");
	ck_assert(v.issues[CARE_CLICHE].present);
	ck_assert_str_eq(v.issues[CARE_CLICHE].evidence,
	    "We apologise for any inconvenience caused.");
	care_verdict_free(&v);
}
END_TEST

START_TEST(handoff_is_no_solution_but_promise_is_follow_up)
{
	struct care_verdict v;

	unit_analyze("I've passed your complaint on to the warehouse manager. "
	    "I'll get back to you as soon as I hear from the warehouse.", &v);
	ck_assert(!v.elements[CARE_SOLUTION].present);
	ck_assert(v.elements[CARE_FOLLOW_UP].present);
	care_verdict_free(&v);
}
END_TEST

START_TEST(first_sentence_is_the_evidence)
{
	struct care_verdict v;

	unit_analyze("Let me know if the refund arrives.\n\nI've issued a full refund."
	    " Shout if anything else crops up.", &v);
	ck_assert_str_eq(v.elements[CARE_FOLLOW_UP].evidence,
	    "Let me know if the refund arrives.");
	ck_assert_str_eq(v.elements[CARE_SOLUTION].evidence, "I've issued a full refund.");
	care_verdict_free(&v);
}
END_TEST

START_TEST(evidence_is_bounded)
{
	struct care_verdict v;
	struct strbuf sb;

	/* a long sentence: the evidence keeps its start, cut on a character */
	sb_init(&sb, 0);
	sb_puts(&sb, "I've issued a full refund");
	for (int i = 0; i < 150; i++)
		sb_puts(&sb, " \xc3\xa9t\xc3\xa9");
	sb_puts(&sb, ".");
	unit_analyze(sb.s, &v);
	ck_assert(v.elements[CARE_SOLUTION].present);
	ck_assert_uint_le(strlen(v.elements[CARE_SOLUTION].evidence),
	    ANALYZE_MAX_EVIDENCE + 3);
	ck_assert(unit_has(v.elements[CARE_SOLUTION].evidence, "I've issued a full refund"));
	ck_assert(str_has_suffix_ci(v.elements[CARE_SOLUTION].evidence, "..."));
	/* no character cut in half before the "..." */
	const char *e = v.elements[CARE_SOLUTION].evidence;
	size_t n = strlen(e) - 3;

	ck_assert((e[n - 1] & 0x80) == 0 || (unsigned char)e[n - 1] == 0xA9);
	care_verdict_free(&v);
	sb_free(&sb);
}
END_TEST

START_TEST(nothing_in_nothing)
{
	struct care_verdict v;

	unit_analyze("", &v);
	for (int e = 0; e < CARE_NELEMENTS; e++)
		ck_assert(!v.elements[e].present);
	for (int i = 0; i < CARE_NISSUES; i++)
		ck_assert(!v.issues[i].present);
	care_verdict_free(&v);
	unit_analyze("The weather in Leeds was mild today.", &v);
	for (int e = 0; e < CARE_NELEMENTS; e++)
		ck_assert(!v.elements[e].present);
	care_verdict_free(&v);
}
END_TEST

START_TEST(regex_limit_is_reported)
{
	/* A rule set with a catastrophic pattern and a tiny match limit:
	 * analyze_text() says the verdict is incomplete, and the other
	 * targets are still tried. */
	struct unit_errs errs = {0};
	struct rules_set *rs = unit_rules_from(
	    "rule slow empathy\n"
	    "    match ^(?:a+)+$\n"
	    "rule sorry acknowledgment\n"
	    "    match \\bsorry\\b\n", 1000, &errs, NULL);
	struct rules_matcher *m;
	struct care_verdict v;
	struct strbuf sb;

	ck_assert_msg(rs != NULL, "%s", errs.text);
	m = rules_matcher_new(rs);
	sb_init(&sb, 0);
	sb_puts(&sb, "Sorry. ");
	for (int i = 0; i < 40; i++)
		sb_putc(&sb, 'a');
	sb_puts(&sb, "b sorry");
	care_verdict_init(&v);
	ck_assert_int_eq(analyze_text(m, sb.s, sb.len, &v), -1);
	ck_assert_int_eq(v.regex_limit, 1);
	ck_assert(v.elements[CARE_ACK].present);
	care_verdict_free(&v);
	sb_free(&sb);
	rules_matcher_free(m);
	rules_free(rs);
}
END_TEST

START_TEST(exclusion_in_a_small_rule_set)
{
	struct rules_set *rs = unit_rules_from(
	    "rule sorry acknowledgment\n"
	    "    match \\bsorry\\b\n"
	    "rule sorry-if conditional_apology\n"
	    "    match \\bsorry if\\b\n"
	    "exclude acknowledgment when conditional_apology\n", 100000, NULL, NULL);
	struct rules_matcher *m = rules_matcher_new(rs);
	struct care_verdict v;
	const char *t = "Sorry if you feel that way. I am sorry it broke.";

	care_verdict_init(&v);
	ck_assert_int_eq(analyze_text(m, t, strlen(t), &v), 0);
	ck_assert(v.issues[CARE_CONDITIONAL].present);
	/* the first sentence is excluded; the second is the evidence */
	ck_assert_str_eq(v.elements[CARE_ACK].evidence, "I am sorry it broke.");
	ck_assert_str_eq(v.elements[CARE_ACK].rule, "sorry");
	care_verdict_free(&v);
	rules_matcher_free(m);
	rules_free(rs);
}
END_TEST

Suite *
suite_analyze(void)
{
	Suite *s = suite_create("analyze");
	TCase *tc = tcase_create("sentences");

	tcase_add_test(tc, sentence_ends);
	tcase_add_test(tc, not_sentence_ends);
	tcase_add_test(tc, lines_and_lists);
	tcase_add_test(tc, normalised);
	tcase_add_test(tc, white_space_is_one_space);
	tcase_add_test(tc, long_sentences_split);
	tcase_add_test(tc, callback_stops_the_walk);
	suite_add_tcase(s, tc);

	tc = tcase_create("findings");
	tcase_add_loop_test(tc, representative_sentence, 0,
	    (int)(sizeof(representative) / sizeof(*representative)));
	tcase_add_loop_test(tc, representative_in_a_reply, 0,
	    (int)(sizeof(representative) / sizeof(*representative)));
	tcase_add_test(tc, conditional_apology_is_no_acknowledgment);
	tcase_add_test(tc, apology_then_deflection);
	tcase_add_test(tc, cliche_beside_genuine_apology);
	tcase_add_test(tc, handoff_is_no_solution_but_promise_is_follow_up);
	tcase_add_test(tc, first_sentence_is_the_evidence);
	tcase_add_test(tc, evidence_is_bounded);
	tcase_add_test(tc, nothing_in_nothing);
	tcase_add_test(tc, regex_limit_is_reported);
	tcase_add_test(tc, exclusion_in_a_small_rule_set);
	suite_add_tcase(s, tc);
	return s;
}
