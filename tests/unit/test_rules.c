/*
 * test_rules.c - rules.c: the rule-file format (define and {NAME},
 * match, unless, unless-before, '|' continuation, example and counter
 * checked at load, exclude), every load error as FILE:LINE: message,
 * the regex match limit, and rules_prepare() never changing an answer.
 *
 * Each test writes a tiny rule file to a scratch folder; only the last
 * test uses the shipped rules.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Load rule text that must be valid. */
static struct rules_set *
good(const char *text)
{
	struct unit_errs errs = {0};
	struct rules_set *rs = unit_rules_from(text, 100000, &errs, NULL);

	ck_assert_msg(rs != NULL, "rules did not load:\n%s", errs.text);
	ck_assert_int_eq(errs.n, 0);
	return rs;
}

/* Load rule text that must fail; errs gets the messages, *path the
 * file's name. */
static void
bad(const char *text, struct unit_errs *errs, char **path)
{
	memset(errs, 0, sizeof(*errs));
	ck_assert_msg(unit_rules_from(text, 100000, errs, path) == NULL,
	    "rules loaded although they are wrong:\n%s", text);
	ck_assert_int_ge(errs->n, 1);
}

/* Does 'target' fire on 'text' in 'rs'?  *rule gets the rule's name. */
static int
fires(const struct rules_set *rs, int target, const char *text, const char **rule)
{
	struct rules_matcher *m = rules_matcher_new(rs);
	int rc = rules_match(m, target, text, strlen(text), rule);

	rules_matcher_free(m);
	return rc;
}

/* errs holds exactly one message, "PATH:LINE: " followed by text that
 * contains 'what'. */
static void
one_error_at(const struct unit_errs *errs, const char *path, int line,
    const char *what)
{
	char *want = xasprintf("%s:%d: ", path, line);

	ck_assert_msg(errs->n == 1, "wanted one error, got %d:\n%s", errs->n,
	    errs->text);
	ck_assert_msg(strncmp(errs->text, want, strlen(want)) == 0,
	    "error not at %s:\n%s", want, errs->text);
	ck_assert_msg(unit_has(errs->text, what), "wanted \"%s\" in:\n%s", what,
	    errs->text);
	free(want);
}

/* ---- the format ------------------------------------------------------- */

START_TEST(define_and_use)
{
	struct rules_set *rs = good(
	    "# a comment\n"
	    "\n"
	    "define GREET (?:hello|hi)\n"
	    "define GREET_ALL {GREET} there\n"	/* a define using a define */
	    "rule greet follow_up\n"
	    "    match \\b{GREET_ALL}\\b\n"
	    "    example Hello there, how are you?\n"
	    "    counter Goodbye there.\n");
	const char *rule = NULL;

	ck_assert_uint_eq(rules_count(rs), 1);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "well hi there!", &rule), 1);
	ck_assert_str_eq(rule, "greet");
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "HELLO THERE", NULL), 1);	/* caseless */
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "hello world", NULL), 0);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "hi", NULL), 0);
	/* Other targets have no rules: nothing fires. */
	ck_assert_int_eq(fires(rs, CARE_EMPATHY, "hi there", NULL), 0);
	ck_assert_int_eq(fires(rs, RULES_T_CUT, "hi there", NULL), 0);
	/* Out-of-range targets are no rules, not a crash. */
	ck_assert_int_eq(fires(rs, -1, "hi there", NULL), 0);
	ck_assert_int_eq(fires(rs, RULES_NTARGETS, "hi there", NULL), 0);
	rules_free(rs);
}
END_TEST

START_TEST(braces_that_are_not_vocabulary)
{
	/* PCRE2's own braces stay: quantifiers, \x{..}, lower-case names. */
	struct rules_set *rs = good(
	    "rule digits solution\n"
	    "    match \\bref \\d{3,5}\\b\n"
	    "    match \\bcode \\{x\\}\n"
	    "    example Your ref 12345 is done.\n"
	    "    example Use code {x} now.\n"
	    "    counter Your ref 12 is done.\n");

	rules_free(rs);
}
END_TEST

