/*
 * extract.c - the agent's text from a MIME message (see extract.h).
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "extract.h"
#include "html.h"
#include "trim.h"

struct walk {
	const struct config *cf;
	unsigned parts;
	int limited;		/* a depth or part bound was reached */
};

/* Length of the valid UTF-8 sequence at s, or 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	size_t need;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		need = 2, cp = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		need = 3, cp = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return need;
}

static int
utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		i += str_ascii_run(s + i, n - i);
		if (i == n)
			break;
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);

		if (k == 0)
			return 0;
		i += k;
	}
	return 1;
}

/* Copy UTF-8, replacing invalid bytes by U+FFFD, dropping NUL and C0
 * controls other than tab and newline, and turning CR LF into LF. */
static void
utf8_clean(const char *s, size_t n, struct strbuf *out)
{
	for (size_t i = 0; i < n && !out->overflow;) {
		unsigned char c = (unsigned char)s[i];
		size_t j = i;

		/* What stays as it is, the bulk of any mail, in one copy:
		 * printable ASCII, tab, newline, valid UTF-8. */
		while (j < n) {
			j += str_ascii_run(s + j, n - j);
			if (j == n)
				break;
			unsigned char d = (unsigned char)s[j];
			size_t k;

			if ((d >= 0x20 && d < 0x80) || d == '\n' || d == '\t')
				j++;
			else if (d >= 0x80 &&
			    (k = utf8_seq((const unsigned char *)s + j, n - j)) > 0)
				j += k;
			else
				break;
		}
		if (j > i) {
			sb_append(out, s + i, j - i);
			i = j;
			continue;
		}
		size_t k = utf8_seq((const unsigned char *)s + i, n - i);

		if (k == 0) {
			utf8_put(out, 0xFFFD);
			i++;
		} else if (c < 0x20 && c != '\n' && c != '\t') {
			if (c == '\r' && !(i + 1 < n && s[i + 1] == '\n'))
				sb_putc(out, '\n');
			i++;
		} else {
			sb_append(out, s + i, k);
			i += k;
		}
	}
}

/* windows-1252's 0x80-0x9F; the rest of the byte range is Latin-1. */
static const unsigned short cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
};

static void
cp1252_to_utf8(const char *s, size_t n, struct strbuf *tmp)
{
	for (size_t i = 0; i < n && !tmp->overflow; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80)
			sb_putc(tmp, (char)c);
		else if (c < 0xA0)
			utf8_put(tmp, cp1252_high[c - 0x80]);
		else
			utf8_put(tmp, c);
	}
}

static int
is_charset(const char *cs, const char *const *names)
{
	for (; *names; names++)
		if (str_casecmp_ascii(cs, *names) == 0)
			return 1;
	return 0;
}

/* iconv with every invalid sequence replaced; -1 if iconv cannot open. */
static int
iconv_to_utf8(const char *in, size_t len, const char *charset,
    struct strbuf *tmp)
{
	iconv_t cd = iconv_open("UTF-8", g_mime_charset_iconv_name(charset));
	char buf[4096];

	if (cd == (iconv_t)-1)
		return -1;
	char *ip = (char *)in;
	size_t il = len;

