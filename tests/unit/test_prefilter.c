/*
 * test_prefilter.c - prefilter.c: the literal factors of a pattern, and
 * the promise that the prefilter never changes a result: whenever PCRE2
 * (compiled as rules.c compiles rules) finds a match, prefilter_may_match
 * says the pattern may match.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "prefilter.h"
#include "unit.h"

/* The compile options of rules.c. */
#define RULE_OPTIONS (PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF)

/* A prefilter holding one pattern. */
struct one {
	struct prefilter *pf;
	int id;
	unsigned char *found;
};

static struct one
one_new(const char *pattern)
{
	struct one o;

	o.pf = prefilter_new(0);
	o.id = prefilter_add(o.pf, pattern);
	prefilter_build(o.pf);
	o.found = xmalloc(prefilter_state_size(o.pf));
	return o;
}

static void
one_free(struct one *o)
{
	prefilter_free(o->pf);
	free(o->found);
}

/* May 'pattern' match 'text', according to the prefilter? */
static int
may(struct one *o, const char *text)
{
	prefilter_scan(o->pf, text, strlen(text), o->found);
	return prefilter_may_match(o->pf, o->id, o->found);
}

/* Does PCRE2 find 'pattern' in 'text'?  -1 when it does not compile. */
static int
pcre_finds(const char *pattern, const char *text)
{
	int code, rc;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    RULE_OPTIONS, &code, &off, NULL);
	pcre2_match_data *md;

	if (re == NULL)
		return -1;
	md = pcre2_match_data_create_from_pattern(re, NULL);
	rc = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return rc >= 0;
}

/* ---- factors ------------------------------------------------------------ */

START_TEST(sorry_for_or_about)
{
	struct one o = one_new("\\bsorry (?:for|about)\\b");

	ck_assert_uint_eq(prefilter_filtered(o.pf), 1);
	ck_assert(may(&o, "I am so sorry for the delay"));
	ck_assert(may(&o, "SORRY ABOUT THAT"));		/* caseless */
	ck_assert(may(&o, "xsorry forx"));		/* a factor, not a match */
	ck_assert(!may(&o, "I apologise for the delay"));
	ck_assert(!may(&o, "sorr y for"));
	ck_assert(!may(&o, ""));
	one_free(&o);
}
END_TEST

/* Pattern, a text it cannot match (the prefilter must say so), a text
 * holding a factor (it must say "may"). */