START_TEST(several_match_patterns)
{
	struct rules_set *rs = good(
	    "rule a solution\n"
	    "    match \\brefund\\b\n"
	    "    match \\breplacement\\b\n"
	    "rule b solution\n"
	    "    match \\bcredit\\b\n");
	const char *rule = NULL;

	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "A replacement is on its way.", &rule), 1);
	ck_assert_str_eq(rule, "a");
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "I added a credit.", &rule), 1);
	ck_assert_str_eq(rule, "b");
	/* The first rule in file order that fires is the one named. */
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "A credit or a refund.", &rule), 1);
	ck_assert_str_eq(rule, "a");
	rules_free(rs);
}
END_TEST

START_TEST(unless_anywhere_in_the_sentence)
{
	struct rules_set *rs = good(
	    "rule refund solution\n"
	    "    match \\brefund\\b\n"
	    "    unless \\bno refund\\b\n"
	    "    unless ^sorry\n");

	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "We will refund you.", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "We will refund the postage, but there is no refund of the fee.", NULL), 0);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "There is no refund, but we refund the postage.", NULL), 0);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "Sorry, we refund it.", NULL), 0);
	rules_free(rs);
}
END_TEST

START_TEST(unless_before_negates_in_the_clause)
{
	struct rules_set *rs = good(
	    "rule refund solution\n"
	    "    match \\brefund\\b\n"
	    "    unless-before \\b(?:not|can't|cannot|never)\\b\n"
	    "    example We can refund it today.\n"
	    "    counter We can't refund it.\n");
	struct strbuf far;

	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "We can refund it.", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "We can't refund it.", NULL), 0);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "We will not refund it.", NULL), 0);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "We cannot actually refund that fee.", NULL), 0);
	/* A negation in an earlier clause does not reach the match ... */
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "Not today; we refund it tomorrow.", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "We can't fix the fridge, but we refund it in full.", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "It was never going to arrive - we refund it now.", NULL), 1);
	/* ... a negated occurrence does not hide a later one that stands
	 * alone ... */
	ck_assert_int_eq(fires(rs, CARE_SOLUTION,
	    "We cannot refund the fee, so we refund the postage instead.", NULL), 1);
	/* ... nor does one after the match. */
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "We refund it, not replace it.", NULL), 1);
	/* The look-back is bounded: a negation far back in one long clause
	 * is out of reach. */
	sb_init(&far, 0);
	sb_puts(&far, "We cannot ");
	for (int i = 0; i < 12; i++)
		sb_puts(&far, "xxxxxxxxx ");
	sb_puts(&far, "refund it.");
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, far.s, NULL), 1);
	sb_free(&far);
	rules_free(rs);
}
END_TEST

START_TEST(continuation_lines)
{
	char *path;
	struct unit_errs errs;
	struct rules_set *rs = good(
	    "define FRUIT apple\n"
	    "    | pear\n"
	    "\n"
	    "# a comment between does not end the pattern\n"
	    "    | plum\n"
	    "rule thanks follow_up\n"
	    "    match \\bthank you\\b\n"
	    "        | \\bcheers\\b\n"
	    "        |\\bta\\b\n"
	    "    example Cheers!\n"
	    "rule fruit solution\n"
	    "    match \\b{FRUIT}s?\\b\n"
	    "    example Have some plums.\n");

	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "Thank you so much.", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "Cheers, Ana", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "ta very much", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "Thanks a lot", NULL), 0);
	/* The define's alternatives stay inside its group. */
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "two pears", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "an apple", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, "a pearl", NULL), 0);
	rules_free(rs);

	/* An error in a continued pattern is reported at its first line. */
	bad("rule r solution\n"
	    "    match (?:refund\n"
	    "        | credit\n", &errs, &path);
	one_error_at(&errs, path, 2, "bad pattern");
	free(path);
}
END_TEST

START_TEST(examples_with_line_breaks)
{
	/* "\n" in an example stands for a line break (header rules). */
	struct rules_set *rs = good(
	    "rule hdr header\n"
	    "    match ^From:.*\\nSent:\n"
	    "    example From: A <a@example.com>\\nSent: Monday\n"
	    "    counter From: A\\nTo: B\n");

	ck_assert_int_eq(fires(rs, RULES_T_HEADER, "From: x\nSent: y", NULL), 1);
	ck_assert_int_eq(fires(rs, RULES_T_HEADER, "From: x Sent: y", NULL), 0);
	rules_free(rs);
}
END_TEST

