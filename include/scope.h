/*
 * scope.h - is this message an outbound support reply that we judge?
 *
 * DESIGN.md's scope rules, in the order they are tried: null sender,
 * Auto-Submitted, delivery report, Precedence bulk|list|junk, mailing
 * list headers, a sender not covered by SupportSenders, not a reply
 * (no In-Reply-To, no References, no Re:-style subject), and internal
 * (no recipient outside the sender's domain and InternalDomains).
 * The milter passes the SMTP envelope; offline checks have only the
 * headers, and scope_decide() falls back to them.
 */
#ifndef CARE_SCOPE_H
#define CARE_SCOPE_H

#include <gmime/gmime.h>

#include "care.h"
#include "config.h"

struct care_envelope {
	const char *mail_from;	/* without <>; "" is the null sender */
	char *const *rcpts;	/* without <> */
	size_t nrcpts;
};

/* 'top' is the message's top MIME object, with all its header fields
 * (GMime's construct_part: see pipeline.c); 'from' the address of the
 * first mailbox of its From fields (scope_from(top)), or NULL.  The
 * caller has read it already for the verdict's identity. */
enum care_skip scope_decide(const struct config *cf, GMimeObject *top,
    const char *from, const struct care_envelope *env);

/* The header fields named 'name' (every one of them, as GMimeMessage
 * does) parsed as one address list; unref it. */
InternetAddressList *scope_addresses(GMimeObject *top, const char *name);

/* The value of the last header field named 'name' (the one that counts,
 * as in GMimeMessage), decoded, or NULL. */
const char *scope_last_header(GMimeObject *top, const char *name);

/* The address of the first mailbox of a list, or NULL. */
const char *scope_first_mailbox(InternetAddressList *list);

/* scope_first_mailbox(scope_addresses(top, "From")), faster (see
 * scope.c), as a copy to free; NULL when there is none. */
char *scope_from(GMimeObject *top);

/* An address within a header value. */
struct scope_span {
	const char *s;
	size_t len;
};

/* The addresses (local@domain) of a plain address list value, at most
 * max: "Name" <local@domain> and local@domain, comma separated.  0 for
 * an empty value; -1 when the value is anything else, for GMime's
 * parser to read (see scope.c). */
int scope_simple_addresses(const char *value, struct scope_span *out, int max);

/* Exposed for tests. */
int scope_is_reply_subject(const char *subject);
int scope_domain_covered(const char *domain, char *const *list);
const char *scope_domain_of(const char *address);

#endif
