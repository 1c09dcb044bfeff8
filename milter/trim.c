/*
 * trim.c - cut quoted mail, signatures and footers (see trim.h).
 *
 * What counts as an attribution, a signature or boilerplate is data, in
 * the trimming rules; this file only applies them line by line.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "trim.h"

#define TRIM_HEADER_WINDOW 6	/* lines the header rules see at once */
#define TRIM_MAX_LINE 4096	/* bytes of one line the line rules see */
#define TRIM_NAME_LINES 2	/* lines kept after a sign-off: name, team */
#define TRIM_NAME_MAX 60	/* bytes: longer is text, not a name */

struct line {
	const char *s;
	size_t len;
};

/* Split into lines without their line ends. */
static struct line *
split_lines(const char *in, size_t len, size_t *count)
{
	size_t n = 0, cap = 64;
	struct line *v = xmalloc(cap * sizeof(*v));

	for (size_t i = 0; i <= len;) {
		const char *nl = i < len ? memchr(in + i, '\n', len - i) : NULL;
		size_t e = nl ? (size_t)(nl - in) : len;

		if (n == cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n].s = in + i;
		v[n].len = e - i;
		while (v[n].len && (v[n].s[v[n].len - 1] == '\r' ||
		    v[n].s[v[n].len - 1] == ' ' || v[n].s[v[n].len - 1] == '\t'))
			v[n].len--;
		n++;
		if (nl == NULL)
			break;
		i = e + 1;
	}
	*count = n;
	return v;
}

static int
is_blank(const struct line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (!isspace((unsigned char)l->s[i]))
			return 0;
	return 1;
}

static int
is_quoted(const struct line *l)
{
	size_t i = 0;

	while (i < l->len && (l->s[i] == ' ' || l->s[i] == '\t'))
		i++;
	return i < l->len && l->s[i] == '>';
}

/* A line with no letter or digit: a rule, a decoration, a lone mark. */
static int
is_decoration(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c))
			return 0;
		/* Non-ASCII: letters of other scripts count as words,
		 * except Gmail's lone U+1427 marker. */
		if (c >= 0x80) {
			if (len - i >= 3 && memcmp(s + i, "\xe1\x90\xa7", 3) == 0) {
				i += 2;
				continue;
			}
			if (c >= 0xC0 && !(c == 0xE2 && i + 1 < len &&
			    (unsigned char)s[i + 1] == 0x80))	/* U+20xx punctuation */
				return 0;
		}
	}
	return 1;
}

/* The rules see at most the first TRIM_MAX_LINE bytes of a line (cut at
 * a character boundary): attributions, sign-offs and boilerplate are
 * short, and a line of 100,000 dashes must not make one rule exhaust
 * the regex match limit and so leave the whole message unjudged. */
static int
match_line(struct rules_matcher *m, int target, const struct line *l)
{
	size_t len = l->len;

	if (len > TRIM_MAX_LINE) {
		len = TRIM_MAX_LINE;
		while (len > 0 && ((unsigned char)l->s[len] & 0xC0) == 0x80)
			len--;
	}
	return rules_match(m, target, l->s, len, NULL);
}

/* Does a quoted message's header block start at line i?  The header
 * rules see this line and the next few joined by newlines. */
static int
header_block(struct rules_matcher *m, struct line *v, size_t n, size_t i)
{
	struct strbuf sb;
	int rc;

	/* A header line is "Name: value": no colon, no header block. */
	if (memchr(v[i].s, ':', v[i].len) == NULL)
		return 0;
	sb_init(&sb, 4096);
	for (size_t k = i; k < n && k <= i + TRIM_HEADER_WINDOW - 1; k++) {
		if (k > i)
			sb_putc(&sb, '\n');
		sb_append(&sb, v[k].s, v[k].len);
	}
	rc = rules_match(m, RULES_T_HEADER, sb.s ? sb.s : "", sb.len, NULL);
	sb_free(&sb);
	return rc;
}

/* Is line i a cut line alone (1), with the next (2: attributions that
 * a client wrapped over two lines), or not (0)?  -1: regex limit. */
