/*
 * test_util.c - util.c and care.c: string buffers and their limit, word
 * lists, trimming, file reading; the names of the shared vocabulary.
 */
#include <stdlib.h>
#include <string.h>

#include "unit.h"

START_TEST(strbuf_grows_without_limit)
{
	struct strbuf sb;
	char chunk[1000];

	memset(chunk, 'x', sizeof(chunk));
	sb_init(&sb, 0);
	for (int i = 0; i < 300; i++)
		sb_append(&sb, chunk, sizeof(chunk));
	ck_assert_uint_eq(sb.len, 300000);
	ck_assert_int_eq(sb.overflow, 0);
	ck_assert_int_eq(sb.s[sb.len], '\0');
	ck_assert(sb.cap > sb.len);
	sb_free(&sb);
	ck_assert_ptr_null(sb.s);
}
END_TEST

START_TEST(strbuf_limit_cuts_and_remembers)
{
	struct strbuf sb;

	sb_init(&sb, 10);
	sb_puts(&sb, "hello");
	ck_assert_int_eq(sb.overflow, 0);
	sb_puts(&sb, "world");		/* exactly at the limit */
	ck_assert_int_eq(sb.overflow, 0);
	ck_assert_str_eq(sb.s, "helloworld");
	sb_putc(&sb, '!');		/* one past */
	ck_assert_int_eq(sb.overflow, 1);
	ck_assert_str_eq(sb.s, "helloworld");
	ck_assert_uint_eq(sb.len, 10);
	sb_printf(&sb, "%d", 42);	/* still dropped */
	ck_assert_str_eq(sb.s, "helloworld");
	sb_reset(&sb);
	ck_assert_int_eq(sb.overflow, 0);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb.s, "");
	ck_assert_uint_eq(sb.limit, 10);	/* reset keeps the limit */
	sb_free(&sb);
}
END_TEST

START_TEST(strbuf_limit_cuts_inside_an_append)
{
	struct strbuf sb;

	sb_init(&sb, 8);
	sb_puts(&sb, "abc");
	sb_puts(&sb, "defghijkl");
	ck_assert_str_eq(sb.s, "abcdefgh");
	ck_assert_int_eq(sb.overflow, 1);
	sb_free(&sb);
}
END_TEST

START_TEST(strbuf_printf_long_and_steal)
{
	struct strbuf sb;
	char big[1000];
	char *s;

	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sb_init(&sb, 0);
	sb_printf(&sb, "<%s|%d>", big, 7);	/* past the 256-byte fast path */
	ck_assert_uint_eq(sb.len, 999 + 4);
	ck_assert_int_eq(sb.s[0], '<');
	ck_assert_str_eq(sb.s + sb.len - 3, "|7>");
	s = sb_steal(&sb);
	ck_assert_ptr_null(sb.s);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_uint_eq(strlen(s), 1003);
	free(s);

	s = sb_steal(&sb);		/* nothing appended: "" not NULL */
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(strbuf_embedded_nul)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	sb_append(&sb, "a\0b", 3);
	ck_assert_uint_eq(sb.len, 3);
	ck_assert_int_eq(memcmp(sb.s, "a\0b", 4), 0);
	sb_free(&sb);
}
END_TEST

START_TEST(list_split_commas_and_spaces)
{
	size_t n;
	char **v = str_list_split("  a, b c,,d\t,\ne  ", &n);

	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_str_eq(v[2], "c");
	ck_assert_str_eq(v[3], "d");
	ck_assert_str_eq(v[4], "e");
	ck_assert_ptr_null(v[5]);
	str_list_free(v);

	v = str_list_split("", &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v[0]);
	str_list_free(v);

	v = str_list_split(" , ,, ", NULL);
	ck_assert_ptr_null(v[0]);
	str_list_free(v);

	str_list_free(NULL);		/* harmless */
}
END_TEST

START_TEST(list_split_many)
{
	struct strbuf sb;
	size_t n;
	char **v;

	sb_init(&sb, 0);
	for (int i = 0; i < 100; i++)
		sb_printf(&sb, "w%d, ", i);
	v = str_list_split(sb.s, &n);
	ck_assert_uint_eq(n, 100);
	ck_assert_str_eq(v[0], "w0");
	ck_assert_str_eq(v[99], "w99");
	ck_assert_ptr_null(v[100]);
	str_list_free(v);
	sb_free(&sb);
}
END_TEST