START_TEST(examples_checked_at_load)
{
	struct unit_errs errs;
	char *path;

	bad("rule r follow_up\n"
	    "    match \\bthanks\\b\n"
	    "    example Many thanks!\n"
	    "    example Thank you.\n", &errs, &path);
	one_error_at(&errs, path, 1, "rule \"r\" does not match its example \"Thank you.\"");
	free(path);

	bad("\n"
	    "rule r follow_up\n"
	    "    match \\bthanks\\b\n"
	    "    counter Thanks for nothing.\n", &errs, &path);
	one_error_at(&errs, path, 2,
	    "rule \"r\" matches its counter-example \"Thanks for nothing.\"");
	free(path);

	/* A counter-example that an unless clause saves is fine. */
	rules_free(good("rule r follow_up\n"
	    "    match \\bthanks\\b\n"
	    "    unless \\bfor nothing\\b\n"
	    "    counter Thanks for nothing.\n"));

	/* An example is checked against its own rule, not its target: a
	 * sibling rule that would fire does not make it pass. */
	bad("rule a solution\n"
	    "    match \\brefund\\b\n"
	    "rule b solution\n"
	    "    match \\bcredit\\b\n"
	    "    example We refund you.\n", &errs, &path);
	one_error_at(&errs, path, 3, "rule \"b\" does not match its example");
	free(path);
}
END_TEST

START_TEST(exclude_targets)
{
	struct rules_set *rs = good(
	    "rule sorry acknowledgment\n"
	    "    match \\bsorry\\b\n"
	    "rule sorry-if conditional_apology\n"
	    "    match \\bsorry if\\b\n"
	    "exclude acknowledgment when conditional_apology\n"
	    "exclude empathy when conditional_apology\n"
	    "exclude empathy when blame\n");
	int when[RULES_NTARGETS];

	ck_assert_uint_eq(rules_excluders(rs, CARE_ACK, when, RULES_NTARGETS), 1);
	ck_assert_int_eq(when[0], RULES_T_ISSUE0 + CARE_CONDITIONAL);
	ck_assert_uint_eq(rules_excluders(rs, CARE_EMPATHY, when, RULES_NTARGETS), 2);
	ck_assert_int_eq(when[0], RULES_T_ISSUE0 + CARE_CONDITIONAL);
	ck_assert_int_eq(when[1], RULES_T_ISSUE0 + CARE_BLAME);
	ck_assert_uint_eq(rules_excluders(rs, CARE_EMPATHY, when, 1), 1);	/* bounded */
	ck_assert_uint_eq(rules_excluders(rs, CARE_SOLUTION, when, RULES_NTARGETS), 0);
	ck_assert_uint_eq(rules_excluders(rs, -1, when, RULES_NTARGETS), 0);
	/* Exclusion is the analysis's business: both rules still fire. */
	ck_assert_int_eq(fires(rs, CARE_ACK, "Sorry if you feel that way.", NULL), 1);
	ck_assert_int_eq(fires(rs, RULES_T_ISSUE0 + CARE_CONDITIONAL,
	    "Sorry if you feel that way.", NULL), 1);
	rules_free(rs);
}
END_TEST

START_TEST(target_names)
{
	ck_assert_int_eq(rules_target_lookup("acknowledgment"), CARE_ACK);
	ck_assert_int_eq(rules_target_lookup("follow_up"), CARE_FOLLOW_UP);
	ck_assert_int_eq(rules_target_lookup("cliche"), RULES_T_ISSUE0 + CARE_CLICHE);
	ck_assert_int_eq(rules_target_lookup("excuse"), RULES_T_ISSUE0 + CARE_EXCUSE);
	ck_assert_int_eq(rules_target_lookup("cut"), RULES_T_CUT);
	ck_assert_int_eq(rules_target_lookup("drop"), RULES_T_DROP);
	ck_assert_int_eq(rules_target_lookup("header"), RULES_T_HEADER);
	ck_assert_int_eq(rules_target_lookup("signoff"), RULES_T_SIGNOFF);
	ck_assert_int_eq(rules_target_lookup("sympathy"), -1);
	ck_assert_int_eq(rules_target_lookup(""), -1);
}
END_TEST

