/*
 * milter.h - the libmilter callbacks of care-milter.
 *
 * milter_register() hands libmilter the callbacks; the current engine
 * (configuration and rules) is read through milter_engine_get(), and
 * milter_engine_set() swaps in a new one on reload: messages in flight
 * finish with the engine they started with.  milter_journal_set() gives
 * the callbacks the verdict journal (or NULL).
 */
#ifndef CARE_MILTER_H
#define CARE_MILTER_H

#include "journal.h"
#include "pipeline.h"

int milter_register(void);
void milter_engine_set(struct engine *e);	/* takes the reference */
struct engine *milter_engine_get(void);		/* a new reference */
void milter_journal_set(struct journal *j);
void milter_shutdown(void);

#endif
