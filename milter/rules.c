/*
 * rules.c - load, compile and match rule files (see rules.h).
 *
 * The format, line by line ('#' starts a comment line):
 *
 *   define NAME PATTERN      a shared vocabulary, used as {NAME} later
 *   rule NAME TARGET         a rule; TARGET is an element, an issue kind,
 *                            or cut / drop / header (trimming)
 *     match PATTERN          fires when any match pattern matches ...
 *     unless PATTERN         ... and no unless pattern matches anywhere
 *                            in the sentence ...
 *     unless-before PATTERN  ... and this does not match in the clause
 *                            just before the match (negation: "can't")
 *     example TEXT           a sentence the rule must fire on
 *     counter TEXT           a sentence the rule must not fire on
 *   exclude TARGET when TARGET   a sentence on which the second fires
 *                            gives no evidence for the first
 *   disable NAME             switch off a rule loaded from an earlier
 *                            file (local.rules after the shipped ones)
 *
 * A line whose first non-blank character is '|' continues the previous
 * pattern as one more alternative.  Examples and counter-examples are
 * checked at load, so a rule that no longer does what it says is a load
 * error, reported like any other as FILE:LINE: message.
 *
 * Matching cost is kept down by a literal prefilter (prefilter.h): one
 * pass over a sentence finds which match patterns could possibly match
 * it, and only those are given to PCRE2.  Which ones those are is
 * worked out once per scan, for all rules together (struct candidates),
 * rather than rule by rule and pattern by pattern.  The match patterns the
 * prefilter can say nothing about (the trimming rules' line shapes, such
 * as ^--\s?$) are also joined, per target, into one alternation: one
 * PCRE2 call tells that none of them matches a line, which is the
 * common case; only when it does match are they tried one by one.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"
#include "rules.h"
#include "util.h"

#define RULES_MAX_LINE 8192
#define RULES_CLAUSE_WINDOW 80	/* bytes looked back for a negation */

/* The trimming rules look at lines, the others at sentences: each kind
 * has its own prefilter, so a line is scanned only for the trimming
 * rules' few factors, with a table small enough to stay in the cache. */
enum { CLASS_SENTENCE, CLASS_LINE, NCLASS };

static int
target_class(int target)
{
	return target >= RULES_T_CUT ? CLASS_LINE : CLASS_SENTENCE;
}

/* How to tell, before PCRE2, whether a pattern can match a text. */
struct possible {
	int groups[PREFILTER_MAX_REQ];	/* the prefilter groups it needs,
					 * all of them ... */
	unsigned char n;
	unsigned char joined;	/* ... or its target's alternation says */
};

struct pattern_list {
	pcre2_code **v;
	size_t n;
	int *pf;		/* each one's prefilter id ... */
	struct possible *poss;	/* ... and what it comes to, once built */
	char **src;		/* each one's source, until then */
};

struct rule {
	char *name;
	int target;
	struct pattern_list match, unless, before;
	char **examples, **counters;
	size_t nexamples, ncounters;
	const char *file;	/* interned in the set */
	int line;
	int disabled;		/* switched off by a later "disable" */
	size_t slot0;		/* its match patterns' first slot (below) */
};

/* The match patterns that the prefilter leaves possible for a text,
 * worked out once per scan as a bit set over "slots": each class numbers
 * its rules' match patterns, a rule's together (from its slot0), and
 * files every pattern that needs groups under the first of them.  Only
 * the groups found lead to patterns, so a scan costs what it found, not
 * what the rules hold; and a rule whose patterns are all ruled out is
 * passed over with a word or two of that bit set. */
struct candidates {
	size_t nslot, nword;	/* slots; 64-bit words of a bit set */
	uint64_t *always;	/* slots that need no group */
	struct possible *req;	/* per slot: what it needs */
	size_t ngroup;		/* group ids are below this */
	uint64_t *filed;	/* the groups that have slots filed under them */
	size_t *at;		/* ngroup + 1: the slots filed under group g
				 * are slot[at[g] .. at[g + 1]) */
	size_t *slot;
};

struct define {
	char *name;
	char *expansion;
};

struct rules_set {
	struct rule *rules;
	size_t n, cap;
	size_t *by_target[RULES_NTARGETS];	/* rule indexes per target */
	size_t nby_target[RULES_NTARGETS];
	struct prefilter *pf[NCLASS];
	struct candidates cand[NCLASS];
	pcre2_code *joined[RULES_NTARGETS];	/* the unfiltered match
						 * patterns of a target, as one */
	unsigned excluded_by[RULES_NTARGETS];	/* bit set of targets */
	unsigned match_limit, depth_limit;
	unsigned long generation;	/* unique per load, for caches */
	char **files;
	size_t nfiles;
};

