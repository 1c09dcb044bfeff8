/*
 * extract.h - from a parsed message to the words the agent wrote.
 *
 * Picks the text/plain of a multipart/alternative (else the HTML turned
 * into text), skips attachments, forwarded messages and non-text parts,
 * decodes every transfer encoding and charset to valid UTF-8 (invalid
 * bytes become U+FFFD, unknown charsets are read as windows-1252), and
 * hands the result to trim for quotes, signatures and footers.
 * Work is bounded: MaxMimeDepth, MaxMimePart and MaxScanBytes of text.
 */
#ifndef CARE_EXTRACT_H
#define CARE_EXTRACT_H

#include <gmime/gmime.h>

#include "config.h"
#include "rules.h"
#include "util.h"

/* Fill 'out' with the agent's text.  Returns 1 when a bound cut the
 * text (MaxScanBytes, MIME depth or part count), 0 when it is whole,
 * -1 when a regex limit stopped a trimming rule. */
int extract_text(GMimeObject *top, const struct config *cf,
    struct rules_matcher *m, struct strbuf *out);

/* Append 'len' bytes in 'charset' (NULL: guess) as clean UTF-8. */
void extract_to_utf8(const char *in, size_t len, const char *charset,
    struct strbuf *out);

#endif
