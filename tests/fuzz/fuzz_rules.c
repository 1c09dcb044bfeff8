/*
 * fuzz_rules.c - libFuzzer target: bytes as a rule file.
 *
 * The input is written to a scratch file and loaded with rules_load()
 * (which also checks every rule's examples and counter-examples).  When
 * it loads, a few sentences are matched against every target, with the
 * default regex limits, the way analyze and trim use the set.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#include "fuzz_common.h"

static const char *const sentences[] = {
	"",
	"I'm so sorry your order arrived damaged, and I understand how frustrating that is.",
	"We can't refund it, but I've issued a replacement that ships today.",
	"Let me know if this fixes it!",
	"Sorry for any inconvenience caused; this is not our fault.",
	"On Mon, 3 Jun 2024 at 10:00, Jane <jane@example.com> wrote:",
	"From: Jane\nSent: Monday\nTo: Support\nSubject: Re: order",
	"-- ",
	"\xc3\xa9t\xc3\xa9 \xe2\x80\x99 \xf0\x9f\x98\x80 caf\xc3\xa9 however",
	"We can't refund it -",
};

static char *long_sentence;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char unit[] = "sorry sorry but however although ";
	size_t n = 3000;

	(void)argc;
	(void)argv;
	long_sentence = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		long_sentence[i] = unit[i % (sizeof(unit) - 1)];
	long_sentence[n] = '\0';
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *files[2] = {NULL, NULL};
	size_t msgbytes = 0;
	struct rules_set *rs;

	files[0] = (char *)fuzz_tmpfile(".rules", data, size);
	rs = rules_load(files, 100000, 1000, fuzz_quiet, &msgbytes);
	if (rs == NULL)
		return 0;
	struct rules_matcher *m = rules_matcher_new(rs);

	(void)rules_count(rs);
	for (int t = -1; t <= RULES_NTARGETS; t++) {
		for (size_t i = 0; i < sizeof(sentences) / sizeof(*sentences); i++) {
			const char *name = NULL;
			/* Matched from a copy of exactly its length, as analyze
			 * passes slices of a larger buffer. */
			size_t len = strlen(sentences[i]);
			char *copy = malloc(len ? len : 1);

			memcpy(copy, sentences[i], len);
			if (rules_match(m, t, copy, len, &name) > 0 && name == NULL)
				abort();
			free(copy);
		}
		rules_match(m, t, long_sentence, strlen(long_sentence), NULL);
	}
	rules_matcher_free(m);
	rules_free(rs);
	return 0;
}
