/*
 * test_policy.c - policy.c: findings to accept, flag, hold or reject.
 * Required elements, the tiers by count of missing elements and by
 * issue kind, the highest tier winning, Reject as the master switch,
 * skipped messages always accepted.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "unit.h"

#define ACK (1u << CARE_ACK)
#define EMP (1u << CARE_EMPATHY)
#define SOL (1u << CARE_SOLUTION)
#define FUP (1u << CARE_FOLLOW_UP)
#define ALL (ACK | EMP | SOL | FUP)

#define CLI (1u << CARE_CLICHE)
#define CON (1u << CARE_CONDITIONAL)
#define BLA (1u << CARE_BLAME)
#define EXC (1u << CARE_EXCUSE)

/* Decide for a verdict with these elements present and issues found;
 * *missing gets the missing set. */
static enum care_action
decide(const struct config *cf, unsigned present, unsigned issues,
    enum care_skip skip, unsigned *missing)
{
	struct care_verdict v;

	care_verdict_init(&v);
	v.skip = skip;
	for (int e = 0; e < CARE_NELEMENTS; e++)
		v.elements[e].present = (present >> e) & 1;
	for (int i = 0; i < CARE_NISSUES; i++)
		v.issues[i].present = (issues >> i) & 1;
	v.missing = 0xFF;		/* stale values are overwritten */
	v.action = CARE_REJECT;
	policy_decide(cf, &v);
	if (missing)
		*missing = v.missing;
	return v.action;
}

#define ACTION_EQ(cf, present, issues, want) do { \
	enum care_action got_ = decide((cf), (present), (issues), CARE_SKIP_NONE, NULL); \
	ck_assert_msg(got_ == (want), "present %#x issues %#x: %s, wanted %s", \
	    (present), (issues), care_action_name(got_), care_action_name(want)); \
} while (0)

START_TEST(defaults)
{
	struct config *cf = unit_config(NULL);
	unsigned missing;

	/* FlagMissing 1, HoldMissing 3, every issue flags, blame holds. */
	ACTION_EQ(cf, ALL, 0, CARE_ACCEPT);
	ACTION_EQ(cf, ACK | SOL | FUP, 0, CARE_FLAG);
	ACTION_EQ(cf, ACK | SOL, 0, CARE_FLAG);
	ACTION_EQ(cf, ACK, 0, CARE_HOLD);
	ACTION_EQ(cf, 0, 0, CARE_HOLD);
	ACTION_EQ(cf, ALL, CLI, CARE_FLAG);
	ACTION_EQ(cf, ALL, CON, CARE_FLAG);
	ACTION_EQ(cf, ALL, EXC, CARE_FLAG);
	ACTION_EQ(cf, ALL, BLA, CARE_HOLD);
	ACTION_EQ(cf, ALL, CLI | CON | EXC, CARE_FLAG);
	/* Reject is off by default: nothing is ever rejected. */
	ACTION_EQ(cf, 0, CLI | CON | BLA | EXC, CARE_HOLD);

	ck_assert_int_eq(decide(cf, ACK | FUP, 0, CARE_SKIP_NONE, &missing), CARE_FLAG);
	ck_assert_uint_eq(missing, EMP | SOL);
	config_free(cf);
}
END_TEST

START_TEST(skipped_always_accepted)
{
	struct config *cf = unit_config("Reject yes\nRejectMissing 1\nRejectIssues blame\n");
	unsigned missing;

	for (enum care_skip s = CARE_SKIP_NULL_SENDER; s < CARE_NSKIPS; s++) {
		ck_assert_int_eq(decide(cf, 0, BLA, s, &missing), CARE_ACCEPT);
		ck_assert_uint_eq(missing, 0);
	}
	config_free(cf);
}
END_TEST

START_TEST(required_elements)
{
	struct config *cf = unit_config("RequiredElements acknowledgment solution\n");
	unsigned missing;

	/* Only required elements can be missing. */
	ck_assert_int_eq(decide(cf, ACK | SOL, 0, CARE_SKIP_NONE, &missing), CARE_ACCEPT);
	ck_assert_uint_eq(missing, 0);
	ck_assert_int_eq(decide(cf, EMP | FUP, 0, CARE_SKIP_NONE, &missing), CARE_FLAG);
	ck_assert_uint_eq(missing, ACK | SOL);
	config_free(cf);

	/* Nothing required: never missing. */
	cf = unit_config("RequiredElements none\n");
	ck_assert_int_eq(decide(cf, 0, 0, CARE_SKIP_NONE, &missing), CARE_ACCEPT);
	ck_assert_uint_eq(missing, 0);
	config_free(cf);
}
END_TEST

START_TEST(thresholds_and_issue_sets)
{
	struct config *cf = unit_config("FlagMissing 2\nHoldMissing 0\nFlagIssues cliche\n"
	    "HoldIssues excuse conditional_apology\n");

	ACTION_EQ(cf, ACK | SOL | FUP, 0, CARE_ACCEPT);	/* 1 < 2 */
	ACTION_EQ(cf, ACK | SOL, 0, CARE_FLAG);
	ACTION_EQ(cf, 0, 0, CARE_FLAG);			/* never held by count */
	ACTION_EQ(cf, ALL, CLI, CARE_FLAG);
	ACTION_EQ(cf, ALL, BLA, CARE_ACCEPT);		/* in no set */
	ACTION_EQ(cf, ALL, EXC, CARE_HOLD);
	ACTION_EQ(cf, ALL, CON | CLI, CARE_HOLD);	/* highest tier wins */
	config_free(cf);

	cf = unit_config("FlagMissing 0\nFlagIssues none\nHoldIssues none\nHoldMissing 0\n");
	ACTION_EQ(cf, 0, CLI | CON | BLA | EXC, CARE_ACCEPT);
	config_free(cf);
}
END_TEST

START_TEST(reject_tier)
{
	struct config *on = unit_config("Reject yes\nRejectMissing 4\nRejectIssues blame\n");
	struct config *off = unit_config("Reject no\nRejectMissing 4\nRejectIssues blame\n");

	ACTION_EQ(on, 0, 0, CARE_REJECT);
	ACTION_EQ(on, ALL, BLA, CARE_REJECT);
	ACTION_EQ(on, ACK, 0, CARE_HOLD);		/* 3 missing: below reject */
	ACTION_EQ(on, ALL, CLI, CARE_FLAG);
	ACTION_EQ(on, ALL, 0, CARE_ACCEPT);
	/* Reject off: the reject tier is never reached. */
	ACTION_EQ(off, 0, 0, CARE_HOLD);
	ACTION_EQ(off, ALL, BLA, CARE_HOLD);
	config_free(on);
	config_free(off);
}
END_TEST

Suite *
suite_policy(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("tiers");

	tcase_add_test(tc, defaults);
	tcase_add_test(tc, skipped_always_accepted);
	tcase_add_test(tc, required_elements);
	tcase_add_test(tc, thresholds_and_issue_sets);
	tcase_add_test(tc, reject_tier);
	suite_add_tcase(s, tc);
	return s;
}