struct rules_matcher {
	const struct rules_set *rs;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	unsigned char *found[NCLASS];	/* prefilter results for ... */
	uint64_t *poss[NCLASS];	/* ... and the candidates they leave ... */
	const char *ptext;	/* ... this text, when 'prepared' ... */
	size_t plen;
	int prepared;
	unsigned scanned;	/* ... for these classes (bits) */
	const unsigned char *cur;	/* the result rules_match() uses */
	const uint64_t *pcur;	/* and its candidates */
	enum { JOINED_UNKNOWN, JOINED_NONE, JOINED_TRY } joined;
				/* what the target's alternation said of the
				 * text of this rules_match() call */
};

struct loader {
	struct rules_set *rs;
	struct define *defs;
	size_t ndefs;
	const char *file;
	int line;
	int errors;
	rules_errfn errfn;
	void *arg;
	struct rule *cur;	/* the rule being read, NULL before the first */
	int bad_rule;		/* its rule line failed: stay quiet until the next */
};

static const char *const trim_target_names[] = {
	"cut", "drop", "header", "signoff"
};

static void
ld_error(struct loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ld_error(struct loader *ld, int line, const char *fmt, ...)
{
	char msg[600], full[800];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%d: %s", ld->file, line, msg);
	ld->errors++;
	if (ld->errfn)
		ld->errfn(ld->arg, full);
}

int
rules_target_lookup(const char *name)
{
	int i;

	if ((i = care_element_lookup(name)) >= 0)
		return i;
	if ((i = care_issue_lookup(name)) >= 0)
		return RULES_T_ISSUE0 + i;
	for (i = 0; i < 4; i++)
		if (str_casecmp_ascii(name, trim_target_names[i]) == 0)
			return RULES_T_CUT + i;
	return -1;
}

static const char *
define_find(const struct loader *ld, const char *name, size_t len)
{
	for (size_t i = 0; i < ld->ndefs; i++)
		if (strlen(ld->defs[i].name) == len &&
		    memcmp(ld->defs[i].name, name, len) == 0)
			return ld->defs[i].expansion;
	return NULL;
}

/* Replace each {NAME} by (?:its pattern); other braces are PCRE2's. */
static char *
expand(struct loader *ld, const char *src)
{
	struct strbuf sb;

	sb_init(&sb, 0);
	for (const char *p = src; *p;) {
		if (*p == '{' && (isupper((unsigned char)p[1]) || p[1] == '_') &&
		    (p == src || p[-1] != '\\')) {
			const char *e = p + 1;

			while (isupper((unsigned char)*e) || isdigit((unsigned char)*e) ||
			    *e == '_')
				e++;
			if (*e == '}') {
				const char *x = define_find(ld, p + 1, (size_t)(e - p - 1));

				if (x == NULL) {
					ld_error(ld, ld->line, "unknown vocabulary {%.*s}",
					    (int)(e - p - 1), p + 1);
					sb_free(&sb);
					return NULL;
				}
				sb_puts(&sb, "(?:");
				sb_puts(&sb, x);
				sb_puts(&sb, ")");
				p = e + 1;
				continue;
			}
		}
		sb_putc(&sb, *p++);
	}
	return sb_steal(&sb);
}

static pcre2_code *
compile(struct loader *ld, const char *pattern)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;

	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
	    &code, &off, NULL);
	if (re == NULL) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		if (ld)
			ld_error(ld, ld->line, "bad pattern at offset %zu: %s",
			    (size_t)off, (char *)msg);
		return NULL;
	}
	/* No JIT (an old CPU, a hardened kernel) only costs speed.  The
	 * environment can turn it off: valgrind cannot follow JIT code and
	 * reports its deliberate reads as errors, hiding real ones. */
	if (getenv("CARE_PCRE2_NO_JIT") == NULL)
		(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static void
plist_add(struct loader *ld, struct pattern_list *pl, const char *src)
{
	char *x = expand(ld, src);
	pcre2_code *re;

	if (x == NULL)
		return;
	if ((re = compile(ld, x)) != NULL) {
		pl->pf = xrealloc(pl->pf, (pl->n + 1) * sizeof(int));
		pl->pf[pl->n] = prefilter_add(ld->rs->pf[target_class(ld->cur->target)], x);
		pl->src = xrealloc(pl->src, (pl->n + 1) * sizeof(char *));
		pl->src[pl->n] = x;
		pl->v = xrealloc(pl->v, (pl->n + 1) * sizeof(*pl->v));
		pl->v[pl->n++] = re;
	} else
		free(x);
}

static void
plist_free_src(struct pattern_list *pl)
{
	for (size_t i = 0; pl->src && i < pl->n; i++)
		free(pl->src[i]);
	free(pl->src);
	pl->src = NULL;
}

static void
plist_free(struct pattern_list *pl)
{
	for (size_t i = 0; i < pl->n; i++)
		pcre2_code_free(pl->v[i]);
	free(pl->v);
	free(pl->pf);
	free(pl->poss);
	plist_free_src(pl);
}

/* What the prefilter found each pattern needs. */
static void
plist_possible(struct pattern_list *pl, const struct prefilter *pf)
{
	pl->poss = xcalloc(pl->n + 1, sizeof(*pl->poss));
	for (size_t k = 0; k < pl->n; k++) {
		size_t n;
		const int *g = prefilter_requires(pf, pl->pf[k], &n);

		if (n)
			memcpy(pl->poss[k].groups, g, n * sizeof(int));
		pl->poss[k].n = (unsigned char)n;
	}
}

/* The bytes of a prefilter result: rounded up to 64-bit words, which
 * candidates_find() reads (the scan leaves the rounding bytes 0). */
static size_t
found_size(const struct prefilter *pf)
{
	return (prefilter_state_size(pf) + 7) / 8 * 8;
}

/* Number class c's match patterns and file them (struct candidates). */
static void
candidates_build(struct rules_set *rs, int c)
{
	struct candidates *cd = &rs->cand[c];

	for (size_t i = 0; i < rs->n; i++)
		if (target_class(rs->rules[i].target) == c) {
			rs->rules[i].slot0 = cd->nslot;
			cd->nslot += rs->rules[i].match.n;
		}
	cd->nword = cd->nslot / 64 + 1;
	cd->always = xcalloc(cd->nword, sizeof(uint64_t));
	cd->req = xcalloc(cd->nslot + 1, sizeof(*cd->req));
	cd->ngroup = found_size(rs->pf[c]) * 8;
	cd->at = xcalloc(cd->ngroup + 2, sizeof(size_t));
	cd->filed = xcalloc(cd->ngroup / 64 + 1, sizeof(uint64_t));
	cd->slot = xcalloc(cd->nslot + 1, sizeof(size_t));
	/* Count each group's slots, sum them up, then place each slot. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < rs->n; i++) {
			const struct rule *r = &rs->rules[i];

			if (target_class(r->target) != c)
				continue;
			for (size_t k = 0; k < r->match.n; k++) {
				const struct possible *p = &r->match.poss[k];
				size_t s = r->slot0 + k;

				if (pass == 1) {
					if (p->n > 0)
						cd->slot[cd->at[p->groups[0]]++] = s;
					continue;
				}
				cd->req[s] = *p;
				if (p->n == 0) {
					cd->always[s / 64] |= (uint64_t)1 << (s % 64);
					continue;
				}
				cd->at[p->groups[0] + 1]++;
				cd->filed[p->groups[0] / 64] |=
				    (uint64_t)1 << (p->groups[0] % 64);
			}
		}
		/* after pass 0: at[g] is where g's slots start; after pass 1
		 * it is where they end, which is where g + 1's start */
		for (size_t g = 0; pass == 0 && g < cd->ngroup; g++)
			cd->at[g + 1] += cd->at[g];
	}
	memmove(cd->at + 1, cd->at, cd->ngroup * sizeof(size_t));
	cd->at[0] = 0;
}

