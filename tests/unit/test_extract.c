/*
 * test_extract.c - extract.c: the agent's text from a MIME message.
 * Which part is read (alternative, HTML only, attachments, forwarded
 * messages), transfer encodings and charsets to valid UTF-8, and the
 * bounds MaxScanBytes, MaxMimeDepth and MaxMimeParts.
 *
 * The MIME messages are data-driven cases, tests/unit/cases/extract-*
 * (NAME.eml and what must be extracted from it in NAME.expect).
 */
#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "unit.h"

static char **cases;
static size_t ncases;

START_TEST(cases_found)
{
	/* An unreadable cases folder must not pass as "no failures". */
	ck_assert_msg(ncases >= 10, "only %zu extract-* cases in %s/tests/unit/cases",
	    ncases, unit_top());
}
END_TEST

START_TEST(mime_case)
{
	unit_check_case(cases[_i]);
}
END_TEST

/* Is s valid UTF-8?  *bad_at gets the offset of the first bad byte. */
static int
valid_utf8(const char *s, size_t len, size_t *bad_at)
{
	const gchar *end = NULL;

	if (g_utf8_validate(s, (gssize)len, &end))
		return 1;
	*bad_at = (size_t)(end - s);
	return 0;
}

/* extract_to_utf8 with no limit; malloc'd. */
static char *
to_utf8(const char *in, size_t len, const char *charset)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	extract_to_utf8(in, len, charset, &sb);
	return sb_steal(&sb);
}

START_TEST(charsets)
{
	static const struct {
		const char *in, *charset, *want;
	} c[] = {
		{"plain ascii", "us-ascii", "plain ascii"},
		{"caf\xc3\xa9", "utf-8", "caf\xc3\xa9"},
		{"caf\xc3\xa9", "UTF8", "caf\xc3\xa9"},
		{"caf\xc3\xa9", NULL, "caf\xc3\xa9"},		/* undeclared UTF-8 */
		{"caf\xe9", NULL, "caf\xc3\xa9"},		/* undeclared, not UTF-8 */
		{"caf\xe9", "latin1", "caf\xc3\xa9"},
		{"caf\xc3\xa9", "iso-8859-1", "caf\xc3\xa9"},	/* mislabelled UTF-8 */
		{"I\x92m", "cp1252", "I\xe2\x80\x99m"},
		{"\x80", "windows-1252", "\xe2\x82\xac"},
		{"\x81", "windows-1252", "\xef\xbf\xbd"},	/* undefined in cp1252 */
		{"\xa4", "iso-8859-15", "\xe2\x82\xac"},	/* iconv: the euro */
		{"\xf0\xf2\xc9\xd7\xc5\xd4", "koi8-r",
		    "\xd0\x9f\xd0\xa0\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},
		{"\x82\xa0", "shift_jis", "\xe3\x81\x82"},
		{"a\r\nb\rc\nd", "utf-8", "a\nb\nc\nd"},	/* line ends */
		{"a\tb\x01" "c\x7f" "d", "utf-8", "a\tbc\x7f" "d"},	/* C0 controls go */
		{"\xc3\x28", "utf-8", "\xef\xbf\xbd("},		/* bad continuation */
		{"\xe0\x80\x80", "utf-8",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},	/* overlong */
		{"\xed\xa0\x80", "utf-8",
		    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},	/* surrogate */
		{"\xf4\x90\x80\x80", "utf-8", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"ok\xe2\x82", "utf-8", "ok\xef\xbf\xbd\xef\xbf\xbd"},	/* truncated */
		{"\xff\xfe" "a", "x-unheard-of",
		    "\xc3\xbf\xc3\xbe" "a"},	/* unknown charset */
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		char *got = to_utf8(c[i].in, strlen(c[i].in), c[i].charset);

		ck_assert_msg(strcmp(got, c[i].want) == 0, "case %zu (%s): got \"%s\"",
		    i, c[i].charset ? c[i].charset : "none", got);
		free(got);
	}
	/* NUL bytes go too. */
	char *got = to_utf8("a\0b", 3, "utf-8");

	ck_assert_str_eq(got, "ab");
	free(got);
}
END_TEST

/* Runs of plain ASCII are taken 8 bytes at a time: a byte that needs a
 * look of its own must be seen wherever it falls in such a word. */
START_TEST(odd_byte_at_every_offset)
{
	static const struct {
		const char *in, *charset, *want;
	} c[] = {
		{"\r\n", "utf-8", "\n"}, {"\r", "utf-8", "\n"},
		{"\x01", "utf-8", ""}, {"\x7f", "utf-8", "\x7f"},
		{"\t", "utf-8", "\t"}, {"\n", "utf-8", "\n"},
		{"\xc3\xa9", "utf-8", "\xc3\xa9"}, {"\xc3\xa9", NULL, "\xc3\xa9"},
		{"\xff", "utf-8", "\xef\xbf\xbd"}, {"\xff", NULL, "\xc3\xbf"},
	};
	const char *ascii = "abcdefghijklmnopqrstuvwxyz0123456789";

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++)
		for (size_t at = 0; at <= 24; at++) {
			char in[64], want[64];

			snprintf(in, sizeof(in), "%.*s%s%s", (int)at, ascii,
			    c[i].in, ascii + at);
			snprintf(want, sizeof(want), "%.*s%s%s", (int)at, ascii,
			    c[i].want, ascii + at);
			char *got = to_utf8(in, strlen(in), c[i].charset);

			ck_assert_msg(strcmp(got, want) == 0, "case %zu at %zu: got \"%s\"",
			    i, at, got);
			free(got);
		}
}
END_TEST

