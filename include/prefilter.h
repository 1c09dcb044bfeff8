/*
 * prefilter.h - literal prefilter for the rules' regular expressions.
 *
 * For each pattern, prefilter_add() works out up to PREFILTER_MAX_REQ
 * sets of literal strings ("groups" of "factors"): every match contains
 * a string of each set.  For \bsorry (?:for|about)\b that is
 * {"sorry for", "sorry about"}; for \bsorry\b.{0,60}\byou\b it is {"sorry"}
 * and {"you"}.  prefilter_build() puts all factors of all patterns in one
 * Aho-Corasick automaton; prefilter_scan() runs it once over a sentence,
 * and prefilter_may_match() (or prefilter_all_found()) then says, for
 * free, which patterns cannot match it.  Only the others are given to
 * PCRE2.  This never changes a result: a pattern whose factors cannot be
 * worked out is always tried.  Comparison is ASCII-caseless, like the
 * rules; bytes outside a small alphabet are folded together, which can
 * only make a pattern look possible when it is not.
 */
#ifndef CARE_PREFILTER_H
#define CARE_PREFILTER_H

#include <stddef.h>

struct prefilter;

/*
 * PREFILTER_SPACE: the texts to scan normally hold no white space but
 * ' ' (analyze.c's sentences: it folds every other white space character
 * to ' ').  Then \s reads as ' ', which makes "is " of is\s+ a factor;
 * a text that does hold other white space (any character PCRE2's \s
 * matches) is not filtered at all, so results never change.
 */
#define PREFILTER_SPACE 1

struct prefilter *prefilter_new(int flags);
void prefilter_free(struct prefilter *pf);

/* Register a pattern (PCRE2 source); returns its id. */
int prefilter_add(struct prefilter *pf, const char *pattern);
void prefilter_build(struct prefilter *pf);

/* Bytes needed for the 'found' set of prefilter_scan(). */
size_t prefilter_state_size(const struct prefilter *pf);
void prefilter_scan(const struct prefilter *pf, const char *text, size_t len,
    unsigned char *found);
int prefilter_may_match(const struct prefilter *pf, int id,
    const unsigned char *found);

/* A pattern requires at most this many groups. */
#define PREFILTER_MAX_REQ 3

/* The groups pattern 'id' requires (n of them, none: always possible),
 * for a caller that asks prefilter_all_found() about it often: the
 * rules ask about every pattern of every rule, so it is inline. */
const int *prefilter_requires(const struct prefilter *pf, int id, size_t *n);

static inline int
prefilter_all_found(const int *groups, size_t n, const unsigned char *found)
{
	for (size_t k = 0; k < n; k++)
		if (!((found[groups[k] / 8] >> (groups[k] % 8)) & 1))
			return 0;
	return 1;
}

/* For tests: how many patterns have factors (are filtered). */
size_t prefilter_filtered(const struct prefilter *pf);

#endif
