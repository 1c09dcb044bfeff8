/*
 * fuzz_prefilter.c - libFuzzer target: the literal prefilter must never
 * change a result (prefilter.h).
 *
 * Input: a PCRE2 pattern on the first line, a text after it.  When the
 * pattern compiles with the rules' options (UTF, caseless, UCP) and
 * matches the text, the prefilter must say that it may match that
 * text, whichever way it reads \s (PREFILTER_SPACE or not).  Any "cannot match" for a text that does match is a rule that
 * silently stops firing.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefilter.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t plen = nl ? (size_t)(nl - data) : size;
	const char *text = nl ? (const char *)nl + 1 : "";
	size_t tlen = nl ? size - plen - 1 : 0;
	char *pat;
	pcre2_code *re;
	int code;
	PCRE2_SIZE off;

	if (memchr(data, '\0', plen))
		return 0;
	pat = malloc(plen + 1);
	memcpy(pat, data, plen);
	pat[plen] = '\0';
	re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_CASELESS | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
	    &code, &off, NULL);
	if (re == NULL) {
		free(pat);
		return 0;
	}
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	pcre2_set_match_limit(mc, 100000);
	pcre2_set_depth_limit(mc, 1000);

	/* Both ways of reading \s: as any white space, and as ' ' (then a
	 * text with other white space must not be filtered at all). */
	int matches = pcre2_match(re, (PCRE2_SPTR)text, tlen, 0, 0, md, mc) >= 0;

	for (int flags = 0; flags <= PREFILTER_SPACE; flags += PREFILTER_SPACE) {
		struct prefilter *pf = prefilter_new(flags);
		int id = prefilter_add(pf, pat);

		prefilter_build(pf);
		unsigned char *found = malloc(prefilter_state_size(pf));

		prefilter_scan(pf, text, tlen, found);
		if (matches && !prefilter_may_match(pf, id, found)) {
			fprintf(stderr, "fuzz_prefilter: /%s/ matches \"%.*s\" but the "
			    "prefilter (flags %d) says it cannot\n", pat, (int)tlen,
			    text, flags);
			abort();
		}
		free(found);
		prefilter_free(pf);
	}
	pcre2_match_context_free(mc);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	free(pat);
	return 0;
}
