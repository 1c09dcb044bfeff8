/*
 * prefilter.c - literal factors of regular expressions, and one
 * Aho-Corasick automaton to find them all in a single pass (see
 * prefilter.h).
 *
 * Factor analysis walks the pattern source with a small recursive
 * parser.  Each node yields four sets of strings: 'exact', every string
 * the node can match (when that is a small finite set); 'pre' and 'suf',
 * sets of which every match starts (ends) with one; and 'fac', a set of
 * which every match contains one.  In a concatenation xy, a suffix of x
 * followed by a prefix of y is a factor too: that is how "sorry" is
 * found in (?:very )?sorry.  A concatenation keeps the best (longest
 * shortest string) candidate, an alternation the union of its
 * branches', and anything the parser does not understand yields
 * "unknown" (pre and suf the empty string), which is always safe: a
 * pattern without factors is always given to PCRE2.
 *
 * One set is rarely enough: "sorry" is in half the sentences of a
 * support reply, but \bsorry\b.{0,60}\byou\b.{0,50}(?:upset|...) also
 * needs "you" and one of the feelings.  So each node also keeps 'req',
 * up to PF_MAX_REQ sets that must all be present (a conjunction): a
 * concatenation gathers its parts' sets, an alternation keeps the
 * pairwise unions of its branches' sets (each holds whichever branch
 * matched).  A pattern is given to PCRE2 only when every one of its
 * sets has a string in the text.  Sets that are nearly the same (the
 * two sides of one alternation often give two) take one slot, so that
 * the others go to other parts of the pattern.
 *
 * The automaton's alphabet is small (see sym()) and factors are cut to
 * PF_KEEP_LEN bytes, which keeps its transition table under a megabyte
 * for the default rules.  That is still far more than the L1 cache, and
 * each step's load waits for the one before; a scan reads a text as
 * several stretches side by side so that their loads overlap (see
 * "lanes" below).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "util.h"

#define PF_MAX_SET 64		/* strings in a set before it is "unknown" */
#define PF_MAX_LEN 48		/* bytes in a string, likewise */
#define PF_MIN_FACTOR 3		/* a shorter factor filters nothing */
#define RARE_PUNCT ":?!@<>|#$"	/* filter as well as a short word */
#define PF_MAX_REQ PREFILTER_MAX_REQ	/* factor sets required together */
#define PF_KEEP_LEN 8		/* bytes of a factor worth matching */
#define PF_HIGH '\x80'		/* in a factor: any byte of a non-ASCII character */
#define PF_NSYM 32		/* see sym() */
#define PF_SYM_SPECIAL 0x80	/* in pf->sym: a byte lane_step() looks at */
#define PF_MAX_STATES 0x7FFF	/* a state is 15 bits of a table entry ... */
#define PF_EMIT 0x8000		/* ... and this bit says it emits groups */
#define PF_MAX_GROUPS 0xFFFF	/* a group id is 16 bits in an emit list */

struct sset {
	int known;		/* 0: unknown (any string) */
	char **v;
	size_t n;
	size_t *hash;		/* a requirement's kept_hashes(), kept with
				 * it by req_add() (else NULL) */
	size_t nhash;
};

struct info {
	struct sset exact, pre, suf, fac;
	struct sset req[PF_MAX_REQ + 1];	/* all hold: a conjunction (+ 1:
					 * room for one more while merging) */
	size_t nreq;
};

struct parser {
	const char *p;
	int depth;
	int bad;		/* a construct that changes how the source reads */
	int space;		/* \s is ' ' (PREFILTER_SPACE) */
};

struct pattern {
	int *groups;		/* the required sets, each a group */
	size_t n;		/* 0: nothing required, always tried */
};

struct group {
	int *factors;		/* sorted factor ids; any one of them will do */
	size_t n;
};

#define PF_HASH_SIZE 8192	/* slots for distinct factors, a power of 2 */

struct prefilter {
	char **factor;		/* distinct factors, lower case */
	size_t nfactor;
	int *hash;		/* open addressing: factor id + 1, 0 empty */
	struct group *group;	/* distinct required sets */
	size_t ngroup;
	struct pattern *pat;
	size_t npat, filtered;
	/* the automaton while it is built */
	int *go;		/* nstates * PF_NSYM */
	int *fail, *out, *dict;	/* per state */
	int *out_next;		/* per factor: next factor ending at the same state */
	size_t nstates, cstates;	/* states used, allocated */
	/* the automaton built: states renumbered breadth first, so that the
	 * ones a scan is nearly always in are together at the start */
	uint16_t *table;	/* nstates * PF_NSYM: next state | PF_EMIT */
	/* per state: the groups present when the scan reaches it (factors
	 * ending there or at a suffix), as a slice of 'emit' */
	uint32_t *emit_at;	/* nstates + 1: state t's groups are
				 * emit[emit_at[t] .. emit_at[t + 1]) */
	uint16_t *emit;
	unsigned char sym[256];	/* sym() of every byte */
	int flags;		/* PREFILTER_SPACE */
};

static struct sset
set_unknown(void)
{
	struct sset s = {0, NULL, 0, NULL, 0};

	return s;
}

static struct sset
set_one(const char *str, size_t len)
{
	struct sset s = {1, xmalloc(sizeof(char *)), 1, NULL, 0};

	s.v[0] = xstrndup(str, len);
	return s;
}

static void
set_free(struct sset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->hash);
	*s = set_unknown();
}

static struct sset
set_copy(const struct sset *a)
{
	struct sset s = {a->known, NULL, a->n, NULL, 0};

	if (a->n) {
		s.v = xmalloc(a->n * sizeof(char *));
		for (size_t i = 0; i < a->n; i++)
			s.v[i] = xstrdup(a->v[i]);
	}
	if (a->hash) {
		s.hash = xmalloc(a->nhash * sizeof(size_t) + 1);
		memcpy(s.hash, a->hash, a->nhash * sizeof(size_t));
		s.nhash = a->nhash;
	}
	return s;
}

static void
info_free(struct info *x)
{
	set_free(&x->exact);
	set_free(&x->pre);
	set_free(&x->suf);
	set_free(&x->fac);
	for (size_t i = 0; i < x->nreq; i++)
		set_free(&x->req[i]);
	x->nreq = 0;
}

/* Anything at all: it starts and ends with "" and that is all we know. */
static struct info
info_unknown(void)
{
	struct info x = {.exact = set_unknown(), .pre = set_one("", 0),
	    .suf = set_one("", 0), .fac = set_unknown()};

	return x;
}

/* Zero-width: anchors, \b, lookarounds. */
static struct info
info_empty(void)
{
	struct info x = {.exact = set_one("", 0), .pre = set_one("", 0),
	    .suf = set_one("", 0), .fac = set_unknown()};

	return x;
}

