/*
 * test_config.c - config.c: defaults, every key type, errors reported as
 * FILE:LINE: message, loading that goes on after an error, the last
 * value winning, RuleFiles relative to the configuration's folder.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "log.h"
#include "unit.h"

/* Load configuration text from a scratch file; *path gets its name. */
static int
load(const char *text, struct config **cf, struct unit_errs *errs, char **path)
{
	char *dir = unit_tmpdir();
	char *p = unit_write(dir, "care.conf", text);
	int n;

	memset(errs, 0, sizeof(*errs));
	n = config_load(p, cf, unit_err_cb, errs);
	ck_assert_int_eq(n, errs->n);	/* the count is the callbacks' */
	if (path)
		*path = p;
	else
		free(p);
	free(dir);
	return n;
}

static unsigned
bits(int a, int b, int c)
{
	unsigned s = 0;

	if (a >= 0) s |= 1u << a;
	if (b >= 0) s |= 1u << b;
	if (c >= 0) s |= 1u << c;
	return s;
}

START_TEST(defaults)
{
	struct config *cf;
	struct unit_errs errs = {0};

	ck_assert_int_eq(config_load(NULL, &cf, unit_err_cb, &errs), 0);
	ck_assert_ptr_null(cf->path);
	ck_assert_str_eq(cf->socket, "unix:/run/care-milter/care-milter.sock");
	ck_assert_uint_eq(cf->socket_mode, 0660);
	ck_assert_int_eq(cf->syslog, 1);
	ck_assert_int_eq(cf->syslog_facility, LOG_MAIL);
	ck_assert_int_eq(cf->log_level, LOG_LEVEL_INFO);
	ck_assert_int_eq(cf->timeout, 30);
	ck_assert_int_eq(cf->on_internal_error, CARE_ACCEPT);
	ck_assert_ptr_nonnull(cf->rule_files[0]);
	ck_assert(str_has_suffix_ci(cf->rule_files[0], "/rules/en.rules"));
	ck_assert(str_has_suffix_ci(cf->rule_files[1], "/rules/trim.rules"));
	ck_assert_ptr_null(cf->rule_files[2]);
	ck_assert_uint_eq(cf->max_scan_bytes, 256 * 1024);
	ck_assert_uint_eq(cf->max_message_bytes, 2 * 1024 * 1024);
	ck_assert_uint_eq(cf->max_mime_depth, 16);
	ck_assert_uint_eq(cf->max_mime_parts, 64);
	ck_assert_uint_eq(cf->regex_match_limit, 100000);
	ck_assert_uint_eq(cf->regex_depth_limit, 1000);
	ck_assert_ptr_null(cf->support_senders);
	ck_assert_ptr_null(cf->internal_domains);
	ck_assert_int_eq(cf->require_reply, 1);
	ck_assert_uint_eq(cf->required, 0xF);
	ck_assert_int_eq(cf->flag_missing, 1);
	ck_assert_int_eq(cf->hold_missing, 3);
	ck_assert_int_eq(cf->reject_missing, 0);
	ck_assert_uint_eq(cf->flag_issues, 0xF);
	ck_assert_uint_eq(cf->hold_issues, 1u << CARE_BLAME);
	ck_assert_uint_eq(cf->reject_issues, 0);
	ck_assert_int_eq(cf->reject, 0);
	ck_assert_str_eq(cf->header_prefix, "X-Care");
	ck_assert_int_eq(cf->add_pass_header, 1);
	ck_assert_int_eq(cf->header_mode, HEADER_ALL);
	ck_assert_ptr_null(cf->journal);
	ck_assert_uint_eq(cf->retention_days, 90);
	ck_assert_int_eq(cf->mta, MTA_POSTFIX);
	for (int e = 0; e < CARE_NELEMENTS; e++)
		ck_assert_ptr_nonnull(cf->hint[e]);
	config_free(cf);
}
END_TEST