START_TEST(several_files)
{
	char *dir = unit_tmpdir();
	char *a = unit_write(dir, "a.rules",
	    "define THANKS (?:thanks|thank you)\n"
	    "rule thanks follow_up\n"
	    "    match \\b{THANKS}\\b\n");
	char *b = unit_write(dir, "b.rules",
	    "rule sig cut\n"
	    "    match ^{THANKS},$\n");	/* a vocabulary of an earlier file */
	char *files[] = {a, b, NULL};
	struct unit_errs errs = {0};
	struct rules_set *rs = rules_load(files, 100000, 1000, unit_err_cb, &errs);

	ck_assert_msg(rs != NULL, "%s", errs.text);
	ck_assert_uint_eq(rules_count(rs), 2);
	ck_assert_int_eq(fires(rs, RULES_T_CUT, "Thanks,", NULL), 1);
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "Thanks,", NULL), 1);
	rules_free(rs);

	/* A rule name is unique across files; the second file is named. */
	char *c = unit_write(dir, "c.rules", "\nrule thanks cut\n    match ^x$\n");
	char *files2[] = {a, c, NULL};

	memset(&errs, 0, sizeof(errs));
	ck_assert_ptr_null(rules_load(files2, 100000, 1000, unit_err_cb, &errs));
	one_error_at(&errs, c, 2, "rule \"thanks\" is defined twice");

	/* A file that cannot be read, and no files at all. */
	char *missing = xasprintf("%s/missing.rules", dir);
	char *files3[] = {a, missing, NULL};

	memset(&errs, 0, sizeof(errs));
	ck_assert_ptr_null(rules_load(files3, 100000, 1000, unit_err_cb, &errs));
	ck_assert_int_eq(errs.n, 1);
	ck_assert(unit_has(errs.text, missing));
	ck_assert(unit_has(errs.text, "cannot open"));

	char *none[] = {NULL};

	memset(&errs, 0, sizeof(errs));
	ck_assert_ptr_null(rules_load(none, 100000, 1000, unit_err_cb, &errs));
	ck_assert(unit_has(errs.text, "no rule files"));
	free(a);
	free(b);
	free(c);
	free(missing);
	free(dir);
}
END_TEST

/* ---- load errors: each as FILE:LINE: message ---------------------------- */

static const struct {
	const char *text;
	int line;
	const char *message;
} load_errors[] = {
	{"rule r solution\n    match \\brefund\\b\n    matches \\bcredit\\b\n",
	    3, "unknown keyword \"matches\""},
	{"# c\nrule r solution\n    match (?:refund\n",
	    3, "bad pattern at offset"},
	{"rule r solution\n    match \\bre[fund\\b\n",
	    2, "bad pattern at offset"},
	{"rule r solution\n\n    match \\b{REMEDY}\\b\n",
	    3, "unknown vocabulary {REMEDY}"},
	{"define A {B}x\n",
	    1, "unknown vocabulary {B}"},
	{"define OK (?:a\n",
	    1, "bad pattern"},
	{"rule r solution\n    match x\nrule s sympathy\n",
	    3, "unknown target \"sympathy\""},
	{"rule r solution\n    match x\n\nrule r empathy\n    match y\n",
	    4, "rule \"r\" is defined twice"},
	{"define A x\ndefine A y\n",
	    2, "vocabulary {A} is defined twice"},
	{"define lower x\n",
	    1, "must be UPPER_CASE"},
	{"define A\n",
	    1, "define needs a NAME and a PATTERN"},
	{"rule r\n",
	    1, "rule needs a NAME and a TARGET"},
	{"rule r solution extra\n",
	    1, "rule needs a NAME and a TARGET"},
	{"rule q solution\n    match x\nrule r/s solution\n    match x\n",
	    3, "bad rule name"},
	{"match \\brefund\\b\n",
	    1, "\"match\" outside a rule"},
	{"rule r solution\n    match x\n    unless\n",
	    3, "\"unless\" needs an argument"},
	{"rule r solution\n    example We refund.\n",
	    1, "rule \"r\" has no match pattern"},
	{"rule r solution\n    match x\nexclude solution\n",
	    3, "exclude needs: exclude TARGET when TARGET"},
	{"rule r solution\n    match x\nexclude solution if blame\n",
	    3, "exclude needs"},
	{"rule r solution\n    match x\nexclude solution when solution\n",
	    3, "two different elements or issue kinds"},
	{"rule r solution\n    match x\nexclude cut when blame\n",
	    3, "two different elements or issue kinds"},
	{"rule r solution\n    match x\nexclude solution when nonsense\n",
	    3, "two different elements or issue kinds"},
};