static const struct {
	const char *pattern;
	const char *impossible;
	const char *possible;
} factored[] = {
	/* lookarounds are zero-width: the words around them count */
	{"(?<!not )\\brefund\\b", "a credit note", "not refund"},
	{"(?<=I'm )sorry", "I'm sad", "xx sorry"},
	{"\\bcredit(?= note)", "a refund", "credit card"},
	{"(?!no )\\bthanks\\b", "thank you", "no thanks"},
	/* classes and optional parts after the literal run that must be there */
	{"sorry[.!]", "sorr.", "sorry"},
	/* an optional part known exactly is carried into its neighbours:
	 * "color" or "colour", not just "colo" */
	{"\\bcolou?r\\b", "colonel", "COLOUR"},
	{"\\bnot (?:by |from )?us\\b", "not them", "not from us"},
	{"\\bsorry(?: about| for)?\\b", "very sad", "sorry"},
	{"\\bresen[dt]\\b", "re-send", "resent"},
	{"\\d+ (?:days|weeks)\\b", "a month", "3 days"},
	{"\\bsorry\\W+\\w+\\b", "apologies", "sorry"},
	/* alternations of literals: any one of them */
	{"\\b(?:refund|replacement|credit)\\b", "a voucher", "credited"},
	{"refund|replacement|credit", "a voucher", "REPLACEMENT"},
	{"\\bwe (?:have|'ve) (?:refunded|credited)\\b", "we have sent", "we have credited"},
	/* quantified literals: one copy must be there */
	{"funny (?:ha)+", "very funny", "funny ha"},
	{"xyz(?:ab){2,3}", "xy abab", "xyzabab"},
	/* a literal run after a part without factors: a suffix of one part
	 * and a prefix of the next stand together in every match */
	{"\\b(?:very |really )?sorry\\b", "apologies", "so sorry"},
	{"[a-z]+ing\\b", "a sang", "singing"},
	{"^\\W*Sent from my \\w+", "Kind regards", "-- Sent from my phone"},
	/* inline flags and comments are not text */
	{"(?i)thanks", "cheers", "THANKS"},
	{"(?i:thank) you", "cheers", "THANK YOU"},
	{"(?#comment)cheers", "comment", "cheers"},
	/* non-ASCII letters: runs of bytes of 0x80 and above, whatever
	 * their case */
	{"\xc3\xa9t\xc3\xa9", "ete", "\xc3\x89T\xc3\x89"},
	{"\\bgr\xc3\xbc\xc3\x9f" "e\\b", "gruse", "GR\xc3\x9c\xe1\xba\x9e" "E"},
	{"\\b(?:schrieb|\xd0\xbf\xd0\xb8\xd1\x88\xd0\xb5\xd1\x82)\\s*:", "he wrote:",
	    "\xd0\x9f\xd0\x98\xd0\xa8\xd0\x95\xd0\xa2:"},
	/* U+017F and U+212A are s and k to PCRE2 */
	{"\xc5\xbforry", "worry", "SORRY"},
	/* groups: capturing, named, atomic */
	{"(sorry) (?P<w>about)", "about", "sorry about"},
	{"(?>sorry)", "apologies", "sorry"},
};

START_TEST(factors_of_patterns)
{
	struct one o = one_new(factored[_i].pattern);

	ck_assert_msg(prefilter_filtered(o.pf) == 1, "%s: no factor",
	    factored[_i].pattern);
	ck_assert_msg(!may(&o, factored[_i].impossible), "%s: \"%s\" should "
	    "be impossible", factored[_i].pattern, factored[_i].impossible);
	ck_assert_msg(may(&o, factored[_i].possible), "%s: \"%s\" should be "
	    "possible", factored[_i].pattern, factored[_i].possible);
	/* What the prefilter calls impossible PCRE2 does not find either. */
	ck_assert_int_eq(pcre_finds(factored[_i].pattern, factored[_i].impossible), 0);
	one_free(&o);
}
END_TEST

/* Several literals that every match needs, all of them: a text with
 * only one of them is impossible.  (Pattern, texts with one part only,
 * a text with every part.) */
static const struct {
	const char *pattern;
	const char *only_one[2];
	const char *all;
} conjunctions[] = {
	{"\\bsorry\\b.{0,60}\\byou\\b.{0,40}\\b(?:frustrat\\w*|upset)\\b",
	    {"I'm so sorry about that.", "You must be frustrated."},
	    "sorry, you sound upset"},
	/* each branch brings its own pair: any one of each pair is needed */
	{"(?:refund\\w* \\w+ today|credit\\w* \\w+ now) to your card",
	    {"your refund went out today", "we sent it to your card"},
	    "refunded it today to your card"},
	/* a required repeat keeps its parts; an optional one does not */
	{"(?:please )?(?:let us know)+ (?:if|whether)",
	    {"let us know soon", "tell me if it works"},
	    "let us know if it works"},
};

START_TEST(every_required_literal_counts)
{
	struct one o = one_new(conjunctions[_i].pattern);

	for (int k = 0; k < 2; k++) {
		ck_assert_msg(!may(&o, conjunctions[_i].only_one[k]), "%s: \"%s\" "
		    "should be impossible", conjunctions[_i].pattern,
		    conjunctions[_i].only_one[k]);
		ck_assert_int_eq(pcre_finds(conjunctions[_i].pattern,
		    conjunctions[_i].only_one[k]), 0);
	}
	ck_assert(may(&o, conjunctions[_i].all));
	ck_assert_int_eq(pcre_finds(conjunctions[_i].pattern, conjunctions[_i].all), 1);
	one_free(&o);
}
END_TEST

