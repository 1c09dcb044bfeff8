/*
 * analyze.h - find the elements and issues in the agent's text.
 *
 * The text is normalised (typographic quotes and spaces folded, zero-
 * width characters dropped), split into sentences (hard-wrapped lines
 * joined, list items and short lines kept apart, abbreviations and list
 * numbers not taken for sentence ends), and every sentence is tried
 * against the rules of each element and issue kind not yet found.  The
 * first sentence that fires a rule is the evidence.
 */
#ifndef CARE_ANALYZE_H
#define CARE_ANALYZE_H

#include "care.h"
#include "rules.h"

#define ANALYZE_MAX_SENTENCE 1000	/* bytes; longer runs are split */
#define ANALYZE_MAX_EVIDENCE 300	/* bytes of a sentence kept as evidence */

/* Fill v->elements and v->issues.  Returns -1 when a regex limit stopped
 * a rule (the verdict is then incomplete), else 0. */
int analyze_text(struct rules_matcher *m, const char *text, size_t len,
    struct care_verdict *v);

/* Call fn for each sentence of 'text' (normalised); for tests and for
 * care-check --sentences. */
typedef int (*analyze_sentence_fn)(void *arg, const char *s, size_t len);
int analyze_sentences(const char *text, size_t len, analyze_sentence_fn fn,
    void *arg);

#endif