static void
candidates_free(struct candidates *cd)
{
	free(cd->always);
	free(cd->req);
	free(cd->at);
	free(cd->filed);
	free(cd->slot);
}

/* The candidates of a text, from what the scan found in it.  (The
 * set's arrays are read through locals: a store to 'out' could alias
 * them, and would make the compiler read them again at every slot.) */
static void
candidates_find(const struct candidates *cd, const unsigned char *found,
    uint64_t *out)
{
	const size_t *at = cd->at, *slot = cd->slot;
	const struct possible *req = cd->req;
	size_t nwords = cd->ngroup / 64;

	memcpy(out, cd->always, cd->nword * sizeof(uint64_t));
	for (size_t w = 0; w < nwords; w++) {
		uint64_t bits;

		memcpy(&bits, found + 8 * w, sizeof(bits));
		/* most groups found lead to no slot of their own */
		for (bits &= cd->filed[w]; bits; bits &= bits - 1) {
			size_t g = w * 64 + (size_t)__builtin_ctzll(bits);

			for (size_t k = at[g], end = at[g + 1]; k < end; k++) {
				size_t s = slot[k];

				if (prefilter_all_found(req[s].groups, req[s].n, found))
					out[s / 64] |= (uint64_t)1 << (s % 64);
			}
		}
	}
}

static int
valid_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

static void
do_define(struct loader *ld, char *args)
{
	char *name = args, *pat = args;

	/* A define ends the rule before it. */
	ld->cur = NULL;
	ld->bad_rule = 0;
	while (*pat && !isspace((unsigned char)*pat))
		pat++;
	if (*pat)
		*pat++ = '\0';
	pat = str_trim(pat);
	for (const char *c = name; *c; c++)
		if (!isupper((unsigned char)*c) && !isdigit((unsigned char)*c) && *c != '_') {
			ld_error(ld, ld->line, "vocabulary name \"%s\" must be UPPER_CASE", name);
			return;
		}
	if (*name == '\0' || *pat == '\0') {
		ld_error(ld, ld->line, "define needs a NAME and a PATTERN");
		return;
	}
	if (define_find(ld, name, strlen(name))) {
		ld_error(ld, ld->line, "vocabulary {%s} is defined twice", name);
		return;
	}
	char *x = expand(ld, pat);

	if (x == NULL)
		return;
	pcre2_code *re = compile(ld, x);	/* check it alone, early */

	if (re == NULL) {
		free(x);
		return;
	}
	pcre2_code_free(re);
	ld->defs = xrealloc(ld->defs, (ld->ndefs + 1) * sizeof(*ld->defs));
	ld->defs[ld->ndefs].name = xstrdup(name);
	ld->defs[ld->ndefs].expansion = x;
	ld->ndefs++;
}