START_TEST(iconv_errors_replaced)
{
	/* Bytes that are invalid in a charset iconv knows become U+FFFD, and
	 * the rest is still read. */
	char *got = to_utf8("ok \x82\xff more", 11, "shift_jis");
	size_t bad;

	ck_assert(valid_utf8(got, strlen(got), &bad));
	ck_assert(unit_has(got, "ok "));
	ck_assert(unit_has(got, " more"));
	ck_assert(unit_has(got, "\xef\xbf\xbd"));
	free(got);
}
END_TEST

START_TEST(any_bytes_give_valid_utf8)
{
	static const char *const charsets[] = {NULL, "utf-8", "iso-8859-1",
		"windows-1252", "koi8-r", "shift_jis", "utf-16", "x-nonsense"};
	unsigned char buf[4096];
	unsigned seed = 12345;

	for (size_t c = 0; c < sizeof(charsets) / sizeof(*charsets); c++)
		for (int round = 0; round < 20; round++) {
			char *got;
			size_t bad = 0;

			for (size_t i = 0; i < sizeof(buf); i++) {
				seed = seed * 1103515245u + 12345u;
				buf[i] = (unsigned char)(seed >> 16);
			}
			got = to_utf8((const char *)buf, sizeof(buf), charsets[c]);
			ck_assert_msg(valid_utf8(got, strlen(got), &bad),
			    "%s: invalid UTF-8 at byte %zu",
			    charsets[c] ? charsets[c] : "none", bad);
			for (const unsigned char *p = (const unsigned char *)got; *p; p++)
				ck_assert_msg(*p >= 0x20 || *p == '\n' || *p == '\t',
				    "control 0x%02x", *p);
			free(got);
		}
}
END_TEST

/* ---- bounds ------------------------------------------------------------- */

