/*
 * html.c - HTML to plain text for analysis (see html.h).
 *
 * This is not a full HTML parser and does not need to be: it only has to
 * recover the words and the line structure of a mail body.  Tags are
 * scanned left to right once; an element whose content is dropped is
 * skipped up to its matching close tag, counting nested tags of the same
 * name, so the cost stays linear even on hostile input.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"

/* Elements that end a line of text. */
static const char *const block_tags[] = {
	"p", "div", "br", "tr", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
	"h6", "table", "hr", "pre", "section", "article", "header", "footer",
	"dt", "dd", "address", "center", "title", "form", "body", "html", NULL
};

/* Elements dropped with everything inside them. */
static const char *const drop_tags[] = {
	"head", "style", "script", "blockquote", "title", "template",
	"noscript", "object", "svg", NULL
};

/* Elements whose content is raw text, not markup. */
static const char *const raw_tags[] = {"script", "style", NULL};

/* Class or id values after which nothing is the agent's: Outlook on the
 * web puts the quoted message in the siblings that follow these. */
static const char *const cut_marks[] = {
	"divrplyfwdmsg", "appendonsend", NULL
};

/* Class or id values that mail clients put on quoted history and
 * signatures: the element is dropped like a blockquote. */
static const char *const drop_marks[] = {
	"gmail_quote", "gmail_signature", "gmail_extra", "moz-cite-prefix",
	"moz-signature", "yahoo_quoted", "divrplyfwdmsg", "appendonsend",
	"outlookmessageheader", "mail-signature", "zd-comment-quoted",
	"quote", "signature", NULL
};

static const struct {
	const char *name;
	unsigned cp;
} entities[] = {
	{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
	{"nbsp", ' '}, {"rsquo", 0x2019}, {"lsquo", 0x2018}, {"rdquo", 0x201D},
	{"ldquo", 0x201C}, {"ndash", 0x2013}, {"mdash", 0x2014},
	{"hellip", 0x2026}, {"eacute", 0xE9}, {"egrave", 0xE8},
	{"ecirc", 0xEA}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2},
	{"auml", 0xE4}, {"ouml", 0xF6}, {"uuml", 0xFC}, {"Auml", 0xC4},
	{"Ouml", 0xD6}, {"Uuml", 0xDC}, {"szlig", 0xDF}, {"ccedil", 0xE7},
	{"ntilde", 0xF1}, {"iacute", 0xED}, {"oacute", 0xF3}, {"uacute", 0xFA},
	{"euro", 0x20AC}, {"pound", 0xA3}, {"copy", 0xA9}, {"reg", 0xAE},
	{"trade", 0x2122}, {"bull", 0x2022}, {"middot", 0xB7}, {"zwnj", 0x200C},
	{"zwj", 0x200D}, {"shy", 0xAD}, {"laquo", 0xAB}, {"raquo", 0xBB},
	{"deg", 0xB0}, {"times", 0xD7},
};