static void
do_rule(struct loader *ld, char *args)
{
	char **w = str_list_split(args, NULL);
	struct rules_set *rs = ld->rs;
	int target;

	ld->cur = NULL;
	ld->bad_rule = 1;	/* until the rule is made below */
	if (w[0] == NULL || w[1] == NULL || w[2] != NULL) {
		ld_error(ld, ld->line, "rule needs a NAME and a TARGET");
		goto out;
	}
	if (!valid_name(w[0])) {
		ld_error(ld, ld->line, "bad rule name \"%s\"", w[0]);
		goto out;
	}
	if ((target = rules_target_lookup(w[1])) < 0) {
		ld_error(ld, ld->line, "unknown target \"%s\" (an element, an issue "
		    "kind, cut, drop, header or signoff)", w[1]);
		goto out;
	}
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->rules[i].name, w[0]) == 0) {
			ld_error(ld, ld->line, "rule \"%s\" is defined twice", w[0]);
			goto out;
		}
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 64;
		rs->rules = xrealloc(rs->rules, rs->cap * sizeof(*rs->rules));
	}
	ld->cur = &rs->rules[rs->n++];
	memset(ld->cur, 0, sizeof(*ld->cur));
	ld->cur->name = xstrdup(w[0]);
	ld->cur->target = target;
	ld->cur->file = ld->file;
	ld->cur->line = ld->line;
	ld->bad_rule = 0;
out:
	str_list_free(w);
}

/* An example or counter-example; "\\n" in it stands for a line break,
 * for the header rules that look at several lines. */
/* disable NAME: a local rule file switches off a shipped rule. */
static void
do_disable(struct loader *ld, char *args)
{
	ld->cur = NULL;
	ld->bad_rule = 0;
	for (size_t i = 0; i < ld->rs->n; i++)
		if (strcmp(ld->rs->rules[i].name, args) == 0) {
			ld->rs->rules[i].disabled = 1;
			return;
		}
	ld_error(ld, ld->line, "disable: no rule \"%s\" was loaded before", args);
}

/* exclude A when B */
static void
do_exclude(struct loader *ld, char *args)
{
	char **w = str_list_split(args, NULL);
	int a, b;

	ld->cur = NULL;
	ld->bad_rule = 0;
	if (w[0] == NULL || w[1] == NULL || strcmp(w[1], "when") != 0 ||
	    w[2] == NULL || w[3] != NULL)
		ld_error(ld, ld->line, "exclude needs: exclude TARGET when TARGET");
	else if ((a = rules_target_lookup(w[0])) < 0 || a >= RULES_T_CUT ||
	    (b = rules_target_lookup(w[2])) < 0 || b >= RULES_T_CUT || a == b)
		ld_error(ld, ld->line, "exclude takes two different elements or "
		    "issue kinds");
	else
		ld->rs->excluded_by[a] |= 1u << b;
	str_list_free(w);
}

size_t
rules_excluders(const struct rules_set *rs, int target, int *when, size_t max)
{
	size_t n = 0;

	if (target < 0 || target >= RULES_NTARGETS)
		return 0;
	for (int t = 0; t < RULES_NTARGETS && n < max; t++)
		if (rs->excluded_by[target] & (1u << t))
			when[n++] = t;
	return n;
}

static void
add_text(char ***v, size_t *n, const char *s)
{
	char *t = xstrdup(s), *w = t;

	for (const char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else
			*w++ = *r;
	}
	*w = '\0';
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = t;
}