static int
cut_here(struct rules_matcher *m, struct line *v, size_t n, size_t i)
{
	int rc = match_line(m, RULES_T_CUT, &v[i]);

	/* A wrapped attribution ends with a colon ("... wrote:"). */
	if (rc != 0 || i + 1 >= n || is_blank(&v[i + 1]) || is_blank(&v[i]) ||
	    v[i + 1].s[v[i + 1].len - 1] != ':')
		return rc;
	char joined[1024];
	size_t a = v[i].len, b = v[i + 1].len;

	if (a + b + 2 > sizeof(joined))
		return 0;
	/* A sentence of the agent's above a one-line attribution: the
	 * attribution is cut on its own turn, the sentence stays.  (The
	 * first half of a wrapped attribution ends in a name, a date, a
	 * comma or '<', not in sentence punctuation.) */
	if (strchr(".!?)", v[i].s[v[i].len - 1]) &&
	    (rc = match_line(m, RULES_T_CUT, &v[i + 1])) != 0)
		return rc < 0 ? rc : 0;
	memcpy(joined, v[i].s, a);
	joined[a] = ' ';
	memcpy(joined + a + 1, v[i + 1].s, b);
	rc = rules_match(m, RULES_T_CUT, joined, a + 1 + b, NULL);
	return rc > 0 ? 2 : rc;
}

/* The first non-blank line at or after i, or n. */
static size_t
next_text(struct line *v, size_t n, size_t i)
{
	while (i < n && is_blank(&v[i]))
		i++;
	return i;
}

/* A sign-off ("Best regards,") followed by a short signature block:
 * returns how many name lines follow it, or -1 when what follows is
 * more text (then the line was no sign-off). */
static int
signature_follows(struct line *v, size_t n, size_t i)
{
	size_t k = next_text(v, n, i + 1);
	int names = 0;

	for (; k < n && names <= TRIM_NAME_LINES; k++) {
		/* The name block is one run of lines: a blank line ends it. */
		if (names > 0 && is_blank(&v[k]))
			break;
		if (v[k].len > TRIM_NAME_MAX && !is_quoted(&v[k]))
			return names == 0 ? -1 : names;
		/* "Von: ..." or an address: a header block, not a name */
		if (memchr(v[k].s, ':', v[k].len) || memchr(v[k].s, '@', v[k].len))
			break;
		names++;
	}
	return names > TRIM_NAME_LINES ? TRIM_NAME_LINES : names;
}

static void
keep(struct strbuf *out, const struct line *l)
{
	sb_append(out, l->s, l->len);
	sb_putc(out, '\n');
}

int
trim_text(struct rules_matcher *m, const char *in, size_t len,
    struct strbuf *out)
{
	size_t n;
	struct line *v = split_lines(in, len, &n);
	size_t start = out->len;
	int rc = 0, kept = 0;

	for (size_t i = 0; i < n; i++) {
		if (is_quoted(&v[i]))
			continue;
		if (is_blank(&v[i])) {
			if (kept)
				sb_putc(out, '\n');
			continue;
		}
		rules_prepare(m, v[i].s, v[i].len);	/* one prefilter pass a line */
		int cut = cut_here(m, v, n, i), from_header = 0;

		if (cut == 0) {
			cut = header_block(m, v, n, i);
			from_header = cut > 0;
		}
		if (cut < 0) {
			rc = -1;
			break;
		}
		if (cut > 0) {
			/* An attribution followed by '>' quotes: bottom-posting
			 * or inline answers; the unquoted lines after it are the
			 * agent's.  Followed by anything else, it is the start
			 * of the quoted message: stop. */
			size_t after = next_text(v, n, i + (size_t)cut);

			if (after < n && is_quoted(&v[after])) {
				i = after - 1;
				continue;
			}
			/* An attribution at the very top, with nothing of the
			 * agent's above it, followed by text: a client that
			 * puts its attribution first; the text is the reply. */
			if (!kept && !from_header && after < n) {
				i = after - 1;
				continue;
			}
			break;
		}
		if ((rc = match_line(m, RULES_T_DROP, &v[i])) != 0) {
			if (rc < 0)
				break;
			rc = 0;
			continue;
		}
		if (kept && (rc = match_line(m, RULES_T_SIGNOFF, &v[i])) != 0) {
			int names = rc > 0 ? signature_follows(v, n, i) : 0;

			if (rc < 0)
				break;
			rc = 0;
			if (names >= 0) {
				/* Keep the sign-off and the name; the company
				 * block, footers and banners below are not the
				 * agent's words. */
				keep(out, &v[i]);
				for (size_t k = next_text(v, n, i + 1); names > 0 && k < n;
				    k++, names--)
					if (!is_quoted(&v[k]))
						keep(out, &v[k]);
				break;
			}
		}
		keep(out, &v[i]);
		kept = 1;
	}
	free(v);

	/* Drop trailing blank and decoration lines ("--", "____", "***"). */
	for (;;) {
		while (out->len > start && (out->s[out->len - 1] == '\n' ||
		    out->s[out->len - 1] == ' '))
			out->len--;
		size_t ls = out->len;

		while (ls > start && out->s[ls - 1] != '\n')
			ls--;
		if (out->len == start || !is_decoration(out->s + ls, out->len - ls))
			break;
		out->len = ls;
	}
	if (out->s)
		out->s[out->len] = '\0';
	return rc;
}
