/*
 * test_main.c - runs every unit suite, and implements unit.h's helpers.
 *
 *   cd tests && CARE_TOP=$PWD/.. ../build/unit-tests [SUITE...]
 *
 * With names, only those suites run (e.g. "trim conformance").  Check's
 * own CK_RUN_SUITE, CK_RUN_CASE and CK_FORK work as usual, and
 * CARE_UNIT_KNOWN_BUGS=1 adds the tests of known, unfixed engine bugs
 * (see unit.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze.h"
#include "html.h"
#include "trim.h"
#include "unit.h"

int
unit_known_bugs(void)
{
	const char *k = getenv("CARE_UNIT_KNOWN_BUGS");

	return k && *k && strcmp(k, "0") != 0;
}

/* ---- places ------------------------------------------------------------- */

const char *
unit_top(void)
{
	const char *t = getenv("CARE_TOP");

	return t && *t ? t : "..";
}

char *
unit_path(const char *rel)
{
	return xasprintf("%s/%s", unit_top(), rel);
}

#define UNIT_MAX_TMP 256
static struct {
	char *path;
	pid_t pid;
} tmpdirs[UNIT_MAX_TMP];
static int ntmpdirs;

static int
rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

static void
tmp_cleanup(void)
{
	for (int i = 0; i < ntmpdirs; i++)
		if (tmpdirs[i].pid == getpid())
			nftw(tmpdirs[i].path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *
unit_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *p = xasprintf("%s/care-unit-XXXXXX", base && *base ? base : "/tmp");

	ck_assert_msg(mkdtemp(p) != NULL, "mkdtemp: %s", strerror(errno));
	if (ntmpdirs == 0)
		atexit(tmp_cleanup);
	if (ntmpdirs < UNIT_MAX_TMP) {
		tmpdirs[ntmpdirs].path = xstrdup(p);
		tmpdirs[ntmpdirs].pid = getpid();
		ntmpdirs++;
	}
	return p;
}

char *
unit_write(const char *dir, const char *name, const char *content)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(p, "w");

	ck_assert_msg(fp != NULL, "%s: %s", p, strerror(errno));
	fputs(content, fp);
	ck_assert_int_eq(fclose(fp), 0);
	return p;
}