/* Patterns whose every match need not contain a long enough literal:
 * never filtered, always possible. */
static const char *const unfactored[] = {
	"\\w+",
	".",
	"^$",
	"ab",				/* too short to filter anything */
	"(?:sorry|)",			/* an empty branch */
	"(?:sorry)?",
	"(?:sorry)*",
	"(?:sorry){0,2}",
	"sorry|\\w+",			/* one branch without a factor */
	"\\p{Lu}\\p{Ll}+",
	"(?(?=x)abc|def)",		/* a construct it does not model */
	"(a|b)\\1\\1",			/* back references */
};

START_TEST(no_factor_is_always_possible)
{
	struct one o = one_new(unfactored[_i]);

	ck_assert_msg(prefilter_filtered(o.pf) == 0, "%s: filtered", unfactored[_i]);
	ck_assert(may(&o, ""));
	ck_assert(may(&o, "zzz"));
	ck_assert(may(&o, "nothing at all like it"));
	one_free(&o);
}
END_TEST

/* parse_high() counts on this: no non-ASCII character matches an ASCII
 * one caselessly, but U+017F (s) and U+212A (k).  PCRE2's caseless sets
 * are symmetric, so the ASCII letters are matched against every code
 * point of the planes where letters have case. */
/* A scan reads a long text as several stretches side by side: a factor
 * is found wherever it falls, across the seams too, in ASCII text or in
 * text of 2- and 3-byte characters (a seam then moves further back). */
START_TEST(factors_found_across_scan_lanes)
{
	static const char *const fillers[] = {"a ", "\xc3\xa9", "\xe2\x80\x94 ", "x\xc5\xbf"};
	static const struct {
		const char *pattern, *text;
	} needles[] = {
		{"sorry about", "sorry about"},
		{"thanks a lot", "than\xe2\x84\xaas a lot"},	/* Kelvin sign */
		{"caf\xc3\xa9 au lait", "CAF\xc3\x89 au lait"},
	};

	for (size_t n = 0; n < sizeof(needles) / sizeof(*needles); n++) {
		struct one o = one_new(needles[n].pattern);

		for (size_t f = 0; f < sizeof(fillers) / sizeof(*fillers); f++)
			for (size_t at = 0; at < 300; at++) {
				struct strbuf sb;

				sb_init(&sb, 0);
				while (sb.len < at)
					sb_puts(&sb, fillers[f]);
				sb_puts(&sb, needles[n].text);
				while (sb.len < 320)
					sb_puts(&sb, fillers[f]);
				ck_assert_msg(may(&o, sb.s), "\"%s\" not found at %zu of "
				    "filler %zu", needles[n].pattern, at, f);
				sb_free(&sb);
			}
		/* And the filler alone has none of them. */
		for (size_t f = 0; f < sizeof(fillers) / sizeof(*fillers); f++) {
			struct strbuf sb;

			sb_init(&sb, 0);
			while (sb.len < 320)
				sb_puts(&sb, fillers[f]);
			ck_assert(!may(&o, sb.s));
			sb_free(&sb);
		}
		one_free(&o);
	}
}
END_TEST

/* PREFILTER_SPACE reads \s as ' ', so that is\s+ gives "is ": a
 * filter that a two-letter word cannot be on its own.  Any text that
 * holds another character \s matches is let through unfiltered: every
 * code point PCRE2's \s matches is tried between the words. */