void
utf8_put(struct strbuf *out, unsigned long cp)
{
	char b[4];

	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		b[0] = (char)cp;
		sb_append(out, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		sb_append(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		sb_append(out, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		sb_append(out, b, 4);
	}
}

static int
in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

/* Decode the entity at s (just after '&'); returns bytes used or 0. */
static size_t
entity(const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0;

	if (len > 1 && s[0] == '#') {
		unsigned long cp = 0;
		int hex = len > 2 && (s[1] == 'x' || s[1] == 'X');

		i = hex ? 2 : 1;
		size_t start = i;

		while (i < len && i < 10 && (hex ? isxdigit((unsigned char)s[i])
		    : isdigit((unsigned char)s[i]))) {
			int d = isdigit((unsigned char)s[i]) ? s[i] - '0'
			    : (tolower((unsigned char)s[i]) - 'a' + 10);

			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
			i++;
		}
		if (i == start)
			return 0;
		if (i < len && s[i] == ';')
			i++;
		/* cp1252's C1 range is what HTML writers mean by &#146; */
		if (cp == 0x92 || cp == 0x91)
			cp = cp == 0x92 ? 0x2019 : 0x2018;
		/* A reference to a control character (&#10;, &#27;) is white
		 * space at most: the text never carries a raw control. */
		if (cp == 0xA0 || cp < 0x20 || cp == 0x7F)
			cp = ' ';
		utf8_put(out, cp);
		return i;
	}
	while (i < len && i < 10 && isalnum((unsigned char)s[i]))
		i++;
	for (size_t k = 0; k < sizeof(entities) / sizeof(*entities); k++)
		if (strlen(entities[k].name) == i && memcmp(entities[k].name, s, i) == 0) {
			utf8_put(out, entities[k].cp);
			return i < len && s[i] == ';' ? i + 1 : i;
		}
	return 0;
}

struct tag {
	char name[16];
	int closing;
	int self_closing;
	int drop_mark;		/* class/id names quoted history */
	int cut_mark;		/* class/id after which the rest is quoted */
	size_t end;		/* index just after '>' */
};

/* Does the attribute text, in lower case, carry one of 'marks' as a
 * class or id? */
static int
has_mark(const char *low, const char *const *marks)
{
	for (const char *const *m = marks; *m; m++) {
		const char *p = strstr(low, *m);

		/* The whole word: "quote" must not match "blockquote-ish". */
		while (p) {
			size_t ml = strlen(*m);
			int left = p == low || !isalnum((unsigned char)p[-1]);
			int right = !isalnum((unsigned char)p[ml]) && p[ml] != '-' && p[ml] != '_';

			if (left && right)
				return 1;
			p = strstr(p + 1, *m);
		}
	}
	return 0;
}

/* The marks of an opening tag's attribute text (its first 511 bytes,
 * lower-cased once for both lists). */
static void
tag_marks(const char *a, size_t len, struct tag *t)
{
	char low[512];
	size_t n = len < sizeof(low) - 1 ? len : sizeof(low) - 1;

	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)a[i]);
	low[n] = '\0';
	if (strstr(low, "class") == NULL && strstr(low, "id") == NULL)
		return;
	t->drop_mark = has_mark(low, drop_marks);
	t->cut_mark = has_mark(low, cut_marks);
}

/* Parse the tag at html[i] == '<'; returns 0 if it is not a tag. */
static int
parse_tag(const char *h, size_t len, size_t i, struct tag *t)
{
	size_t j = i + 1, n = 0;

	memset(t, 0, sizeof(*t));
	if (j < len && h[j] == '/') {
		t->closing = 1;
		j++;
	}
	if (j >= len || !isalpha((unsigned char)h[j]))
		return 0;
	while (j < len && (isalnum((unsigned char)h[j]) || h[j] == ':' || h[j] == '-')) {
		if (n < sizeof(t->name) - 1)
			t->name[n++] = (char)tolower((unsigned char)h[j]);
		j++;
	}
	size_t attr = j;
	char quote = 0;

	for (; j < len; j++) {
		if (quote) {
			if (h[j] == quote)
				quote = 0;
		} else if (h[j] == '"' || h[j] == '\'')
			quote = h[j];
		else if (h[j] == '>')
			break;
	}
	t->end = j < len ? j + 1 : len;
	t->self_closing = j > 0 && j < len && h[j - 1] == '/';
	if (!t->closing)
		tag_marks(h + attr, j - attr, t);
	return 1;
}