char *
unit_read(const char *path, size_t *len)
{
	char *data;
	size_t n;

	if (file_read(path, &data, &n, 0) < 0)
		return NULL;
	if (len)
		*len = n;
	return data;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
unit_list(const char *dir, const char *suffix, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, cap = 16, ls = strlen(suffix);
	char **v = xmalloc(cap * sizeof(*v));

	while (d && (de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l <= ls ||
		    strcmp(de->d_name + l - ls, suffix) != 0)
			continue;
		if (n + 2 > cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = xstrndup(de->d_name, l - ls);
	}
	if (d)
		closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	v[n] = NULL;
	if (count)
		*count = n;
	return v;
}

/* ---- errors ------------------------------------------------------------- */

void
unit_err_cb(void *arg, const char *msg)
{
	struct unit_errs *e = arg;
	size_t used;

	if (e == NULL)
		return;
	e->n++;
	used = strlen(e->text);
	snprintf(e->text + used, sizeof(e->text) - used, "%s\n", msg);
}

/* ---- the engine --------------------------------------------------------- */

static struct engine *shipped;
static struct unit_errs shipped_errs;
static int shipped_tried;

struct engine *
unit_engine(void)
{
	if (!shipped_tried) {
		char *conf = unit_path("conf/care-milter.conf");

		shipped_tried = 1;
		shipped = engine_load(conf, unit_err_cb, &shipped_errs);
		free(conf);
	}
	ck_assert_msg(shipped != NULL, "the shipped configuration does not "
	    "load from %s/conf:\n%s", unit_top(), shipped_errs.text);
	return shipped;
}

struct config *
unit_config(const char *text)
{
	struct config *cf;
	struct unit_errs errs = {0};
	char *dir, *p;

	if (text == NULL) {
		ck_assert_int_eq(config_load(NULL, &cf, unit_err_cb, &errs), 0);
		return cf;
	}
	dir = unit_tmpdir();
	p = unit_write(dir, "care.conf", text);
	ck_assert_msg(config_load(p, &cf, unit_err_cb, &errs) == 0, "%s", errs.text);
	free(p);
	free(dir);
	return cf;
}

/* Replace every "@TOP@" by the source tree. */
static char *
subst_top(const char *s)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	for (const char *p = s; *p;) {
		if (strncmp(p, "@TOP@", 5) == 0) {
			sb_puts(&sb, unit_top());
			p += 5;
		} else
			sb_putc(&sb, *p++);
	}
	return sb_steal(&sb);
}

struct engine *
unit_engine_from(const char *conf_text, struct unit_errs *errs)
{
	char *dir = unit_tmpdir();
	char *text = subst_top(conf_text);
	char *path = unit_write(dir, "care-milter.conf", text);
	struct engine *e = engine_load(path, unit_err_cb, errs);

	free(text);
	free(path);
	free(dir);
	return e;
}

struct engine *
unit_engine_with(const char *extra)
{
	struct unit_errs errs = {0};
	char *text = xasprintf("RuleFiles @TOP@/conf/rules/en.rules "
	    "@TOP@/conf/rules/trim.rules\n%s", extra);
	struct engine *e = unit_engine_from(text, &errs);

	ck_assert_msg(e != NULL, "engine with \"%s\" does not load:\n%s", extra,
	    errs.text);
	free(text);
	return e;
}

struct rules_set *
unit_rules_from(const char *text, unsigned match_limit,
    struct unit_errs *errs, char **path)
{
	char *dir = unit_tmpdir();
	char *p = unit_write(dir, "test.rules", text);
	char *files[] = {p, NULL};
	struct rules_set *rs = rules_load(files, match_limit, 1000, unit_err_cb, errs);

	if (path)
		*path = p;
	else
		free(p);
	free(dir);
	return rs;
}

/* ---- messages ----------------------------------------------------------- */

char *
unit_msg(const char *extra, const char *body)
{
	struct strbuf sb;
	int has_ct = extra && (unit_has(extra, "Content-Type:") ||
	    unit_has(extra, "content-type:"));

	sb_init(&sb, 0);
	if (extra)
		sb_puts(&sb, extra);
	sb_puts(&sb,
	    "From: Ana Ruiz <agent@support.example>\n"
	    "To: Margaret Hale <customer@customer.example>\n"
	    "Subject: Re: Kettle arrived with a cracked base\n"
	    "Date: Tue, 01 Apr 2025 14:20:58 +0000\n"
	    "Message-ID: <reply-1@support.example>\n"
	    "In-Reply-To: <question-1@customer.example>\n"
	    "MIME-Version: 1.0\n");
	if (!has_ct)
		sb_puts(&sb, "Content-Type: text/plain; charset=UTF-8\n"
		    "Content-Transfer-Encoding: 8bit\n");
	sb_puts(&sb, "\n");
	sb_puts(&sb, body);
	return sb_steal(&sb);
}

GMimeObject *
unit_parse(const char *raw)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeObject *m;

	unit_engine();		/* g_mime_init() */
	st = g_mime_stream_mem_new_with_buffer(raw, strlen(raw));
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_part(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	ck_assert_msg(m != NULL, "GMime could not parse the test message");
	return m;
}

/* pipeline_extract into a fresh buffer; malloc'd. */
static char *
extract_len(const struct engine *e, const char *raw, size_t len, int *rc,
    struct care_err *err)
{
	struct strbuf out;

	sb_init(&out, 0);
	*rc = pipeline_extract(e, raw, len, &out, err);
	return sb_steal(&out);
}

char *
unit_extract_with(const struct engine *e, const char *raw, int *rc)
{
	struct care_err err = {""};
	int r;
	char *text = extract_len(e, raw, strlen(raw), &r, &err);

	if (rc)
		*rc = r;
	return text;
}

char *
unit_extract(const char *raw)
{
	struct care_err err = {""};
	int rc;
	char *text = extract_len(unit_engine(), raw, strlen(raw), &rc, &err);

	ck_assert_msg(rc == 0, "pipeline_extract: %s", err.msg);
	return text;
}

char *
unit_extract_body(const char *body)
{
	char *raw = unit_msg(NULL, body);
	char *text = unit_extract(raw);

	free(raw);
	return text;
}

char *
unit_trim(const char *text)
{
	struct rules_matcher *m = rules_matcher_new(unit_engine()->rs);
	struct strbuf out;

	sb_init(&out, 0);
	ck_assert_int_eq(trim_text(m, text, strlen(text), &out), 0);
	rules_matcher_free(m);
	return sb_steal(&out);
}

int
unit_run_with(const struct engine *e, const char *raw,
    const struct care_envelope *env, struct care_verdict *v)
{
	struct care_err err = {""};

	return pipeline_run(e, raw, strlen(raw), env, v, &err);
}

int
unit_run(const char *raw, struct care_verdict *v)
{
	return unit_run_with(unit_engine(), raw, NULL, v);
}

void
unit_analyze(const char *text, struct care_verdict *v)
{
	struct rules_matcher *m = rules_matcher_new(unit_engine()->rs);

	care_verdict_init(v);
	ck_assert_int_eq(analyze_text(m, text, strlen(text), v), 0);
	rules_matcher_free(m);
}

int
unit_fires(int target, const char *text, const char **rule)
{
	struct rules_matcher *m = rules_matcher_new(unit_engine()->rs);
	int rc = rules_match(m, target, text, strlen(text), rule);

	rules_matcher_free(m);
	return rc;
}

/* ---- data-driven cases --------------------------------------------------- */

char **
unit_cases(const char *prefix, size_t *count)
{
	char *dir = unit_path("tests/unit/cases");
	size_t n, k = 0;
	char **all = unit_list(dir, ".eml", &n);

	for (size_t i = 0; i < n; i++) {
		if (strncmp(all[i], prefix, strlen(prefix)) == 0)
			all[k++] = all[i];
		else
			free(all[i]);
	}
	all[k] = NULL;
	if (count)
		*count = k;
	free(dir);
	return all;
}

static int
yes_no(const char *v, int *out)
{
	if (strcmp(v, "yes") == 0)
		return *out = 1, 0;
	if (strcmp(v, "no") == 0)
		return *out = 0, 0;
	return -1;
}

void
unit_check_case(const char *name)
{
	char *dir = unit_path("tests/unit/cases");
	char *eml = xasprintf("%s/%s.eml", dir, name);
	char *exp = xasprintf("%s/%s.expect", dir, name);
	size_t rawlen = 0;
	char *raw = unit_read(eml, &rawlen);
	char *want = unit_read(exp, NULL);
	char *text = NULL, *flat = NULL, *save = NULL;
	struct care_err err = {""};
	struct care_verdict v;
	struct strbuf bad;
	int judged = 0;

	ck_assert_msg(raw != NULL, "cannot read %s", eml);
	ck_assert_msg(want != NULL, "cannot read %s", exp);
	care_verdict_init(&v);
	sb_init(&bad, 0);
	for (char *line = strtok_r(want, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		char *key = str_trim(line), *val, *colon;
		int b, e;

		if (*key == '#' || *key == '\0')
			continue;
		if ((colon = strchr(key, ':')) == NULL) {
			sb_printf(&bad, "  bad line \"%s\"\n", key);
			continue;
		}
		*colon = '\0';
		val = str_trim(colon + 1);
		if (strncmp(key, "extract", 7) == 0) {
			if (text == NULL) {
				int rc;

				text = extract_len(unit_engine(), raw, rawlen, &rc, &err);
				ck_assert_msg(rc == 0, "%s: pipeline_extract: %s", name, err.msg);
				flat = unit_squash(text);
			}
			char *w = unit_squash(val);

			if (strcmp(key, "extract") == 0 ? strcmp(flat, w) != 0 :
			    strcmp(key, "extract-has") == 0 ? !unit_has(flat, w) :
			    strcmp(key, "extract-lacks") == 0 ? unit_has(flat, w) : 1)
				sb_printf(&bad, "  %s: %s\n    text: %s\n", key, w, flat);
			free(w);
			continue;
		}
		if (!judged) {
			ck_assert_msg(pipeline_run(unit_engine(), raw, rawlen, NULL, &v,
			    &err) == 0, "%s: pipeline_run: %s", name, err.msg);
			judged = 1;
		}
		if (strcmp(key, "scope") == 0) {
			const char *got = v.skip == CARE_SKIP_NONE ? "checked" : "skipped";

			if (strcmp(val, got) != 0)
				sb_printf(&bad, "  scope: wanted %s, got %s\n", val, got);
		} else if (strcmp(key, "skip_reason") == 0) {
			const char *got = v.skip == CARE_SKIP_NONE ? "-" : care_skip_name(v.skip);

			if (strcmp(val, got) != 0)
				sb_printf(&bad, "  skip_reason: wanted %s, got %s\n", val, got);
		} else if ((e = care_element_lookup(key)) >= 0) {
			if (yes_no(val, &b) < 0)
				sb_printf(&bad, "  %s: \"%s\" is not yes or no\n", key, val);
			else if (b != v.elements[e].present)
				sb_printf(&bad, "  %s: wanted %s, got %s (%s)\n", key, val,
				    v.elements[e].present ? "yes" : "no",
				    v.elements[e].present ? v.elements[e].evidence : "-");
		} else if (strcmp(key, "issues") == 0) {
			unsigned wanted = 0, got = 0;
			char **w = str_list_split(val, NULL);

			for (char **p = w; *p; p++) {
				int i = care_issue_lookup(*p);

				if (i >= 0)
					wanted |= 1u << i;
				else if (strcmp(*p, "none") != 0)
					sb_printf(&bad, "  issues: unknown kind %s\n", *p);
			}
			str_list_free(w);
			for (int i = 0; i < CARE_NISSUES; i++)
				if (v.issues[i].present)
					got |= 1u << i;
			for (int i = 0; i < CARE_NISSUES; i++)
				if (((wanted ^ got) >> i) & 1)
					sb_printf(&bad, "  issue %s: wanted %s, got %s (%s)\n",
					    care_issue_name(i), (wanted >> i) & 1 ? "yes" : "no",
					    (got >> i) & 1 ? "yes" : "no",
					    v.issues[i].present ? v.issues[i].evidence : "-");
		} else if (strcmp(key, "action") == 0) {
			if (strcmp(val, care_action_name(v.action)) != 0)
				sb_printf(&bad, "  action: wanted %s, got %s\n", val,
				    care_action_name(v.action));
		} else if (strcmp(key, "truncated") == 0) {
			if (yes_no(val, &b) < 0 || b != v.truncated)
				sb_printf(&bad, "  truncated: wanted %s, got %s\n", val,
				    v.truncated ? "yes" : "no");
		} else
			sb_printf(&bad, "  unknown key \"%s\"\n", key);
	}
	ck_assert_msg(bad.len == 0, "case %s:\n%s", name, bad.s);
	care_verdict_free(&v);
	sb_free(&bad);
	free(text);
	free(flat);
	free(raw);
	free(want);
	free(eml);
	free(exp);
	free(dir);
}

/* ---- text --------------------------------------------------------------- */

char *
unit_squash(const char *s)
{
	struct strbuf sb;
	int space = 0;

	sb_init(&sb, 0);
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\f' || *s == '\v') {
			space = 1;
			continue;
		}
		if (space && sb.len)
			sb_putc(&sb, ' ');
		space = 0;
		sb_putc(&sb, *s);
	}
	return sb_steal(&sb);
}

