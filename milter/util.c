/*
 * util.c - memory and string helpers (see util.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "care.h"
#include "log.h"
#include "util.h"

/* The one place where an allocation failure is handled. */
static void
out_of_memory(size_t n)
{
	log_msg(LOG_LEVEL_ERR, "out of memory allocating %zu bytes", n);
	_exit(75);		/* EX_TEMPFAIL: the MTA keeps the mail */
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		out_of_memory(strlen(fmt));
	va_end(ap);
	return p;
}

void
sb_init(struct strbuf *sb, size_t limit)
{
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->limit = limit;
	sb->overflow = 0;
}

void
sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb_init(sb, sb->limit);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->overflow = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

void
sb_append(struct strbuf *sb, const char *s, size_t n)
{
	if (sb->limit && sb->len + n > sb->limit) {
		sb->overflow = 1;
		n = sb->limit > sb->len ? sb->limit - sb->len : 0;
		/* Text stays valid UTF-8: do not keep half a character. */
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 256;

		while (cap < sb->len + n + 1)
			cap *= 2;
		sb->s = xrealloc(sb->s, cap);
		sb->cap = cap;
	}
	if (n)
		memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
}

void
sb_puts(struct strbuf *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

void
sb_putc(struct strbuf *sb, char c)
{
	sb_append(sb, &c, 1);
}

void
sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_append(sb, small, (size_t)n);
		return;
	}
	char *big = xmalloc((size_t)n + 1);

	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_append(sb, big, (size_t)n);
	free(big);
}

char *
sb_steal(struct strbuf *sb)
{
	char *s = sb->s ? sb->s : xstrdup("");

	sb_init(sb, sb->limit);
	return s;
}

int
str_casecmp_ascii(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

int
str_ncasecmp_ascii(const char *a, const char *b, size_t n)
{
	for (; n > 0; a++, b++, n--) {
		int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
	return 0;
}

char *
str_trim(char *s)
{
	char *e;

	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void
str_lower_ascii(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
str_has_suffix_ci(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && str_casecmp_ascii(s + ls - lx, suffix) == 0;
}

size_t
str_ascii_run(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		/* a byte under 0x20, or at or over 0x80, anywhere in w */
		if (((w - 0x20 * ones) | w) & highs)
			break;
	}
	return i;
}

char **
str_list_split(const char *s, size_t *count)
{
	size_t n = 0, cap = 4;
	char **v = xmalloc(cap * sizeof(*v));

	while (*s) {
		while (*s && (*s == ',' || isspace((unsigned char)*s)))
			s++;
		if (!*s)
			break;
		const char *w = s;

		while (*s && *s != ',' && !isspace((unsigned char)*s))
			s++;
		if (n + 2 > cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = xstrndup(w, (size_t)(s - w));
	}
	v[n] = NULL;
	if (count)
		*count = n;
	return v;
}

void
str_list_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int
file_read(const char *path, char **data, size_t *len, size_t limit)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct strbuf sb;
	char chunk[65536];
	size_t n;

	if (fp == NULL)
		return -1;
	sb_init(&sb, limit);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		sb_append(&sb, chunk, n);
		if (sb.overflow)
			break;
	}
	int bad = ferror(fp);

	if (fp != stdin)
		fclose(fp);
	if (bad) {
		sb_free(&sb);
		errno = EIO;
		return -1;
	}
	*len = sb.len;
	*data = sb_steal(&sb);
	return 0;
}

double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