START_TEST(trim_in_place)
{
	char a[] = "  \t hello world \r\n ";
	char b[] = "";
	char c[] = "   ";
	char d[] = "x";

	ck_assert_str_eq(str_trim(a), "hello world");
	ck_assert_str_eq(str_trim(b), "");
	ck_assert_str_eq(str_trim(c), "");
	ck_assert_str_eq(str_trim(d), "x");
}
END_TEST

START_TEST(ascii_case_helpers)
{
	char s[] = "MiXeD Ünïcode";

	ck_assert_int_eq(str_casecmp_ascii("Hello", "hELLO"), 0);
	ck_assert_int_ne(str_casecmp_ascii("Hello", "Help"), 0);
	ck_assert_int_lt(str_casecmp_ascii("abc", "abd"), 0);
	ck_assert_int_ne(str_casecmp_ascii("abc", "ab"), 0);
	ck_assert_int_eq(str_ncasecmp_ascii("Re: x", "RE: y", 3), 0);
	ck_assert_int_ne(str_ncasecmp_ascii("Re", "Rex", 3), 0);
	str_lower_ascii(s);
	ck_assert_str_eq(s, "mixed Ünïcode");	/* ASCII only */
	ck_assert(str_has_suffix_ci("agent@Support.Example", "support.example"));
	ck_assert(!str_has_suffix_ci("example", "support.example"));
	ck_assert(str_has_suffix_ci("x", ""));
}
END_TEST

START_TEST(file_read_whole_limited_missing)
{
	char *dir = unit_tmpdir();
	char *p = unit_write(dir, "f.txt", "0123456789abcdef");
	char *data;
	size_t len;

	ck_assert_int_eq(file_read(p, &data, &len, 0), 0);
	ck_assert_uint_eq(len, 16);
	ck_assert_str_eq(data, "0123456789abcdef");
	free(data);

	ck_assert_int_eq(file_read(p, &data, &len, 10), 0);
	ck_assert_uint_eq(len, 10);
	ck_assert_str_eq(data, "0123456789");
	free(data);
	free(p);

	p = unit_write(dir, "empty", "");
	ck_assert_int_eq(file_read(p, &data, &len, 0), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(data, "");
	free(data);
	free(p);

	p = xasprintf("%s/does-not-exist", dir);
	ck_assert_int_eq(file_read(p, &data, &len, 0), -1);
	free(p);
	ck_assert_int_eq(file_read(dir, &data, &len, 0), -1);	/* a folder */
	free(dir);
}
END_TEST

START_TEST(file_read_dash_is_stdin)
{
	char *dir = unit_tmpdir();
	char *p = unit_write(dir, "in.eml", "Subject: x\n\nbody\n");
	char *data;
	size_t len;

	/* Each test runs in its own process: stdin can be replaced. */
	ck_assert_ptr_nonnull(freopen(p, "r", stdin));
	ck_assert_int_eq(file_read("-", &data, &len, 0), 0);
	ck_assert_uint_eq(len, 17);
	ck_assert_str_eq(data, "Subject: x\n\nbody\n");
	free(data);
	free(p);
	free(dir);
}
END_TEST

START_TEST(clock_is_monotonic)
{
	double a = now_ms(), b = now_ms();

	ck_assert(a > 0);
	ck_assert(b >= a);
}
END_TEST

START_TEST(xalloc_helpers)
{
	char *s = xstrndup("abcdef", 3);
	char *f = xasprintf("%s-%03d", "n", 7);
	int *z = xcalloc(4, sizeof(int));

	ck_assert_str_eq(s, "abc");
	ck_assert_str_eq(f, "n-007");
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(z[i], 0);
	free(s);
	free(f);
	free(z);
	free(xmalloc(0));		/* never NULL */
}
END_TEST

START_TEST(vocabulary_names)
{
	static const char *const el[] = {"acknowledgment", "empathy", "solution",
		"follow_up"};
	static const char *const is[] = {"cliche", "conditional_apology",
		"blame", "excuse"};
	static const char *const ac[] = {"accept", "flag", "hold", "reject"};

	for (int i = 0; i < CARE_NELEMENTS; i++) {
		ck_assert_str_eq(care_element_name(i), el[i]);
		ck_assert_int_eq(care_element_lookup(el[i]), i);
	}
	for (int i = 0; i < CARE_NISSUES; i++) {
		ck_assert_str_eq(care_issue_name(i), is[i]);
		ck_assert_int_eq(care_issue_lookup(is[i]), i);
	}
	for (int i = 0; i < CARE_NACTIONS; i++) {
		ck_assert_str_eq(care_action_name(i), ac[i]);
		ck_assert_int_eq(care_action_lookup(ac[i]), i);
	}
	ck_assert_int_eq(care_element_lookup("Follow_Up"), CARE_FOLLOW_UP);
	ck_assert_int_eq(care_element_lookup("followup"), -1);
	ck_assert_int_eq(care_issue_lookup("conditional"), -1);
	ck_assert_int_eq(care_action_lookup("quarantine"), -1);
	ck_assert_str_eq(care_element_name(CARE_NELEMENTS), "?");

	ck_assert_ptr_null(care_skip_name(CARE_SKIP_NONE));
	ck_assert_str_eq(care_skip_name(CARE_SKIP_NULL_SENDER), "null-sender");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_AUTO_SUBMITTED), "auto-submitted");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_REPORT), "delivery-report");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_BULK), "bulk");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_LIST), "mailing-list");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_NOT_REPLY), "not-a-reply");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_INTERNAL), "internal");
	ck_assert_str_eq(care_skip_name(CARE_SKIP_SENDER), "sender-not-covered");
}
END_TEST

