/*
 * trim.h - keep only what the agent wrote in this message.
 *
 * Works on UTF-8 text line by line with the rule set's trimming rules
 * (conf/rules/trim.rules): '>' quotes are dropped; a 'cut' line (an
 * "On ... wrote:" attribution, "-----Original Message-----", "-- ", a
 * mobile signature, a helpdesk marker, a disclaimer) ends the agent's
 * text; two or more 'header' lines together (an Outlook From:/Sent:
 * block) end it too; 'drop' lines (helpdesk boilerplate) are removed.
 */
#ifndef CARE_TRIM_H
#define CARE_TRIM_H

#include "rules.h"
#include "util.h"

/* Returns -1 when a regex limit stopped a rule, else 0. */
int trim_text(struct rules_matcher *m, const char *in, size_t len,
    struct strbuf *out);

#endif