	while (il > 0 && !tmp->overflow) {
		char *op = buf;
		size_t ol = sizeof(buf);
		size_t r = iconv(cd, &ip, &il, &op, &ol);

		sb_append(tmp, buf, (size_t)(op - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			/* EILSEQ or EINVAL (truncated): one bad byte. */
			utf8_put(tmp, 0xFFFD);
			ip++;
			il--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
	return 0;
}

void
extract_to_utf8(const char *in, size_t len, const char *charset,
    struct strbuf *out)
{
	static const char *const utf8[] = {"utf-8", "utf8", NULL};
	static const char *const guess[] = {"us-ascii", "ascii", "iso-8859-1",
		"latin1", "windows-1252", "cp1252", "x-unknown", "unknown-8bit",
		"default", NULL};
	struct strbuf tmp;

	sb_init(&tmp, out->limit ? out->limit * 2 : 0);
	if (charset && is_charset(charset, utf8))
		utf8_clean(in, len, out);	/* bad bytes become U+FFFD */
	else if (charset == NULL || is_charset(charset, guess)) {
		/* Undeclared, ASCII or Latin-1 text is often really UTF-8:
		 * valid UTF-8 is taken as such, the rest as windows-1252. */
		if (utf8_valid(in, len))
			utf8_clean(in, len, out);
		else
			cp1252_to_utf8(in, len, &tmp);
	} else if (iconv_to_utf8(in, len, charset, &tmp) < 0) {
		/* An unknown charset: never a reason to give up. */
		if (utf8_valid(in, len))
			utf8_clean(in, len, out);
		else
			cp1252_to_utf8(in, len, &tmp);
	}
	if (tmp.len)
		utf8_clean(tmp.s, tmp.len, out);
	if (tmp.overflow)
		out->overflow = 1;
	sb_free(&tmp);
}

static int
is_attachment(GMimeObject *obj)
{
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(obj);

	if (d && g_mime_content_disposition_is_attachment(d))
		return 1;
	/* A text part with a file name is a file, not the body. */
	return GMIME_IS_PART(obj) && g_mime_part_get_filename(GMIME_PART(obj)) != NULL;
}

static int
is_text(GMimeObject *obj, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct && g_mime_content_type_is_type(ct, "text", subtype);
}

/* The encoded bytes of a part, where GMime left them: in the memory
 * stream of the message (pipeline.c parses in place), as a substream.
 * -1 when they are anywhere else. */
static int
content_bytes(GMimeDataWrapper *w, const unsigned char **data, size_t *len)
{
	GMimeStream *st = g_mime_data_wrapper_get_stream(w);
	GByteArray *ba;

	if (st == NULL || !GMIME_IS_STREAM_MEM(st) ||
	    (ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(st))) == NULL)
		return -1;
	gint64 start = st->bound_start, end = st->bound_end;

	if (end < 0 || end > (gint64)ba->len)
		end = ba->len;
	if (start < 0 || start > end)
		return -1;
	*data = ba->data + start;
	*len = (size_t)(end - start);
	return 0;
}

/* A part's content, decoded (base64, quoted-printable) into *buf, which
 * the caller frees; or, when it is not encoded, its bytes in place.  The
 * same steps as GMime's decoding filter, without the three GObjects a
 * stream would cost.  (uuencode, which that filter also reads past a
 * "begin" line, and content kept elsewhere take the stream.) */
static void
part_decode(GMimeDataWrapper *w, const char **text, size_t *len, char **buf)
{
	const unsigned char *data;
	size_t n;
	GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(w);

	*buf = NULL;
	if (enc == GMIME_CONTENT_ENCODING_UUENCODE || content_bytes(w, &data, &n) < 0) {
		GMimeStream *mem = g_mime_stream_mem_new();
		GByteArray *ba;

		g_mime_data_wrapper_write_to_stream(w, mem);
		ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
		*buf = xmalloc(ba->len + 1);
		memcpy(*buf, ba->data, ba->len);
		*text = *buf;
		*len = ba->len;
		g_object_unref(mem);
		return;
	}
	if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
	    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		*text = (const char *)data;
		*len = n;
		return;
	}
	GMimeEncoding state;

	g_mime_encoding_init_decode(&state, enc);
	*buf = xmalloc(g_mime_encoding_outlen(&state, n) + 1);
	*len = g_mime_encoding_step(&state, (const char *)data, n, *buf);
	*len += g_mime_encoding_flush(&state, (const char *)data + n, 0, *buf + *len);
	*text = *buf;
}

/* Decode one text part and append its text. */
static void
part_text(GMimeObject *obj, struct strbuf *out)
{
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
	struct strbuf utf;
	const char *text;
	size_t len;
	char *buf;

	if (w == NULL)
		return;
	part_decode(w, &text, &len, &buf);
	sb_init(&utf, out->limit);
	extract_to_utf8(text, len,
	    g_mime_object_get_content_type_parameter(obj, "charset"), &utf);
	free(buf);
	if (out->len && out->s[out->len - 1] != '\n')
		sb_puts(out, "\n\n");
	if (is_text(obj, "html"))
		html_to_text(utf.s ? utf.s : "", utf.len, out);
	else
		sb_append(out, utf.s ? utf.s : "", utf.len);
	if (utf.overflow)
		out->overflow = 1;
	sb_free(&utf);
}

static void walk(struct walk *wk, GMimeObject *obj, unsigned depth,
    struct strbuf *out);

/* multipart/alternative: the plain text if there is one, else HTML,
 * else the first nested multipart (related, mixed). */
static void
walk_alternative(struct walk *wk, GMimeMultipart *mp, unsigned depth,
    struct strbuf *out)
{
	int n = g_mime_multipart_get_count(mp);
	GMimeObject *pick = NULL;
	static const char *const order[] = {"plain", "html"};

	for (size_t o = 0; o < 2 && pick == NULL; o++)
		for (int i = 0; i < n; i++) {
			GMimeObject *c = g_mime_multipart_get_part(mp, i);

			if (GMIME_IS_PART(c) && is_text(c, order[o]) && !is_attachment(c)) {
				pick = c;
				break;
			}
		}
	for (int i = 0; i < n && pick == NULL; i++) {
		GMimeObject *c = g_mime_multipart_get_part(mp, i);

		if (GMIME_IS_MULTIPART(c))
			pick = c;
	}
	if (pick)
		walk(wk, pick, depth + 1, out);
}

static void
walk(struct walk *wk, GMimeObject *obj, unsigned depth, struct strbuf *out)
{
	if (out->overflow)
		return;
	if (depth > wk->cf->max_mime_depth || ++wk->parts > wk->cf->max_mime_parts) {
		wk->limited = 1;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		GMimeContentType *ct = g_mime_object_get_content_type(obj);

		if (ct && g_mime_content_type_is_type(ct, "multipart", "alternative")) {
			walk_alternative(wk, mp, depth, out);
			return;
		}
		/* Signed and encrypted parts: only the first is content. */
		int n = g_mime_multipart_get_count(mp);

		if (ct && (g_mime_content_type_is_type(ct, "multipart", "signed") ||
		    g_mime_content_type_is_type(ct, "multipart", "encrypted")))
			n = n > 0 ? 1 : 0;
		for (int i = 0; i < n && !out->overflow; i++)
			walk(wk, g_mime_multipart_get_part(mp, i), depth + 1, out);
		return;
	}
	/* message/rfc822 is a forwarded or returned message: not ours. */
	if (!GMIME_IS_PART(obj) || is_attachment(obj))
		return;
	if (is_text(obj, "plain") || is_text(obj, "html"))
		part_text(obj, out);
}

int
extract_text(GMimeObject *top, const struct config *cf,
    struct rules_matcher *m, struct strbuf *out)
{
	struct walk wk = {cf, 0, 0};
	struct strbuf body;
	int rc;

	sb_init(&body, cf->max_scan_bytes);
	if (top)
		walk(&wk, top, 0, &body);
	rc = trim_text(m, body.s ? body.s : "", body.len, out);
	int cut = body.overflow || wk.limited || out->overflow;

	sb_free(&body);
	return rc < 0 ? -1 : cut;
}