static void
do_line(struct loader *ld, char *s)
{
	char *kw = s, *args = s;

	while (*args && !isspace((unsigned char)*args))
		args++;
	if (*args)
		*args++ = '\0';
	args = str_trim(args);

	if (strcmp(kw, "define") == 0) {
		do_define(ld, args);
		return;
	}
	if (strcmp(kw, "rule") == 0) {
		do_rule(ld, args);
		return;
	}
	if (strcmp(kw, "exclude") == 0) {
		do_exclude(ld, args);
		return;
	}
	if (strcmp(kw, "disable") == 0) {
		do_disable(ld, args);
		return;
	}
	int known = strcmp(kw, "match") == 0 || strcmp(kw, "unless") == 0 ||
	    strcmp(kw, "unless-before") == 0 || strcmp(kw, "example") == 0 ||
	    strcmp(kw, "counter") == 0;

	if (!known) {
		ld_error(ld, ld->line, "unknown keyword \"%s\"", kw);
		return;
	}
	if (ld->cur == NULL) {
		/* The rule line was bad (reported once) or missing. */
		if (!ld->bad_rule)
			ld_error(ld, ld->line, "\"%s\" outside a rule", kw);
		return;
	}
	if (*args == '\0') {
		ld_error(ld, ld->line, "\"%s\" needs an argument", kw);
		return;
	}
	if (strcmp(kw, "match") == 0)
		plist_add(ld, &ld->cur->match, args);
	else if (strcmp(kw, "unless") == 0)
		plist_add(ld, &ld->cur->unless, args);
	else if (strcmp(kw, "unless-before") == 0)
		plist_add(ld, &ld->cur->before, args);
	else if (strcmp(kw, "example") == 0)
		add_text(&ld->cur->examples, &ld->cur->nexamples, args);
	else
		add_text(&ld->cur->counters, &ld->cur->ncounters, args);
}