/* A run of literal characters (one or more). */
static struct info
info_literal(const char *str, size_t len)
{
	struct info x = {.exact = set_one(str, len), .pre = set_one(str, len),
	    .suf = set_one(str, len), .fac = set_unknown()};

	return x;
}

static struct info
info_char(char c)
{
	return info_literal(&c, 1);
}

/* Is c, at the start of p, a plain literal character? */
static int
plain_char(const char *p)
{
	unsigned char c = (unsigned char)*p;

	return c != '\0' && c < 0x80 && strchr("()[]{}.^$\\|?*+", c) == NULL;
}

/* Does a quantifier follow at p? */
static int
quantifier_at(const char *p)
{
	return *p == '?' || *p == '*' || *p == '+' ||
	    (*p == '{' && isdigit((unsigned char)p[1]));
}

/* Every string of a followed by every string of b, or unknown when the
 * product is too large.  'keep' says which end to keep when a string
 * grows past PF_MAX_LEN: 1 the start (prefixes), -1 the end (suffixes),
 * 0 none (the product becomes unknown). */
static struct sset
cross(const struct sset *a, const struct sset *b, int keep)
{
	struct sset r = set_unknown();

	if (!a->known || !b->known || a->n * b->n > PF_MAX_SET)
		return r;
	r.known = 1;
	r.v = xmalloc((a->n * b->n + 1) * sizeof(char *));
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			char *s = xasprintf("%s%s", a->v[i], b->v[j]);
			size_t l = strlen(s);

			if (l > PF_MAX_LEN) {
				if (keep == 0) {
					free(s);
					set_free(&r);
					return set_unknown();
				}
				if (keep < 0)
					memmove(s, s + l - PF_MAX_LEN, PF_MAX_LEN + 1);
				else
					s[PF_MAX_LEN] = '\0';
			}
			r.v[r.n++] = s;
		}
	return r;
}

/* How much a set filters: its shortest string, -1 when unknown.  A
 * rare punctuation mark (':' of a header, '?' of a question) filters
 * as well as a short word. */
static int
score(const struct sset *s)
{
	int min = 1 << 30;

	if (!s->known || s->n == 0)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		int l = (int)strlen(s->v[i]);

		if (l == 1 && strchr(RARE_PUNCT, s->v[i][0]))
			l = PF_MIN_FACTOR;
		if (l < min)
			min = l;
	}
	return min;
}

/* The better of two candidate factor sets, as a copy. */
static struct sset
best(const struct sset *a, const struct sset *b)
{
	int sa = score(a), sb = score(b);

	if (sa < 0 && sb < 0)
		return set_unknown();
	if (sa > sb || (sa == sb && a->n <= b->n))
		return set_copy(a);
	return set_copy(b);
}

/* Is a a better candidate than b (filters more, or as well with fewer
 * strings)? */
static int
better(const struct sset *a, const struct sset *b)
{
	int sa = score(a), sb = score(b);

	return sa > sb || (sa == sb && a->n < b->n);
}

/* The part of a factor the automaton looks for: its last PF_KEEP_LEN
 * bytes (a part of a factor is a factor too).  The end rather than the
 * start: where a literal joins the next one ("know" "if"), the end holds
 * both. */
static const char *
keep(const char *factor)
{
	size_t n = strlen(factor);

	return n > PF_KEEP_LEN ? factor + n - PF_KEEP_LEN : factor;
}

/* Does every string of x contain one of y (within the parts of them
 * that the automaton will look for)?  Then wherever x's strings are
 * found, y's are too, and y says nothing more. */
static int
set_implies(const struct sset *x, const struct sset *y)
{
	if (!x->known || !y->known)
		return 0;
	if (x->n == y->n) {
		size_t i = 0;

		while (i < x->n && strcmp(x->v[i], y->v[i]) == 0)
			i++;
		if (i == x->n)
			return 1;	/* the same set (a common case) */
	}
	if (x->n * y->n > 1024)
		return 0;	/* too costly to tell: see set_alike() */
	for (size_t i = 0; i < x->n; i++) {
		const char *kept = keep(x->v[i]);
		size_t j = 0;

		while (j < y->n && strstr(kept, keep(y->v[j])) == NULL)
			j++;
		if (j == y->n)
			return 0;
	}
	return 1;
}

static size_t hash_string(const char *s);

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* The hashes of what the automaton looks for of s's strings, sorted. */
static size_t
kept_hashes(const struct sset *s, size_t *h, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n && n < max; i++)
		h[n++] = hash_string(keep(s->v[i]));
	qsort(h, n, sizeof(*h), cmp_size);
	return n;
}

/* Do x and y say nearly the same: are three quarters of the smaller
 * one's strings in the other too (as the automaton looks for them)?
 * Both come as their kept_hashes(): x's worked out once by the caller
 * for all the requirements it compares x with, y's kept with y, a
 * requirement (start-up would spend a sixth of its time hashing the
 * same sets again).  The two sides of one big alternation give such
 * sets ("cancel" on one, "canceled" and "cancelled" on the other), and
 * requiring both filters hardly more than requiring one: a slot is
 * better spent on another part of the pattern.  Only which
 * requirements are kept depends on this (a hash collision can only
 * make a worse choice). */
static int
set_alike(const size_t *hx, size_t nx, const size_t *hy, size_t ny)
{
	size_t i = 0, j = 0, same = 0;

	while (i < nx && j < ny) {
		if (hx[i] == hy[j]) {
			same++;
			i++;
			j++;
		} else if (hx[i] < hy[j])
			i++;
		else
			j++;
	}
	return same * 4 >= (nx < ny ? nx : ny) * 3;
}

/* A copy of s to keep as a requirement, with its hashes h[0..n). */
static struct sset
req_copy(const struct sset *s, const size_t *h, size_t n)
{
	struct sset c = set_copy(s);

	if (c.hash == NULL) {
		c.hash = xmalloc(n * sizeof(size_t) + 1);
		memcpy(c.hash, h, n * sizeof(size_t));
		c.nhash = n;
	}
	return c;
}

/* Require s as well, when it says something new; keep the PF_MAX_REQ
 * best requirements, and of two alike ones only the better. */