START_TEST(space_mode_reads_white_space_as_a_space)
{
	static const char pattern[] = "\\bsorry\\s+if\\b";
	struct one o = one_new(pattern);
	struct one sp;
	size_t n;
	unsigned long *cps = unit_code_points("\\s", 0x110000, &n);

	sp.pf = prefilter_new(PREFILTER_SPACE);
	sp.id = prefilter_add(sp.pf, pattern);
	prefilter_build(sp.pf);
	sp.found = xmalloc(prefilter_state_size(sp.pf));
	/* " if" is required now, where "if" alone was too short */
	ck_assert(may(&o, "sorry, but it is different"));
	ck_assert(!may(&sp, "sorry, but it is different"));
	ck_assert(may(&sp, "I'm sorry if it did"));
	for (size_t i = 0; i < n; i++) {
		struct strbuf sb;

		sb_init(&sb, 0);
		sb_puts(&sb, "sorry");
		utf8_put(&sb, cps[i]);
		sb_puts(&sb, "if");
		ck_assert(pcre_finds(pattern, sb.s) == 1);
		ck_assert_msg(may(&sp, sb.s), "U+%04lX between the words "
		    "was not let through", cps[i]);
		sb_free(&sb);
	}
	ck_assert_uint_ge(n, 20);	/* PCRE2 10.42: 26 code points */
	free(cps);
	one_free(&sp);
	one_free(&o);
}
END_TEST

START_TEST(only_two_non_ascii_letters_fold_to_ascii)
{
	size_t n, found = 0;
	unsigned long *cps = unit_code_points("[a-z]", 0x20000, &n);

	for (size_t i = 0; i < n; i++) {
		if (cps[i] < 0x80)
			continue;
		ck_assert_msg(cps[i] == 0x17F || cps[i] == 0x212A,
		    "U+%04lX folds to an ASCII letter", cps[i]);
		found++;
	}
	ck_assert_uint_eq(found, 2);
	free(cps);
}
END_TEST

START_TEST(many_patterns_one_scan)
{
	struct prefilter *pf = prefilter_new(0);
	int sorry = prefilter_add(pf, "\\bsorry\\b");
	int refund = prefilter_add(pf, "\\brefund(?:ed)?\\b");
	int any = prefilter_add(pf, "\\w+");
	int thanks = prefilter_add(pf, "thank(?:s| you)");
	int sorry2 = prefilter_add(pf, "so sorry");	/* a factor within a factor */
	unsigned char *found;

	prefilter_build(pf);
	ck_assert_uint_eq(prefilter_filtered(pf), 4);
	found = xmalloc(prefilter_state_size(pf));
	prefilter_scan(pf, "I'm so sorry, we refunded it", 28, found);
	ck_assert(prefilter_may_match(pf, sorry, found));
	ck_assert(prefilter_may_match(pf, refund, found));
	ck_assert(prefilter_may_match(pf, any, found));
	ck_assert(!prefilter_may_match(pf, thanks, found));
	ck_assert(prefilter_may_match(pf, sorry2, found));
	/* Only the given length is scanned. */
	prefilter_scan(pf, "I'm so sorry, we refunded it", 8, found);
	ck_assert(!prefilter_may_match(pf, sorry, found));
	ck_assert(!prefilter_may_match(pf, refund, found));
	ck_assert(prefilter_may_match(pf, any, found));
	/* Unknown ids are always possible. */
	ck_assert(prefilter_may_match(pf, -1, found));
	ck_assert(prefilter_may_match(pf, 99, found));
	free(found);
	prefilter_free(pf);

	/* An empty prefilter scans nothing and frees cleanly. */
	pf = prefilter_new(0);
	prefilter_build(pf);
	found = xmalloc(prefilter_state_size(pf));
	prefilter_scan(pf, "text", 4, found);
	free(found);
	prefilter_free(pf);
	prefilter_free(NULL);
}
END_TEST

/* ---- soundness ---------------------------------------------------------- */

