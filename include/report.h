/*
 * report.h - a verdict in the forms people and programs read.
 *
 *   report_json     one line of DESIGN.md's care-check --json contract
 *   report_header   the X-Care-Check value: "fail; missing=...; ..."
 *   report_reason   why, in words an agent can act on ("reply lacks
 *                   empathy and a follow-up invitation")
 *   report_text     care-check's short block for people
 */
#ifndef CARE_REPORT_H
#define CARE_REPORT_H

#include "care.h"
#include "util.h"

void report_json(const struct care_verdict *v, const char *file,
    struct strbuf *out);
void report_header(const struct care_verdict *v, struct strbuf *out);
void report_reason(const struct care_verdict *v, struct strbuf *out);
void report_text(const struct care_verdict *v, const char *file,
    struct strbuf *out);

/* JSON string literal of s (NULL as null), valid UTF-8 assumed. */
void report_json_string(struct strbuf *out, const char *s);

/* Append the names in 'set' (elements, or issue kinds when 'issues'),
 * comma-separated: "empathy,follow_up". */
void report_names(struct strbuf *out, unsigned set, int issues);

/* Is this verdict a pass (checked, nothing missing, no issue)? */
int report_is_pass(const struct care_verdict *v);

#endif