START_TEST(load_error_at_file_line)
{
	struct unit_errs errs;
	char *path;

	bad(load_errors[_i].text, &errs, &path);
	one_error_at(&errs, path, load_errors[_i].line, load_errors[_i].message);
	free(path);
}
END_TEST

START_TEST(every_error_listed)
{
	struct unit_errs errs;
	char *path, *want;
	static const int lines[] = {2, 4, 6, 8};

	bad("rule a solution\n"
	    "    match (\n"				/* 2 */
	    "rule b solution\n"
	    "    match {NOPE}\n"			/* 4 */
	    "rule c solution\n"
	    "    frobnicate x\n"			/* 6 */
	    "    match ok\n"
	    "rule a empathy\n"				/* 8 */
	    "    match ok\n", &errs, &path);
	ck_assert_msg(errs.n == 4, "%s", errs.text);
	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		want = xasprintf("%s:%d: ", path, lines[i]);
		ck_assert_msg(unit_has(errs.text, want), "no error at %s:\n%s", want,
		    errs.text);
		free(want);
	}
	free(path);
}
END_TEST

START_TEST(long_line_is_an_error)
{
	struct unit_errs errs;
	char *path;
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_puts(&sb, "rule r solution\n    match x\n    example ");
	for (int i = 0; i < 9000; i++)
		sb_putc(&sb, 'x');
	sb_puts(&sb, "\n");
	bad(sb.s, &errs, &path);
	one_error_at(&errs, path, 3, "line longer than");
	sb_free(&sb);
	free(path);
}
END_TEST

/* ---- limits and the prefilter ------------------------------------------- */

START_TEST(match_limit_stops_backtracking)
{
	struct unit_errs errs = {0};
	struct rules_set *rs = unit_rules_from(
	    "rule slow follow_up\n"
	    "    match ^(?:a+)+$\n"
	    "rule quick follow_up\n"
	    "    match \\bzzz\\b\n", 1000, &errs, NULL);
	struct strbuf evil;
	const char *rule = NULL;

	ck_assert_msg(rs != NULL, "%s", errs.text);
	sb_init(&evil, 0);
	for (int i = 0; i < 40; i++)
		sb_putc(&evil, 'a');
	sb_puts(&evil, "b zzz");
	/* The limit stops the first rule: an error, not "no match", even
	 * though a later rule would have fired. */
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, evil.s, &rule), -1);
	/* Harmless text still matches. */
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "aaaa", &rule), 1);
	ck_assert_str_eq(rule, "slow");
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, "b zzz", &rule), 1);
	ck_assert_str_eq(rule, "quick");
	sb_free(&evil);
	rules_free(rs);
}
END_TEST

START_TEST(match_limit_in_unless_and_before)
{
	struct unit_errs errs = {0};
	struct rules_set *rs = unit_rules_from(
	    "rule u follow_up\n"
	    "    match \\bzzz\\b\n"
	    "    unless ^(?:a+)+$\n"
	    "rule v solution\n"
	    "    match \\bzzz\\b\n"
	    "    unless-before ^(?:a+)+$\n", 1000, &errs, NULL);
	struct strbuf evil;

	ck_assert_msg(rs != NULL, "%s", errs.text);
	sb_init(&evil, 0);
	for (int i = 0; i < 40; i++)
		sb_putc(&evil, 'a');
	sb_puts(&evil, "b zzz");
	ck_assert_int_eq(fires(rs, CARE_FOLLOW_UP, evil.s, NULL), -1);
	ck_assert_int_eq(fires(rs, CARE_SOLUTION, evil.s, NULL), -1);
	sb_free(&evil);
	rules_free(rs);
}
END_TEST

/* Sentences for the prepare test: every target of the shipped rules
 * fires on some, none on others. */