/* Varied patterns in the style of the rule files, and edge constructs. */
static const char *const sound_patterns[] = {
	"\\bsorry (?:for|about)\\b",
	"\\b(?:I'm|I am|we're|we are)\\s+(?:so\\s+|very\\s+|really\\s+){0,3}sorry\\b(?!\\s+if)",
	"^(?:so |very |really )*sorry\\b",
	"\\bmy apologies (?:for|that|about)",
	"\\bon behalf of\\b.{0,60}\\b(?:apologi[sz]e|apolog(?:y|ies)|sorry)\\b",
	"\\b(?:that|this|it)(?:'s| is| was)\\s+(?:entirely )?(?:on us|our (?:fault|mistake))\\b",
	"\\bI (?:completely |totally )?understand (?:how|why|your) \\w+",
	"\\bthat must (?:have been|be) (?:so |very )?(?:frustrating|annoying|stressful)",
	"\\b(?:I've|I have|we've|we have)\\s+(?:issued|processed|refunded|credited)\\b",
	"\\b(?:I'll|I will|we'll|we will)\\s+(?:send|ship|refund|replace)\\b",
	"\\b(?:a|the|your)?\\s*(?:refund|credit)\\s+(?:has|have)\\s+(?:been )?(?:issued|applied)\\b",
	"^\\s*(?:\\d{1,2}[.)]|[-*+])\\s+\\w+",
	"\\blet (?:me|us) know\\b",
	"\\b(?:does|would|could|can) (?:\\w+ ){0,3}(?:work|suit) for you\\?",
	"\\?\\s*$",
	"\\bsorry for (?:any|the) inconvenience\\b",
	"\\bthank you for your patience(?: and understanding)?\\b",
	"\\bsorry if\\b",
	"\\byou should have (?:read|checked|followed)\\b",
	"\\bas (?:clearly )?stated in our (?:terms|policy)\\b",
	"\\b(?:this|that|it) (?:is|was) not our fault\\b",
	"\\bout of our (?:hands|control)\\b",
	"^\\W{0,3}On\\b.{0,300}(?:wrote|schrieb|a écrit|escribió)\\s*:?\\s*$",
	"^-{2,}\\s*Original Message\\s*-*",
	"^--\\s?$",
	"^\\W{0,2}Sent from my \\w+",
	"^\\W*(?:kind|best|warm)\\s+regards\\s*[,.!]?\\s*$",
	"^\\W{0,3}From\\W{0,3}\\s*:.*\\n(?:.*\\n){0,4}\\W{0,3}(?:Sent|Date)\\W{0,3}\\s*:",
	"\\bre-?send\\b",
	"\\be-?mail\\b",
	"[Cc]ancell?ed\\b",
	"\\b\\d+% (?:off|discount)\\b",
	"£\\d+",
	"\\bcaf\xc3\xa9\\b",
	"\\bna\xc3\xafve\\b",
	"(?i:THANKS)|cheers",
	"(?:ha)+\\b",
	"\\b(?:x|y|z)\\b",
	"(?=.*\\brefund\\b)\\bcredit\\b",
	"\\bwe(?!'ll)\\b",
	"\\bdon't|\\bdo not\\b",
	"[[:alpha:]]+ly sorry",
	"\\Qsorry.\\E",
	"(?<greeting>hello|hi) there",
};

static const char *const sound_texts[] = {
	"I'm so sorry your order arrived damaged.",
	"I am really very sorry about the mix-up.",
	"Sorry for any inconvenience.",
	"SORRY ABOUT THAT!",
	"So sorry.",
	"My apologies for the double charge.",
	"On behalf of Acme, please accept our apology.",
	"That's entirely on us.",
	"I completely understand how frustrating this is.",
	"That must have been so stressful.",
	"I've issued a full refund to your card.",
	"We'll send a replacement today.",
	"Your refund has been issued.",
	"1. Open the app and tap Settings.",
	"- Restart your router.",
	"Let me know if this fixes it.",
	"Does Thursday work for you?",
	"Could that suit for you?",
	"Thank you for your patience and understanding.",
	"We apologise if you were upset. Sorry if you feel that way.",
	"You should have read the instructions.",
	"As clearly stated in our terms, no refunds.",
	"This is not our fault; it was out of our control.",
	"On Tue, 1 Apr 2025 at 10:00, Margaret <m@example.com> wrote:",
	"Le 4 janv. 2016 19:03, Neil a écrit :",
	"-----Original Message-----",
	"-- ",
	"Sent from my iPhone",
	"Kind regards,",
	"From: Margaret Hale\nSent: Monday, 3 March\nTo: Support",
	"Please resend the email.",
	"Your order was canceled, not cancelled.",
	"Take 20% off your next order, worth \xc2\xa3" "15.",
	"We met at the Caf\xc3\xa9 on Monday; a na\xc3\xafve idea.",
	"CAF\xc3\x89 NA\xc3\x8fVE",
	"Cheers, haha",
	"x y z",
	"We can offer a refund or a credit.",
	"A credit, or else a refund.",
	"We don't, we do not, we'll see.",
	"Truly sorry; hello there.",
	"sorry. sorry",
	"",
	"\xff\xfe invalid UTF-8 \xc3 sorry \xe2\x80",
};