int
unit_has(const char *hay, const char *needle)
{
	return hay && needle && strstr(hay, needle) != NULL;
}

unsigned long *
unit_code_points(const char *cls, unsigned long end, size_t *n)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)cls, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF |
	    PCRE2_ANCHORED | PCRE2_ENDANCHORED, &code, &off, NULL);
	pcre2_match_data *md;
	unsigned long *v = NULL;

	ck_assert_msg(re != NULL, "%s does not compile", cls);
	md = pcre2_match_data_create_from_pattern(re, NULL);
	*n = 0;
	for (unsigned long cp = 0; cp < end; cp++) {
		struct strbuf sb;

		if (cp >= 0xD800 && cp < 0xE000)
			continue;
		sb_init(&sb, 0);
		utf8_put(&sb, cp);
		if (pcre2_match(re, (PCRE2_SPTR)sb.s, sb.len, 0, 0, md, NULL) >= 0) {
			v = xrealloc(v, (*n + 1) * sizeof(*v));
			v[(*n)++] = cp;
		}
		sb_free(&sb);
	}
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return v;
}

/* ---- main --------------------------------------------------------------- */

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{"util", suite_util},
	{"config", suite_config},
	{"rules", suite_rules},
	{"prefilter", suite_prefilter},
	{"html", suite_html},
	{"trim", suite_trim},
	{"extract", suite_extract},
	{"scope", suite_scope},
	{"analyze", suite_analyze},
	{"policy", suite_policy},
	{"report", suite_report},
	{"pipeline", suite_pipeline},
	{"conformance", suite_conformance},
};

int
main(int argc, char **argv)
{
	SRunner *sr = NULL;
	int failed;

	/* Load once before Check forks: every test process inherits it. */
	char *conf = unit_path("conf/care-milter.conf");

	shipped_tried = 1;
	shipped = engine_load(conf, unit_err_cb, &shipped_errs);
	if (shipped == NULL)
		fprintf(stderr, "unit-tests: %s does not load:\n%s", conf,
		    shipped_errs.text);
	free(conf);

	for (size_t i = 0; i < sizeof(suites) / sizeof(*suites); i++) {
		int want = argc < 2;

		for (int a = 1; a < argc; a++)
			if (strcmp(argv[a], suites[i].name) == 0)
				want = 1;
		if (!want)
			continue;
		if (sr == NULL)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	if (sr == NULL) {
		fprintf(stderr, "unit-tests: no such suite\n");
		return 2;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (shipped)
		engine_unref(shipped);
	return failed == 0 ? 0 : 1;
}