static const char *const sentences[] = {
	"I'm so sorry your order arrived damaged.",
	"Sorry for any inconvenience.",
	"I understand how frustrating this must be.",
	"I've issued a full refund to your card.",
	"We can't refund opened items.",
	"Let me know if this fixes it.",
	"Does Thursday work for you?",
	"You should have read the instructions.",
	"This is not our fault.",
	"Sorry if you feel that way.",
	"Your business is important to us.",
	"On Tue, 1 Apr 2025 at 10:00, Margaret Hale <m@example.com> wrote:",
	"-- ",
	"Sent from my iPhone",
	"Reply to this email to reopen your ticket.",
	"Kind regards,",
	"From: Margaret\nSent: Monday\nTo: Support\nSubject: Kettle",
	"The weather in Leeds was fine.",
	"",
	"zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
	"\xc3\xa9t\xc3\xa9 caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 r\xc3\xa9sum\xc3\xa9",
};

START_TEST(prepare_never_changes_an_answer)
{
	const struct rules_set *rs = unit_engine()->rs;
	struct rules_matcher *plain = rules_matcher_new(rs);
	struct rules_matcher *prep = rules_matcher_new(rs);
	int fired = 0;

	for (size_t i = 0; i < sizeof(sentences) / sizeof(*sentences); i++) {
		const char *s = sentences[i];
		size_t len = strlen(s);

		rules_prepare(prep, s, len);
		for (int t = 0; t < RULES_NTARGETS; t++) {
			const char *r1 = NULL, *r2 = NULL;
			int a = rules_match(plain, t, s, len, &r1);
			int b = rules_match(prep, t, s, len, &r2);

			ck_assert_msg(a == b, "target %d on \"%s\": %d alone, %d "
			    "prepared", t, s, a, b);
			ck_assert_msg(a <= 0 || strcmp(r1, r2) == 0,
			    "\"%s\": rule %s alone, %s prepared", s, r1, r2);
			fired += a > 0;
		}
	}
	ck_assert_int_ge(fired, 15);	/* the sentences do exercise rules */
	rules_matcher_free(plain);
	rules_matcher_free(prep);
}
END_TEST

START_TEST(prepare_of_other_text_is_not_reused)
{
	const struct rules_set *rs = unit_engine()->rs;
	struct rules_matcher *m = rules_matcher_new(rs);
	char a[] = "zzzzzzzzzzzzzzzzzzzzzzzzzzzz";
	char b[] = "Let me know if this fixes it.";

	ck_assert_uint_eq(strlen(a) + 1, strlen(b));
	/* Same length, other text: scanned afresh. */
	rules_prepare(m, a, strlen(a));
	ck_assert_int_eq(rules_match(m, CARE_FOLLOW_UP, b, strlen(a), NULL),
	    unit_fires(CARE_FOLLOW_UP, "Let me know if this fixes it", NULL));
	ck_assert_int_eq(rules_match(m, CARE_FOLLOW_UP, b, strlen(b), NULL), 1);
	/* Same text, other length: likewise. */
	rules_prepare(m, b, 3);
	ck_assert_int_eq(rules_match(m, CARE_FOLLOW_UP, b, strlen(b), NULL), 1);
	/* And back to the prepared text. */
	rules_prepare(m, a, strlen(a));
	ck_assert_int_eq(rules_match(m, CARE_FOLLOW_UP, a, strlen(a), NULL), 0);
	rules_matcher_free(m);
}
END_TEST

/* The trimming rules' patterns that the prefilter cannot filter are
 * tried as one alternation first: the answer, and the rule named, must
 * be what each pattern alone gives.  Patterns that cannot stand in an
 * alternation (a back reference, extended mode, a verb) are left out of
 * it and still work. */
