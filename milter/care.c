/*
 * care.c - names of elements, issue kinds, actions and skip reasons, and
 * the verdict's life cycle (see care.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "care.h"
#include "util.h"

static const char *const element_names[CARE_NELEMENTS] = {
	"acknowledgment", "empathy", "solution", "follow_up"
};
static const char *const issue_names[CARE_NISSUES] = {
	"cliche", "conditional_apology", "blame", "excuse"
};
static const char *const action_names[CARE_NACTIONS] = {
	"accept", "flag", "hold", "reject"
};
static const char *const skip_names[CARE_NSKIPS] = {
	NULL, "null-sender", "auto-submitted", "delivery-report", "bulk",
	"mailing-list", "not-a-reply", "internal", "sender-not-covered"
};

const char *
care_element_name(enum care_element e)
{
	return (unsigned)e < CARE_NELEMENTS ? element_names[e] : "?";
}

const char *
care_issue_name(enum care_issue i)
{
	return (unsigned)i < CARE_NISSUES ? issue_names[i] : "?";
}

const char *
care_action_name(enum care_action a)
{
	return (unsigned)a < CARE_NACTIONS ? action_names[a] : "?";
}

const char *
care_skip_name(enum care_skip s)
{
	return (unsigned)s < CARE_NSKIPS && skip_names[s] ? skip_names[s] : NULL;
}

static int
lookup(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (str_casecmp_ascii(names[i], name) == 0)
			return i;
	return -1;
}

int
care_element_lookup(const char *name)
{
	return lookup(element_names, CARE_NELEMENTS, name);
}

int
care_issue_lookup(const char *name)
{
	return lookup(issue_names, CARE_NISSUES, name);
}

int
care_action_lookup(const char *name)
{
	return lookup(action_names, CARE_NACTIONS, name);
}

void
care_verdict_init(struct care_verdict *v)
{
	memset(v, 0, sizeof(*v));
}

static void
finding_free(struct care_finding *f)
{
	free(f->evidence);
	free(f->rule);
}

void
care_verdict_free(struct care_verdict *v)
{
	free(v->message_id);
	free(v->subject);
	free(v->from);
	for (int i = 0; i < CARE_NELEMENTS; i++)
		finding_free(&v->elements[i]);
	for (int i = 0; i < CARE_NISSUES; i++)
		finding_free(&v->issues[i]);
	care_verdict_init(v);
}

void
care_err_set(struct care_err *err, const char *file, int line,
    const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file && line > 0)
		snprintf(err->msg, sizeof(err->msg), "%s:%d: %s", file, line, msg);
	else if (file)
		snprintf(err->msg, sizeof(err->msg), "%s: %s", file, msg);
	else
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
}
