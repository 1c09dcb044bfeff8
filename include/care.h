/*
 * care.h - the vocabulary every part of care-milter shares.
 *
 * The four elements of a good reply, the four issue kinds, the four
 * actions, and the verdict that the pipeline produces for one message.
 * Names here are the fixed contract of DESIGN.md: they appear in the
 * configuration, the rule files, the JSON output and the headers.
 */
#ifndef CARE_H
#define CARE_H

#include <stddef.h>

#define CARE_VERSION "1.0.0"

enum care_element {
	CARE_ACK,
	CARE_EMPATHY,
	CARE_SOLUTION,
	CARE_FOLLOW_UP,
	CARE_NELEMENTS
};

enum care_issue {
	CARE_CLICHE,
	CARE_CONDITIONAL,
	CARE_BLAME,
	CARE_EXCUSE,
	CARE_NISSUES
};

enum care_action {
	CARE_ACCEPT,
	CARE_FLAG,
	CARE_HOLD,
	CARE_REJECT,
	CARE_NACTIONS
};

/* Why a message was not judged; CARE_SKIP_NONE means it was. */
enum care_skip {
	CARE_SKIP_NONE,
	CARE_SKIP_NULL_SENDER,
	CARE_SKIP_AUTO_SUBMITTED,
	CARE_SKIP_REPORT,
	CARE_SKIP_BULK,
	CARE_SKIP_LIST,
	CARE_SKIP_NOT_REPLY,
	CARE_SKIP_INTERNAL,
	CARE_SKIP_SENDER,
	CARE_NSKIPS
};

const char *care_element_name(enum care_element e);
const char *care_issue_name(enum care_issue i);
const char *care_action_name(enum care_action a);
const char *care_skip_name(enum care_skip s);
int care_element_lookup(const char *name);	/* -1 when unknown */
int care_issue_lookup(const char *name);	/* -1 when unknown */
int care_action_lookup(const char *name);	/* -1 when unknown */

/* One finding: the sentence that is evidence, and the rule that saw it. */
struct care_finding {
	int present;
	char *evidence;		/* malloc'd sentence, NULL when absent */
	char *rule;		/* malloc'd rule name, NULL when absent */
};

/* What the pipeline says about one message. */
struct care_verdict {
	char *message_id;	/* malloc'd or NULL */
	char *subject;		/* malloc'd or NULL, decoded UTF-8 */
	char *from;		/* malloc'd or NULL, address only */
	enum care_skip skip;	/* CARE_SKIP_NONE when checked */
	struct care_finding elements[CARE_NELEMENTS];
	struct care_finding issues[CARE_NISSUES];
	unsigned missing;	/* bit set of required elements absent */
	enum care_action action;
	int truncated;		/* text was cut at MaxScanBytes */
	int regex_limit;	/* a rule hit the PCRE2 match limit */
	double elapsed_ms;	/* time spent in the pipeline */
};

void care_verdict_init(struct care_verdict *v);
void care_verdict_free(struct care_verdict *v);

/* An error with its place: FILE:LINE: message. */
struct care_err {
	char msg[512];
};

void care_err_set(struct care_err *err, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
