/*
 * analyze.c - sentences and rules (see analyze.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "html.h"
#include "util.h"

/* Words after which a full stop does not end a sentence. */
static const char *const abbreviations[] = {
	"e.g", "i.e", "etc", "mr", "mrs", "ms", "dr", "st", "vs", "approx",
	"no", "nr", "incl", "inc", "ltd", "co", "a.m", "p.m", "jan", "feb",
	"mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
	"ref", "tel", "ca", "cf", "fig", "min", "max", "dept", "corp", NULL
};

/* Fold the characters that differ between writers but not in meaning.
 * Every white space character (all that PCRE2's \s matches) becomes
 * ' ': the sentence prefilter counts on it (PREFILTER_SPACE). */
static void
normalize(const char *in, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x80) {
			/* A run of ASCII that stays as it is: one copy. */
			size_t j = i;

			while (j < len && (unsigned char)in[j] < 0x80 &&
			    (in[j] < '\t' || in[j] > '\r' || in[j] == '\n') &&
			    in[j] != '`')
				j++;
			if (j > i) {
				sb_append(out, in + i, j - i);
				i = j;
				continue;
			}
			sb_putc(out, c == '`' ? '\'' : ' ');
			i++;
			continue;
		}
		/* Decode one code point (input is valid UTF-8). */
		size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		unsigned long cp = c & (k == 2 ? 0x1F : k == 3 ? 0x0F : 0x07);

		if (i + k > len)
			k = len - i;
		for (size_t j = 1; j < k; j++)
			cp = (cp << 6) | ((unsigned char)in[i + j] & 0x3F);
		switch (cp) {
		case 0x2018: case 0x2019: case 0x201B: case 0x02BC: case 0x00B4:
		case 0x2032:
			sb_putc(out, '\'');
			break;
		case 0x201C: case 0x201D: case 0x201E: case 0x00AB: case 0x00BB:
			sb_putc(out, '"');
			break;
		case 0x0085: case 0x00A0: case 0x1680: case 0x180E: case 0x2000:
		case 0x2001: case 0x2002: case 0x2003: case 0x2004: case 0x2005:
		case 0x2006: case 0x2007: case 0x2008: case 0x2009: case 0x200A:
		case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
			sb_putc(out, ' ');
			break;
		case 0x200B: case 0x200C: case 0x200D: case 0xFEFF: case 0x00AD:
		case 0x2060:
			break;
		case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014:
		case 0x2212:
			sb_putc(out, '-');
			break;
		case 0x2026:
			sb_puts(out, "...");
			break;
		case 0x2022: case 0x25CF: case 0x25AA: case 0x2023: case 0x25E6:
			sb_putc(out, '*');
			break;
		default:
			sb_append(out, in + i, k);
		}
		i += k;
	}
}

/* Length of a list marker at the start of s ("1.", "2)", "-", "*",
 * "a)", "Step 3:"), or 0. */
static size_t
list_marker(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] == ' ')
		i++;
	if (i < len && (s[i] == '-' || s[i] == '*' || s[i] == '+') &&
	    i + 1 < len && s[i + 1] == ' ')
		return i + 2;
	size_t d = i;

	while (d < len && isdigit((unsigned char)s[d]) && d - i < 3)
		d++;
	if (d == i && i + 1 < len && isalpha((unsigned char)s[i]) &&
	    (s[i + 1] == ')'))
		d = i + 1;
	if (d > i && d + 1 < len && (s[d] == '.' || s[d] == ')') && s[d + 1] == ' ')
		return d + 2;
	if (len - i > 5 && str_ncasecmp_ascii(s + i, "step ", 5) == 0)
		return i + 5;
	return 0;
}

static int
is_abbreviation(const char *s, size_t dot)
{
	size_t w = dot;

	while (w > 0 && (isalpha((unsigned char)s[w - 1]) || s[w - 1] == '.'))
		w--;
	if (dot - w == 0 || dot - w > 6)
		return 0;
	for (const char *const *a = abbreviations; *a; a++)
		if (strlen(*a) == dot - w && str_ncasecmp_ascii(s + w, *a, dot - w) == 0)
			return 1;
	/* A single capital: an initial ("J. Smith"). */
	return dot - w == 1 && isupper((unsigned char)s[w]);
}

struct splitter {
	analyze_sentence_fn fn;
	void *arg;
	int rc;
};

/* Emit s[0..len) trimmed, in pieces of at most ANALYZE_MAX_SENTENCE. */
static void
emit(struct splitter *sp, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\n')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		len--;
	while (len > 0 && sp->rc == 0) {
		size_t n = len;

		if (n > ANALYZE_MAX_SENTENCE) {
			n = ANALYZE_MAX_SENTENCE;
			while (n > 0 && s[n] != ' ')
				n--;
			if (n == 0)
				n = ANALYZE_MAX_SENTENCE;
			while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
				n++;
		}
		sp->rc = sp->fn(sp->arg, s, n);
		s += n;
		len -= n;
		while (len && *s == ' ') {
			s++;
			len--;
		}
	}
}