/* The shipped file says it shows every default: it must load cleanly
 * and agree with config_defaults() on policy. */
START_TEST(shipped_file_matches_defaults)
{
	struct config *cf, *def = config_defaults();
	struct unit_errs errs = {0};
	char *p = unit_path("conf/care-milter.conf");

	ck_assert_msg(config_load(p, &cf, unit_err_cb, &errs) == 0, "%s", errs.text);
	ck_assert_uint_eq(cf->required, def->required);
	ck_assert_int_eq(cf->flag_missing, def->flag_missing);
	ck_assert_int_eq(cf->hold_missing, def->hold_missing);
	ck_assert_int_eq(cf->reject_missing, def->reject_missing);
	ck_assert_uint_eq(cf->flag_issues, def->flag_issues);
	ck_assert_uint_eq(cf->hold_issues, def->hold_issues);
	ck_assert_uint_eq(cf->reject_issues, def->reject_issues);
	ck_assert_int_eq(cf->reject, def->reject);
	ck_assert_uint_eq(cf->max_scan_bytes, def->max_scan_bytes);
	ck_assert_str_eq(cf->header_prefix, def->header_prefix);
	config_free(cf);
	config_free(def);
	free(p);
}
END_TEST

START_TEST(every_key_type)
{
	struct config *cf;
	struct unit_errs errs;
	char *path;
	int n = load(
	    "# comment line\n"
	    "\n"
	    "   # indented comment\n"
	    "Socket            inet:8891@127.0.0.1\n"	/* string */
	    "SocketGroup       none\n"			/* string cleared */
	    "PidFile           \n"			/* empty clears too */
	    "UserID            care:mail\n"
	    "Syslog            off\n"			/* bool */
	    "AddPassHeader     False\n"
	    "Reject            YES\n"
	    "JournalChecks     1\n"
	    "Timeout           45\n"			/* int */
	    "FlagMissing       2\n"
	    "MaxMimeDepth      4\n"
	    "RegexMatchLimit   5000\n"
	    "MaxScanBytes      64k\n"			/* size */
	    "MaxMessageBytes   3M\n"
	    "SocketMode        0640\n"			/* octal */
	    "InternalDomains   a.example, b.example  c.example\n"	/* list */
	    "SupportSenders    agent@support.example @help.example\n"
	    "RequiredElements  acknowledgment, solution\n"	/* elements */
	    "HoldIssues        blame excuse\n"		/* issues */
	    "FlagIssues        none\n"
	    "SyslogFacility    local3\n"		/* special */
	    "LogLevel          debug\n"
	    "On-InternalError  tempfail\n"
	    "HeaderPrefix      X-QA\n"
	    "HeaderMode        fail\n"
	    "JournalRetention  30d\n"
	    "MTA               sendmail\n"
	    "Hint.empathy      Say how it felt.\n"
	    "RejectText        Not sent, see your supervisor:\n",
	    &cf, &errs, &path);

	ck_assert_msg(n == 0, "%s", errs.text);
	ck_assert_str_eq(cf->path, path);
	ck_assert_str_eq(cf->socket, "inet:8891@127.0.0.1");
	ck_assert_ptr_null(cf->socket_group);
	ck_assert_ptr_null(cf->pid_file);
	ck_assert_str_eq(cf->user, "care:mail");
	ck_assert_int_eq(cf->syslog, 0);
	ck_assert_int_eq(cf->add_pass_header, 0);
	ck_assert_int_eq(cf->reject, 1);
	ck_assert_int_eq(cf->journal_checks, 1);
	ck_assert_int_eq(cf->timeout, 45);
	ck_assert_int_eq(cf->flag_missing, 2);
	ck_assert_uint_eq(cf->max_mime_depth, 4);
	ck_assert_uint_eq(cf->regex_match_limit, 5000);
	ck_assert_uint_eq(cf->max_scan_bytes, 64 * 1024);
	ck_assert_uint_eq(cf->max_message_bytes, 3 * 1024 * 1024);
	ck_assert_uint_eq(cf->socket_mode, 0640);
	ck_assert_str_eq(cf->internal_domains[0], "a.example");
	ck_assert_str_eq(cf->internal_domains[1], "b.example");
	ck_assert_str_eq(cf->internal_domains[2], "c.example");
	ck_assert_ptr_null(cf->internal_domains[3]);
	ck_assert_str_eq(cf->support_senders[0], "agent@support.example");
	ck_assert_str_eq(cf->support_senders[1], "@help.example");
	ck_assert_uint_eq(cf->required, bits(CARE_ACK, CARE_SOLUTION, -1));
	ck_assert_uint_eq(cf->hold_issues, bits(CARE_BLAME, CARE_EXCUSE, -1));
	ck_assert_uint_eq(cf->flag_issues, 0);
	ck_assert_int_eq(cf->syslog_facility, LOG_LOCAL3);
	ck_assert_int_eq(cf->log_level, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(cf->on_internal_error, CONFIG_ON_ERROR_TEMPFAIL);
	ck_assert_str_eq(cf->header_prefix, "X-QA");
	ck_assert_int_eq(cf->header_mode, HEADER_FAIL);
	ck_assert_uint_eq(cf->retention_days, 30);
	ck_assert_int_eq(cf->mta, MTA_SENDMAIL);
	ck_assert_str_eq(cf->hint[CARE_EMPATHY], "Say how it felt.");
	ck_assert_str_eq(cf->reject_text, "Not sent, see your supervisor:");
	config_free(cf);
	free(path);
}
END_TEST

START_TEST(keys_are_case_insensitive)
{
	struct config *cf;
	struct unit_errs errs;

	ck_assert_int_eq(load("maxscanbytes 128K\nHEADERMODE Hold\n"
	    "on-internalerror REJECT\n", &cf, &errs, NULL), 0);
	ck_assert_uint_eq(cf->max_scan_bytes, 128 * 1024);
	ck_assert_int_eq(cf->header_mode, HEADER_HOLD);
	ck_assert_int_eq(cf->on_internal_error, CARE_REJECT);
	config_free(cf);
}
END_TEST

START_TEST(unknown_key_is_file_line_error)
{
	struct config *cf;
	struct unit_errs errs;
	char *path, *want;

	ck_assert_int_eq(load("Socket inet:1@127.0.0.1\n\n# c\nSockett x\n",
	    &cf, &errs, &path), 1);
	want = xasprintf("%s:4: unknown key \"Sockett\"\n", path);
	ck_assert_str_eq(errs.text, want);
	/* The good keys still took effect. */
	ck_assert_str_eq(cf->socket, "inet:1@127.0.0.1");
	config_free(cf);
	free(want);
	free(path);
}
END_TEST

/* One bad value per line: each is reported at its line, and loading
 * goes on so that care-milter -n lists them all. */
static const struct {
	const char *line;
	const char *message;	/* part of the error text */
} bad_values[] = {
	{"Syslog maybe", "Syslog must be yes or no"},
	{"Timeout -3", "Timeout must be a whole number"},
	{"Timeout 3s", "Timeout must be a whole number"},
	{"Backlog", "Backlog must be a whole number"},
	{"MaxScanBytes 12", "MaxScanBytes must be a size of at least 1k"},
	{"MaxScanBytes 10x", "MaxScanBytes must be a size"},
	{"MaxMessageBytes lots", "MaxMessageBytes must be a size"},
	{"SocketMode 0999", "SocketMode must be an octal file mode"},
	{"SocketMode 01777", "SocketMode must be an octal file mode"},
	{"RequiredElements empathy sympathy", "unknown name \"sympathy\""},
	{"FlagIssues cliche rudeness", "unknown name \"rudeness\""},
	{"SyslogFacility kitchen", "unknown syslog facility \"kitchen\""},
	{"LogLevel loud", "LogLevel must be"},
	{"On-InternalError shrug", "On-InternalError must be accept, tempfail or reject"},
	{"HeaderPrefix X Care", "HeaderPrefix must be a header field name"},
	{"HeaderPrefix X-Care:", "HeaderPrefix must be a header field name"},
	{"HeaderMode sometimes", "HeaderMode must be all, fail, hold or none"},
	{"JournalRetention forever", "JournalRetention must be a number of days"},
	{"MTA exim", "MTA must be postfix or sendmail"},
	{"RuleFiles", "RuleFiles needs at least one file"},
};

START_TEST(bad_value_reported_at_its_line)
{
	struct config *cf;
	struct unit_errs errs;
	char *path, *text, *want;

	text = xasprintf("# line 1\nTimeout 12\n%s\nBacklog 7\n", bad_values[_i].line);
	ck_assert_msg(load(text, &cf, &errs, &path) >= 1, "%s: no error",
	    bad_values[_i].line);
	want = xasprintf("%s:3: ", path);
	ck_assert_msg(strncmp(errs.text, want, strlen(want)) == 0,
	    "\"%s\": error not at %s: %s", bad_values[_i].line, want, errs.text);
	ck_assert_msg(unit_has(errs.text, bad_values[_i].message),
	    "\"%s\": wanted \"%s\", got: %s", bad_values[_i].line,
	    bad_values[_i].message, errs.text);
	/* Lines around it are read. */
	ck_assert_int_eq(cf->timeout, 12);
	ck_assert_int_eq(cf->backlog, 7);
	config_free(cf);
	free(text);
	free(want);
	free(path);
}
END_TEST

START_TEST(all_errors_listed)
{
	struct config *cf;
	struct unit_errs errs;
	char *path, *l2, *l4, *l5;

	ck_assert_int_eq(load("Timeout 5\nNope 1\nSyslog yes\nSyslog perhaps\n"
	    "MaxScanBytes 1\n", &cf, &errs, &path), 3);
	l2 = xasprintf("%s:2: ", path);
	l4 = xasprintf("%s:4: ", path);
	l5 = xasprintf("%s:5: ", path);
	ck_assert(unit_has(errs.text, l2));
	ck_assert(unit_has(errs.text, l4));
	ck_assert(unit_has(errs.text, l5));
	config_free(cf);
	free(l2);
	free(l4);
	free(l5);
	free(path);
}
END_TEST

START_TEST(last_value_wins)
{
	struct config *cf;
	struct unit_errs errs;

	ck_assert_int_eq(load("Timeout 10\nHeaderMode none\nTimeout 20\n"
	    "InternalDomains a.example b.example\nInternalDomains c.example\n"
	    "HoldIssues blame\nHoldIssues none\n"
	    "RuleFiles /x/one.rules\nRuleFiles /x/two.rules\n"
	    "HeaderMode hold\n", &cf, &errs, NULL), 0);
	ck_assert_int_eq(cf->timeout, 20);
	ck_assert_int_eq(cf->header_mode, HEADER_HOLD);
	ck_assert_str_eq(cf->internal_domains[0], "c.example");
	ck_assert_ptr_null(cf->internal_domains[1]);
	ck_assert_uint_eq(cf->hold_issues, 0);
	ck_assert_str_eq(cf->rule_files[0], "/x/two.rules");
	ck_assert_ptr_null(cf->rule_files[1]);
	config_free(cf);
}
END_TEST

START_TEST(relative_rule_files_resolved_against_config_folder)
{
	char *dir = unit_tmpdir();
	char *sub = xasprintf("%s/etc", dir);
	char *p, *want;
	struct config *cf;
	struct unit_errs errs = {0};

	ck_assert_int_eq(mkdir(sub, 0755), 0);
	p = unit_write(sub, "care.conf",
	    "RuleFiles rules/en.rules, /abs/trim.rules ../up.rules\n");
	ck_assert_int_eq(config_load(p, &cf, unit_err_cb, &errs), 0);
	want = xasprintf("%s/rules/en.rules", sub);
	ck_assert_str_eq(cf->rule_files[0], want);
	free(want);
	ck_assert_str_eq(cf->rule_files[1], "/abs/trim.rules");
	want = xasprintf("%s/../up.rules", sub);
	ck_assert_str_eq(cf->rule_files[2], want);
	free(want);
	ck_assert_ptr_null(cf->rule_files[3]);
	config_free(cf);
	free(p);
	free(sub);
	free(dir);
}
END_TEST

START_TEST(unreadable_file)
{
	struct config *cf;
	struct unit_errs errs = {0};
	char *dir = unit_tmpdir();
	char *p = xasprintf("%s/missing.conf", dir);

	ck_assert_int_eq(config_load(p, &cf, unit_err_cb, &errs), 1);
	ck_assert_ptr_nonnull(cf);	/* set either way */
	ck_assert(unit_has(errs.text, p));
	ck_assert(unit_has(errs.text, "cannot open"));
	config_free(cf);
	free(p);
	free(dir);
}
END_TEST

START_TEST(cross_key_checks)
{
	struct config *cf;
	struct unit_errs errs;
	char *path;

	/* A message cap below the scan cap is raised to it. */
	ck_assert_int_eq(load("MaxScanBytes 4m\nMaxMessageBytes 1m\n", &cf, &errs,
	    NULL), 0);
	ck_assert_uint_eq(cf->max_message_bytes, 4 * 1024 * 1024);
	config_free(cf);

	ck_assert_int_eq(load("MaxMimeDepth 0\n", &cf, &errs, &path), 1);
	ck_assert(unit_has(errs.text, "MaxMimeDepth and MaxMimeParts must be at least 1"));
	ck_assert(unit_has(errs.text, path));
	config_free(cf);
	free(path);

	ck_assert_int_eq(load("RegexMatchLimit 0\n", &cf, &errs, NULL), 1);
	ck_assert(unit_has(errs.text, "RegexMatchLimit and RegexDepthLimit"));
	config_free(cf);

	ck_assert_int_eq(load("Socket none\n", &cf, &errs, NULL), 1);
	ck_assert(unit_has(errs.text, "Socket is required"));
	config_free(cf);
}
END_TEST

START_TEST(long_line_is_an_error)
{
	struct config *cf;
	struct unit_errs errs;
	char *path, *want;
	char *big = xmalloc(10000);

	memset(big, 'a', 9999);
	big[9999] = '\0';
	char *text = xasprintf("Timeout 9\nHint.empathy %s\nBacklog 3\n", big);

	ck_assert_int_eq(load(text, &cf, &errs, &path), 1);
	want = xasprintf("%s:2: line too long", path);
	ck_assert_msg(unit_has(errs.text, want), "%s", errs.text);
	ck_assert_int_eq(cf->timeout, 9);
	ck_assert_int_eq(cf->backlog, 3);
	config_free(cf);
	free(want);
	free(path);
	free(text);
	free(big);
}
END_TEST

Suite *
suite_config(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, shipped_file_matches_defaults);
	tcase_add_test(tc, every_key_type);
	tcase_add_test(tc, keys_are_case_insensitive);
	tcase_add_test(tc, last_value_wins);
	tcase_add_test(tc, relative_rule_files_resolved_against_config_folder);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, unknown_key_is_file_line_error);
	tcase_add_loop_test(tc, bad_value_reported_at_its_line, 0,
	    (int)(sizeof(bad_values) / sizeof(*bad_values)));
	tcase_add_test(tc, all_errors_listed);
	tcase_add_test(tc, unreadable_file);
	tcase_add_test(tc, cross_key_checks);
	tcase_add_test(tc, long_line_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}
