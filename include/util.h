/*
 * util.h - memory and string helpers used by every module.
 *
 * Allocation failure is handled in one place: xmalloc() and friends log
 * and exit, so callers never test for NULL.  For a milter that is the
 * safe choice: the MTA sees the connection drop and applies its own
 * milter_default_action, and no half-built verdict is ever acted on.
 *
 * struct strbuf is a growable, always NUL-terminated byte buffer with an
 * optional hard limit; appends past the limit are dropped and remembered
 * in 'overflow', which is how MaxScanBytes bounds memory per message.
 */
#ifndef CARE_UTIL_H
#define CARE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
	size_t limit;		/* 0: unlimited */
	int overflow;		/* an append was cut by the limit */
};

void sb_init(struct strbuf *sb, size_t limit);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_putc(struct strbuf *sb, char c);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *sb_steal(struct strbuf *sb);	/* hand over the string, reset sb */

/* ASCII-only helpers: mail syntax is ASCII, text is UTF-8. */
int str_casecmp_ascii(const char *a, const char *b);
int str_ncasecmp_ascii(const char *a, const char *b, size_t n);
char *str_trim(char *s);		/* in place, returns s advanced */
void str_lower_ascii(char *s);
int str_has_suffix_ci(const char *s, const char *suffix);
/* Bytes of printable ASCII (0x20-0x7F) at the start of s[0..n), in
 * whole 8-byte words: the bulk of any mail, passed over without a look
 * at each byte.  The caller goes on byte by byte from there. */
size_t str_ascii_run(const char *s, size_t n);

/* Split a list "a, b c" on commas and white space into a NULL-ended
 * vector of malloc'd words; free with str_list_free(). */
char **str_list_split(const char *s, size_t *count);
void str_list_free(char **v);

/* Read a whole file (at most 'limit' bytes, 0 = no limit). */
int file_read(const char *path, char **data, size_t *len, size_t limit);

double now_ms(void);

#endif