static void
req_add(struct info *r, const struct sset *s)
{
	if (score(s) < PF_MIN_FACTOR)
		return;
	for (size_t i = 0; i < r->nreq; i++)
		if (set_implies(&r->req[i], s))
			return;
	for (size_t i = 0; i < r->nreq;) {
		if (set_implies(s, &r->req[i])) {
			set_free(&r->req[i]);
			r->req[i] = r->req[--r->nreq];
		} else
			i++;
	}
	size_t buf[4 * PF_MAX_SET];
	const size_t *hs = s->hash ? s->hash : buf;
	size_t ns = s->hash ? s->nhash : kept_hashes(s, buf, 4 * PF_MAX_SET);

	for (size_t i = 0; i < r->nreq; i++)
		if (set_alike(hs, ns, r->req[i].hash, r->req[i].nhash)) {
			if (better(s, &r->req[i])) {
				set_free(&r->req[i]);
				r->req[i] = req_copy(s, hs, ns);
			}
			return;
		}
	if (r->nreq < PF_MAX_REQ) {
		r->req[r->nreq++] = req_copy(s, hs, ns);
		return;
	}
	size_t worst = 0;

	for (size_t i = 1; i < r->nreq; i++)
		if (better(&r->req[worst], &r->req[i]))
			worst = i;
	if (better(s, &r->req[worst])) {
		set_free(&r->req[worst]);
		r->req[worst] = req_copy(s, hs, ns);
	}
}

/* Everything x requires, r requires too (x is a part of r). */
static void
req_inherit(struct info *r, const struct info *x)
{
	struct sset f = best(&x->fac, &x->exact);

	for (size_t i = 0; i < x->nreq; i++)
		req_add(r, &x->req[i]);
	req_add(r, &f);
	set_free(&f);
}

/* s without the strings that another of its strings ends (side < 0) or
 * starts (side > 0): "and not " says no more than "not " about where a
 * match ends.  Fewer strings, so that a product with them stays under
 * PF_MAX_SET. */
static struct sset
set_minimal(const struct sset *s, int side)
{
	struct sset r = set_unknown();

	if (!s->known)
		return r;
	r.known = 1;
	r.v = xmalloc((s->n + 1) * sizeof(char *));
	for (size_t i = 0; i < s->n; i++) {
		size_t li = strlen(s->v[i]), j;

		for (j = 0; j < s->n; j++) {
			size_t lj = strlen(s->v[j]);

			if (j == i || lj > li || (lj == li && j > i))
				continue;	/* of equal ones, the first stays */
			if (memcmp(s->v[i] + (side < 0 ? li - lj : 0), s->v[j], lj) == 0)
				break;
		}
		if (j == s->n)
			r.v[r.n++] = xstrdup(s->v[i]);
	}
	return r;
}

static struct info
concat(struct info a, struct info b)
{
	struct info r = info_unknown();

	set_free(&r.pre);
	set_free(&r.suf);
	struct sset asuf = set_minimal(&a.suf, -1), bpre = set_minimal(&b.pre, 1);

	r.exact = cross(&a.exact, &b.exact, 0);
	/* Starts: a's exact strings then b's starts, or a's starts. */
	r.pre = a.exact.known ? cross(&a.exact, &bpre, 1) : set_unknown();
	if (!r.pre.known)
		r.pre = set_copy(a.exact.known ? &a.exact : &a.pre);
	/* Ends: a's ends then b's exact strings, or b's ends. */
	r.suf = b.exact.known ? cross(&asuf, &b.exact, -1) : set_unknown();
	if (!r.suf.known)
		r.suf = set_copy(b.exact.known ? &b.exact : &b.suf);
	/* Where they meet, an end of a and a start of b stand together. */
	struct sset join = cross(&asuf, &bpre, -1);

	set_free(&asuf);
	set_free(&bpre);
	struct sset c1 = best(&a.fac, &b.fac), c2 = best(&a.exact, &b.exact);
	struct sset c3 = best(&c1, &c2), c4 = best(&c3, &join);

	r.fac = best(&c4, &r.exact);
	req_inherit(&r, &a);
	req_inherit(&r, &b);
	req_add(&r, &join);
	req_add(&r, &r.fac);
	set_free(&join);
	set_free(&c1);
	set_free(&c2);
	set_free(&c3);
	set_free(&c4);
	info_free(&a);
	info_free(&b);
	return r;
}

static void
set_append(struct sset *dst, const struct sset *src)
{
	dst->v = xrealloc(dst->v, (dst->n + src->n + 1) * sizeof(char *));
	for (size_t i = 0; i < src->n; i++)
		dst->v[dst->n++] = xstrdup(src->v[i]);
}

/* The union of two sets, or unknown when either is or it has more
 * than 'max' strings. */
static struct sset
set_union(const struct sset *a, const struct sset *b, size_t max)
{
	struct sset r = set_unknown();

	if (a->known && b->known && a->n + b->n <= max) {
		r.known = 1;
		set_append(&r, a);
		set_append(&r, b);
	}
	return r;
}

static struct info
alternate(struct info a, struct info b)
{
	struct info r = info_unknown();

	set_free(&r.pre);
	set_free(&r.suf);
	r.exact = set_union(&a.exact, &b.exact, PF_MAX_SET);
	r.pre = set_union(&a.pre, &b.pre, PF_MAX_SET);
	r.suf = set_union(&a.suf, &b.suf, PF_MAX_SET);
	/* Too many to list: "" is always a true start and end. */
	if (!r.pre.known)
		r.pre = set_one("", 0);
	if (!r.suf.known)
		r.suf = set_one("", 0);
	struct sset fa = best(&a.fac, &a.exact), fb = best(&b.fac, &b.exact);

	if (score(&fa) >= 0 && score(&fb) >= 0)
		r.fac = set_union(&fa, &fb, 4 * PF_MAX_SET);
	/* Whichever branch matched brings its requirements: so any one of
	 * a's sets or b's is present, for every pair. */
	a.req[a.nreq++] = fa;
	b.req[b.nreq++] = fb;
	for (size_t i = 0; i < a.nreq; i++)
		for (size_t j = 0; j < b.nreq; j++) {
			struct sset u = set_union(&a.req[i], &b.req[j], 4 * PF_MAX_SET);

			req_add(&r, &u);
			set_free(&u);
		}
	info_free(&a);
	info_free(&b);
	return r;
}

static struct info parse_alt(struct parser *ps);

/* Skip a character class "[...]". */
static void
skip_class(struct parser *ps)
{
	ps->p++;		/* '[' */
	if (*ps->p == '^')
		ps->p++;
	if (*ps->p == ']')
		ps->p++;
	while (*ps->p && *ps->p != ']') {
		if (*ps->p == '\\' && ps->p[1])
			ps->p++;
		else if (*ps->p == '[' && ps->p[1] == ':') {
			const char *e = strstr(ps->p, ":]");

			if (e)
				ps->p = e + 1;
		}
		ps->p++;
	}
	if (*ps->p)
		ps->p++;
}

