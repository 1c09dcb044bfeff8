/*
 * policy.h - findings to an action.
 *
 * The configuration names the required elements and, per tier (flag,
 * hold, reject), how many missing elements reach it and which issue
 * kinds reach it.  The highest tier reached wins; reject only applies
 * when Reject is on.  Skipped messages are always accepted.
 */
#ifndef CARE_POLICY_H
#define CARE_POLICY_H

#include "care.h"
#include "config.h"

/* Set v->missing and v->action from v->elements and v->issues. */
void policy_decide(const struct config *cf, struct care_verdict *v);

#endif