/* Split one chunk (a joined run of lines) into sentences. */
static void
split_chunk(struct splitter *sp, const char *s, size_t len)
{
	size_t start = 0, i = list_marker(s, len);

	for (; i < len && sp->rc == 0; i++) {
		char c = s[i];

		if (c != '.' && c != '!' && c != '?')
			continue;
		size_t e = i;

		while (e + 1 < len && (s[e + 1] == '.' || s[e + 1] == '!' ||
		    s[e + 1] == '?' || s[e + 1] == '"' || s[e + 1] == ')' ||
		    s[e + 1] == '\''))
			e++;
		if (e + 1 < len && s[e + 1] != ' ')
			continue;	/* 3.5, example.com, "ok.thanks" */
		if (c == '.' && e == i && is_abbreviation(s, i))
			continue;
		emit(sp, s + start, e + 1 - start);
		start = e + 1;
		i = e;
	}
	if (start < len)
		emit(sp, s + start, len - start);
}

static int
ends_sentence(const char *s, size_t len)
{
	while (len && s[len - 1] == ' ')
		len--;
	return len && strchr(".!?:", s[len - 1]) != NULL;
}

/* Walk lines, joining hard-wrapped ones into chunks. */
int
analyze_sentences(const char *text, size_t len, analyze_sentence_fn fn,
    void *arg)
{
	struct strbuf norm, chunk;
	struct splitter sp = {fn, arg, 0};
	size_t prev_len = 0;

	sb_init(&norm, 0);
	sb_init(&chunk, 0);
	normalize(text, len, &norm);
	for (size_t i = 0; i < norm.len && sp.rc == 0;) {
		const char *nl = memchr(norm.s + i, '\n', norm.len - i);
		size_t e = nl ? (size_t)(nl - norm.s) : norm.len;
		const char *line = norm.s + i;
		size_t ll = e - i;

		while (ll && line[ll - 1] == ' ')
			ll--;
		int blank = 1;

		for (size_t k = 0; k < ll; k++)
			if (line[k] != ' ')
				blank = 0;
		/* A new chunk at a blank line, a list item, or after a
		 * short line (a greeting, a sign-off, a heading). */
		if (blank || list_marker(line, ll) || (chunk.len &&
		    (prev_len < 40 || ends_sentence(chunk.s, chunk.len)) &&
		    !(ll && islower((unsigned char)line[0]) &&
		    !ends_sentence(chunk.s, chunk.len)))) {
			split_chunk(&sp, chunk.s ? chunk.s : "", chunk.len);
			sb_reset(&chunk);
		}
		if (!blank) {
			if (chunk.len)
				sb_putc(&chunk, ' ');
			while (ll && *line == ' ') {
				line++;
				ll--;
			}
			sb_append(&chunk, line, ll);
			prev_len = ll;
		}
		i = e + 1;
	}
	if (chunk.len && sp.rc == 0)
		split_chunk(&sp, chunk.s, chunk.len);
	sb_free(&norm);
	sb_free(&chunk);
	return sp.rc;
}

struct analysis {
	struct rules_matcher *m;
	struct care_verdict *v;
	int limit_hit;
};

static void
record(struct care_finding *f, const char *s, size_t len, const char *rule)
{
	struct strbuf ev;

	sb_init(&ev, 0);
	if (len > ANALYZE_MAX_EVIDENCE) {
		size_t n = ANALYZE_MAX_EVIDENCE;

		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
		sb_append(&ev, s, n);
		sb_puts(&ev, "...");
	} else
		sb_append(&ev, s, len);
	f->present = 1;
	f->evidence = sb_steal(&ev);
	f->rule = xstrdup(rule ? rule : "");
}

/* Does any excluder of 'target' fire on this sentence? */
static int
excluded(struct analysis *a, int target, const char *s, size_t len)
{
	int when[RULES_NTARGETS];
	size_t n = rules_excluders(rules_matcher_set(a->m), target, when,
	    RULES_NTARGETS);

	for (size_t i = 0; i < n; i++) {
		int rc = rules_match(a->m, when[i], s, len, NULL);

		if (rc < 0)
			a->limit_hit = 1;
		if (rc != 0)
			return 1;
	}
	return 0;
}

static int
on_sentence(void *arg, const char *s, size_t len)
{
	struct analysis *a = arg;
	int pending = 0;

	rules_prepare(a->m, s, len);
	for (int t = 0; t < RULES_T_CUT; t++) {
		struct care_finding *f = t < CARE_NELEMENTS ? &a->v->elements[t]
		    : &a->v->issues[t - RULES_T_ISSUE0];
		const char *rule = NULL;

		if (f->present)
			continue;
		pending = 1;
		int rc = rules_match(a->m, t, s, len, &rule);

		if (rc < 0) {
			a->limit_hit = 1;
			continue;	/* the other targets still get a say */
		}
		if (rc > 0 && !excluded(a, t, s, len))
			record(f, s, len, rule);
	}
	return pending ? 0 : 1;	/* stop once everything is found */
}

int
analyze_text(struct rules_matcher *m, const char *text, size_t len,
    struct care_verdict *v)
{
	struct analysis a = {m, v, 0};

	analyze_sentences(text, len, on_sentence, &a);
	if (a.limit_hit)
		v->regex_limit = 1;
	return a.limit_hit ? -1 : 0;
}