static struct info
parse_group(struct parser *ps)
{
	int zero_width = 0;

	ps->p++;		/* '(' */
	if (*ps->p == '?') {
		ps->p++;
		if (*ps->p == '=' || *ps->p == '!') {
			zero_width = 1;
			ps->p++;
		} else if (*ps->p == '<' && (ps->p[1] == '=' || ps->p[1] == '!')) {
			zero_width = 1;
			ps->p += 2;
		} else if (*ps->p == '#') {
			while (*ps->p && *ps->p != ')')
				ps->p++;
			if (*ps->p)
				ps->p++;
			return info_empty();
		} else if (*ps->p == 'P' && ps->p[1] != '<') {
			/* (?P=name) and (?P>name): a reference, not a group */
			while (*ps->p && *ps->p != ')')
				ps->p++;
			if (*ps->p)
				ps->p++;
			return info_unknown();
		} else if (*ps->p == '<' || *ps->p == 'P' || *ps->p == '\'') {
			/* a named group: (?<name>, (?P<name> or (?'name' */
			char close = *ps->p == '\'' ? '\'' : '>';

			ps->p++;
			while (*ps->p && *ps->p != close)
				ps->p++;
			if (*ps->p)
				ps->p++;
		} else if (*ps->p == ':' || *ps->p == '>' || *ps->p == '|') {
			ps->p++;	/* plain, atomic or branch-reset group */
		} else {
			/* Inline flags: "(?i)" is zero-width, "(?i:" a group.
			 * Extended mode (x) gives white space and '#' another
			 * meaning: no claim about such a pattern. */
			const char *q = ps->p;

			while (*q && strchr("imnsxJU^-", *q))
				q++;
			if (memchr(ps->p, 'x', (size_t)(q - ps->p)))
				ps->bad = 1;
			if (q > ps->p && *q == ')') {
				ps->p = q + 1;
				return info_empty();
			}
			if (*q == ':')
				ps->p = q + 1;
			else {
				/* A construct we do not know: it may consume
				 * text, so nothing is claimed about it. */
				struct info in = parse_alt(ps);

				info_free(&in);
				if (*ps->p == ')')
					ps->p++;
				return info_unknown();
			}
		}
	} else if (*ps->p == '*') {
		/* verbs such as (*MARK): zero-width; but (*atomic:...),
		 * (*sr:...) and the like hold a pattern, and (*ACCEPT) ends
		 * the match where it stands: no claim. */
		if (strncmp(ps->p, "*ACCEPT", 7) == 0)
			ps->bad = 1;
		while (*ps->p && *ps->p != ')') {
			if (*ps->p == ':')
				ps->bad = 1;
			ps->p++;
		}
		if (*ps->p)
			ps->p++;
		return info_empty();
	}
	struct info in = parse_alt(ps);

	if (*ps->p == ')')
		ps->p++;
	if (zero_width) {
		info_free(&in);
		return info_empty();
	}
	return in;
}

static struct info
parse_escape(struct parser *ps)
{
	char c = ps->p[1];

	ps->p += c ? 2 : 1;
	if (c == '\0')
		return info_unknown();
	if (strchr("bBAzZGK", c))
		return info_empty();
	if (c == 'Q') {
		/* \Q...\E: quoted text, read as nothing known */
		const char *e = strstr(ps->p, "\\E");

		ps->p = e ? e + 2 : ps->p + strlen(ps->p);
		return info_unknown();
	}
	if (c == 'c') {
		/* \cX: one control character, X included */
		if (*ps->p)
			ps->p++;
		return info_unknown();
	}
	if (c == 'g' || c == 'k' || c == 'N' || c == 'o') {
		/* references \g{n} \g<n> \g'n' \g-1 \k<n>, \N{U+..}, \o{..} */
		char close = *ps->p == '{' ? '}' : *ps->p == '<' ? '>' :
		    *ps->p == '\'' ? '\'' : 0;

		if (close) {
			const char *e = strchr(ps->p + 1, close);

			ps->p = e ? e + 1 : ps->p + strlen(ps->p);
		} else if (c == 'g') {
			if (*ps->p == '+' || *ps->p == '-')
				ps->p++;
			while (isdigit((unsigned char)*ps->p))
				ps->p++;
		}
		return info_unknown();
	}
	if (c == 'p' || c == 'P') {
		if (*ps->p == '{') {
			while (*ps->p && *ps->p != '}')
				ps->p++;
			if (*ps->p)
				ps->p++;
		} else if (*ps->p)
			ps->p++;
		return info_unknown();
	}
	if (c == 'x') {
		if (*ps->p == '{') {
			while (*ps->p && *ps->p != '}')
				ps->p++;
			if (*ps->p)
				ps->p++;
		} else
			while (isxdigit((unsigned char)*ps->p))
				ps->p++;
		return info_unknown();
	}
	if (c == 's' && ps->space)
		return info_char(' ');
	if (isalnum((unsigned char)c))
		return info_unknown();	/* \w \s \d, \1, \t ... */
	return info_char(c);
}

/* Apply a quantifier, if one follows. */
static struct info
quantify(struct parser *ps, struct info atom)
{
	long min = -1, max = -1;	/* max -1: no bound */
	const char *p = ps->p;

	if (*p == '?')
		min = 0, max = 1, p++;
	else if (*p == '*')
		min = 0, p++;
	else if (*p == '+')
		min = 1, p++;
	else if (*p == '{' && isdigit((unsigned char)p[1])) {
		char *e;
		long lo = strtol(p + 1, &e, 10), hi = lo;

		if (*e == ',') {
			e++;
			hi = isdigit((unsigned char)*e) ? strtol(e, &e, 10) : -1;
		}
		if (*e != '}')
			return atom;	/* a literal '{' */
		p = e + 1;
		if (lo == 1 && hi == 1) {
			ps->p = p;
			if (*ps->p == '?' || *ps->p == '+')
				ps->p++;
			return atom;
		}
		min = lo;
		max = hi;
	} else
		return atom;
	ps->p = p;
	if (*ps->p == '?' || *ps->p == '+')
		ps->p++;	/* lazy or possessive */
	struct info r = info_unknown();

	if (min == 0 && max == 1 && atom.exact.known) {
		/* Optional: nothing, or one of the atom's strings.  Known
		 * exactly, a concatenation carries it on: in
		 * not (?:by |from )?us the factors are "not us", "not by us"
		 * and "not from us", where "not " alone filters far less. */
		struct sset none = set_one("", 0);

		set_free(&r.exact);
		r.exact = set_union(&none, &atom.exact, PF_MAX_SET);
		set_free(&none);
		if (r.exact.known) {
			set_free(&r.pre);
			set_free(&r.suf);
			r.pre = set_copy(&r.exact);
			r.suf = set_copy(&r.exact);
		}
	} else if (min >= 1) {
		/* At least one copy: its starts, ends and factors hold. */
		r.fac = best(&atom.fac, &atom.exact);
		req_inherit(&r, &atom);
		set_free(&r.pre);
		set_free(&r.suf);
		r.pre = set_copy(atom.exact.known ? &atom.exact : &atom.pre);
		r.suf = set_copy(atom.exact.known ? &atom.exact : &atom.suf);
		if (!r.pre.known)
			r.pre = set_one("", 0);
		if (!r.suf.known)
			r.suf = set_one("", 0);
	}
	info_free(&atom);
	return r;
}