START_TEST(unfiltered_patterns_joined)
{
	struct rules_set *rs = good(
	    "rule dashes cut\n"
	    "    match ^--\\s?$\n"
	    "    match ^_{5,}\\s*$\n"
	    "    example --\n"
	    "rule twice cut\n"
	    "    match ^(\\w+) \\1$\n"
	    "    example bye bye\n"
	    "rule spaced cut\n"
	    "    match (?x) ^ \\d{4} - \\d\\d  # a date\n"
	    "    example 2024-05\n"
	    "rule committed cut\n"
	    "    match ^\\d+(*COMMIT)x\n"
	    "    example 12x\n"
	    "rule stars cut\n"
	    "    match ^\\*{3,}$\n"
	    "    unless ^\\*{9}$\n"
	    "    example ***\n"
	    "    counter *********\n");
	static const struct {
		const char *line;
		const char *rule;	/* NULL: none fires */
	} cases[] = {
		{"--", "dashes"}, {"-- ", "dashes"}, {"_____", "dashes"},
		{"bye bye", "twice"}, {"bye now", NULL},
		{"2024-05", "spaced"}, {"12x", "committed"}, {"12", NULL},
		{"****", "stars"}, {"*********", NULL},
		{"Kind regards,", NULL}, {"", NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const char *rule = NULL;
		int rc = fires(rs, RULES_T_CUT, cases[i].line, &rule);

		ck_assert_msg(rc == (cases[i].rule != NULL), "\"%s\": %d",
		    cases[i].line, rc);
		ck_assert_msg(!cases[i].rule || strcmp(rule, cases[i].rule) == 0,
		    "\"%s\": fired %s, not %s", cases[i].line, rule, cases[i].rule);
	}
	rules_free(rs);
}
END_TEST

START_TEST(shipped_rules_load)
{
	const struct rules_set *rs = unit_engine()->rs;
	int when[RULES_NTARGETS];

	ck_assert_uint_gt(rules_count(rs), 30);
	/* Every element and issue kind, and every trim target, has rules. */
	ck_assert_int_eq(unit_fires(CARE_ACK, "I'm so sorry your order arrived damaged.", NULL), 1);
	ck_assert_int_eq(unit_fires(RULES_T_CUT, "Sent from my iPhone", NULL), 1);
	ck_assert_int_eq(unit_fires(RULES_T_DROP,
	    "Reply to this email to reopen your ticket.", NULL), 1);
	ck_assert_int_eq(unit_fires(RULES_T_SIGNOFF, "Kind regards,", NULL), 1);
	/* A conditional apology is never an acknowledgment. */
	ck_assert_uint_ge(rules_excluders(rs, CARE_ACK, when, RULES_NTARGETS), 1);
}
END_TEST

/* ---- known bugs (CARE_UNIT_KNOWN_BUGS=1) -------------------------------- */

/* rules.c do_line(): when the first rule of a file has a bad rule line,
 * each of its match/example lines adds '"match" outside a rule' (the
 * guard only holds once a rule was accepted), so one mistake is reported
 * several times. */
START_TEST(bug_first_bad_rule_cascades)
{
	struct unit_errs errs;
	char *path;

	bad("rule r sympathy\n"
	    "    match \\bsorry\\b\n"
	    "    example Sorry.\n", &errs, &path);
	one_error_at(&errs, path, 1, "unknown target \"sympathy\"");
	free(path);
}
END_TEST

Suite *
suite_rules(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, define_and_use);
	tcase_add_test(tc, braces_that_are_not_vocabulary);
	tcase_add_test(tc, unfiltered_patterns_joined);
	tcase_add_test(tc, several_match_patterns);
	tcase_add_test(tc, unless_anywhere_in_the_sentence);
	tcase_add_test(tc, unless_before_negates_in_the_clause);
	tcase_add_test(tc, continuation_lines);
	tcase_add_test(tc, examples_with_line_breaks);
	tcase_add_test(tc, examples_checked_at_load);
	tcase_add_test(tc, exclude_targets);
	tcase_add_test(tc, target_names);
	tcase_add_test(tc, several_files);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_loop_test(tc, load_error_at_file_line, 0,
	    (int)(sizeof(load_errors) / sizeof(*load_errors)));
	tcase_add_test(tc, every_error_listed);
	tcase_add_test(tc, long_line_is_an_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("matching");
	tcase_add_test(tc, match_limit_stops_backtracking);
	tcase_add_test(tc, match_limit_in_unless_and_before);
	tcase_add_test(tc, prepare_never_changes_an_answer);
	tcase_add_test(tc, prepare_of_other_text_is_not_reused);
	tcase_add_test(tc, shipped_rules_load);
	suite_add_tcase(s, tc);

	if (unit_known_bugs()) {
		tc = tcase_create("known-bugs");
		tcase_add_test(tc, bug_first_bad_rule_cascades);
		suite_add_tcase(s, tc);
	}
	return s;
}
