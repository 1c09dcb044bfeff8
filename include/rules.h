/*
 * rules.h - rule files: load, compile, match.
 *
 * A rule set is read from one or more rule files (the .rules files in conf/rules;
 * the format is documented in care-rules(5) and at the top of
 * conf/rules/en.rules).  Each rule has a target: one of the four
 * elements, one of the four issue kinds, or a trimming action that the
 * trim module applies to lines of text (cut, drop, header).
 *
 * Patterns are PCRE2, UTF-8, caseless, JIT-compiled once at load.  A
 * rule set is immutable once loaded, so any number of threads may match
 * against it at once; each thread brings its own struct rules_matcher
 * (match data and limits).  Reloading is building a new set and
 * swapping pointers (see pipeline.h).
 */
#ifndef CARE_RULES_H
#define CARE_RULES_H

#include <stddef.h>

#include "care.h"

enum rules_target {
	/* 0 .. CARE_NELEMENTS-1: elements */
	RULES_T_ISSUE0 = CARE_NELEMENTS,
	RULES_T_CUT = CARE_NELEMENTS + CARE_NISSUES,	/* cut here and below */
	RULES_T_DROP,		/* drop this line */
	RULES_T_HEADER,		/* a header line of quoted mail */
	RULES_T_SIGNOFF,	/* a valediction line: the signature follows */
	RULES_NTARGETS
};

struct rules_set;
struct rules_matcher;

typedef void (*rules_errfn)(void *arg, const char *msg);

/* Load and compile every file; report each error as FILE:LINE: message.
 * Returns NULL when any error was found (after reporting all of them). */
struct rules_set *rules_load(char *const *files, unsigned match_limit,
    unsigned depth_limit, rules_errfn errfn, void *arg);
void rules_free(struct rules_set *rs);
size_t rules_count(const struct rules_set *rs);

/* A number no other rule set loaded by this process has: a cache keyed
 * on it cannot mistake a new set for a freed one at the same address. */
unsigned long rules_generation(const struct rules_set *rs);

struct rules_matcher *rules_matcher_new(const struct rules_set *rs);
const struct rules_set *rules_matcher_set(const struct rules_matcher *m);
void rules_matcher_free(struct rules_matcher *m);

/* Scan a sentence once with the literal prefilter; the rules_match()
 * calls that follow on the same text (same pointer and length) reuse the
 * result.  Without it, rules_match() scans the text itself. */
void rules_prepare(struct rules_matcher *m, const char *text, size_t len);

/* Does any rule of 'target' fire on this sentence (or line)?
 * Returns 1 and sets *rule_name, 0 when none does, -1 when the PCRE2
 * match limit stopped a pattern (the caller treats that as an internal
 * error).  Text must be valid UTF-8. */
int rules_match(struct rules_matcher *m, int target, const char *text,
    size_t len, const char **rule_name);

/* Target name to number: element, issue kind, cut, drop, header,
 * signoff. */
int rules_target_lookup(const char *name);

/* "exclude A when B": a sentence on which B fires gives no evidence for
 * A (a conditional apology is never an acknowledgment).  Fills 'when'
 * with the targets that exclude 'target'; returns how many. */
size_t rules_excluders(const struct rules_set *rs, int target, int *when,
    size_t max);

#endif
