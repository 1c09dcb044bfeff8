/*
 * html.h - turn an HTML mail body into the plain text a reader sees.
 *
 * Block elements become line breaks, entities are decoded, and what the
 * agent did not write in this message is dropped with its content:
 * <head>, <style>, <script>, <blockquote>, and the quote and signature
 * containers that mail clients mark (gmail_quote, moz-cite-prefix, ...).
 * Input is UTF-8; the work is linear in its length.
 */
#ifndef CARE_HTML_H
#define CARE_HTML_H

#include <stddef.h>

#include "util.h"

void html_to_text(const char *html, size_t len, struct strbuf *out);

/* Append the UTF-8 encoding of code point 'cp' (invalid ones as U+FFFD). */
void utf8_put(struct strbuf *out, unsigned long cp);

#endif
