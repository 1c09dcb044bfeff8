/*
 * unit.h - shared helpers of the Check unit tests (tests/unit/test_*.c).
 *
 * make unit-tests runs them as
 *     cd tests && CARE_TOP=$(CURDIR) ../$(BUILD)/unit-tests
 * so CARE_TOP is the source tree; unit_top() falls back to ".." (the
 * tree seen from tests/) when it is not set.  The engine
 * of the shipped configuration (CARE_TOP/conf/care-milter.conf and its
 * rules) is loaded once, in main() before Check forks, and shared by
 * every test that judges or extracts text.
 *
 * Each test_STAGE.c defines one suite_STAGE(); test_main.c runs them all
 * and implements the helpers below.
 *
 * Messages built by unit_msg() are outbound support replies that scope
 * judges: From agent@support.example, To a customer outside, a Re:
 * subject with In-Reply-To, text/plain UTF-8 unless headers say else.
 */
#ifndef CARE_UNIT_H
#define CARE_UNIT_H

#include <check.h>
#include <stddef.h>

#include <gmime/gmime.h>

#include "care.h"
#include "config.h"
#include "pipeline.h"
#include "rules.h"
#include "scope.h"
#include "util.h"

/* ---- the suites ---------------------------------------------------------- */

Suite *suite_util(void);
Suite *suite_config(void);
Suite *suite_rules(void);
Suite *suite_prefilter(void);
Suite *suite_html(void);
Suite *suite_trim(void);
Suite *suite_extract(void);
Suite *suite_scope(void);
Suite *suite_analyze(void);
Suite *suite_policy(void);
Suite *suite_report(void);
Suite *suite_pipeline(void);
Suite *suite_conformance(void);

/* Engine bugs found by these tests are kept as test cases, in a TCase
 * named "known-bugs" that a suite adds only when CARE_UNIT_KNOWN_BUGS is
 * set in the environment: they document the bug (and fail) until it is
 * fixed, without failing make unit-tests meanwhile.  Returns 1 when set. */
int unit_known_bugs(void);

/* ---- places ------------------------------------------------------------- */

/* The source tree: $CARE_TOP, else "..". */
const char *unit_top(void);

/* A path below the source tree; malloc'd. */
char *unit_path(const char *rel);

/* A fresh scratch folder (removed at exit of the process that made it);
 * malloc'd path. */
char *unit_tmpdir(void);

/* Write 'content' to DIR/NAME (folders in NAME must exist); returns the
 * malloc'd path. */
char *unit_write(const char *dir, const char *name, const char *content);

/* Read a whole file; NULL when it cannot be read.  *len may be NULL. */
char *unit_read(const char *path, size_t *len);

/* The names (sorted, without the suffix) of the files in folder 'dir'
 * whose name ends with 'suffix'; NULL-ended, free with str_list_free().
 * An unreadable folder gives an empty list. */
char **unit_list(const char *dir, const char *suffix, size_t *count);

/* ---- errors from the loaders -------------------------------------------- */

/* Collects "FILE:LINE: message" lines from config, rules and engine
 * loaders: pass unit_err_cb and a struct unit_errs *. */
struct unit_errs {
	int n;
	char text[16384];	/* every message, one per line */
};

void unit_err_cb(void *arg, const char *msg);

/* ---- the engine --------------------------------------------------------- */

/* A configuration from text written to a scratch folder (NULL: the
 * defaults); fails the test when it does not load.  config_free() it. */
struct config *unit_config(const char *text);

/* The shipped configuration's engine, loaded once; fails the calling
 * test (with the loader's messages) when it does not load. */
struct engine *unit_engine(void);

/* Load an engine from configuration text written to a scratch folder;
 * "@TOP@" in it is replaced by the source tree.  NULL on errors, which
 * land in 'errs' (may be NULL). */
struct engine *unit_engine_from(const char *conf_text, struct unit_errs *errs);

/* An engine of the shipped rules with 'extra' configuration lines
 * ("MaxScanBytes 1k\n"); fails the test when it does not load. */
struct engine *unit_engine_with(const char *extra);

/* A rule set from rule-file text written to a scratch folder (depth
 * limit 1000); *path (may be NULL) gets the file's malloc'd path. */
struct rules_set *unit_rules_from(const char *text, unsigned match_limit,
    struct unit_errs *errs, char **path);

/* ---- messages ----------------------------------------------------------- */

/* A reply from agent@support.example to a customer with this body;
 * 'extra' (may be NULL or "") is more header lines ("Name: value\n"),
 * placed before the default ones; a Content-Type among them replaces
 * the default text/plain UTF-8.  malloc'd. */
char *unit_msg(const char *extra, const char *body);

/* GMime message of raw text (g_object_unref it). */
GMimeObject *unit_parse(const char *raw);

/* The text the analysis sees for a raw message / for a body wrapped by
 * unit_msg(); malloc'd.  Fails the test when extraction fails. */
char *unit_extract(const char *raw);
char *unit_extract_body(const char *body);

/* Trim text with the shipped rules (trim_text alone); malloc'd. */
char *unit_trim(const char *text);

/* Judge a raw message with the shipped engine, offline (no envelope).
 * Returns pipeline_run's code; free v with care_verdict_free(). */
int unit_run(const char *raw, struct care_verdict *v);

/* Analyse text (no scope, no trimming) with the shipped rules. */
void unit_analyze(const char *text, struct care_verdict *v);

/* Does a rule of 'target' in the shipped set fire on this text?  1, 0 or
 * -1 as rules_match(); *rule (may be NULL) gets the rule's name. */
int unit_fires(int target, const char *text, const char **rule);

/* Judge a raw message with a given engine and envelope (may be NULL). */
int unit_run_with(const struct engine *e, const char *raw,
    const struct care_envelope *env, struct care_verdict *v);

/* The text extracted from a raw message by a given engine; *rc (may be
 * NULL) gets pipeline_extract's code.  malloc'd. */
char *unit_extract_with(const struct engine *e, const char *raw, int *rc);

/* ---- data-driven cases --------------------------------------------------- */

/* tests/unit/cases/NAME.eml is a message and NAME.expect what the shipped
 * engine must make of it, one "key: value" a line ('#' lines are
 * comments):
 *   extract: TEXT         the extracted text, white space squashed, is TEXT
 *   extract-has: TEXT     ... contains TEXT (repeatable)
 *   extract-lacks: TEXT   ... does not contain TEXT (repeatable)
 *   scope: checked | skipped
 *   skip_reason: - | NAME
 *   acknowledgment: yes | no      (likewise empathy, solution, follow_up)
 *   issues: none | KIND ...       exactly these issue kinds
 *   action: accept | flag | hold | reject
 *   truncated: yes | no
 * A case checks only the keys it has. */

/* The names of the cases whose name starts with 'prefix' (sorted);
 * NULL-ended, free with str_list_free(). */
char **unit_cases(const char *prefix, size_t *count);

/* Check case NAME; fails the calling test with every mismatch. */
void unit_check_case(const char *name);

/* ---- text --------------------------------------------------------------- */

/* Runs of white space collapsed to one space, ends trimmed; malloc'd. */
char *unit_squash(const char *s);

/* Does 'hay' contain 'needle'? */
int unit_has(const char *hay, const char *needle);

/* The code points below 'end' (surrogates left out) that the one-
 * character PCRE2 pattern 'cls' ("[a-z]", "\\s") matches with the rules'
 * compile options (UTF, caseless, UCP); *n of them, malloc'd. */
unsigned long *unit_code_points(const char *cls, unsigned long end, size_t *n);

#endif