/* Skip from just after an opening <name> to just after its </name>. */
static size_t
skip_element(const char *h, size_t len, size_t i, const char *name)
{
	int depth = 1;
	struct tag t;

	/* Script and style hold text, not tags ("if (a<b)"): look for the
	 * closing tag itself. */
	if (in_list(raw_tags, name)) {
		size_t n = strlen(name);

		for (; i + n + 2 <= len; i++) {
			const char *lt = memchr(h + i, '<', len - i);

			if (lt == NULL)
				break;
			i = (size_t)(lt - h);
			if (i + n + 2 <= len && h[i + 1] == '/' &&
			    str_ncasecmp_ascii(h + i + 2, name, n) == 0) {
				const char *e = memchr(h + i, '>', len - i);

				return e ? (size_t)(e - h) + 1 : len;
			}
		}
		return len;
	}

	while (i < len) {
		const char *lt = memchr(h + i, '<', len - i);

		if (lt == NULL)
			return len;
		i = (size_t)(lt - h);
		if (len - i >= 4 && memcmp(h + i, "<!--", 4) == 0) {
			const char *e = strstr(h + i + 4, "-->");

			i = e ? (size_t)(e - h) + 3 : len;
			continue;
		}
		if (!parse_tag(h, len, i, &t)) {
			i++;
			continue;
		}
		if (strcmp(t.name, name) == 0 && !t.self_closing)
			depth += t.closing ? -1 : 1;
		i = t.end;
		if (depth == 0)
			return i;
	}
	return len;
}

/* A pending space is written before the next visible character. */
static void
flush_space(struct strbuf *out, int *space)
{
	if (*space && out->len && out->s[out->len - 1] != '\n')
		sb_putc(out, ' ');
	*space = 0;
}

void
html_to_text(const char *h, size_t len, struct strbuf *out)
{
	size_t i = 0;
	int space = 0, pre = 0;

	while (i < len && !out->overflow) {
		char c = h[i];

		if (c == '<') {
			struct tag t;

			if (len - i >= 4 && memcmp(h + i, "<!--", 4) == 0) {
				const char *e = memmem(h + i + 4, len - i - 4, "-->", 3);

				i = e ? (size_t)(e - h) + 3 : len;
				continue;
			}
			if (len - i >= 2 && (h[i + 1] == '!' || h[i + 1] == '?')) {
				const char *e = memchr(h + i, '>', len - i);

				i = e ? (size_t)(e - h) + 1 : len;
				continue;
			}
			if (!parse_tag(h, len, i, &t)) {
				flush_space(out, &space);
				sb_putc(out, '<');
				i++;
				continue;
			}
			if (t.cut_mark)
				return;	/* the rest is the quoted message */
			i = t.end;
			if (!t.closing && !t.self_closing &&
			    (in_list(drop_tags, t.name) || t.drop_mark) &&
			    strcmp(t.name, "br") != 0) {
				i = skip_element(h, len, i, t.name);
				sb_putc(out, '\n');
				space = 0;
				continue;
			}
			if (strcmp(t.name, "pre") == 0)
				pre = !t.closing;
			if (in_list(block_tags, t.name)) {
				sb_putc(out, '\n');
				if (strcmp(t.name, "p") == 0 && t.closing)
					sb_putc(out, '\n');
				space = 0;
			} else if (strcmp(t.name, "td") == 0 || strcmp(t.name, "th") == 0)
				space = 1;
			continue;
		}
		if (c == '&') {
			size_t used;

			/* The space before "&pound;" or a bare '&' stays. */
			flush_space(out, &space);
			used = entity(h + i + 1, len - i - 1, out);
			if (used) {
				i += used + 1;
				space = 0;
				continue;
			}
		}
		if (!pre && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
			space = 1;
			i++;
			continue;
		}
		flush_space(out, &space);
		/* A whole character at a time: when MaxScanBytes cuts the
		 * text, sb_append() drops whole characters, never half of one
		 * (the text must stay valid UTF-8). */
		size_t k = 1;

		if ((unsigned char)c >= 0xC0)
			while (k < 4 && i + k < len && ((unsigned char)h[i + k] & 0xC0) == 0x80)
				k++;
		sb_append(out, h + i, k);
		i += k;
	}
}