START_TEST(error_places)
{
	struct care_err err;

	care_err_set(&err, "en.rules", 12, "bad %s", "pattern");
	ck_assert_str_eq(err.msg, "en.rules:12: bad pattern");
	care_err_set(&err, "en.rules", 0, "cannot open");
	ck_assert_str_eq(err.msg, "en.rules: cannot open");
	care_err_set(&err, NULL, 0, "plain");
	ck_assert_str_eq(err.msg, "plain");
	care_err_set(NULL, "x", 1, "ignored");	/* no crash */
}
END_TEST

START_TEST(verdict_life_cycle)
{
	struct care_verdict v;

	care_verdict_init(&v);
	ck_assert_int_eq(v.skip, CARE_SKIP_NONE);
	ck_assert_int_eq(v.action, CARE_ACCEPT);
	v.message_id = xstrdup("<a@b>");
	v.elements[CARE_EMPATHY].present = 1;
	v.elements[CARE_EMPATHY].evidence = xstrdup("I know.");
	v.issues[CARE_BLAME].rule = xstrdup("r");
	care_verdict_free(&v);
	ck_assert_ptr_null(v.message_id);
	ck_assert_int_eq(v.elements[CARE_EMPATHY].present, 0);
	care_verdict_free(&v);		/* twice is fine */
}
END_TEST

Suite *
suite_util(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, strbuf_grows_without_limit);
	tcase_add_test(tc, strbuf_limit_cuts_and_remembers);
	tcase_add_test(tc, strbuf_limit_cuts_inside_an_append);
	tcase_add_test(tc, strbuf_printf_long_and_steal);
	tcase_add_test(tc, strbuf_embedded_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_test(tc, list_split_commas_and_spaces);
	tcase_add_test(tc, list_split_many);
	tcase_add_test(tc, trim_in_place);
	tcase_add_test(tc, ascii_case_helpers);
	tcase_add_test(tc, xalloc_helpers);
	tcase_add_test(tc, file_read_whole_limited_missing);
	tcase_add_test(tc, file_read_dash_is_stdin);
	tcase_add_test(tc, clock_is_monotonic);
	suite_add_tcase(s, tc);

	tc = tcase_create("vocabulary");
	tcase_add_test(tc, vocabulary_names);
	tcase_add_test(tc, error_places);
	tcase_add_test(tc, verdict_life_cycle);
	suite_add_tcase(s, tc);
	return s;
}