START_TEST(max_scan_bytes_truncates)
{
	struct engine *e = unit_engine_with("MaxScanBytes 1k\n");
	struct strbuf body;
	struct care_verdict v;
	char *raw, *text;
	int rc;

	sb_init(&body, 0);
	sb_puts(&body, "I'm sorry your order arrived damaged.\n\n");
	for (int i = 0; i < 100; i++)
		sb_puts(&body, "The weather in Leeds was mild today.\n");
	sb_puts(&body, "\nLet me know if the replacement arrives safely.\n");
	raw = unit_msg(NULL, body.s);

	/* The text is cut at 1k: the start is read, the end is not. */
	text = unit_extract_with(e, raw, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_le(strlen(text), 1024);
	ck_assert_uint_ge(strlen(text), 900);
	ck_assert(unit_has(text, "I'm sorry your order arrived damaged."));
	ck_assert(!unit_has(text, "Let me know"));
	free(text);

	/* The verdict says it was cut. */
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert_int_eq(v.truncated, 1);
	ck_assert_int_eq(v.elements[CARE_ACK].present, 1);
	ck_assert_int_eq(v.elements[CARE_FOLLOW_UP].present, 0);
	care_verdict_free(&v);

	/* The shipped engine (256k) reads all of it. */
	ck_assert_int_eq(unit_run(raw, &v), 0);
	ck_assert_int_eq(v.truncated, 0);
	ck_assert_int_eq(v.elements[CARE_FOLLOW_UP].present, 1);
	care_verdict_free(&v);
	free(raw);
	sb_free(&body);
	engine_unref(e);
}
END_TEST

START_TEST(max_scan_bytes_counts_decoded_text)
{
	/* Base64 of 3000 bytes of text: the bound is on the decoded text. */
	struct engine *e = unit_engine_with("MaxScanBytes 2k\n");
	struct strbuf b;
	struct care_verdict v;
	char *raw;

	sb_init(&b, 0);
	/* 30 lines of 76 base64 characters: 2310 bytes as sent, 1710 once
	 * decoded. */
	for (int i = 0; i < 30; i++)
		sb_puts(&b,
		    "VGhlIHdlYXRoZXIgaW4gTGVlZHMgd2FzIG1pbGQgdG9kYXkuIFRoZSB3ZWF0aGVyIGlzIG1pbGQu\n");
	raw = unit_msg("Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: base64\n", b.s);
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert_int_eq(v.truncated, 0);
	care_verdict_free(&v);
	free(raw);
	sb_free(&b);
	engine_unref(e);
}
END_TEST

/* A reply whose text is N multipart levels down. */
static char *
nested(int levels, const char *text)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	for (int i = 0; i < levels; i++)
		sb_printf(&sb, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
	sb_printf(&sb, "Content-Type: text/plain; charset=UTF-8\n\n%s\n", text);
	for (int i = levels - 1; i >= 0; i--)
		sb_printf(&sb, "--b%d--\n", i);
	/* The first Content-Type goes in the message header. */
	char *body = strstr(sb.s, "\n\n") + 2;
	char *hdr = xstrndup(sb.s, (size_t)(body - sb.s - 1));
	char *raw = unit_msg(hdr, body);

	free(hdr);
	sb_free(&sb);
	return raw;
}

START_TEST(max_mime_depth)
{
	struct engine *e = unit_engine_with("MaxMimeDepth 4\n");
	struct care_verdict v;
	char *raw, *text;

	/* Three levels: read. */
	raw = nested(3, "I'm sorry your order arrived damaged.");
	text = unit_extract_with(e, raw, NULL);
	ck_assert(unit_has(text, "I'm sorry your order arrived damaged."));
	free(text);
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert_int_eq(v.truncated, 0);
	care_verdict_free(&v);
	free(raw);

	/* Eight levels: too deep, not read, and the verdict says so. */
	raw = nested(8, "I'm sorry your order arrived damaged.");
	text = unit_extract_with(e, raw, NULL);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert_int_eq(v.truncated, 1);
	ck_assert_int_eq(v.elements[CARE_ACK].present, 0);
	care_verdict_free(&v);

	/* The shipped depth (16) reads it. */
	text = unit_extract(raw);
	ck_assert(unit_has(text, "I'm sorry your order arrived damaged."));
	free(text);
	free(raw);

	/* 2000 levels: bounded, no crash. */
	raw = nested(2000, "deep");
	ck_assert_int_eq(unit_run(raw, &v), 0);
	ck_assert_int_eq(v.truncated, 1);
	care_verdict_free(&v);
	free(raw);
	engine_unref(e);
}
END_TEST

START_TEST(max_mime_parts)
{
	struct engine *e = unit_engine_with("MaxMimeParts 4\n");
	struct strbuf b;
	struct care_verdict v;
	char *raw, *text;

	sb_init(&b, 0);
	for (int i = 0; i < 10; i++)
		sb_printf(&b, "--p\nContent-Type: text/plain; charset=UTF-8\n\npart %d\n", i);
	sb_puts(&b, "--p--\n");
	raw = unit_msg("Content-Type: multipart/mixed; boundary=\"p\"\n", b.s);
	text = unit_extract_with(e, raw, NULL);
	/* The multipart itself is a part: three text parts fit. */
	ck_assert(unit_has(text, "part 0"));
	ck_assert(unit_has(text, "part 2"));
	ck_assert(!unit_has(text, "part 3"));
	free(text);
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert_int_eq(v.truncated, 1);
	care_verdict_free(&v);
	free(raw);
	sb_free(&b);
	engine_unref(e);
}
END_TEST

START_TEST(empty_and_odd_bodies)
{
	char *t;

	t = unit_extract_body("");
	ck_assert_str_eq(t, "");
	free(t);
	t = unit_extract_body("\n\n\n");
	ck_assert_str_eq(t, "");
	free(t);
	/* a multipart without parts, and one without its closing boundary */
	char *raw = unit_msg("Content-Type: multipart/mixed; boundary=\"x\"\n", "no parts\n");

	t = unit_extract(raw);
	ck_assert_str_eq(t, "");
	free(t);
	free(raw);
	raw = unit_msg("Content-Type: multipart/mixed; boundary=\"x\"\n",
	    "--x\nContent-Type: text/plain\n\nunterminated part\n");
	t = unit_extract(raw);
	ck_assert(unit_has(t, "unterminated part"));
	free(t);
	free(raw);
	/* an image-only message has no text */
	raw = unit_msg("Content-Type: image/png\nContent-Transfer-Encoding: base64\n",
	    "iVBORw0KGgo=\n");
	t = unit_extract(raw);
	ck_assert_str_eq(t, "");
	free(t);
	free(raw);
}
END_TEST

/* ---- known bugs (CARE_UNIT_KNOWN_BUGS=1) -------------------------------- */

/* MaxScanBytes cuts the decoded text at a byte count (util.c sb_append
 * under extract.c utf8_clean/part_text), so a multi-byte character at
 * the limit is split: the analysed text, and so evidence in the JSON,
 * the header and the journal, ends in invalid UTF-8.  extract.h
 * promises valid UTF-8. */
START_TEST(bug_truncation_splits_a_character)
{
	struct engine *e = unit_engine_with("MaxScanBytes 1k\n");
	struct strbuf body;
	struct care_verdict v;
	char *raw, *text;
	size_t bad = 0;

	sb_init(&body, 0);
	for (int i = 0; i < 45; i++)
		sb_puts(&body, "The weather is mild. ");
	sb_puts(&body, "Let me know if it helps xx");
	for (int i = 0; i < 100; i++)
		sb_puts(&body, "\xc3\xa9");
	raw = unit_msg(NULL, body.s);
	text = unit_extract_with(e, raw, NULL);
	ck_assert_msg(valid_utf8(text, strlen(text), &bad),
	    "extracted text is invalid UTF-8 at byte %zu of %zu", bad, strlen(text));
	free(text);
	ck_assert_int_eq(unit_run_with(e, raw, NULL, &v), 0);
	ck_assert(v.elements[CARE_FOLLOW_UP].present);
	ck_assert_msg(valid_utf8(v.elements[CARE_FOLLOW_UP].evidence,
	    strlen(v.elements[CARE_FOLLOW_UP].evidence), &bad),
	    "evidence is invalid UTF-8: %s", v.elements[CARE_FOLLOW_UP].evidence);
	care_verdict_free(&v);
	free(raw);
	sb_free(&body);
	engine_unref(e);
}
END_TEST

/* html.c: Outlook on the web and new Outlook mark the quoted message's
 * header block with <div id="divRplyFwdMsg"> (after an empty
 * <div id="appendonsend"> and an <hr>), and put the quoted body in the
 * divs that follow.  html.c drops the marked div only, so the trim rules
 * never see the From:/Sent: block and the customer's quoted words are
 * analysed as the agent's.  The mark should end the text, as the header
 * block does in plain text. */
START_TEST(bug_outlook_web_quote_kept)
{
	char *raw = unit_msg("Content-Type: text/html; charset=UTF-8\n",
	    "<html><body><div>I'm sorry the engineer didn't turn up.</div>\n"
	    "<div id=\"appendonsend\"></div>\n"
	    "<hr style=\"display:inline-block;width:98%\" tabindex=\"-1\">\n"
	    "<div id=\"divRplyFwdMsg\" dir=\"ltr\"><font face=\"Calibri\">"
	    "<b>From:</b> Margaret Hale &lt;customer@customer.example&gt;<br>\n"
	    "<b>Sent:</b> Tuesday, April 1, 2025 9:12 AM<br>\n"
	    "<b>To:</b> Support &lt;support@acme.example&gt;<br>\n"
	    "<b>Subject:</b> No-show</font><div>&nbsp;</div></div>\n"
	    "<div><div dir=\"ltr\">Nobody came. You people are useless.</div></div>\n"
	    "</body></html>\n");
	char *t = unit_extract(raw);

	ck_assert(unit_has(t, "I'm sorry the engineer didn't turn up."));
	ck_assert_msg(!unit_has(t, "useless"), "the quoted message was kept:\n%s", t);
	free(t);
	free(raw);
}
END_TEST

Suite *
suite_extract(void)
{
	Suite *s = suite_create("extract");
	TCase *tc = tcase_create("mime");

	cases = unit_cases("extract-", &ncases);
	tcase_add_test(tc, cases_found);
	tcase_add_loop_test(tc, mime_case, 0, (int)ncases);
	suite_add_tcase(s, tc);

	tc = tcase_create("charsets");
	tcase_add_test(tc, charsets);
	tcase_add_test(tc, odd_byte_at_every_offset);
	tcase_add_test(tc, iconv_errors_replaced);
	tcase_add_test(tc, any_bytes_give_valid_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("bounds");
	tcase_add_test(tc, max_scan_bytes_truncates);
	tcase_add_test(tc, max_scan_bytes_counts_decoded_text);
	tcase_add_test(tc, max_mime_depth);
	tcase_add_test(tc, max_mime_parts);
	tcase_add_test(tc, empty_and_odd_bodies);
	suite_add_tcase(s, tc);

	if (unit_known_bugs()) {
		tc = tcase_create("known-bugs");
		tcase_add_test(tc, bug_truncation_splits_a_character);
		tcase_add_test(tc, bug_outlook_web_quote_kept);
		suite_add_tcase(s, tc);
	}
	return s;
}