/* Length of the UTF-8 sequence at p (at least 1). */
static size_t
utf8_len(const char *p)
{
	size_t k = 1;

	while (((unsigned char)p[k] & 0xC0) == 0x80)
		k++;
	return k;
}

/* A run of non-ASCII characters.  PCRE2 folds their case by Unicode's
 * tables, and a variant may have more or fewer bytes (ß and U+1E9E), so
 * no string is known; but every variant is two bytes or more, all of
 * 0x80 and above, except for U+017F and U+212A, which are caseless s and
 * k (the only two: tests/unit checks every code point of the planes
 * where letters have case, up to U+1FFFF, against PCRE2).
 * So n characters match a run of at least 2n such bytes: PF_HIGH 2n
 * times starts, ends and is found in every match.  A character that a
 * quantifier follows is an atom of its own, as in parse_concat(). */
static struct info
parse_high(struct parser *ps)
{
	char run[PF_MAX_LEN + 1];
	size_t n = 0;

	for (size_t chars = 0; (unsigned char)*ps->p >= 0x80; chars++) {
		size_t k = utf8_len(ps->p);

		if (chars > 0 && quantifier_at(ps->p + k))
			break;
		if ((k == 2 && memcmp(ps->p, "\xc5\xbf", 2) == 0) ||
		    (k == 3 && memcmp(ps->p, "\xe2\x84\xaa", 3) == 0)) {
			if (chars > 0)
				break;
			ps->p += k;
			return info_char(k == 2 ? 's' : 'k');
		}
		ps->p += k;
		if (n + 2 <= PF_MAX_LEN) {
			run[n++] = PF_HIGH;
			run[n++] = PF_HIGH;
		}
	}
	struct info x = info_unknown();

	set_free(&x.pre);
	set_free(&x.suf);
	x.pre = set_one(run, n);
	x.suf = set_one(run, n);
	x.fac = set_one(run, n);
	return x;
}

static struct info
parse_atom(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;

	switch (c) {
	case '(':
		return parse_group(ps);
	case '[':
		skip_class(ps);
		return info_unknown();
	case '.':
		ps->p++;
		return info_unknown();
	case '^':
	case '$':
		ps->p++;
		return info_empty();
	case '\\':
		return parse_escape(ps);
	default:
		break;
	}
	if (c >= 0x80)
		return parse_high(ps);
	ps->p++;
	return info_char((char)tolower(c));
}

static struct info
parse_concat(struct parser *ps)
{
	struct info r = info_empty();

	while (*ps->p && *ps->p != '|' && *ps->p != ')') {
		/* A run of plain characters is one node, minus a last one
		 * that a quantifier applies to: far less work than one node
		 * a character. */
		char run[PF_MAX_LEN + 1];
		size_t n = 0;

		while (n < PF_MAX_LEN && plain_char(ps->p + n) && !quantifier_at(ps->p + n + 1))
			n++;
		if (n >= 2) {
			for (size_t k = 0; k < n; k++)
				run[k] = (char)tolower((unsigned char)ps->p[k]);
			ps->p += n;
			r = concat(r, info_literal(run, n));
			continue;
		}
		struct info a = parse_atom(ps);

		r = concat(r, quantify(ps, a));
	}
	return r;
}

static struct info
parse_alt(struct parser *ps)
{
	struct info r;

	if (++ps->depth > 200) {
		/* Absurd nesting: give up on this pattern, safely. */
		while (*ps->p)
			ps->p++;
		ps->depth--;
		return info_unknown();
	}
	r = parse_concat(ps);
	while (*ps->p == '|') {
		ps->p++;
		r = alternate(r, parse_concat(ps));
	}
	ps->depth--;
	return r;
}

struct prefilter *
prefilter_new(int flags)
{
	struct prefilter *pf = xcalloc(1, sizeof(struct prefilter));

	pf->flags = flags;
	return pf;
}

