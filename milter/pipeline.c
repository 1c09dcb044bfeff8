/*
 * pipeline.c - engine life cycle and the message pipeline (see
 * pipeline.h).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "analyze.h"
#include "extract.h"
#include "pipeline.h"
#include "policy.h"

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

/*
 * One matcher per thread, kept between messages: creating one maps a
 * JIT stack, and unmapping it costs every core a TLB shootdown.  The
 * cache is keyed on the rule set's generation, so a reload simply makes
 * the next message build a new one.
 */
static pthread_key_t matcher_key;
static pthread_once_t matcher_once = PTHREAD_ONCE_INIT;

struct matcher_slot {
	unsigned long generation;
	struct rules_matcher *m;
};

static void
matcher_slot_free(void *p)
{
	struct matcher_slot *slot = p;

	rules_matcher_free(slot->m);
	free(slot);
}

static void
matcher_key_create(void)
{
	if (pthread_key_create(&matcher_key, matcher_slot_free) != 0)
		xmalloc((size_t)-1);	/* the one out-of-memory path */
}

static struct rules_matcher *
thread_matcher(const struct rules_set *rs)
{
	struct matcher_slot *slot;

	pthread_once(&matcher_once, matcher_key_create);
	slot = pthread_getspecific(matcher_key);
	if (slot == NULL) {
		slot = xcalloc(1, sizeof(*slot));
		pthread_setspecific(matcher_key, slot);
	}
	if (slot->m == NULL || slot->generation != rules_generation(rs)) {
		rules_matcher_free(slot->m);
		slot->m = rules_matcher_new(rs);
		slot->generation = rules_generation(rs);
	}
	return slot->m;
}

static void
gmime_start(void)
{
	g_mime_init();
}

struct engine *
engine_load(const char *path, engine_errfn errfn, void *arg)
{
	struct config *cf;
	struct rules_set *rs;

	pthread_once(&gmime_once, gmime_start);
	if (config_load(path, &cf, errfn, arg) != 0) {
		config_free(cf);
		return NULL;
	}
	rs = rules_load(cf->rule_files, cf->regex_match_limit,
	    cf->regex_depth_limit, errfn, arg);
	if (rs == NULL) {
		config_free(cf);
		return NULL;
	}
	struct engine *e = xcalloc(1, sizeof(*e));

	e->cf = cf;
	e->rs = rs;
	e->refs = 1;
	return e;
}

struct engine *
engine_ref(struct engine *e)
{
	__atomic_add_fetch(&e->refs, 1, __ATOMIC_ACQ_REL);
	return e;
}

