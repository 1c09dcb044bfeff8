/*
 * good.c - passes every check: what the checks must accept.
 */
#include <stdio.h>
#include <string.h>

#include "good-header.h"

#define GOOD_MAX 4		/* a comment after a tab */
#define GOOD_ADD(a, b) ((a) + (b))

struct flags {
	unsigned on:1;		/* a bit field is not a label */
	unsigned off : 1;
};

static const int table[] = {
	1, 2,
	3
};

/*
 * A block comment: each line after the first starts with " * ".
 */
static int
good_count(const char *s, int (*keep)(int),
    size_t max)
{
	int n = 0;

	for (size_t i = 0; s[i] != '\0' && i < max; i++) {
		if (keep((unsigned char)s[i]))
			n++;
		else if (s[i] == ',' || s[i] == ';' ||
		    s[i] == '(')
			n += 2;
		else
			continue;
	}
	return n;
}

static int
always(int c)
{
	return c != 0;
}

/* A name in upper case is a macro that opens a function (Check's
 * START_TEST): it needs no return type line. */
#define GOOD_TEST(name) static void name(void)

GOOD_TEST(good_test)
{
	puts(
	    "a line that is nothing but one string literal may run past the limit, so that it can be grepped for");
}

int
good_exported(int x)
{
	struct flags f = (struct flags){1, 0};
	char buf[16];
	int r = 0, i;

	strcpy(buf, "literal");	/* outside milter/, and a literal anyway */
	switch (x) {
	case 0:
		r = GOOD_ADD(x, f.on);
		break;
	default:
		r = x > GOOD_MAX ?
		    GOOD_MAX : x;
		break;
	}
	for (i = 0; ; i++) {
		if (i >= r)
			goto out;
		r -= good_count(buf /* a comment */, always, sizeof(buf));
	}
out:
	if (r == 0 && x != 0) {
		r = -1;
	} else if (r < 0) {
		r = 0;
	} else {
		r <<= 1;
	}
	good_test();
	return (r) ? r + table[0] : f.off;
}

int
main(void)
{
	const char *url = "http://example.org/x";	/* not a // comment */

	for (;;)
		break;
	printf("%d %s;%s\n", good_exported(3), url, "a ,b");
	return 0;
}
