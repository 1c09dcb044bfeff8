/*
 * policy.c - findings to accept, flag, hold or reject (see policy.h).
 */
#include "policy.h"

static int
count_bits(unsigned x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/* Has a tier with this threshold and issue set been reached? */
static int
reached(int missing, unsigned issues, int threshold, unsigned issue_set)
{
	return (threshold > 0 && missing >= threshold) || (issues & issue_set) != 0;
}

void
policy_decide(const struct config *cf, struct care_verdict *v)
{
	unsigned issues = 0;

	v->missing = 0;
	v->action = CARE_ACCEPT;
	if (v->skip != CARE_SKIP_NONE)
		return;
	for (int e = 0; e < CARE_NELEMENTS; e++)
		if ((cf->required & (1u << e)) && !v->elements[e].present)
			v->missing |= 1u << e;
	for (int i = 0; i < CARE_NISSUES; i++)
		if (v->issues[i].present)
			issues |= 1u << i;

	int missing = count_bits(v->missing);

	if (cf->reject && reached(missing, issues, cf->reject_missing, cf->reject_issues))
		v->action = CARE_REJECT;
	else if (reached(missing, issues, cf->hold_missing, cf->hold_issues))
		v->action = CARE_HOLD;
	else if (reached(missing, issues, cf->flag_missing, cf->flag_issues))
		v->action = CARE_FLAG;
}
