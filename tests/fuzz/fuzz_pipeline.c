/*
 * fuzz_pipeline.c - libFuzzer target: message bytes through the whole
 * engine with the bundled configuration and rules.
 *
 * Each input goes through pipeline_run() (scope, extract, analyze,
 * policy), the report forms of its verdict, pipeline_extract(), and the
 * analysis of the extracted text (so that analyze sees text even when
 * scope skips the message).  Beyond the sanitizers it checks the
 * contracts the front ends rely on: the JSON is one line of valid UTF-8,
 * the header one line, the extracted text valid UTF-8 within
 * MaxScanBytes.
 *
 * The engine is loaded once, from $CARE_TOP/conf/care-milter.conf (or
 * the conf/ found above the executable).  Bit 0 of the first byte
 * chooses an envelope, bit 1 a MaxScanBytes of 1k.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "log.h"
#include "pipeline.h"
#include "report.h"

#include "fuzz_common.h"

static struct engine *engine;
/* The same rules with MaxScanBytes 1k, so that cutting the text at the
 * bound (a character boundary, valid UTF-8) is exercised at every size. */
static struct config small_cf;
static struct engine small = {&small_cf, NULL, 1};

static void
die(const char *what)
{
	fprintf(stderr, "fuzz_pipeline: %s\n", what);
	abort();
}

static void
die_at(const char *what, const unsigned char *s, size_t n, size_t at)
{
	size_t lo = at > 16 ? at - 16 : 0, hi = at + 16 < n ? at + 16 : n;

	fprintf(stderr, "fuzz_pipeline: %s at byte %zu of %zu:", what, at, n);
	for (size_t i = lo; i < hi; i++)
		fprintf(stderr, i == at ? " [%02x]" : " %02x", s[i]);
	fprintf(stderr, "\n");
	abort();
}

/* Valid UTF-8 with no C0 control other than those 'allow' lists. */
static void
check_utf8(const char *s, size_t n, const char *allow, const char *what)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t k;
		unsigned long cp;

		if (p[i] < 0x80) {
			if (p[i] < 0x20 && (p[i] == 0 || !strchr(allow, p[i])))
				die_at(what, p, n, i);
			i++;
			continue;
		}
		if (p[i] >= 0xC2 && p[i] <= 0xDF)
			k = 2, cp = p[i] & 0x1F;
		else if (p[i] >= 0xE0 && p[i] <= 0xEF)
			k = 3, cp = p[i] & 0x0F;
		else if (p[i] >= 0xF0 && p[i] <= 0xF4)
			k = 4, cp = p[i] & 0x07;
		else
			die_at(what, p, n, i);
		if (i + k > n)
			die_at(what, p, n, i);
		for (size_t j = 1; j < k; j++) {
			if ((p[i + j] & 0xC0) != 0x80)
				die_at(what, p, n, i);
			cp = (cp << 6) | (p[i + j] & 0x3F);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			die_at(what, p, n, i);
		i += k;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *top = fuzz_top(*argc > 0 ? (*argv)[0] : NULL);
	char conf[PATH_MAX + 32];

	if (top == NULL)
		die("cannot find the source tree: set CARE_TOP");
	snprintf(conf, sizeof(conf), "%s/conf/care-milter.conf", top);
	log_open("fuzz_pipeline", 0, 0, 1);
	log_set_level(LOG_LEVEL_ERR);
	engine = engine_load(conf, NULL, NULL);
	if (engine == NULL) {
		fprintf(stderr, "fuzz_pipeline: %s does not load (care-check -c %s)\n",
		    conf, conf);
		abort();
	}
	small_cf = *engine->cf;
	small_cf.max_scan_bytes = 1024;
	small.rs = engine->rs;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rcpts[] = {"customer@example.net", "agent@example.com"};
	const struct care_envelope env = {"agent@example.com", (char *const *)rcpts, 2};
	struct care_verdict v;
	struct care_err err = {""};
	struct strbuf out, text;
	const char *msg = (const char *)data;
	const struct engine *e = size && (data[0] & 2) ? &small : engine;

	/* Offline (headers only), or with an envelope as the milter has. */
	pipeline_run(e, msg, size, size && (data[0] & 1) ? &env : NULL, &v, &err);
	if (strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg))
		die("error message not terminated");
	sb_init(&out, 0);
	report_json(&v, "fuzz.eml", &out);
	if (memchr(out.s, '\n', out.len))
		die("JSON spans more than one line");
	check_utf8(out.s, out.len, "", "JSON is not clean UTF-8");
	sb_reset(&out);
	report_header(&v, &out);
	check_utf8(out.s, out.len, "", "header is not one clean line");
	sb_reset(&out);
	report_reason(&v, &out);
	report_text(&v, "fuzz.eml", &out);
	sb_free(&out);
	care_verdict_free(&v);

	sb_init(&text, 0);
	err.msg[0] = '\0';
	if (pipeline_extract(e, msg, size, &text, &err) == 0) {
		if (text.len > e->cf->max_scan_bytes)
			die("extracted text larger than MaxScanBytes");
		check_utf8(text.s, text.len, "\t\n", "extracted text is not clean UTF-8");
		struct rules_matcher *m = rules_matcher_new(e->rs);

		care_verdict_init(&v);
		analyze_text(m, text.s ? text.s : "", text.len, &v);
		rules_matcher_free(m);
		care_verdict_free(&v);
	}
	sb_free(&text);
	return 0;
}