START_TEST(prefilter_is_sound)
{
	size_t np = sizeof(sound_patterns) / sizeof(*sound_patterns);
	size_t nt = sizeof(sound_texts) / sizeof(*sound_texts);
	struct prefilter *pf = prefilter_new(0);
	pcre2_code **re = xcalloc(np, sizeof(*re));
	int *id = xcalloc(np, sizeof(*id));
	unsigned char *found;
	size_t matches = 0, skipped = 0, failures = 0;
	size_t *hits = xcalloc(np, sizeof(*hits));
	struct strbuf why;

	sb_init(&why, 0);
	for (size_t p = 0; p < np; p++) {
		int code;
		PCRE2_SIZE off;

		re[p] = pcre2_compile((PCRE2_SPTR)sound_patterns[p],
		    PCRE2_ZERO_TERMINATED, RULE_OPTIONS, &code, &off, NULL);
		ck_assert_msg(re[p] != NULL, "pattern %zu does not compile: %s", p,
		    sound_patterns[p]);
		id[p] = prefilter_add(pf, sound_patterns[p]);
	}
	prefilter_build(pf);
	found = xmalloc(prefilter_state_size(pf));
	for (size_t t = 0; t < nt; t++) {
		const char *s = sound_texts[t];

		prefilter_scan(pf, s, strlen(s), found);
		for (size_t p = 0; p < np; p++) {
			pcre2_match_data *md = pcre2_match_data_create_from_pattern(re[p], NULL);
			int rc = pcre2_match(re[p], (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
			int ok = prefilter_may_match(pf, id[p], found);

			pcre2_match_data_free(md);
			ck_assert_msg(rc >= 0 || rc == PCRE2_ERROR_NOMATCH,
			    "pcre2_match error %d", rc);
			if (rc >= 0) {
				matches++;
				hits[p]++;
				if (!ok) {
					failures++;
					sb_printf(&why, "  /%s/ matches \"%s\" but the "
					    "prefilter ruled it out\n", sound_patterns[p], s);
				}
			} else if (!ok)
				skipped++;
		}
	}
	ck_assert_msg(failures == 0, "prefilter unsound:\n%s", why.s);

	/* The test means something: every pattern matches some text, and
	 * the prefilter does save work. */
	for (size_t p = 0; p < np; p++)
		ck_assert_msg(hits[p] > 0, "no text matches /%s/", sound_patterns[p]);
	ck_assert_uint_ge(matches, 50);
	ck_assert_uint_ge(skipped, np * nt / 2);
	ck_assert_uint_ge(prefilter_filtered(pf), np / 2);
	for (size_t p = 0; p < np; p++)
		pcre2_code_free(re[p]);
	free(re);
	free(id);
	free(hits);
	free(found);
	sb_free(&why);
	prefilter_free(pf);
}
END_TEST

/* ---- known bugs (CARE_UNIT_KNOWN_BUGS=1) -------------------------------- */

/* Constructs that once made the prefilter claim factors a match need
 * not contain (fixed in prefilter.c; kept so they stay fixed): named
 * groups (?'name'...), back references \\k<name>, extended mode (?x),
 * and PCRE2's Unicode caseless matching of U+017F (long s) for s and
 * U+212A (Kelvin sign) for k. */
static const struct {
	const char *pattern, *text;
} tricky[] = {
	{"(?'w'sorry)", "sorry"},
	{"(?<w>a)\\k<w>bcd", "aabcd"},
	{"(?x) sorry \\s for", "sorry for"},
	{"(?x)sorry\\ for # a comment", "sorry for"},
	{"(?'w'sorry) (?P=w)", "sorry sorry"},
	{"\\Qsorry for\\E", "SORRY FOR"},
	{"\\cJ\\bfoo bar", "\nfoo bar"},
	{"\\x{41}pple pie", "apple pie"},
	{"(*atomic:sorry) for", "sorry for"},
	{"\\bsorry\\b", "\xc5\xbforry"},
	{"\\bthank you\\b", "than\xe2\x84\xaa you"},
};

START_TEST(tricky_constructs_are_sound)
{
	struct one o = one_new(tricky[_i].pattern);

	ck_assert_int_eq(pcre_finds(tricky[_i].pattern, tricky[_i].text), 1);
	ck_assert_msg(may(&o, tricky[_i].text), "/%s/ matches \"%s\" but the "
	    "prefilter rules it out", tricky[_i].pattern, tricky[_i].text);
	one_free(&o);
}
END_TEST

/* prefilter.c concat(): once a part of a concatenation is not a literal
 * (an optional group, a class, \\W*), the literals after it are only
 * ever taken one character at a time, so a literal run after it is
 * never a factor.  Not wrong, but the prefilter then saves nothing on
 * such patterns: every trim rule ("^\\W*Sent from my ...") and most
 * rules starting with an optional group are always given to PCRE2. */
static const struct {
	const char *pattern, *impossible;
} weak[] = {
	{"\\b(?:very |really )?sorry\\b", "apologies"},
	{"[Ss]orry\\b", "apologies"},
	{"^\\W*Sent from my \\w+", "Kind regards"},
	{"\\bre-?send\\b", "apologies"},
};

START_TEST(bug_literal_run_after_a_non_literal)
{
	struct one o = one_new(weak[_i].pattern);

	ck_assert_msg(!may(&o, weak[_i].impossible), "/%s/: \"%s\" holds none "
	    "of its literal runs, yet it is given to PCRE2", weak[_i].pattern,
	    weak[_i].impossible);
	one_free(&o);
}
END_TEST

Suite *
suite_prefilter(void)
{
	Suite *s = suite_create("prefilter");
	TCase *tc = tcase_create("factors");

	tcase_add_test(tc, sorry_for_or_about);
	tcase_add_loop_test(tc, factors_of_patterns, 0,
	    (int)(sizeof(factored) / sizeof(*factored)));
	tcase_add_loop_test(tc, every_required_literal_counts, 0,
	    sizeof(conjunctions) / sizeof(*conjunctions));
	tcase_add_loop_test(tc, no_factor_is_always_possible, 0,
	    (int)(sizeof(unfactored) / sizeof(*unfactored)));
	tcase_add_test(tc, many_patterns_one_scan);
	tcase_add_test(tc, only_two_non_ascii_letters_fold_to_ascii);
	tcase_add_test(tc, space_mode_reads_white_space_as_a_space);
	tcase_add_test(tc, factors_found_across_scan_lanes);
	suite_add_tcase(s, tc);

	tc = tcase_create("soundness");
	tcase_add_test(tc, prefilter_is_sound);
	tcase_add_loop_test(tc, tricky_constructs_are_sound, 0,
	    (int)(sizeof(tricky) / sizeof(*tricky)));
	suite_add_tcase(s, tc);

	if (unit_known_bugs()) {
		tc = tcase_create("known-bugs");
		tcase_add_loop_test(tc, bug_literal_run_after_a_non_literal, 0,
		    (int)(sizeof(weak) / sizeof(*weak)));
		suite_add_tcase(s, tc);
	}
	return s;
}
