/*
 * pipeline.h - one path from message bytes to a verdict.
 *
 * An engine is a loaded configuration and its compiled rules, shared
 * read-only by every thread.  It is reference counted so that a reload
 * can build a new engine while messages in flight finish with the old
 * one: engine_ref() a current engine before use, engine_unref() after.
 *
 * pipeline_run() parses the message once (GMime) and calls, in order,
 * scope, extract (html, trim), analyze (rules) and policy.  The milter,
 * care-check and the benchmarks all use it unchanged.
 */
#ifndef CARE_PIPELINE_H
#define CARE_PIPELINE_H

#include <stddef.h>

#include "care.h"
#include "config.h"
#include "rules.h"
#include "scope.h"
#include "util.h"

struct engine {
	struct config *cf;
	struct rules_set *rs;
	int refs;		/* atomic */
};

typedef void (*engine_errfn)(void *arg, const char *msg);

/* Load the configuration at 'path' (NULL: defaults) and its rules.
 * Every error goes to errfn as FILE:LINE: message; NULL if any. */
struct engine *engine_load(const char *path, engine_errfn errfn, void *arg);
struct engine *engine_ref(struct engine *e);
void engine_unref(struct engine *e);

/* Judge one message.  'env' may be NULL (offline: headers only).  On
 * success returns 0; on an internal error (unparsable input, a regex
 * limit) returns -1 with 'err' set and the verdict as far as it got. */
int pipeline_run(const struct engine *e, const char *msg, size_t len,
    const struct care_envelope *env, struct care_verdict *v,
    struct care_err *err);

/* Does the engine read header field 'name'?  The ones it does not read
 * (Received, DKIM-Signature, X-Mailer ...) may be left out of the
 * message by a front end that assembles it, as the milter does: GMime
 * then spends nothing on them, and the verdict is the same. */
int pipeline_header_used(const char *name);

/* GMime's part of pipeline_run(): the message parsed as its top MIME
 * part, reading 'msg' in place (it must stay until pipeline_parse_done());
 * NULL when GMime cannot parse it.  For engine-bench's floor. */
GMimeObject *pipeline_parse(const char *msg, size_t len, GByteArray **wrap);
void pipeline_parse_done(GMimeObject *m, GByteArray *wrap);

/* The text the analysis sees, for care-check --extract. */
int pipeline_extract(const struct engine *e, const char *msg, size_t len,
    struct strbuf *out, struct care_err *err);

#endif