void
engine_unref(struct engine *e)
{
	if (e == NULL || __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	rules_free(e->rs);
	config_free(e->cf);
	free(e);
}

/* Parse with GMime, reading the caller's bytes in place: the stream
 * wraps them without a copy and never writes to them.  The parts of the
 * message read their content from the same bytes, so they must outlive
 * the message: pipeline_parse_done() releases the wrapper after it.
 *
 * The message is read as its top MIME part, which holds every header
 * field: a GMimeMessage would also parse each address list, the date
 * and the message id as it reads them (a quarter of the parsing time),
 * where scope and fill_identity() need only From, and To and Cc
 * offline; they read those fields themselves, as GMimeMessage would. */
GMimeObject *
pipeline_parse(const char *msg, size_t len, GByteArray **wrap)
{
	*wrap = g_byte_array_new_take((guint8 *)(uintptr_t)msg, len);
	GMimeStream *st = g_mime_stream_mem_new_with_byte_array(*wrap);
	GMimeParser *p;
	GMimeObject *m;

	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(st), FALSE);
	p = g_mime_parser_new_with_stream(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	m = g_mime_parser_construct_part(p, NULL);
	g_object_unref(p);
	g_object_unref(st);
	return m;
}

void
pipeline_parse_done(GMimeObject *m, GByteArray *wrap)
{
	if (m)
		g_object_unref(m);
	(void)g_byte_array_free(wrap, FALSE);	/* the bytes stay the caller's */
}

static char *
dup_utf8(const char *s)
{
	struct strbuf sb;

	if (s == NULL)
		return NULL;
	sb_init(&sb, 4096);
	extract_to_utf8(s, strlen(s), "utf-8", &sb);
	return sb_steal(&sb);
}

/* Message-Id, Subject and From, for the verdict; 'from' is the From
 * address as scope_from() read it. */
static void
fill_identity(GMimeObject *m, const char *from, struct care_verdict *v)
{
	const char *raw_id = scope_last_header(m, "Message-Id");
	char *id = raw_id ? g_mime_utils_decode_message_id(raw_id) : NULL;

	if (id) {
		char *u = dup_utf8(id);

		v->message_id = xasprintf("<%s>", u);
		free(u);
		g_free(id);
	}
	v->subject = dup_utf8(scope_last_header(m, "Subject"));
	v->from = dup_utf8(from);
}

/* Every header field that scope.c, extract.c and fill_identity() read;
 * a new one read there must be added here (tests/unit compares verdicts
 * with and without the others over the corpus). */
int
pipeline_header_used(const char *name)
{
	static const char *const used[] = {
		"From", "To", "Cc", "Bcc", "Subject", "Message-ID", "In-Reply-To",
		"References", "Return-Path", "Precedence", "Auto-Submitted",
		"X-Autoreply", "X-Autorespond", "X-Auto-Response", "List-Id",
		"List-Unsubscribe", "List-Post", "MIME-Version", NULL
	};

	if (str_ncasecmp_ascii(name, "Content-", 8) == 0)
		return 1;
	for (const char *const *u = used; *u; u++)
		if (str_casecmp_ascii(name, *u) == 0)
			return 1;
	return 0;
}

int
pipeline_run(const struct engine *e, const char *msg, size_t len,
    const struct care_envelope *env, struct care_verdict *v,
    struct care_err *err)
{
	double t0 = now_ms();
	GByteArray *wrap;
	GMimeObject *m = pipeline_parse(msg, len, &wrap);
	struct rules_matcher *mt = NULL;
	struct strbuf text;
	int rc = 0;

	care_verdict_init(v);
	if (m == NULL) {
		pipeline_parse_done(m, wrap);
		care_err_set(err, NULL, 0, "message could not be parsed");
		v->elapsed_ms = now_ms() - t0;
		return -1;
	}
	/* From is read once, for the identity and for the scope. */
	char *from = scope_from(m);

	fill_identity(m, from, v);
	v->skip = scope_decide(e->cf, m, from, env);
	free(from);
	if (v->skip == CARE_SKIP_NONE) {
		mt = thread_matcher(e->rs);
		sb_init(&text, e->cf->max_scan_bytes);
		int x = extract_text(m, e->cf, mt, &text);

		if (x < 0 || analyze_text(mt, text.s ? text.s : "", text.len, v) < 0) {
			care_err_set(err, NULL, 0, "a rule hit the regex match limit");
			v->regex_limit = 1;
			rc = -1;
		}
		v->truncated = x > 0;
		sb_free(&text);
	}
	policy_decide(e->cf, v);
	pipeline_parse_done(m, wrap);
	v->elapsed_ms = now_ms() - t0;
	return rc;
}

int
pipeline_extract(const struct engine *e, const char *msg, size_t len,
    struct strbuf *out, struct care_err *err)
{
	GByteArray *wrap;
	GMimeObject *m = pipeline_parse(msg, len, &wrap);
	struct rules_matcher *mt;
	int rc;

	if (m == NULL) {
		pipeline_parse_done(m, wrap);
		care_err_set(err, NULL, 0, "message could not be parsed");
		return -1;
	}
	struct strbuf text;

	mt = thread_matcher(e->rs);
	sb_init(&text, e->cf->max_scan_bytes);	/* the bound is the text's */
	rc = extract_text(m, e->cf, mt, &text);
	sb_append(out, text.s ? text.s : "", text.len);
	sb_free(&text);
	pipeline_parse_done(m, wrap);
	if (rc < 0) {
		care_err_set(err, NULL, 0, "a rule hit the regex match limit");
		return -1;
	}
	return 0;
}