static size_t
hash_string(const char *s)
{
	size_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

static int
factor_id(struct prefilter *pf, const char *s)
{
	size_t slot = hash_string(s) & (PF_HASH_SIZE - 1);

	if (pf->hash == NULL)
		pf->hash = xcalloc(PF_HASH_SIZE, sizeof(int));
	if (pf->nfactor + 1 >= PF_HASH_SIZE / 2) {
		/* Full enough: fall back to a search (never in practice). */
		for (size_t i = 0; i < pf->nfactor; i++)
			if (strcmp(pf->factor[i], s) == 0)
				return (int)i;
	} else {
		for (; pf->hash[slot]; slot = (slot + 1) & (PF_HASH_SIZE - 1))
			if (strcmp(pf->factor[pf->hash[slot] - 1], s) == 0)
				return pf->hash[slot] - 1;
		pf->hash[slot] = (int)pf->nfactor + 1;
	}
	pf->factor = xrealloc(pf->factor, (pf->nfactor + 1) * sizeof(char *));
	pf->factor[pf->nfactor] = xstrdup(s);
	return (int)pf->nfactor++;
}

/* The id of the group of exactly these factors (sorted, distinct). */
static int
group_id(struct prefilter *pf, int *factors, size_t n)
{
	for (size_t g = 0; g < pf->ngroup; g++)
		if (pf->group[g].n == n &&
		    memcmp(pf->group[g].factors, factors, n * sizeof(int)) == 0) {
			free(factors);
			return (int)g;
		}
	if (pf->ngroup >= PF_MAX_GROUPS) {
		free(factors);
		return -1;	/* required no more: safe, only slower */
	}
	pf->group = xrealloc(pf->group, (pf->ngroup + 1) * sizeof(*pf->group));
	pf->group[pf->ngroup].factors = factors;
	pf->group[pf->ngroup].n = n;
	return (int)pf->ngroup++;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Intern a required set as a group of factors, each as keep() cuts it. */
static int
group_add(struct prefilter *pf, const struct sset *s)
{
	int *f = xmalloc(s->n * sizeof(int));
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		f[n++] = factor_id(pf, keep(s->v[i]));
	qsort(f, n, sizeof(int), cmp_int);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (k == 0 || f[k - 1] != f[i])
			f[k++] = f[i];
	return group_id(pf, f, k);
}

int
prefilter_add(struct prefilter *pf, const char *pattern)
{
	struct parser ps = {pattern, 0, 0, (pf->flags & PREFILTER_SPACE) != 0};
	struct info in = parse_alt(&ps);
	struct pattern *p;

	struct sset f = best(&in.fac, &in.exact);

	req_add(&in, &f);
	set_free(&f);
	pf->pat = xrealloc(pf->pat, (pf->npat + 1) * sizeof(*pf->pat));
	p = &pf->pat[pf->npat];
	memset(p, 0, sizeof(*p));
	/* Trust the analysis only if it read the whole pattern. */
	if (*ps.p == '\0' && !ps.bad && in.nreq > 0) {
		p->groups = xmalloc(in.nreq * sizeof(int));
		for (size_t i = 0; i < in.nreq; i++) {
			int g = group_add(pf, &in.req[i]);

			if (g >= 0)
				p->groups[p->n++] = g;
		}
		pf->filtered += p->n > 0;
	}
	info_free(&in);
	return (int)pf->npat++;
}

/* The automaton's alphabet: letters (either case), space, apostrophe,
 * hyphen, one symbol for the punctuation score() counts as rare, one for
 * the bytes of non-ASCII characters (PF_HIGH, see parse_high()), and one
 * for every other byte, digits included.  32 symbols of 2 bytes: one
 * state, one cache line. */
static int
sym(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	if (c >= 0x80)
		return 30;
	switch (c) {
	case ' ':
		return 26;
	case '\'':
		return 27;
	case '-':
		return 28;
	case ':': case '?': case '!': case '@': case '<': case '>': case '|':
	case '#': case '$':
		return 29;
	default:
		return 31;
	}
}

static int
new_state(struct prefilter *pf)
{
	size_t s = pf->nstates++;

	/* Grow by doubling: one state at a time is quadratic copying
	 * (45 s to load en.rules under AddressSanitizer). */
	if (pf->nstates > pf->cstates) {
		pf->cstates = pf->cstates ? 2 * pf->cstates : 256;
		pf->go = xrealloc(pf->go, pf->cstates * PF_NSYM * sizeof(int));
		pf->fail = xrealloc(pf->fail, pf->cstates * sizeof(int));
		pf->out = xrealloc(pf->out, pf->cstates * sizeof(int));
		pf->dict = xrealloc(pf->dict, pf->cstates * sizeof(int));
	}
	for (int k = 0; k < PF_NSYM; k++)
		pf->go[s * PF_NSYM + k] = -1;
	pf->fail[s] = 0;
	pf->out[s] = -1;
	pf->dict[s] = 0;
	return (int)s;
}

/* Put each factor in the trie, unless the states it needs would pass
 * PF_MAX_STATES: then it is marked dead (0). */
static unsigned char *
build_trie(struct prefilter *pf)
{
	unsigned char *live = xcalloc(pf->nfactor + 1, 1);

	new_state(pf);		/* the root */
	pf->out_next = xmalloc((pf->nfactor + 1) * sizeof(int));
	for (size_t f = 0; f < pf->nfactor; f++) {
		const unsigned char *c = (const unsigned char *)pf->factor[f];
		int s = 0;

		for (; *c && pf->go[s * PF_NSYM + sym(*c)] >= 0; c++)
			s = pf->go[s * PF_NSYM + sym(*c)];
		if (pf->nstates + strlen((const char *)c) > PF_MAX_STATES)
			continue;
		for (; *c; c++) {
			int n = new_state(pf);

			pf->go[s * PF_NSYM + sym(*c)] = n;
			s = n;
		}
		pf->out_next[f] = pf->out[s];
		pf->out[s] = (int)f;
		live[f] = 1;
	}
	return live;
}

/* A pattern no longer requires a group with a dead factor: it may match
 * more often than it should, never less. */
static void
drop_dead(struct prefilter *pf, const unsigned char *live)
{
	unsigned char *dead = xcalloc(pf->ngroup + 1, 1);

	for (size_t g = 0; g < pf->ngroup; g++)
		for (size_t k = 0; k < pf->group[g].n; k++)
			if (!live[pf->group[g].factors[k]])
				dead[g] = 1;
	for (size_t i = 0; i < pf->npat; i++) {
		struct pattern *p = &pf->pat[i];
		size_t n = 0, had = p->n;

		for (size_t k = 0; k < p->n; k++)
			if (!dead[p->groups[k]])
				p->groups[n++] = p->groups[k];
		p->n = n;
		if (had && !n)
			pf->filtered--;
	}
	free(dead);
}

/* The groups each state emits, while the automaton is built: a slice
 * of 'list' per state, in the build's numbering. */
struct emits {
	int *list;
	size_t *at, *n;
};

/* For each state, the groups whose factors end there (at the state or
 * at a suffix of it, by the dictionary links).  States are visited in
 * breadth-first order, so a suffix's list is complete before it is
 * copied. */
static void
build_emit(const struct prefilter *pf, const int *order, size_t n,
    struct emits *em)
{
	size_t cap = 64, len = 0;
	unsigned char *seen = xcalloc(pf->ngroup + 1, 1);
	/* which groups each factor is in */
	size_t *fn = xcalloc(pf->nfactor + 1, sizeof(size_t));
	int **fg = xcalloc(pf->nfactor + 1, sizeof(int *));

	em->list = xmalloc(cap * sizeof(int));
	em->at = xcalloc(pf->nstates, sizeof(size_t));
	em->n = xcalloc(pf->nstates, sizeof(size_t));
	for (size_t g = 0; g < pf->ngroup; g++)
		for (size_t k = 0; k < pf->group[g].n; k++) {
			int f = pf->group[g].factors[k];

			fg[f] = xrealloc(fg[f], (fn[f] + 1) * sizeof(int));
			fg[f][fn[f]++] = (int)g;
		}
	for (size_t q = 0; q < n; q++) {
		int s = order[q], d = pf->dict[s];
		size_t start = len;

		/* the state's own factors' groups, then its suffix's */
		for (int f = pf->out[s]; f >= 0; f = pf->out_next[f])
			for (size_t k = 0; k < fn[f]; k++) {
				if (len == cap)
					em->list = xrealloc(em->list, (cap *= 2) * sizeof(int));
				em->list[len++] = fg[f][k];
			}
		for (size_t k = 0; d > 0 && k < em->n[d]; k++) {
			if (len == cap)
				em->list = xrealloc(em->list, (cap *= 2) * sizeof(int));
			em->list[len++] = em->list[em->at[d] + k];
		}
		/* each group once */
		size_t end = start;

		for (size_t k = start; k < len; k++)
			if (!seen[em->list[k]]) {
				seen[em->list[k]] = 1;
				em->list[end++] = em->list[k];
			}
		for (size_t k = start; k < end; k++)
			seen[em->list[k]] = 0;
		len = end;
		em->at[s] = start;
		em->n[s] = end - start;
	}
	for (size_t f = 0; f < pf->nfactor; f++)
		free(fg[f]);
	free(fg);
	free(fn);
	free(seen);
}

/* The final table, states numbered in breadth-first 'order' (the root
 * first), each entry flagged PF_EMIT when its state emits groups; and
 * the emitted groups laid out in the same order. */
static void
build_table(struct prefilter *pf, const int *order, size_t n,
    const struct emits *em)
{
	int *num = xmalloc(pf->nstates * sizeof(int));
	size_t total = 0;

	num[0] = 0;
	for (size_t q = 0; q < n; q++)
		num[order[q]] = (int)q + 1;
	pf->table = xmalloc(pf->nstates * PF_NSYM * sizeof(uint16_t));
	for (size_t s = 0; s < pf->nstates; s++) {
		total += em->n[s];
		for (int k = 0; k < PF_NSYM; k++) {
			int to = pf->go[s * PF_NSYM + k];

			pf->table[num[s] * PF_NSYM + k] = (uint16_t)(num[to] |
			    (em->n[to] ? PF_EMIT : 0));
		}
	}
	pf->emit = xmalloc((total + 1) * sizeof(uint16_t));
	pf->emit_at = xmalloc((pf->nstates + 1) * sizeof(uint32_t));
	total = 0;
	for (size_t q = 0; q <= n; q++) {
		int s = q == 0 ? 0 : order[q - 1];	/* new number q */

		pf->emit_at[q] = (uint32_t)total;
		for (size_t k = 0; k < em->n[s]; k++)
			pf->emit[total++] = (uint16_t)em->list[em->at[s] + k];
	}
	pf->emit_at[n + 1] = (uint32_t)total;
	free(num);
}

void
prefilter_build(struct prefilter *pf)
{
	for (int c = 0; c < 256; c++)
		pf->sym[c] = (unsigned char)sym((unsigned char)c);
	/* the first bytes of U+017F and U+212A: see lane_step() */
	pf->sym[0xC5] |= PF_SYM_SPECIAL;
	pf->sym[0xE2] |= PF_SYM_SPECIAL;
	unsigned char *live = build_trie(pf);

	drop_dead(pf, live);
	free(live);
	/* Breadth first: failure links, then a full transition table. */
	int *queue = xmalloc(pf->nstates * sizeof(int));
	size_t head = 0, tail = 0;

	for (int k = 0; k < PF_NSYM; k++) {
		int n = pf->go[k];

		if (n < 0)
			pf->go[k] = 0;
		else {
			pf->fail[n] = 0;
			queue[tail++] = n;
		}
	}
	while (head < tail) {
		int s = queue[head++];

		pf->dict[s] = pf->out[pf->fail[s]] >= 0 ? pf->fail[s] : pf->dict[pf->fail[s]];
		for (int k = 0; k < PF_NSYM; k++) {
			int n = pf->go[s * PF_NSYM + k];

			if (n < 0)
				pf->go[s * PF_NSYM + k] = pf->go[pf->fail[s] * PF_NSYM + k];
			else {
				pf->fail[n] = pf->go[pf->fail[s] * PF_NSYM + k];
				queue[tail++] = n;
			}
		}
	}
	struct emits em;

	build_emit(pf, queue, tail, &em);
	build_table(pf, queue, tail, &em);
	free(queue);
	free(em.list);
	free(em.at);
	free(em.n);
	/* Only the table is needed from now on. */
	free(pf->go);
	free(pf->fail);
	free(pf->out);
	free(pf->dict);
	free(pf->out_next);
	pf->go = pf->fail = pf->out = pf->dict = pf->out_next = NULL;
}

size_t
prefilter_state_size(const struct prefilter *pf)
{
	return pf->ngroup / 8 + 1;
}

/* The scan reads a text as up to PF_LANES stretches ("lanes"), a step
 * of each in turn.  Each step is a load from the big table, and the next
 * step of the same lane cannot start before it is done; steps of
 * different lanes can, so their loads overlap.  (Measured: one lane is
 * about a fifth slower.  What a cold scan waits on depends on the host:
 * on one, loading the whole table into the cache first did not make it
 * faster, and branch prediction was the cost, see emit_all(); on
 * another, the small line automaton scans 3 to 5 times faster a byte
 * than the sentence one, whose table is evicted between sentences.)
 *
 * A lane starts from the automaton's root a little before its stretch,
 * so that it has read every factor that ends within the stretch, whole:
 * PF_KEEP_LEN bytes before, when those are ASCII (one byte, one symbol);
 * PF_LANE_BACK when not (a symbol may be 3 bytes, and a lane that starts
 * within a character sees its tail as symbols of its own; those few
 * can only add groups, which is safe).  Factors never span more, so the
 * lanes together find exactly what one pass would. */
#define PF_LANES 4
#define PF_LANE_MIN 16		/* bytes of a stretch, at least */
#define PF_LANE_BACK (3 * PF_KEEP_LEN + 8)

struct lane {
	const unsigned char *p, *end;
};

/* Where the lane whose stretch starts at 'at' starts reading. */
static size_t
lane_start(const unsigned char *text, size_t at)
{
	size_t from = at > PF_KEEP_LEN ? at - PF_KEEP_LEN : 0;

	for (size_t i = from; i < at; i++)
		if (text[i] >= 0x80)
			return at > PF_LANE_BACK ? at - PF_LANE_BACK : 0;
	return from;
}

/* Mark the groups of state st found. */
static void
emit_groups(const struct prefilter *pf, unsigned st, unsigned char *found)
{
	/* The bounds in locals: a store through 'found' (bytes) could alias
	 * anything, and would reload them. */
	const uint16_t *g = pf->emit + pf->emit_at[st];
	const uint16_t *end = pf->emit + pf->emit_at[st + 1];

	for (; g < end; g++)
		found[*g / 8] |= (unsigned char)(1u << (*g % 8));
}

/* The lanes write down the emitting states they reach, and their groups
 * are marked after, in emit_all().  A step stores its new state in the
 * buffer's next slot whether it emits or not, and moves past the slot
 * only when it does: no branch.  (About one step in five emits, and
 * which one cannot be guessed: a branch there was mispredicted so often
 * that the scan took a fifth longer.)  A round of the lanes adds at most
 * PF_LANES states, so the buffer is emptied when fewer are left. */
#define PF_EMIT_BUF 256

static void
emit_all(const struct prefilter *pf, const uint16_t *buf, size_t n,
    unsigned char *found)
{
	for (size_t i = 0; i < n; i++)
		emit_groups(pf, buf[i] & PF_MAX_STATES, found);
}

/* Empty the buffer if another round might not fit. */
static inline __attribute__((always_inline)) void
emit_if_full(const struct prefilter *pf, const uint16_t *buf, size_t *nb,
    unsigned char *found)
{
	if (*nb > PF_EMIT_BUF - PF_LANES) {
		emit_all(pf, buf, *nb, found);
		*nb = 0;
	}
}

/* One step of a lane: one character at *pp, one move of the automaton
 * from *state, written down in buf[*nb] if it emits.  When 'fast', the
 * caller knows 3 bytes at least are left before 'end'.  The lane's
 * position and state live in the caller's locals. */
static inline __attribute__((always_inline)) void
lane_step(const uint16_t *table, const unsigned char *symbol,
    const unsigned char **pp, const unsigned char *end, unsigned *state,
    uint16_t *buf, size_t *nb, int fast)
{
	const unsigned char *p = *pp;
	unsigned c = *p++, sy = symbol[c];

	if (sy & PF_SYM_SPECIAL) {
		/* PCRE2's Unicode caseless matching also takes U+017F (long
		 * s) for s and U+212A (Kelvin sign) for k. */
		sy &= ~PF_SYM_SPECIAL;
		if (c == 0xC5 && (fast || p < end) && *p == 0xBF) {
			sy = symbol['s'];
			p++;
		} else if (c == 0xE2 && (fast || end - p >= 2) &&
		    p[0] == 0x84 && p[1] == 0xAA) {
			sy = symbol['k'];
			p += 2;
		}
	}
	*pp = p;
	*state = table[(*state & PF_MAX_STATES) * PF_NSYM + sy];
	buf[*nb] = (uint16_t)*state;
	*nb += (*state & PF_EMIT) / PF_EMIT;
}

/* The lanes side by side, then each to its end.  A step reads 3 bytes
 * at most, so while the shortest lane has m bytes left, m / 3 steps of
 * each need no bounds check.  'nl' is a constant where this is inlined,
 * which unrolls the loops over the lanes. */
static inline __attribute__((always_inline)) void
run_lanes(const struct prefilter *pf, const struct lane *ln, const size_t nl,
    unsigned char *found)
{
	const uint16_t *table = pf->table;
	const unsigned char *symbol = pf->sym;
	const unsigned char *p[PF_LANES], *end[PF_LANES];
	unsigned state[PF_LANES];
	uint16_t buf[PF_EMIT_BUF];
	size_t nb = 0;

	for (size_t k = 0; k < nl; k++) {
		p[k] = ln[k].p;
		end[k] = ln[k].end;
		state[k] = 0;
	}
	for (;;) {
		size_t m = SIZE_MAX;

		for (size_t k = 0; k < nl; k++)
			if ((size_t)(end[k] - p[k]) < m)
				m = (size_t)(end[k] - p[k]);
		if (m < 3)
			break;
		for (size_t i = m / 3; i > 0; i--) {
			/* unrolled: each lane's state stays in a register */
#pragma GCC unroll 4
			for (size_t k = 0; k < nl; k++)
				lane_step(table, symbol, &p[k], end[k],
				    &state[k], buf, &nb, 1);
			emit_if_full(pf, buf, &nb, found);
		}
	}
	for (size_t k = 0; k < nl; k++)
		while (p[k] < end[k]) {
			lane_step(table, symbol, &p[k], end[k], &state[k],
			    buf, &nb, 0);
			emit_if_full(pf, buf, &nb, found);
		}
	emit_all(pf, buf, nb, found);
}

/* Does t hold a character that PCRE2's \s matches (with PCRE2_UCP),
 * other than ' '?  U+0009-000D, U+0085, U+00A0, U+1680, U+180E,
 * U+2000-200A, U+2028, U+2029, U+202F, U+205F and U+3000 (tests/unit
 * checks this against PCRE2, code point by code point).  Printable
 * ASCII, nearly all of any text, is passed over 8 bytes at a time. */
static int
other_space(const unsigned char *t, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		i += str_ascii_run((const char *)t + i, len - i);
		if (i == len)
			break;
		unsigned c = t[i], c1 = i + 1 < len ? t[i + 1] : 0,
		    c2 = i + 2 < len ? t[i + 2] : 0;

		if ((c >= 0x09 && c <= 0x0D) ||
		    (c == 0xC2 && (c1 == 0x85 || c1 == 0xA0)) ||
		    (c == 0xE1 && ((c1 == 0x9A && c2 == 0x80) ||
		    (c1 == 0xA0 && c2 == 0x8E))) ||
		    (c == 0xE2 && c1 == 0x80 && ((c2 >= 0x80 && c2 <= 0x8A) ||
		    c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) ||
		    (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) ||
		    (c == 0xE3 && c1 == 0x80 && c2 == 0x80))
			return 1;
	}
	return 0;
}

void
prefilter_scan(const struct prefilter *pf, const char *text, size_t len,
    unsigned char *found)
{
	const unsigned char *t = (const unsigned char *)text;
	struct lane ln[PF_LANES];
	size_t nl = len / PF_LANE_MIN;

	memset(found, 0, prefilter_state_size(pf));
	if (pf->table == NULL)
		return;
	if ((pf->flags & PREFILTER_SPACE) && other_space(t, len)) {
		/* \s was read as ' ': say every group is there */
		memset(found, 0xFF, prefilter_state_size(pf));
		return;
	}
	nl = nl < 1 ? 1 : nl > PF_LANES ? PF_LANES : nl;
	for (size_t k = 0; k < nl; k++) {
		size_t at = k * (len / nl);

		ln[k].p = t + lane_start(t, at);
		ln[k].end = k + 1 == nl ? t + len : t + at + len / nl;
	}
	switch (nl) {
	case 4: run_lanes(pf, ln, 4, found); break;
	case 3: run_lanes(pf, ln, 3, found); break;
	case 2: run_lanes(pf, ln, 2, found); break;
	default: run_lanes(pf, ln, 1, found); break;
	}
}

const int *
prefilter_requires(const struct prefilter *pf, int id, size_t *n)
{
	*n = pf->pat[id].n;
	return pf->pat[id].groups;
}

int
prefilter_may_match(const struct prefilter *pf, int id, const unsigned char *found)
{
	size_t n;
	const int *g;

	if (id < 0 || (size_t)id >= pf->npat)
		return 1;
	g = prefilter_requires(pf, id, &n);
	return prefilter_all_found(g, n, found);
}

size_t
prefilter_filtered(const struct prefilter *pf)
{
	return pf->filtered;
}

void
prefilter_free(struct prefilter *pf)
{
	if (pf == NULL)
		return;
	for (size_t i = 0; i < pf->nfactor; i++)
		free(pf->factor[i]);
	for (size_t g = 0; g < pf->ngroup; g++) {
		free(pf->group[g].factors);
	}
	free(pf->group);
	free(pf->hash);
	for (size_t i = 0; i < pf->npat; i++)
		free(pf->pat[i].groups);
	free(pf->factor);
	free(pf->pat);
	free(pf->go);
	free(pf->fail);
	free(pf->out);
	free(pf->dict);
	free(pf->out_next);
	free(pf->table);
	free(pf->emit);
	free(pf->emit_at);
	free(pf);
}