/* Read one file into logical lines (continuations joined). */
static int
load_file(struct loader *ld, const char *path)
{
	FILE *fp = fopen(path, "r");
	char buf[RULES_MAX_LINE];
	struct strbuf logical;
	int logical_line = 0, phys = 0;

	ld->file = path;
	ld->cur = NULL;
	ld->bad_rule = 0;
	if (fp == NULL) {
		ld_error(ld, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	sb_init(&logical, 0);
	for (;;) {
		char *got = fgets(buf, sizeof(buf), fp);
		char *s = NULL;

		if (got) {
			phys++;
			if (strchr(buf, '\n') == NULL && !feof(fp)) {
				ld->line = phys;
				ld_error(ld, phys, "line longer than %d bytes", RULES_MAX_LINE);
				int c;

				while ((c = fgetc(fp)) != EOF && c != '\n')
					;
				continue;
			}
			buf[strcspn(buf, "\r\n")] = '\0';
			s = str_trim(buf);
			if (*s == '#' || *s == '\0')
				continue;
			if (*s == '|' && logical.len) {
				sb_puts(&logical, "|");
				sb_puts(&logical, str_trim(s + 1));
				continue;
			}
		}
		if (logical.len) {
			ld->line = logical_line;
			do_line(ld, logical.s);
			sb_reset(&logical);
		}
		if (!got)
			break;
		sb_puts(&logical, s);
		logical_line = phys;
	}
	sb_free(&logical);
	fclose(fp);
	return 0;
}

static void
rule_free(struct rule *r)
{
	free(r->name);
	plist_free(&r->match);
	plist_free(&r->unless);
	plist_free(&r->before);
	for (size_t i = 0; i < r->nexamples; i++)
		free(r->examples[i]);
	for (size_t i = 0; i < r->ncounters; i++)
		free(r->counters[i]);
	free(r->examples);
	free(r->counters);
}

void
rules_free(struct rules_set *rs)
{
	if (rs == NULL)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_free(&rs->rules[i]);
	free(rs->rules);
	for (int t = 0; t < RULES_NTARGETS; t++) {
		free(rs->by_target[t]);
		pcre2_code_free(rs->joined[t]);
	}
	for (int c = 0; c < NCLASS; c++) {
		prefilter_free(rs->pf[c]);
		candidates_free(&rs->cand[c]);
	}
	for (size_t i = 0; i < rs->nfiles; i++)
		free(rs->files[i]);
	free(rs->files);
	free(rs);
}

size_t
rules_count(const struct rules_set *rs)
{
	return rs->n;
}

unsigned long
rules_generation(const struct rules_set *rs)
{
	return rs->generation;
}

/* Can this pattern stand as one branch of an alternation and still say
 * the same?  Not when it numbers or names groups that it refers to,
 * quotes with \Q (which could swallow the branches after it), has verbs
 * that cut other branches short, (*COMMIT), or is in extended mode,
 * whose comments could hide them. */
static int
joinable(const char *p)
{
	static const char *const bad[] = {
		"\\G", "\\Q", "\\E", "\\g", "\\k", "(*", "(?P", "(?'", "(?&",
		"(?R", "(?C", NULL
	};

	for (const char *const *b = bad; *b; b++)
		if (strstr(p, *b))
			return 0;
	for (const char *q = p; *q; q++) {
		if (q[0] == '\\' && q[1]) {
			if (q[1] >= '1' && q[1] <= '9')
				return 0;	/* a back reference */
			q++;
			continue;
		}
		if (q[0] != '(' || q[1] != '?')
			continue;
		const char *f = q + 2;

		if (isdigit((unsigned char)*f) || ((*f == '+' || *f == '-') &&
		    isdigit((unsigned char)f[1])))
			return 0;	/* a subroutine call */
		if (*f == '<' && (isalpha((unsigned char)f[1]) || f[1] == '_'))
			return 0;	/* a named group */
		while (*f && strchr("imnsxJU^-", *f))
			if (*f++ == 'x')
				return 0;
	}
	return 1;
}

/* Join each target's match patterns that the prefilter cannot filter
 * into one alternation (see the top of the file). */
static void
join_unfiltered(struct rules_set *rs)
{
	for (int t = 0; t < RULES_NTARGETS; t++) {
		struct strbuf sb;
		size_t count = 0;

		sb_init(&sb, 0);
		for (size_t k = 0; k < rs->nby_target[t]; k++) {
			struct rule *r = &rs->rules[rs->by_target[t][k]];

			for (size_t i = 0; i < r->match.n; i++) {
				if (r->match.poss[i].n > 0 || !joinable(r->match.src[i]))
					continue;
				sb_puts(&sb, count ? ")|(?:" : "(?:");
				sb_puts(&sb, r->match.src[i]);
				r->match.poss[i].joined = 1;
				count++;
			}
		}
		sb_puts(&sb, ")");
		if (count >= 2)
			rs->joined[t] = compile(NULL, sb.s);
		if (rs->joined[t] == NULL)	/* nothing to join, or it failed */
			for (size_t k = 0; k < rs->nby_target[t]; k++) {
				struct rule *r = &rs->rules[rs->by_target[t][k]];

				for (size_t i = 0; i < r->match.n; i++)
					r->match.poss[i].joined = 0;
			}
		sb_free(&sb);
	}
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->rules[i];

		plist_free_src(&r->match);
		plist_free_src(&r->unless);
		plist_free_src(&r->before);
	}
}

/* Index the rules by target and build the prefilter. */
static void
index_rules(struct rules_set *rs)
{
	for (int t = 0; t < RULES_NTARGETS; t++)
		for (size_t i = 0; i < rs->n; i++) {
			if (rs->rules[i].target != t || rs->rules[i].match.n == 0 ||
			    rs->rules[i].disabled)
				continue;
			rs->by_target[t] = xrealloc(rs->by_target[t],
			    (rs->nby_target[t] + 1) * sizeof(size_t));
			rs->by_target[t][rs->nby_target[t]++] = i;
		}
	for (int c = 0; c < NCLASS; c++)
		prefilter_build(rs->pf[c]);
	for (size_t i = 0; i < rs->n; i++) {
		struct rule *r = &rs->rules[i];
		const struct prefilter *pf = rs->pf[target_class(r->target)];

		plist_possible(&r->match, pf);
		plist_possible(&r->unless, pf);
		plist_possible(&r->before, pf);
	}
	join_unfiltered(rs);
	for (int c = 0; c < NCLASS; c++)
		candidates_build(rs, c);
}

static int rule_fires(struct rules_matcher *m, const struct rule *r,
    const char *s, size_t len);
static void scan_for(struct rules_matcher *m, int target, const char *text,
    size_t len);

/* Does r fire on text, on its own (each pattern tried by itself)? */
static int
fires_alone(struct rules_matcher *m, const struct rule *r, const char *text)
{
	size_t len = strlen(text);

	m->prepared = 0;
	scan_for(m, r->target, text, len);
	m->joined = JOINED_TRY;
	return rule_fires(m, r, text, len);
}

/* Each rule's examples must fire it, and its counters must not: the rule
 * itself, whatever the other rules of its target do. */
static void
check_examples(struct loader *ld)
{
	struct rules_matcher *m = rules_matcher_new(ld->rs);

	for (size_t i = 0; i < ld->rs->n; i++) {
		struct rule *r = &ld->rs->rules[i];

		ld->file = r->file;
		if (r->match.n == 0) {
			ld_error(ld, r->line, "rule \"%s\" has no match pattern", r->name);
			continue;
		}
		for (size_t k = 0; k < r->nexamples; k++) {
			int rc = fires_alone(m, r, r->examples[k]);

			if (rc < 0)
				ld_error(ld, r->line, "rule \"%s\" hits RegexMatchLimit on "
				    "its example \"%s\"", r->name, r->examples[k]);
			else if (rc != 1)
				ld_error(ld, r->line, "rule \"%s\" does not match its "
				    "example \"%s\"", r->name, r->examples[k]);
		}
		for (size_t k = 0; k < r->ncounters; k++)
			if (fires_alone(m, r, r->counters[k]) != 0)
				ld_error(ld, r->line, "rule \"%s\" matches its counter-"
				    "example \"%s\"", r->name, r->counters[k]);
	}
	rules_matcher_free(m);
}

struct rules_set *
rules_load(char *const *files, unsigned match_limit, unsigned depth_limit,
    rules_errfn errfn, void *arg)
{
	struct loader ld = {0};

	static unsigned long generations;

	ld.rs = xcalloc(1, sizeof(*ld.rs));
	/* Sentences come from analyze.c, which folds white space to ' ' */
	for (int c = 0; c < NCLASS; c++)
		ld.rs->pf[c] = prefilter_new(c == CLASS_SENTENCE ? PREFILTER_SPACE : 0);
	ld.rs->generation = __atomic_add_fetch(&generations, 1, __ATOMIC_RELAXED);
	ld.rs->match_limit = match_limit;
	ld.rs->depth_limit = depth_limit;
	ld.errfn = errfn;
	ld.arg = arg;
	for (char *const *f = files; f && *f; f++) {
		ld.rs->files = xrealloc(ld.rs->files, (ld.rs->nfiles + 1) * sizeof(char *));
		ld.rs->files[ld.rs->nfiles++] = xstrdup(*f);
		load_file(&ld, ld.rs->files[ld.rs->nfiles - 1]);
	}
	if (ld.rs->nfiles == 0) {
		ld.file = "(config)";
		ld_error(&ld, 0, "no rule files");
	}
	index_rules(ld.rs);
	if (ld.errors == 0)
		check_examples(&ld);
	for (size_t i = 0; i < ld.ndefs; i++) {
		free(ld.defs[i].name);
		free(ld.defs[i].expansion);
	}
	free(ld.defs);
	if (ld.errors) {
		rules_free(ld.rs);
		return NULL;
	}
	return ld.rs;
}

struct rules_matcher *
rules_matcher_new(const struct rules_set *rs)
{
	struct rules_matcher *m = xcalloc(1, sizeof(*m));

	m->rs = rs;
	m->md = pcre2_match_data_create(1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	m->jit_stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, NULL);
	for (int c = 0; c < NCLASS; c++) {
		m->found[c] = xcalloc(found_size(rs->pf[c]), 1);
		m->poss[c] = xcalloc(rs->cand[c].nword, sizeof(uint64_t));
	}
	if (m->md == NULL || m->mctx == NULL)
		xmalloc((size_t)-1);	/* the one out-of-memory path */
	pcre2_set_match_limit(m->mctx, rs->match_limit);
	pcre2_set_depth_limit(m->mctx, rs->depth_limit);
	if (m->jit_stack)
		pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
	return m;
}

const struct rules_set *
rules_matcher_set(const struct rules_matcher *m)
{
	return m->rs;
}

void
rules_matcher_free(struct rules_matcher *m)
{
	if (m == NULL)
		return;
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	for (int c = 0; c < NCLASS; c++) {
		free(m->found[c]);
		free(m->poss[c]);
	}
	if (m->jit_stack)
		pcre2_jit_stack_free(m->jit_stack);
	free(m);
}

/* 1 match, 0 none, -1 a limit stopped it; the match is at ovector[0..1]. */
static int
find(struct rules_matcher *m, const pcre2_code *re, const char *s, size_t len,
    size_t from)
{
	/* JIT code straight away (pcre2_match() would check what load
	 * time checked, then call it); the interpreter when there is none. */
	int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, len, from, 0, m->md, m->mctx);

	if (rc == PCRE2_ERROR_JIT_BADOPTION)
		rc = pcre2_match(re, (PCRE2_SPTR)s, len, from, 0, m->md, m->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;		/* match, depth, heap or JIT stack limit */
}

/* Does any pattern of pl match s, a part of the text the prefilter
 * scanned?  (What is not in the text is not in a part of it.) */
static int
any_match(struct rules_matcher *m, const struct pattern_list *pl,
    const char *s, size_t len)
{
	for (size_t i = 0; i < pl->n; i++) {
		if (!prefilter_all_found(pl->poss[i].groups, pl->poss[i].n, m->cur))
			continue;
		int rc = find(m, pl->v[i], s, len, 0);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Is the word w, followed by a space, at s[at] (within s[0..len))? */
static int
is_clause_word(const char *s, size_t len, size_t at, const char *w)
{
	size_t n = strlen(w);

	return at + n < len && str_ncasecmp_ascii(s + at, w, n) == 0 &&
	    (at == 0 || s[at - 1] == ' ') && s[at + n] == ' ';
}

/* Where the clause holding position 'at' starts: after the last
 * punctuation or conjunction, and no more than a window back. */
static size_t
clause_start(const char *s, size_t len, size_t at)
{
	static const char *const words[] = {
		"but", "however", "although", "though", "and", "so", "instead",
		"yet", "while", "whereas", "because", "then"
	};
	size_t lo = at > RULES_CLAUSE_WINDOW ? at - RULES_CLAUSE_WINDOW : 0;

	for (size_t i = at; i > lo; i--) {
		char c = s[i - 1];

		if (c == ',' || c == ';' || c == ':' || c == '(' || c == ')' ||
		    c == '.' || c == '!' || c == '?')
			return i;
		/* a dash between spaces joins two clauses */
		if (c == '-' && i >= 2 && s[i - 2] == ' ' && i < len && s[i] == ' ')
			return i;
		if (i >= 2 && s[i - 2] == ' ')
			for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++)
				if (is_clause_word(s, len, i - 1, words[w]))
					return i - 1 + strlen(words[w]);
	}
	/* Do not start in the middle of a UTF-8 sequence. */
	while (lo > 0 && ((unsigned char)s[lo] & 0xC0) == 0x80)
		lo--;
	return lo;
}

/* The rules_match() calls on 'text' that follow may reuse the prefilter
 * scans made for it.  Each class is scanned when first asked for. */
static void
prepare(struct rules_matcher *m, const char *text, size_t len)
{
	m->ptext = text;
	m->plen = len;
	m->prepared = 1;
	m->scanned = 0;
}

void
rules_prepare(struct rules_matcher *m, const char *text, size_t len)
{
	prepare(m, text, len);
}

static void
scan(struct rules_matcher *m, int c, const char *text, size_t len)
{
	prefilter_scan(m->rs->pf[c], text, len, m->found[c]);
	candidates_find(&m->rs->cand[c], m->found[c], m->poss[c]);
}

/* Make m->cur the prefilter result of 'text' for the rules of 'target':
 * the one kept for the prepared text, or a fresh scan of any other. */
static void
scan_for(struct rules_matcher *m, int target, const char *text, size_t len)
{
	int c = target_class(target);

	if (!(m->prepared && m->ptext == text && m->plen == len)) {
		m->prepared = 0;
		scan(m, c, text, len);
	} else if (!(m->scanned & (1u << c))) {
		scan(m, c, text, len);
		m->scanned |= 1u << c;
	}
	m->cur = m->found[c];
	m->pcur = m->poss[c];
}

/* The first of r's match patterns from the i-th on that the scan left
 * possible (r->match.n: none). */
static size_t
next_candidate(const struct rules_matcher *m, const struct rule *r, size_t i)
{
	size_t s = r->slot0 + i, end = r->slot0 + r->match.n;

	while (s < end) {
		uint64_t w = m->pcur[s / 64] >> (s % 64);

		if (w != 0) {
			s += (size_t)__builtin_ctzll(w);
			break;
		}
		s = (s / 64 + 1) * 64;
	}
	return s < end ? s - r->slot0 : r->match.n;
}

/* Could match pattern i of r, a candidate, match the text s?  Yes,
 * unless it is one of the joined ones and the target's alternation
 * (tried once per rules_match()) said no. */
static int
pattern_possible(struct rules_matcher *m, const struct rule *r, size_t i,
    const char *s, size_t len)
{
	if (!r->match.poss[i].joined)
		return 1;
	if (m->joined == JOINED_UNKNOWN)
		/* A limit hit by the alternation is no answer: try each. */
		m->joined = find(m, m->rs->joined[r->target], s, len, 0) == 0 ?
		    JOINED_NONE : JOINED_TRY;
	return m->joined == JOINED_TRY;
}

/* Does r fire on s?  The prefilter must have been run on s.  The match
 * patterns are tried first: most rules that reach this point do not
 * match, and their unless patterns need not run at all. */
static int
rule_fires(struct rules_matcher *m, const struct rule *r, const char *s,
    size_t len)
{
	int rc, unless_done = 0;

	for (size_t i = next_candidate(m, r, 0); i < r->match.n;
	    i = next_candidate(m, r, i + 1)) {
		size_t from = 0;

		if (!pattern_possible(m, r, i, s, len))
			continue;
		while (from <= len) {
			rc = find(m, r->match.v[i], s, len, from);
			if (rc <= 0) {
				if (rc < 0)
					return -1;
				break;
			}
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
			size_t ms = ov[0], me = ov[1];

			/* A match: now the sentence-wide vetoes, once. */
			if (!unless_done) {
				if ((rc = any_match(m, &r->unless, s, len)) != 0)
					return rc < 0 ? -1 : 0;
				unless_done = 1;
			}
			if (r->before.n == 0)
				return 1;
			size_t cs = clause_start(s, len, ms);

			rc = any_match(m, &r->before, s + cs, ms - cs);
			if (rc < 0)
				return -1;
			if (rc == 0)
				return 1;
			/* Negated here; a later occurrence may stand alone. */
			from = me > ms ? me : ms + 1;
			while (from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
				from++;
		}
	}
	return 0;
}

int
rules_match(struct rules_matcher *m, int target, const char *text, size_t len,
    const char **rule_name)
{
	const struct rules_set *rs = m->rs;
	int rc;

	if (target < 0 || target >= RULES_NTARGETS || rs->nby_target[target] == 0)
		return 0;
	/* The prefilter result is reused only for the very text that
	 * rules_prepare() was given; anything else is scanned afresh. */
	scan_for(m, target, text, len);
	m->joined = rs->joined[target] ? JOINED_UNKNOWN : JOINED_TRY;
	for (size_t i = 0; i < rs->nby_target[target]; i++) {
		const struct rule *r = &rs->rules[rs->by_target[target][i]];

		rc = rule_fires(m, r, text, len);
		if (rc != 0) {
			if (rc > 0 && rule_name)
				*rule_name = r->name;
			return rc;
		}
	}
	return 0;
}
